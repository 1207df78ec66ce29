"""Drawing zones on the site map and deciding protective actions on them (docs/zones.md).

Each change is logged (`zone.drawn`, `zone.changed`, `zone.removed`, `zone.decided`, with the zone
in site metres) and then judged in the same transaction: the spatial rules of the checklist's
steps (`services/zones.judge`, through `refresh_compliance`) may complete a step or open it again.
"""
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..content.documents import plain_document
from ..content.zones import criterion_rule
from ..engine.spatial import (PROTECTIVE_ACTIONS, ZONE_KINDS, SpatialError, Zone, evaluate_rules, parse_rule,
                              zone_from_json)
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import Exercise, ExerciseStatus, Participant, User
from .compliance import refresh_compliance
from .events import append_event
from .exercises import get_exercise
from .timing import elapsed, wall_now
from .zones import MAX_ZONES, Setting, audience, field_context, folded, may_see, require_setting, zone_view
from flask_babel import gettext


@dataclass(frozen=True)
class Drawer:
    """Who draws: a team member (for their team), or a controller (for a team, or for control)."""

    name: str
    team: str | None
    agency: str | None
    staff: bool

    @classmethod
    def of(cls, who: Participant | User, team_key: str | None, exercise: Exercise) -> "Drawer":
        if isinstance(who, Participant):
            if team_key is not None and team_key != who.team.key:
                raise Forbidden(gettext("a team draws its own zones"), fields={"team": [gettext("your own team only")]})
            return cls(who.display_name, who.team.key, who.team.agency, False)
        team = exercise.team(team_key) if team_key is not None else None
        if team_key is not None and team is None:
            raise InvalidInput(gettext("unknown team '%(team_key)s'", team_key=team_key), fields={"team": [gettext("unknown team")]})
        return cls(who.username, team_key, team.agency if team else None, True)


def _check_may_draw(drawer: Drawer, kind: str, place: Setting) -> None:
    allowed = place.draw.get(kind)
    if drawer.staff or allowed is None or drawer.agency in allowed:
        return
    raise Forbidden(gettext("your team may not draw a %(label)s in this exercise (drawn by: %(names)s)", label=ZONE_KINDS[kind].label, names=', '.join(allowed)), fields={"kind": [gettext("not for your team")]})


def _check_running(exercise: Exercise) -> None:
    if exercise.status == ExerciseStatus.ENDED:
        raise Conflict(gettext("the exercise has ended"))


def _zone(data: Mapping, kind: str, place: Setting, path: str = "") -> Zone:
    try:
        return zone_from_json({"kind": kind, "geometry": data["geometry"]}, site_bounds=place.bounds,
                              places=place.places, path=path)
    except SpatialError as error:
        raise InvalidInput(gettext("invalid zone: %(value)s: %(reason)s", value=error.problems[0].path or 'zone', reason=error.problems[0].reason),
                           fields=error.fields) from None


def draw_zone(exercise_id: int, who: Participant | User, data: Mapping[str, Any]) -> dict[str, Any]:
    """A new zone (`{kind, geometry, team?, client_id?}`): checked, logged, judged. A resend of a
    `client_id` answers the zone it drew."""
    exercise = get_exercise(exercise_id, lock=True)
    _check_running(exercise)
    place = require_setting(exercise)
    drawer = Drawer.of(who, data.get("team"), exercise)
    fold = folded(exercise)
    client_id = data.get("client_id")
    if client_id and (drawer.team, client_id) in fold.client_ids:
        return {**zone_view(fold.zones.get(fold.client_ids[(drawer.team, client_id)], {
            "id": fold.client_ids[(drawer.team, client_id)], "kind": data["kind"], "geometry": data["geometry"]})),
            "duplicate": True}
    _check_may_draw(drawer, data["kind"], place)
    _zone(data, data["kind"], place)
    if len(fold.zones) >= MAX_ZONES:
        raise Conflict(gettext("this exercise already has %(MAX_ZONES)s zones; remove some first", MAX_ZONES=MAX_ZONES))
    zone = {"id": f"Z{fold.count + 1}", "kind": data["kind"], "geometry": plain_document(data["geometry"]),
            "team": drawer.team, "by": drawer.name}
    now = wall_now()
    payload = {"zone": zone, **({"client_id": client_id} if client_id else {})}
    append_event(exercise, "zone.drawn", payload, actor=drawer.name, team=drawer.team,
                 exercise_time_s=elapsed(exercise, now), now=now, visible_to=audience(zone["kind"], drawer.team))
    refresh_compliance(exercise, now)
    return {**zone_view(folded(exercise).zones[zone["id"]]), "duplicate": False}


