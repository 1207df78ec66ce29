"""Zones teams draw on the site map, protective-action decisions, and the spatial rules of checklist steps.

Every change is an event (`zone.drawn`, `zone.changed`, `zone.removed`, `zone.decided`) whose
payload holds the zone in site metres; the zones of an exercise are those events folded, never a
table of their own, so the log is the only record (and the audit covers it). A public kind (a
cordon, the public information centre) is seen by every team; a working area by the team that drew
it and by staff (`app/engine/spatial/vocabulary.py`).

Spatial rules (docs/zones.md) are judged for each team that a step applies to, over the team's own
zones and every public one, at each change of a zone and on every scheduler pass (the field moves
with time and with the controller's source changes). A verdict that changes is announced as a
`step.rule` event for the team and staff, with its reason; SOP compliance reads the current
verdicts: a rule step is done from the moment its rule last became true, and open again when it
stops being true (`engine.compliance.completions_with_rules`).
"""
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..engine import field as field_model
from ..engine.spatial_report import outline
from ..engine.spatial import (ZONE_KINDS, RuleMemo, SpatialContext, SpatialError, Zone,
                              compare_zones, evaluate_rules, merge_zones, parse_rule, places_from_json,
                              zone_from_json)
from ..errors import Conflict
from ..extensions import db
from ..offload import off_hub
from ..models import Event, Exercise
from .events import EVERYONE, STAFF_ONLY, append_event, iter_events
from .exercises import get_exercise
from .timing import elapsed, wall_now
from flask_babel import gettext

ZONE_EVENTS = ("zone.drawn", "zone.changed", "zone.removed", "zone.decided")
VERDICT_EVENT = "step.rule"
SOURCE_EVENT = "source.changed"
FIELD_STEP_S = 60.0  # the field's regions are traced again after this much exercise time
MAX_ZONES = 200  # per exercise, drawn and not removed


# -- the exercise's spatial setting --------------------------------------------------------------

@dataclass
class Setting:
    """What judging an exercise's zones needs from its frozen scenario and checklist."""

    places: dict
    bounds: tuple | None
    wind_from_deg: float | None
    rules: dict  # step id -> rule value
    draw: dict  # zone kind -> agencies allowed (absent: every agency)
    expected: list


_SETTINGS: dict[tuple, Setting | None] = {}


def setting(exercise: Exercise) -> Setting | None:
    """The exercise's places, site bounds, wind and step rules; None when its scenario has no site.
    Read once per frozen scenario and checklist (by their hashes)."""
    key = (exercise.scenario_hash, exercise.checklist_hash)
    if key not in _SETTINGS:
        if len(_SETTINGS) > 256:
            _SETTINGS.clear()
        _SETTINGS[key] = _read_setting(exercise)
    return _SETTINGS[key]


def _read_setting(exercise: Exercise) -> Setting | None:
    scenario, checklist = exercise.scenario, exercise.checklist
    site = scenario.site
    if not site:
        return None
    zones = scenario.zones
    written = {s["id"]: s["rule"] for s in checklist.steps if s.get("rule") is not None}
    written.update(zones.get("rules") or {})
    places = places_from_json(site.get("places") or [])
    rules = {step: parse_rule(rule, places=places, path=f"rules.{step}")
             for step, rule in written.items() if rule is not None}
    return Setting(places=places, bounds=_bounds(site), wind_from_deg=_wind(zones, scenario.radiation),
                   rules=rules, draw=dict(zones.get("draw") or {}),
                   expected=list(zones.get("expected") or []))


def _bounds(site: Mapping) -> tuple | None:
    bounds = site.get("bounds")
    return tuple(bounds) if bounds else None


def _wind(zones: Mapping, radiation: Mapping | None) -> float | None:
    if zones.get("wind_from") is not None:
        return float(zones["wind_from"])
    for deposit in (radiation or {}).get("deposition") or []:
        plume = deposit.get("plume")
        if plume and plume.get("wind_from_deg") is not None:
            return float(plume["wind_from_deg"])
    return None


def require_setting(exercise: Exercise) -> Setting:
    found = setting(exercise)
    if found is None:
        raise Conflict(gettext("this exercise's scenario has no site plan: there is no map to draw zones on"))
    return found


# -- reading the zones from the log ---------------------------------------------------------------

