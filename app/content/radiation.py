"""Check and normalize a scenario's `site:` and `radiation:` blocks (docs/radiation.md).

`take_radiological_blocks` splits them off the scenario as read, so the scenario schema sees the
rest; `RadiologicalBlocks.check` loads them with `app.schemas.radiation`, then checks what a
schema cannot: the plan image (found, readable, its size and content hash), places and their
ids, every position inside the plan's extent, polygons that do not cross themselves, unique ids.
Messages carry the line to fix (a file) or the field path (an editor document), like every
content message. The schema and shapely (which bring
numpy) are imported when a scenario has these blocks, not when the server starts.
"""
import hashlib
import math
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from app.engine.guidance import OCCUPATIONAL_TASKS, TURN_BACK_TASKS
from app.engine.nuclides import get_nuclide

from .checks import Problem, ProblemList, did_you_mean, load_with_schema, plain_document, records, spot_of, unique
from .yamlsrc import LineDict
from flask_babel import gettext

__all__ = ["BLOCKS", "PLAN_SUFFIXES", "RadiologicalBlocks", "plan_size_px", "take_radiological_blocks"]

BLOCKS = ("site", "radiation", "instruments", "responders")
PLAN_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg")


def _subset(raw: LineDict, keep) -> LineDict:
    part = LineDict((key, value) for key, value in raw.items() if keep(key))
    part.line = raw.line
    part.lines = {key: line for key, line in raw.lines.items() if keep(key)}
    part.path = getattr(raw, "path", "")
    return part


def take_radiological_blocks(raw) -> tuple:
    """(the scenario without `site` and `radiation`, those blocks to check)."""
    if not isinstance(raw, LineDict) or not any(key in raw for key in BLOCKS):
        return raw, RadiologicalBlocks(None)
    return _subset(raw, lambda key: key not in BLOCKS), RadiologicalBlocks(_subset(raw, lambda key: key in BLOCKS))


def plan_size_px(file: Path) -> tuple[float, float]:
    """Width and height in pixels of a plan image (SVG: its viewBox, or width/height in px)."""
    if file.suffix.lower() == ".svg":
        root = ElementTree.parse(file).getroot()
        if not root.tag.endswith("svg"):
            raise ValueError("not an SVG image (the root element is not <svg>)")
        box = root.get("viewBox")
        if box:
            parts = box.replace(",", " ").split()
            if len(parts) == 4:
                return float(parts[2]), float(parts[3])
        width, height = root.get("width", ""), root.get("height", "")
        try:
            return float(width.removesuffix("px")), float(height.removesuffix("px"))
        except ValueError:
            raise ValueError("the SVG has no viewBox and no width/height in pixels: add a viewBox") from None
    from PIL import Image  # only for PNG and JPEG plans

    with Image.open(file) as image:
        return float(image.size[0]), float(image.size[1])


@dataclass
class RadiologicalBlocks:
    raw: LineDict | None

    def check(self, data: dict | None, folder: Path | None) -> list[Problem]:
        """Check the blocks; when they and the scenario (`data`) are valid, add the normalized
        `site` and `radiation` to `data`. `folder` is the scenario file's folder (None when the
        scenario did not come from a file). Returns the problems, each with its line and field path."""
        if self.raw is None:
            return []
        from app.schemas.radiation import RadiologicalSchema

        loaded, problems = load_with_schema(RadiologicalSchema(), self.raw)
        if loaded is None:
            return problems
        checker = _Checker(folder)
        site = checker.site(loaded.get("site"), self.raw.get("site")) if "site" in loaded else None
        radiation = checker.radiation(loaded["radiation"], self.raw.get("radiation"), site) \
            if "radiation" in loaded else None
        teams = {team.get("key") for team in (data or {}).get("teams") or []} if data is not None else None
        responders = checker.responders(loaded["responders"], self.raw.get("responders"), site, teams) \
            if "responders" in loaded else None
        instruments = checker.instruments(loaded["instruments"], self.raw.get("instruments"), teams) \
            if "instruments" in loaded else None
        if data is not None and not checker.problems:
            # The blocks as written too (units and place names as the author put them): what a
            # content file is written back from (content/yamlout.py) and what an MSEL import keeps.
            data.setdefault("as_written", {}).update(plain_document(self.raw))
            for key, block in (("site", site), ("radiation", radiation), ("responders", responders),
                               ("instruments", instruments)):
                if block is not None:
                    data[key] = block
        return list(checker.problems)


