"""The report's spatial decisions: every zone drawn, how its rules judged it over time, drawn against expected.

Fed the exercise's `zone.*` and `step.rule` events in order (by the report, `engine/aar.py`); pure.
For each zone: when it was drawn, changed, removed and decided on, by whom. For each step with a
spatial rule and each team: every verdict with its reason, and when the rule first held (the
moment the cordon was adequate). At the end: each expected zone against what each team drew, and
a figure of the site (places, the zones as they stood, the expected ones) in site metres.
"""
from collections.abc import Mapping
from typing import Any

from .spatial import ZONE_KINDS, SpatialError, compare_zones, merge_zones, places_from_json, zone_from_json

FIGURE_POINTS = 96  # a circle in the figure: this many points


class SpatialHistory:
    def __init__(self, scenario: Mapping[str, Any], checklist: Mapping[str, Any]):
        self.scenario = scenario
        self.texts = {s["id"]: s.get("text", "") for s in checklist.get("steps") or []}
        self.zones: dict[str, dict[str, Any]] = {}
        self.rules: dict[tuple[str, str], dict[str, Any]] = {}

    def take(self, ev: Mapping[str, Any]) -> None:
        data = ev.get("payload") or ev.get("data") or {}
        kind, at_s = ev["type"], ev.get("exercise_time_s")
        if kind == "observation":
            observation = data.get("observation") or {}
            entry = self.zones.get(observation.get("zone"))
            if entry is not None:
                entry["history"].append({"at_s": observation.get("exercise_time_s", at_s), "what": "observed",
                                         "by": observation.get("evaluator"), "text": observation.get("text", "")})
            return
        if kind == "step.rule":
            entry = self.rules.setdefault((data.get("team"), data.get("step")), {
                "team": data.get("team"), "step": data.get("step"), "text": self.texts.get(data.get("step"), ""),
                "verdicts": [], "adequate_at_s": None})
            entry["verdicts"].append({"at_s": at_s, "ok": bool(data.get("ok")), "reason": data.get("reason", "")})
            if data.get("ok") and entry["adequate_at_s"] is None:
                entry["adequate_at_s"] = data.get("since_s", at_s)
            return
        zone = data.get("zone") or {}
        if not zone.get("id") or zone.get("kind") not in ZONE_KINDS:
            return
        entry = self.zones.get(zone["id"])
        if entry is None:
            entry = self.zones[zone["id"]] = {
                "id": zone["id"], "kind": zone["kind"], "label": ZONE_KINDS[zone["kind"]].label,
                "team": zone.get("team"), "drawn_at_s": at_s, "removed_at_s": None, "geometry": None,
                "history": []}
        step = {"at_s": at_s, "what": kind.split(".", 1)[1], "by": ev.get("actor")}
        if kind in ("zone.drawn", "zone.changed"):
            entry["geometry"] = zone.get("geometry")
            step["geometry"] = zone.get("geometry")
        elif kind == "zone.removed":
            entry["removed_at_s"] = at_s
        elif kind == "zone.decided":
            step["decision"] = dict(data.get("decision") or {})
        entry["history"].append(step)

    def section(self, teams: list[Mapping[str, Any]]) -> dict[str, Any] | None:
        """The report's section, or None when the exercise drew nothing and judged nothing."""
        site = self.scenario.get("site")
        if not site or (not self.zones and not self.rules):
            return None
        places = places_from_json(site.get("places") or [])
        standing = [z for z in self.zones.values() if z["removed_at_s"] is None and z["geometry"]]
        expected = []
        for index, item in enumerate((self.scenario.get("zones") or {}).get("expected") or []):
            try:
                wanted = zone_from_json({k: v for k, v in item.items() if k != "step"}, places=places)
            except SpatialError:
                continue
            for team in teams:
                drawn = [_zone(z) for z in standing if z["kind"] == wanted.kind
                         and (ZONE_KINDS[z["kind"]].public or z["team"] == team["key"])]
                drawn = [z for z in drawn if z is not None]
                comparison = compare_zones(merge_zones(drawn) if drawn else None, wanted)
                expected.append({"expected": index, "team": team["key"], "kind": wanted.kind,
                                 "label": wanted.label, "summary": comparison.summary,
                                 "agreement": comparison.agreement, "geometry": outline(wanted.geometry)})
        figure = {
            "bounds": site.get("bounds"),
            "places": [{"id": p.id, "name": p.name, "at": [p.x, p.y]} for p in places.values()],
            "zones": [{"id": z["id"], "kind": z["kind"], "label": z["label"], "public": ZONE_KINDS[z["kind"]].public,
                       "outline": outline(_zone(z).geometry)} for z in standing if _zone(z) is not None],
            "expected": [{"kind": e["kind"], "outline": e["geometry"]} for e in expected
                         if e["team"] == (teams[0]["key"] if teams else None)],
        }
        return {"zones": list(self.zones.values()),
                "rules": sorted(self.rules.values(), key=lambda r: (r["step"], r["team"])),
                "expected": [{k: v for k, v in e.items() if k != "geometry"} for e in expected],
                "figure": figure}


def _zone(record: Mapping[str, Any]):
    try:
        return zone_from_json({"id": record["id"], "kind": record["kind"], "geometry": record["geometry"]})
    except SpatialError:
        return None


def outline(geometry) -> list[list[float]]:
    """The outer outline of a shape as [x, y] points (a point: itself), rounded to the decimetre."""
    if geometry.geom_type == "Point":
        return [[round(geometry.x, 1), round(geometry.y, 1)]]
    if geometry.geom_type == "MultiPolygon":
        geometry = max(geometry.geoms, key=lambda g: g.area)
    ring = geometry.exterior.simplify(0.5) if hasattr(geometry, "exterior") else geometry
    return [[round(x, 1), round(y, 1)] for x, y in ring.coords]