@dataclass
class _Fold:
    seq: int = 0
    hash: str | None = None
    zones: dict = field(default_factory=dict)  # zone id -> record
    verdicts: dict = field(default_factory=dict)  # (team, step) -> verdict
    client_ids: dict = field(default_factory=dict)  # (team, client id) -> zone id
    source_changes: list = field(default_factory=list)  # the controller's changes to sources, in order
    count: int = 0


_FOLDS: dict[int, _Fold] = {}
_MEMO = RuleMemo()


def folded(exercise: Exercise) -> _Fold:
    """The zones and verdicts of an exercise, read on from where this process last read its log.

    A cached fold is trusted only if the event it stopped at is still there with the same hash (a
    transaction that rolled back may have given that seq to another event)."""
    fold = _FOLDS.get(exercise.id)
    if fold is not None and fold.seq:
        stored = db.session.scalar(select(Event.hash).where(Event.exercise_id == exercise.id, Event.seq == fold.seq))
        if stored != fold.hash:
            fold = None
    if fold is None or fold.seq > exercise.last_seq:
        fold = _Fold()
    if fold.seq < exercise.last_seq:
        for row in iter_events(exercise.id, after_seq=fold.seq, upto_seq=exercise.last_seq,
                               types=[*ZONE_EVENTS, VERDICT_EVENT, SOURCE_EVENT]):
            _apply(fold, row["type"], row["payload"], row["exercise_time_s"])
        fold.seq, fold.hash = exercise.last_seq, exercise.last_hash  # read up to the head, whatever its type
    _FOLDS[exercise.id] = fold
    return fold


def _apply(fold: _Fold, type_: str, data: Mapping, at_s: float) -> None:
    if type_ == SOURCE_EVENT:
        if isinstance(data.get("change"), Mapping):
            fold.source_changes.append(dict(data["change"]))
        return
    if type_ == VERDICT_EVENT:
        fold.verdicts[(data["team"], data["step"])] = dict(data)
        return
    zone = data["zone"]
    if type_ == "zone.drawn":
        fold.count += 1
        fold.zones[zone["id"]] = {**zone, "drawn_at_s": at_s, "changed_at_s": at_s, "decisions": []}
        if data.get("client_id"):
            fold.client_ids[(zone.get("team"), data["client_id"])] = zone["id"]
    elif type_ == "zone.changed" and zone["id"] in fold.zones:
        fold.zones[zone["id"]].update({**zone, "changed_at_s": at_s})
    elif type_ == "zone.removed":
        fold.zones.pop(zone["id"], None)
    elif type_ == "zone.decided" and zone["id"] in fold.zones:
        fold.zones[zone["id"]]["decisions"].append(dict(data["decision"]))


def audience(kind: str, team: str | None) -> list[str] | None:
    """Who is sent a zone's events: everyone for a public kind, else its team (and staff)."""
    if ZONE_KINDS[kind].public:
        return EVERYONE
    return [team] if team else STAFF_ONLY


def may_see(zone: Mapping, team_key: str | None) -> bool:
    """Whether a team sees a zone (staff: team_key None, see every zone)."""
    return team_key is None or ZONE_KINDS[zone["kind"]].public or zone.get("team") == team_key


def zone_view(zone: Mapping) -> dict[str, Any]:
    return {"id": zone["id"], "kind": zone["kind"], "label": ZONE_KINDS[zone["kind"]].label,
            "public": ZONE_KINDS[zone["kind"]].public, "geometry": zone["geometry"], "team": zone.get("team"),
            "by": zone.get("by"), "drawn_at_s": zone.get("drawn_at_s"), "changed_at_s": zone.get("changed_at_s"),
            "decisions": list(zone.get("decisions") or [])}


def list_zones(exercise_id: int, team_key: str | None) -> list[dict[str, Any]]:
    """The zones standing now: every one for staff, a team's own and the public ones for a team."""
    exercise = get_exercise(exercise_id)
    return [zone_view(z) for z in folded(exercise).zones.values() if may_see(z, team_key)]


# -- judging ------------------------------------------------------------------------------------------

_MODELS: dict[str, field_model.FieldModel] = {}


