"""Check and normalize a scenario's `zones:` block and checklist steps' spatial `rule` (docs/zones.md).

A scenario says, for its own site: which agencies may draw which kinds of zone (`draw`), the wind
when no plume gives it (`wind_from`), the spatial rule of a checklist step where the checklist has
none or the situation needs another (`rules`, by step id: a suspected RDD's inner cordon is 400 m,
an unshielded source's 30 m), and the zones staff expect (`expected`, for the console's overlay and
the report). Rules and expected zones name the site's places, so they are checked against them
here; the rule engine (`app.engine.spatial`) reads them, and each of its problems is placed on the
line (a file) or field path (an editor document) it comes from.
"""
import math
from collections.abc import Mapping

from app.engine.spatial import (PROTECTIVE_ACTIONS, ZONE_KINDS, SpatialError, parse_rule, places_from_json,
                                zone_from_json)

from .checks import Problem, ProblemList, Spot, did_you_mean, plain_document, records, spot_here, spot_of
from .yamlsrc import LineDict
from flask_babel import gettext

__all__ = ["BLOCK", "ZonesBlock", "criterion_rule", "take_zones_block", "rule_problems"]

BLOCK = "zones"
KEYS = {"wind_from", "draw", "rules", "expected", "criteria"}


def take_zones_block(raw) -> tuple:
    """(the scenario without `zones`, that block to check)."""
    if not isinstance(raw, LineDict) or BLOCK not in raw:
        return raw, ZonesBlock(None, None)
    rest = LineDict((key, value) for key, value in raw.items() if key != BLOCK)
    rest.line, rest.lines, rest.path = raw.line, {k: v for k, v in raw.lines.items() if k != BLOCK}, \
        getattr(raw, "path", "")
    return rest, ZonesBlock(raw[BLOCK], spot_of(raw, BLOCK))


def _spatial_problems(error: SpatialError, spot, prefix: str) -> list[Problem]:
    return [Problem(spot.line, spot.path, f"{prefix}{problem.path + ': ' if problem.path else ''}{problem.reason}")
            for problem in error.problems]


def rule_problems(rule, spot, places=None, prefix: str = "rule: ") -> list[Problem]:
    """The problems of one spatial rule as written (`places`: the ids it may name, None: any)."""
    try:
        parse_rule(rule, places=places)
    except SpatialError as error:
        return _spatial_problems(error, spot, prefix)
    return []