def _owned(exercise: Exercise, zone_id: str, who: Participant | User) -> tuple[dict, Drawer]:
    zone = folded(exercise).zones.get(zone_id)
    drawer = Drawer.of(who, None, exercise)
    if zone is None or not may_see(zone, None if drawer.staff else drawer.team):
        raise NotFound(gettext("no zone '%(zone_id)s' in exercise %(id)s", zone_id=zone_id, id=exercise.id))
    if not drawer.staff and zone.get("team") != drawer.team:
        raise Forbidden(gettext("only the team that drew a zone (or a controller) changes it"))
    return zone, drawer


def change_zone(exercise_id: int, zone_id: str, who: Participant | User, data: Mapping[str, Any]) -> dict[str, Any]:
    """A zone redrawn (`{geometry}`): same id and kind, new shape."""
    exercise = get_exercise(exercise_id, lock=True)
    _check_running(exercise)
    zone, drawer = _owned(exercise, zone_id, who)
    _zone(data, zone["kind"], require_setting(exercise))
    changed = {"id": zone_id, "kind": zone["kind"], "geometry": plain_document(data["geometry"]), "team": zone.get("team"),
               "by": drawer.name}
    now = wall_now()
    append_event(exercise, "zone.changed", {"zone": changed, "previous": zone["geometry"]}, actor=drawer.name,
                 team=zone.get("team"), exercise_time_s=elapsed(exercise, now), now=now,
                 visible_to=audience(zone["kind"], zone.get("team")))
    refresh_compliance(exercise, now)
    return zone_view(folded(exercise).zones[zone_id])


def remove_zone(exercise_id: int, zone_id: str, who: Participant | User) -> dict[str, Any]:
    exercise = get_exercise(exercise_id, lock=True)
    _check_running(exercise)
    zone, drawer = _owned(exercise, zone_id, who)
    now = wall_now()
    removed = {"id": zone_id, "kind": zone["kind"], "team": zone.get("team")}
    ev = append_event(exercise, "zone.removed", {"zone": removed, "geometry": zone["geometry"]}, actor=drawer.name,
                      team=zone.get("team"), exercise_time_s=elapsed(exercise, now), now=now,
                      visible_to=audience(zone["kind"], zone.get("team")))
    refresh_compliance(exercise, now)
    return {"id": zone_id, "removed": True, "seq": ev.seq}


def decide(exercise_id: int, zone_id: str, who: Participant | User, data: Mapping[str, Any]) -> dict[str, Any]:
    """A protective-action decision on a zone (shelter, evacuate, iodine thyroid blocking, food
    restrictions), from now or a given exercise time."""
    exercise = get_exercise(exercise_id, lock=True)
    _check_running(exercise)
    zone, drawer = _owned(exercise, zone_id, who)
    kind = PROTECTIVE_ACTIONS.get(data["action"])
    if kind is None:
        raise InvalidInput(gettext("unknown protective action '%(action)s'", action=data['action']), fields={"action": [gettext("unknown")]})
    if zone["kind"] not in kind.zone_kinds:
        raise InvalidInput(gettext("%(label)s applies to a %(names)s, not to a %(label2)s", label=kind.label, names=' or '.join(ZONE_KINDS[k].label for k in kind.zone_kinds), label2=ZONE_KINDS[zone['kind']].label), fields={"action": [gettext("not for this zone")]})
    now = wall_now()
    at_s = elapsed(exercise, now)
    decision = {"action": data["action"], "label": kind.label, "at_s": at_s, "by": drawer.name,
                "note": data.get("note") or "", "message": data.get("message") or "",
                "checks": criteria_checks(exercise, zone, data["action"], at_s)}
    append_event(exercise, "zone.decided", {"zone": {"id": zone_id, "kind": zone["kind"], "team": zone.get("team")},
                                            "decision": decision},
                 actor=drawer.name, team=zone.get("team"), exercise_time_s=at_s, now=now,
                 visible_to=audience(zone["kind"], zone.get("team")))
    return zone_view(folded(exercise).zones[zone_id])




def criteria_checks(exercise: Exercise, zone: Mapping, action: str, at_s: float) -> list[dict[str, Any]]:
    """The decision against the criteria and OILs the scenario names for that action (zones.criteria):
    does the zone cover where the field is at or above each level, as the field stands now?"""
    place = require_setting(exercise)
    criteria = [c for c in (exercise.scenario.zones or {}).get("criteria") or [] if c["action"] == action]
    if not criteria:
        return []
    context = field_context(exercise, place, at_s)
    drawn = zone_from_json({"id": zone["id"], "kind": zone["kind"], "geometry": zone["geometry"]})
    checks = []
    for criterion in criteria:
        try:
            rule = parse_rule(criterion_rule(criterion, zone["kind"]), places=place.places)
            result = evaluate_rules([rule], [drawn], place.places, context)[0]
            ok, reason = result.ok, result.reason
        except SpatialError as error:  # no field in this exercise, say
            ok, reason = False, str(error)
        checks.append({"criterion": criterion["name"], "level": str(criterion["level"]), "ok": ok, "reason": reason})
    return checks
