"""The site plan of an exercise for its maps: the plan image, its extent, the named places, and
which kinds of zone the caller may draw (docs/zones.md). Never a source or the field: those are
staff's (the radiological picture), and a team's map must not give away where the source is.
"""
import hashlib
from pathlib import Path
from typing import Any

from ..engine.spatial import PROTECTIVE_ACTIONS, ZONE_KINDS
from ..errors import Conflict, NotFound
from ..models import DocumentKind, Exercise
from .exercises import get_exercise
from .library_versions import find_document, plan_folder
from flask_babel import gettext

MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def site_view(exercise_id: int, *, agency: str | None, staff: bool, may_draw: bool) -> dict[str, Any]:
    """The site as a map shows it; `agency` (a team's) decides which kinds it may draw."""
    exercise = get_exercise(exercise_id)
    site = exercise.scenario.site
    if not site:
        raise NotFound(gettext("exercise %(exercise_id)s has no site plan", exercise_id=exercise_id))
    draw = (exercise.scenario.zones or {}).get("draw") or {}
    kinds = []
    for kind in ZONE_KINDS.values():
        allowed = may_draw and (staff or kind.key not in draw or agency in draw[kind.key])
        kinds.append({"key": kind.key, "label": kind.label, "title": kind.title, "public": kind.public,
                      "shape": kind.shape, "may_draw": bool(allowed)})
    return {"plan_url": f"/api/v1/exercises/{exercise.id}/site/plan", "bounds": site.get("bounds"),
            "size_px": site.get("plan_size_px"), "metres_per_pixel": site.get("metres_per_pixel"),
            "places": [{"id": p["id"], "name": p.get("name") or p["id"], "at": p["at"]} for p in site.get("places") or []],
            "wind_from": (exercise.scenario.zones or {}).get("wind_from"), "zone_kinds": kinds,
            "actions": [{"key": a.key, "label": a.label, "zone_kinds": list(a.zone_kinds)}
                        for a in PROTECTIVE_ACTIONS.values()]}


def plan_file(exercise: Exercise) -> tuple[Path, str]:
    """The plan image the exercise was made with: its file and media type. 409 when the file in the
    library is no longer the one the exercise froze (its hash differs)."""
    site = exercise.scenario.site
    if not site:
        raise NotFound(gettext("exercise %(id)s has no site plan", id=exercise.id))
    try:
        folder = plan_folder(find_document(DocumentKind.SCENARIO, exercise.scenario_id))
    except NotFound:
        folder = plan_folder()
    file = (folder / site["plan"]).resolve()
    if not file.is_relative_to(folder.resolve()) or not file.is_file():
        raise NotFound(gettext("the site plan '%(plan)s' is no longer in the library", plan=site['plan']))
    if site.get("plan_sha256") and hashlib.sha256(file.read_bytes()).hexdigest() != site["plan_sha256"]:
        raise Conflict(gettext("the site plan '%(plan)s' changed in the library since this exercise was made", plan=site['plan']))
    return file, MEDIA_TYPES.get(file.suffix.lower(), "application/octet-stream")
