"""Site plans for the scenario editor's map (docs/authoring.md): upload an image and fetch it. (The
field preview of the sources being placed is in api/library.py: it reads JSON, not a form.)"""
from flask import send_file
from marshmallow import fields

from ..auth import caller
from ..schemas.api import StrictSchema
from ..schemas.msel import UploadedFile
from ..schemas.out import Out, file_response
from ..services import plans
from .base import api_blueprint
from .msel import _UploadParser

blp = api_blueprint("plans", __name__, url_prefix="/api/v1/library",
                    description="Site plans and the field preview of the scenario editor")
blp.ARGUMENTS_PARSER = _UploadParser()
blp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**blp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "form_and_files": "multipart/form-data"}


class PlanUpload(StrictSchema):
    plan = UploadedFile(required=True, metadata={"description": "an SVG, PNG or JPEG image of the site, at most 5 MB"})


class PlanOut(Out):
    plan = fields.String(metadata={"description": "the path to write as the scenario's site.plan"})
    size_px = fields.List(fields.Float())
    sha256 = fields.String()
    url = fields.String()


@blp.route("/plans", methods=["POST"])
@caller("controller")
@blp.arguments(PlanUpload, location="form_and_files")
@blp.response(201, PlanOut)
def upload(body, caller):
    """Store a site plan image (by its content: the same image twice is one file); write the answer's
    `plan` into the scenario's `site.plan`."""
    file = body["plan"]
    content = file.stream.read(plans.MAX_PLAN_BYTES + 1)
    return plans.save_plan(file.filename, content), 201


@blp.route("/plans/<path:name>", methods=["GET"])
@caller("staff")
@blp.doc(responses=file_response("The site plan image", "image/svg+xml", "image/png", "image/jpeg"))
def plan(name: str, caller):
    """A site plan image of the library (`plans/...`, as a scenario's site.plan names it)."""
    file, media_type = plans.plan_file(f"plans/{name}")
    return send_file(file, mimetype=media_type, max_age=3600)
