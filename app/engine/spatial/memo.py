"""Caching rule results across scheduler passes, on an explicit key.

A rule's result depends only on: the rule itself, the shapes of the zones of the kinds it names
(their ``version``), the places it names, and, when it uses them, the field (``field_version``),
the wind and the site bounds. ``rule_cache_key`` spells that out; ``RuleMemo`` keeps the most
recently used results under it. A pass in which nothing was redrawn and the field did not change
costs one key and one dictionary lookup per rule.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence

from .rules import RuleResult
from .specs import (
    CoversRule,
    Rule,
    SpatialContext,
    evaluate_rule,
    needs_field,
    needs_wind,
    zones_by_kind,
)
from .zones import Place, Zone

__all__ = ["rule_cache_key", "RuleMemo", "evaluate_rules"]


def rule_cache_key(rule: Rule, zones: Mapping[str, Zone], places: Mapping[str, Place],
                   context: SpatialContext) -> tuple | None:
    """The key a rule's result is cached under; None when it must not be cached (a field-dependent
    rule without a ``field_version``)."""
    if needs_field(rule) and context.field_version is None:
        return None
    shapes = tuple((kind, zones[kind].version if kind in zones else None) for kind in rule.kinds)
    named = tuple(
        (ref, (places[ref].x, places[ref].y, places[ref].name) if ref in places else None)
        if isinstance(ref, str) else (ref, None)
        for ref in rule.places
    )
    return (
        rule,
        shapes,
        named,
        context.field_version if needs_field(rule) else None,
        context.wind_from_deg if needs_wind(rule) else None,
        context.site_bounds if isinstance(rule, CoversRule) else None,
    )


class RuleMemo:
    """A bounded least-recently-used store of rule results, keyed by ``rule_cache_key``."""

    def __init__(self, maxsize: int = 4096):
        self.maxsize = maxsize
        self._results: OrderedDict[tuple, RuleResult] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._results)

    def evaluate(self, rule: Rule, zones: Mapping[str, Zone], places: Mapping[str, Place],
                 context: SpatialContext) -> RuleResult:
        """The cached result for this key, or a fresh evaluation stored under it."""
        key = rule_cache_key(rule, zones, places, context)
        if key is not None and key in self._results:
            self.hits += 1
            self._results.move_to_end(key)
            return self._results[key]
        self.misses += 1
        result = evaluate_rule(rule, zones, places, context)
        if key is not None:
            self._results[key] = result
            if len(self._results) > self.maxsize:
                self._results.popitem(last=False)
        return result


def evaluate_rules(rules: Sequence[Rule], zones: Iterable[Zone] | Mapping[str, Zone],
                   places: Mapping[str, Place], context: SpatialContext,
                   memo: RuleMemo | None = None) -> list[RuleResult]:
    """Every rule of a pass over one set of zones (merged by kind once), through the memo if given."""
    merged = zones_by_kind(zones)
    if memo is None:
        return [evaluate_rule(rule, merged, places, context) for rule in rules]
    return [memo.evaluate(rule, merged, places, context) for rule in rules]