def _within(bounds, point) -> bool:
    xmin, ymin, xmax, ymax = bounds
    return xmin <= point[0] <= xmax and ymin <= point[1] <= ymax


def _describe(bounds) -> str:
    xmin, ymin, xmax, ymax = bounds
    return f"x {xmin:g} to {xmax:g} m, y {ymin:g} to {ymax:g} m"


class _Checker:
    def __init__(self, folder: Path | None):
        self.folder = folder
        self.problems = ProblemList()
        self.places: dict[str, list[float]] = {}
        self.bounds = None

    # -- site --------------------------------------------------------------------------------

    def site(self, site: dict, raw: LineDict) -> dict:
        plan_spot = spot_of(raw, "plan")
        size, digest = self._plan(site["plan"], plan_spot)
        mpp = site["metres_per_pixel"]
        ox, oy = site["origin_px"]
        if size is not None:
            width, height = size
            self.bounds = (-ox * mpp, (oy - height) * mpp, (width - ox) * mpp, oy * mpp)
        for place, record in zip(site["places"], records(raw, "places")):
            if place["id"] in self.places:
                self.problems.add(spot_of(record, "id"), gettext("site: duplicate place id '%(id)s'", id=place['id']))
            self.places[place["id"]] = place["at"]
            self._inside(place["at"], spot_of(record, "at"), f"place {place['id']}")
        georeference = site.get("georeference")
        if georeference:
            first, second = georeference
            if first["at"] == second["at"] or (first["lat"], first["lon"]) == (second["lat"], second["lon"]):
                self.problems.add(spot_of(raw, "georeference"),
                                  gettext("site: the two georeference points must differ, in site metres and in lat/lon"))
        return {
            "plan": site["plan"], "plan_sha256": digest, "plan_size_px": list(size) if size else None,
            "metres_per_pixel": mpp, "origin_px": [ox, oy],
            "bounds": list(self.bounds) if self.bounds else None,
            "places": site["places"], "georeference": georeference,
        }

    def _plan(self, plan: str, spot):
        where = f"site: plan image '{plan}'"
        if self.folder is None:
            self.problems.add(spot, gettext("%(where)s cannot be found: this scenario did not come from a file in the library; put it and its plan in the library's folders", where=where))
            return None, None
        if Path(plan).suffix.lower() not in PLAN_SUFFIXES:
            self.problems.add(spot, gettext("%(where)s: use an image of type %(names)s", where=where, names=', '.join(PLAN_SUFFIXES)))
            return None, None
        file = (self.folder / plan).resolve()
        if not file.is_relative_to(self.folder.resolve()):
            self.problems.add(spot, gettext("%(where)s: the path must lead to a file in the scenario's folder or below it", where=where))
            return None, None
        if not file.is_file():
            self.problems.add(spot, gettext("%(where)s not found (looked for %(file)s); the path is relative to the scenario file's folder", where=where, file=file))
            return None, None
        try:
            content = file.read_bytes()
            width, height = plan_size_px(file)
        except (OSError, ValueError, ElementTree.ParseError) as exc:
            self.problems.add(spot, gettext("%(where)s cannot be read: %(exc)s", where=where, exc=exc))
            return None, None
        if not (width > 0 and height > 0 and math.isfinite(width) and math.isfinite(height)):
            self.problems.add(spot, gettext("%(where)s has no size (%(width)g × %(height)g px)", where=where, width=width, height=height))
            return None, None
        return (width, height), hashlib.sha256(content).hexdigest()

    def _inside(self, point, spot, label: str) -> None:
        if self.bounds is not None and not _within(self.bounds, point):
            self.problems.add(spot, gettext("%(label)s at [%(value)g, %(value2)g] is outside the site plan (%(value3)s)", label=label, value=point[0], value2=point[1], value3=_describe(self.bounds)))

    def _position(self, value, spot, label: str) -> list[float] | None:
        """A place id or point resolved to [x, y], checked to lie on the plan."""
        if isinstance(value, str):
            if value not in self.places:
                known = f"{did_you_mean(value, self.places)}" if self.places else \
                    " (the scenario has no site places)"
                self.problems.add(spot, gettext("%(label)s: unknown place '%(value)s'%(known)s", label=label, value=value, known=known))
                return None
            return list(self.places[value])
        self._inside(value, spot, label)
        return value

    def _outline(self, points, spot, label: str, closed: bool) -> None:
        from shapely import LineString, Polygon
        from shapely.validation import explain_validity

        for point in points:
            if self.bounds is not None and not _within(self.bounds, point):
                self._inside(point, spot, f"{label}: point")
                break
        shape = Polygon(points) if closed else LineString(points)
        if closed and not shape.is_valid:
            self.problems.add(spot, gettext("%(label)s: polygon is not valid (%(value)s): its outline must not cross itself", label=label, value=explain_validity(shape)))
        elif shape.length == 0:
            self.problems.add(spot, gettext("%(label)s: the points are all the same", label=label))

    # -- radiation ---------------------------------------------------------------------------

    def radiation(self, radiation: dict, raw: LineDict, site: dict | None) -> dict:
        sources = []
        raw_sources = records(raw, "sources")
        unique(raw_sources, "id", "source id", self.problems)
        for source, record in zip(radiation["sources"], raw_sources):
            sources.append(self._source(source, record))
        raw_shields = records(raw, "shields")
        unique(raw_shields, "id", "shield id", self.problems)
        shields = []
        for shield, record in zip(radiation["shields"], raw_shields):
            kind = "enclosure" if "polygon" in shield else "wall"
            key = "polygon" if kind == "enclosure" else "line"
            points = shield[key]
            self._outline(points, spot_of(record, key), f"shield {shield['id']}", closed=kind == "enclosure")
            shields.append({"id": shield["id"], "kind": kind, "points": points,
                            "material": shield["material"], "thickness_m": shield["thickness_m"]})
        raw_deposition = records(raw, "deposition")
        unique(raw_deposition, "id", "deposition id", self.problems)
        deposition = [self._deposit(item, record, index)
                      for index, (item, record) in enumerate(zip(radiation["deposition"], raw_deposition))]
        return {"background_usv_h": radiation["background_usv_h"], "sources": sources,
                "shields": shields, "deposition": deposition}

    # -- who is on the site with what ----------------------------------------------------------

    def _team_key(self, team: str, raw: LineDict, teams: set | None, block: str) -> bool:
        if teams is not None and team not in teams:
            self.problems.add(spot_of(raw, team), gettext("%(block)s: unknown team '%(team)s'%(value)s", block=block, team=team, value=did_you_mean(team, teams)))
            return False
        return True

    def responders(self, block: dict, raw: LineDict, site: dict | None, teams: set | None) -> dict:
        task_types = (*TURN_BACK_TASKS, *OCCUPATIONAL_TASKS)

        if site is None:
            self.problems.add(raw.line, gettext("responders: a scenario with responders needs a site (where they stand)"))
            return {}
        out = {}
        for team, crew in block.items():
            record = raw.get(team)
            if not self._team_key(team, raw, teams, "responders"):
                continue
            start = crew.get("start")
            start_at = (self._position(start, spot_of(record, "start"), f"responders {team}: start")
                        if start is not None else None)
            members = [dict(m) for m in crew.get("crew") or []]
            raw_crew = record.get("crew") if isinstance(record, LineDict) else None
            raw_crew = raw_crew if isinstance(raw_crew, list) else [None] * len(members)
            checks = [(f"responders {team}", crew.get("task"), spot_of(record, "task"))]
            for index, (member, raw_member) in enumerate(zip(members, raw_crew)):
                label = f"responders {team}: {member['name']}"
                here = raw_member if isinstance(raw_member, LineDict) else None
                if member.get("start") is not None:
                    member["start"] = self._position(member["start"], spot_of(here or raw_crew, "start" if here else index),
                                                     f"{label}: start")
                checks.append((label, member.get("task"), spot_of(here or raw_crew, "task" if here else index)))
            for label, task, spot in checks:
                if task is not None and task not in task_types:
                    self.problems.add(spot, gettext("%(label)s: unknown task type '%(task)s'%(value)s", label=label, task=task, value=did_you_mean(task, task_types)))
            out[team] = {"crew": members, "count": crew.get("count"), "start": start_at,
                         "task": crew.get("task"), "mode": crew.get("mode")}
        return out

    def instruments(self, block: dict, raw: LineDict, teams: set | None) -> dict:
        out = {}
        for team, issues in block.items():
            if self._team_key(team, raw, teams, "instruments"):
                out[team] = [{"kind": issue["kind"], "count": issue["count"],
                              "settings": {key: [list(v) if isinstance(v, tuple) else v for v in value]
                                           if isinstance(value, (list, tuple)) else value
                                           for key, value in issue["settings"].items()}}
                             for issue in issues]
        return out

    def _source(self, source: dict, record: LineDict) -> dict:
        label = f"source {source['id']}"
        if not get_nuclide(source["nuclide"]).emits_gamma:
            self.problems.add(spot_of(record, "nuclide"),
                              gettext("%(label)s: %(nuclide)s emits no useful gamma, so a point source of it reads nothing; describe it as deposition (contamination) instead", label=label, nuclide=source['nuclide']))
        at = self._position(source["at"], spot_of(record, "at"), label)
        changes = []
        for change, raw_change in zip(source["changes"], records(record, "changes")):
            normalized = {"at_s": change["at_s"]}
            if "moved_to" in change:
                moved = self._position(change["moved_to"], spot_of(raw_change, "moved_to"), f"{label}: moved_to")
                normalized["moved_to"] = moved
                if isinstance(change["moved_to"], str):
                    normalized["moved_to_place"] = change["moved_to"]
            for key in ("height_m", "shield", "activity_bq", "removed"):
                if key in change:
                    normalized[key] = change[key]
            changes.append(normalized)
        return {
            "id": source["id"], "nuclide": source["nuclide"], "activity_bq": source["activity_bq"],
            "at": at, "place": source["at"] if isinstance(source["at"], str) else None,
            "height_m": source["height_m"], "from_s": source["from_s"], "until_s": source["until_s"],
            "shield": source["shield"], "changes": sorted(changes, key=lambda change: change["at_s"]),
        }

    def _deposit(self, item: dict, record: LineDict, index: int) -> dict:
        label = f"deposition {item.get('id') or '#' + str(index + 1)}"
        if "plume" in item:
            plume = item["plume"]
            raw_plume = record.get("plume")
            release = self._position(plume["release"], spot_of(raw_plume, "release"), f"{label}: release")
            return {"id": item.get("id"), "kind": "plume", "at_s": item["at_s"], "release": release,
                    **{key: value for key, value in plume.items() if key != "release"}}
        self._outline(item["polygon"], spot_of(record, "polygon"), label, closed=True)
        return {"id": item.get("id"), "kind": "area", "at_s": item["at_s"], "polygon": item["polygon"],
                "nuclide": item["nuclide"], "activity_bq_m2": item["activity_bq_m2"]}