class ZonesBlock:
    def __init__(self, raw, spot):
        self.raw = raw
        self.spot = spot

    def check(self, data: dict | None, checklist: Mapping | None) -> list[Problem]:
        """Check the block against the scenario's site and its checklist; add the normalized block to
        `data` when everything is valid. Also checks the checklist steps' own rules against the site."""
        problems = ProblemList()
        site = (data or {}).get("site")
        places = places_from_json(site.get("places") or []) if site else {}
        steps = {s["id"]: s for s in (checklist or {}).get("steps") or []}
        own = self.raw.get("rules") if isinstance(self.raw, Mapping) else None
        own = own if isinstance(own, Mapping) else {}
        if site:  # without a site no rule can be judged: such steps are done by a tap
            for step in steps.values():
                if step.get("rule") is not None and step["id"] not in own:
                    problems.extend(rule_problems(
                        step["rule"], self.spot or Spot(None, None), places,
                        f"checklist step {step['id']}'s rule on this site (give the scenario its own under "
                        f"zones.rules.{step['id']}, or null for none): "))
        if self.raw is None:
            return list(problems)
        if not isinstance(self.raw, Mapping):
            problems.add(self.spot, gettext("zones: must be a mapping with draw, rules, expected or wind_from"))
            return list(problems)
        for key in self.raw:
            if key not in KEYS:
                problems.add(spot_of(self.raw, key), gettext("zones: unknown field '%(key)s'%(value)s", key=key, value=did_you_mean(str(key), KEYS)))
        normalized: dict = {}
        if "wind_from" in self.raw:
            wind = self.raw["wind_from"]
            if isinstance(wind, bool) or not isinstance(wind, (int, float)) or not math.isfinite(wind) \
                    or not 0 <= wind < 360:
                problems.add(spot_of(self.raw, "wind_from"),
                             gettext("zones.wind_from: the direction the wind blows from, in degrees (0 to 359.9; 270: west)"))
            else:
                normalized["wind_from"] = float(wind)
        normalized["draw"] = self._draw(checklist, problems)
        normalized["rules"] = self._rules(steps, places, problems)
        normalized["expected"] = self._expected(steps, places, problems)
        normalized["criteria"] = self._criteria(problems)
        if data is not None and not problems:
            data[BLOCK] = normalized
            data.setdefault("as_written", {})[BLOCK] = plain_document(self.raw)  # see content/radiation.py
        return list(problems)

    def _draw(self, checklist, problems: ProblemList) -> dict:
        draw = self.raw.get("draw")
        if draw is None:
            return {}
        if not isinstance(draw, Mapping):
            problems.add(spot_of(self.raw, "draw"), gettext("zones.draw: map each zone kind to the agencies that may draw it"))
            return {}
        agencies = {a["key"] for a in (checklist or {}).get("agencies") or []}
        out = {}
        for kind, who in draw.items():
            spot = spot_of(draw, kind)
            if kind not in ZONE_KINDS:
                problems.add(spot, gettext("zones.draw: unknown zone kind '%(kind)s'%(value)s", kind=kind, value=did_you_mean(str(kind), ZONE_KINDS)))
                continue
            if not isinstance(who, list) or not who or not all(isinstance(a, str) for a in who):
                problems.add(spot, gettext("zones.draw.%(kind)s: a list of agency keys", kind=kind))
                continue
            for agency in who:
                if checklist is not None and agency not in agencies:
                    problems.add(spot, gettext("zones.draw.%(kind)s: unknown agency '%(agency)s'%(value)s", kind=kind, agency=agency, value=did_you_mean(agency, agencies)))
            out[kind] = list(who)
        return out

    def _rules(self, steps: Mapping, places, problems: ProblemList) -> dict:
        rules = self.raw.get("rules")
        if rules is None:
            return {}
        if not isinstance(rules, Mapping):
            problems.add(spot_of(self.raw, "rules"), gettext("zones.rules: map each checklist step id to its spatial rule"))
            return {}
        out = {}
        for step_id, rule in rules.items():
            spot = spot_of(rules, step_id)
            if steps and step_id not in steps:
                problems.add(spot, gettext("zones.rules: unknown step '%(step_id)s'%(value)s", step_id=step_id, value=did_you_mean(str(step_id), steps)))
                continue
            if rule is None:  # this scenario judges the step by a tap, whatever the checklist says
                out[step_id] = None
                continue
            found = rule_problems(rule, spot, places, f"zones.rules.{step_id}: ")
            problems.extend(found)
            if not found:
                out[step_id] = plain_document(rule)
        return out

    def _criteria(self, problems: ProblemList) -> list:
        """Generic criteria and OILs a protective action is checked against when it is decided:
        `{action: evacuate, level: 1 mSv/h, name: OIL1, fraction?: 90 %, source?: ...}`."""
        items = self.raw.get("criteria")
        if items is None:
            return []
        if not isinstance(items, list):
            problems.add(spot_of(self.raw, "criteria"), gettext("zones.criteria: a list of {action, level, name}"))
            return []
        out = []
        for index, item in enumerate(items):
            spot = spot_of(items, index)
            where = f"zones.criteria[{index}]"
            if not isinstance(item, Mapping):
                problems.add(spot, gettext("%(where)s: expected {action, level, name}", where=where))
                continue
            unknown = [key for key in item if key not in CRITERION_KEYS]
            if unknown:
                problems.add(spot, gettext("%(where)s: unknown field '%(value)s'%(value2)s", where=where, value=unknown[0], value2=did_you_mean(str(unknown[0]), CRITERION_KEYS)))
                continue
            action = PROTECTIVE_ACTIONS.get(item.get("action"))
            if action is None:
                problems.add(spot, gettext("%(where)s.action: one of %(names)s", where=where, names=', '.join(PROTECTIVE_ACTIONS)))
                continue
            if not isinstance(item.get("name"), str) or not item["name"].strip():
                problems.add(spot, gettext("%(where)s.name: the criterion's name, e.g. OIL1", where=where))
                continue
            if "level" not in item:
                problems.add(spot, gettext("%(where)s.level: missing (a dose rate, e.g. 1 mSv/h)", where=where))
                continue
            found = rule_problems(criterion_rule(item, action.zone_kinds[0]), spot, None, f"{where}: ")
            problems.extend(found)
            if not found:
                out.append(plain_document(item))
        return out

    def _expected(self, steps: Mapping, places, problems: ProblemList) -> list:
        items = self.raw.get("expected")
        if items is None:
            return []
        if not isinstance(items, list):
            problems.add(spot_of(self.raw, "expected"), gettext("zones.expected: a list of zones {kind, geometry, step?}"))
            return []
        out = []
        for index, (item, record) in enumerate(zip(items, records(self.raw, "expected"))):
            spot = spot_here(record)
            entry = {key: value for key, value in item.items() if key != "step"}
            step = item.get("step")
            if step is not None and (not isinstance(step, str) or (steps and step not in steps)):
                problems.add(spot_of(record, "step"), gettext("zones.expected[%(index)s].step: unknown step '%(step)s'", index=index, step=step))
            try:
                zone_from_json(plain_document(entry), places=places)
            except SpatialError as error:
                problems.extend(_spatial_problems(error, spot, f"zones.expected[{index}]."))
                continue
            out.append(plain_document(item))
        if len(out) != len(items) and not any(p.message.startswith("zones.expected") for p in problems):
            problems.add(spot_of(self.raw, "expected"), gettext("zones.expected: every entry must be a mapping"))
        return out


CRITERION_KEYS = {"action", "level", "name", "fraction", "source"}


def criterion_rule(criterion: Mapping, zone_kind: str) -> dict:
    """The covers rule that checks a protective-action decision on a zone against a criterion:
    the zone covers (90 % by default) of the area where the field is at or above the level."""
    rule = {"rule": "covers", "zone": zone_kind, "target": {"level": criterion["level"]}}
    if criterion.get("fraction") is not None:
        rule["fraction"] = criterion["fraction"]
    return rule
