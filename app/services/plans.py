"""Site plans for the map editor (docs/authoring.md): an uploaded plan image stored in the library's
scenario folder by its content hash, and the field of a scenario as the editor has it.

An uploaded image goes to `<content root>/injects/plans/uploaded/<sha256 prefix>.<type>`, the
folder a scenario made in the app finds its plan in (`library_versions.plan_folder`), so the same
`site.plan` path is checked, served and frozen into exercises like a shipped plan. The same image
uploaded twice is one file.
"""
import hashlib
from pathlib import Path
from typing import Any

from ..content.library import lined_document
from ..content.radiation import PLAN_SUFFIXES, plan_size_px, take_radiological_blocks
from ..engine import field as field_model
from ..errors import InvalidInput, NotFound
from ..offload import off_hub
from .library_versions import plan_folder
from flask_babel import gettext

MAX_PLAN_BYTES = 5 * 1024 * 1024
UPLOADED = "plans/uploaded"
MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
PREVIEW_SHAPE = (200, 200)


def save_plan(filename: str, content: bytes) -> dict[str, Any]:
    """Store an uploaded plan image; answer the `site.plan` path to write, its size and hash."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in PLAN_SUFFIXES:
        raise InvalidInput(gettext("a site plan is an image of type %(names)s", names=', '.join(PLAN_SUFFIXES)),
                           fields={"plan": [gettext("not an SVG, PNG or JPEG file")]})
    if not content:
        raise InvalidInput(gettext("the file is empty"), fields={"plan": [gettext("empty")]})
    if len(content) > MAX_PLAN_BYTES:
        raise InvalidInput(gettext("a site plan may be at most %(value)s MB", value=MAX_PLAN_BYTES // (1024 * 1024)),
                           fields={"plan": [gettext("too large")]})
    digest = hashlib.sha256(content).hexdigest()
    relative = f"{UPLOADED}/{digest[:16]}{'.jpg' if suffix == '.jpeg' else suffix}"
    target = plan_folder() / relative
    staging = target.with_name(f".part-{target.name}")  # the same suffix: the size is read by type
    target.parent.mkdir(parents=True, exist_ok=True)
    staging.write_bytes(content)
    try:
        width, height = plan_size_px(staging)
    except Exception as exc:  # unreadable or not the image it says it is: nothing is kept
        staging.unlink(missing_ok=True)
        raise InvalidInput(gettext("the image cannot be read: %(exc)s", exc=exc), fields={"plan": [gettext("unreadable image")]}) from None
    if not (width > 0 and height > 0):
        staging.unlink(missing_ok=True)
        raise InvalidInput(gettext("the image has no size"), fields={"plan": [gettext("no size")]})
    staging.replace(target)
    return {"plan": relative, "size_px": [width, height], "sha256": digest, "url": f"/api/v1/library/{relative}"}


def plan_file(relative: str) -> tuple[Path, str]:
    """A plan image under the library's scenario folder, by the path a `site.plan` names."""
    folder = plan_folder().resolve()
    try:
        file = (folder / relative).resolve()
        found = file.is_relative_to(folder / "plans") and file.suffix.lower() in MEDIA_TYPES and file.is_file()
    except (OSError, ValueError):  # a NUL, a name too long for the file system
        found = False
    if not found:
        raise NotFound(gettext("no site plan '%(value)s'", value=relative[:200]))
    return file, MEDIA_TYPES[file.suffix.lower()]


def preview_field(document: dict, at_s: float = 0.0) -> dict[str, Any]:
    """The field of a scenario's `site` and `radiation` as the editor has them: the blocks' problems
    (field paths), or the site's bounds and the isolines at 0.3 µSv/h, 100 µSv/h and 100 mSv/h."""
    raw = lined_document(document)
    _, blocks = take_radiological_blocks(raw)
    data: dict[str, Any] = {"teams": document.get("teams") if isinstance(document.get("teams"), list) else []}
    problems = blocks.check(data, plan_folder())
    if problems:
        return {"problems": [{"path": p.path, "message": p.message} for p in problems], "bounds": None,
                "isolines": None, "max_uSv_h": None}
    missing = [block for block in ("site", "radiation") if block not in data]
    if missing:
        return {"problems": [{"path": block, "message": f"the field needs a {block} block"} for block in missing],
                "bounds": None, "isolines": None, "max_uSv_h": None}
    return off_hub(_field, data["site"], data["radiation"], at_s, what="computing the field")


def _field(site: dict, radiation: dict, at_s: float) -> dict[str, Any]:
    model = field_model.FieldModel.from_content(site, radiation)
    bounds = tuple(site.get("bounds") or model.bounds)
    grid = model.grid(bounds, PREVIEW_SHAPE, at_s)
    return {"problems": [], "bounds": list(bounds), "isolines": field_model.isolines(grid, bounds),
            "max_uSv_h": float(grid.max())}
