"""Site plans for the scenario editor's map (docs/authoring.md): upload an image, fetch it, and see
the field of the sources as they are being placed."""
from flask import send_file
from marshmallow import fields, validate

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


class FieldPreviewIn(StrictSchema):
    document = fields.Dict(required=True, metadata={"description": "the scenario as the editor has it"})
    at_s = fields.Float(load_default=0.0, validate=validate.Range(min=0, max=10 * 24 * 3600), allow_nan=False)


class FieldPreviewOut(Out):
    problems = fields.List(fields.Dict(), metadata={"description": "the site and radiation blocks' problems "
                                                                   "({path, message}); none: the field below"})
    bounds = fields.List(fields.Float(), allow_none=True)
    isolines = fields.Dict(allow_none=True)
    max_uSv_h = fields.Float(allow_none=True)


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


@blp.route("/field-preview", methods=["POST"])
@caller("staff")
@blp.arguments(FieldPreviewIn)
@blp.response(200, FieldPreviewOut)
def field_preview(body, caller):
    """The field of the scenario's site and sources as the editor has them (isolines at 0.3 µSv/h,
    100 µSv/h and 100 mSv/h), or the problems that keep it from being computed. Nothing is saved."""
    return plans.preview_field(body["document"], body["at_s"])