def field_context(exercise: Exercise, place: Setting, at_s: float) -> SpatialContext:
    radiation = exercise.scenario.radiation
    if not radiation:
        return SpatialContext(wind_from_deg=place.wind_from_deg, site_bounds=place.bounds)
    model = _MODELS.get(exercise.scenario_hash)
    if model is None:
        model = _MODELS[exercise.scenario_hash] = field_model.FieldModel.from_content(exercise.scenario.site,
                                                                                      radiation)
    changes = source_changes(exercise)
    step = max(0.0, at_s - at_s % FIELD_STEP_S)
    version = model.cache_key(step, changes)

    def region_above(level_usv_h: float):
        return off_hub(field_model.region_above, model, level_usv_h, step, changes, what="tracing the field")

    return SpatialContext(wind_from_deg=place.wind_from_deg, region_above=region_above, field_version=version,
                          site_bounds=place.bounds)


def source_changes(exercise: Exercise) -> list[dict]:
    """The controller's live changes to sources, in the field model's form, in order."""
    return list(folded(exercise).source_changes)


def judge(exercise: Exercise, now: datetime | None = None) -> dict[tuple[str, str], dict]:
    """Judge every spatial rule for every team it applies to; announce each verdict that changed
    (`step.rule`, to the team and staff). Returns the current verdicts by (team, step)."""
    place = setting(exercise)
    if place is None or not place.rules:
        return {}
    now = now or wall_now()
    at_s = elapsed(exercise, now)
    fold = folded(exercise)
    context = field_context(exercise, place, at_s)
    teams = {t.key: t.agency for t in exercise.teams}
    changed = False
    for team, agency in teams.items():
        steps = [step for step in place.rules if exercise.checklist.is_responsible(agency, step)]
        if not steps:
            continue
        counted = [_as_zone(z) for z in fold.zones.values() if ZONE_KINDS[z["kind"]].public or z.get("team") == team]
        try:
            results = evaluate_rules([place.rules[s] for s in steps], counted, place.places, context, _MEMO)
        except SpatialError as error:  # a rule that needs the field or the wind where there is none
            results = [None] * len(steps)
            reason = str(error)
        for step, result in zip(steps, results):
            verdict = ({"ok": False, "reason": reason, "missing": False, "numbers": {}} if result is None else
                       {"ok": result.ok, "reason": result.reason, "missing": result.missing,
                        "numbers": result.numbers})
            last = fold.verdicts.get((team, step))
            if last is not None and (last["ok"], last["reason"]) == (verdict["ok"], verdict["reason"]):
                continue
            since_s = last["since_s"] if last is not None and last["ok"] == verdict["ok"] else at_s
            payload = {"team": team, "step": step, **verdict, "since_s": since_s,
                       "highlight": None if result is None else result.to_json().get("highlight")}
            append_event(exercise, VERDICT_EVENT, payload, actor="rules", team=team, exercise_time_s=at_s, now=now,
                         visible_to=[team])
            changed = True
    return folded(exercise).verdicts if changed else fold.verdicts


def _as_zone(record: Mapping) -> Zone:
    return zone_from_json({"id": record["id"], "kind": record["kind"], "geometry": record["geometry"],
                           "team": record.get("team")})


# -- staff views ---------------------------------------------------------------------------------------

def compare_expected(exercise_id: int) -> list[dict[str, Any]]:
    """Each expected zone against what each team drew of its kind (staff)."""
    exercise = get_exercise(exercise_id)
    place = require_setting(exercise)
    fold = folded(exercise)
    out = []
    for index, expected in enumerate(place.expected):
        wanted = zone_from_json({k: v for k, v in expected.items() if k != "step"}, places=place.places)
        for team in exercise.teams:
            drawn = [_as_zone(z) for z in fold.zones.values() if z["kind"] == wanted.kind
                     and (ZONE_KINDS[z["kind"]].public or z.get("team") == team.key)]
            comparison = compare_zones(merge_zones(drawn) if drawn else None, wanted)
            out.append({"expected": index, "kind": wanted.kind, "step": expected.get("step"), "team": team.key,
                        "expected_outline": outline(wanted.geometry), **comparison.to_json()})
    return out


def current_verdicts(exercise: Exercise) -> dict[tuple[str, str], dict]:
    """The verdicts last announced (read from the log; judging is `judge`'s, in a write)."""
    if setting(exercise) is None:
        return {}
    return folded(exercise).verdicts


def verdicts_view(exercise_id: int, team_key: str | None) -> list[dict[str, Any]]:
    """The current verdict of every spatial rule, per team (a team: its own)."""
    exercise = get_exercise(exercise_id)
    return [dict(v) for (team, _), v in sorted(folded(exercise).verdicts.items())
            if team_key is None or team == team_key]
