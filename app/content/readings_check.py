"""A typed reading in an inject body that disagrees with the scenario's own field (docs/radiation.md).

A scenario with a `site` and a `radiation` block computes what a meter shows anywhere. An author
who still types a number ("at the west doorway it reads 0.4 mSv/h") may contradict what the
teams will measure there. For every sentence of an inject body that names exactly one place of
the site (by its name, without a bracketed part, or its id) and holds a dose rate, the rate
nearest the place's name is compared with the field at that place at the inject's time; more than a factor of 3 apart is a
warning at the body's line, suggesting `{{ reading('place', 'survey-meter') }}` instead.
Bodies only: titles and controller notes quote thresholds, not readings. Injects without a
time (reserve and contingency) are read at their earliest possible moment, 0.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping

from ..engine.field import FieldModel
from .checks import Problem, records, spot_of

FACTOR = 3.0
_RATE = re.compile(r"(\d+(?:\.\d+)?)\s*\**\s*(nSv/h|µSv/h|μSv/h|uSv/h|mSv/h|Sv/h)")
_TO_USV_H = {"nSv/h": 1e-3, "µSv/h": 1.0, "μSv/h": 1.0, "uSv/h": 1.0, "mSv/h": 1e3, "Sv/h": 1e6}
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _names(place: Mapping) -> list[str]:
    name = re.sub(r"\s*\(.*?\)", "", place.get("name") or "").strip().lower()
    return [n for n in {name, place["id"].replace("-", " ").lower()} if len(n) > 2]


def _clock(t_s: float) -> str:
    t = int(t_s)
    return f"{t // 3600}:{t % 3600 // 60:02d}:{t % 60:02d}"


def reading_warnings(raw, data: Mapping) -> list[Problem]:
    """Warnings for typed readings more than a factor of 3 from the field (none without a field)."""
    site, radiation = data.get("site"), data.get("radiation")
    if not site or not radiation:
        return []
    model = FieldModel.from_content(site, radiation)
    places = [(place, _names(place)) for place in site.get("places") or []]
    warnings = []
    for inject, raw_inject in zip(data.get("injects") or [], records(raw, "injects")):
        body = inject.get("body") or ""
        if not _RATE.search(body):
            continue
        t_s = float(inject.get("at_s") or 0.0)
        for sentence in _SENTENCE.split(body.replace("\n", " ")):
            lowered = sentence.lower()
            named = [place for place, names in places if any(re.search(rf"\b{re.escape(n)}\b", lowered) for n in names)]
            if len(named) != 1:
                continue  # no place, or several: which one the number is for cannot be told
            place = named[0]
            truth = model.rate_at(*place["at"], t_s)
            mention = min(m.start() for n in _names(place) for m in re.finditer(rf"\b{re.escape(n)}\b", lowered))
            # several readings in one sentence: the one nearest the place's name is the place's
            numbers = sorted(_RATE.finditer(sentence), key=lambda m: abs(m.start() - mention))[:1]
            for match in numbers:
                written = float(match.group(1)) * _TO_USV_H[match.group(2)]
                if written <= 0 or truth <= 0 or abs(math.log(written / truth)) <= math.log(FACTOR):
                    continue
                warnings.append(Problem(*spot_of(raw_inject, "body"),
                                        f"inject {inject['id']}: {match.group(1)} {match.group(2)} at {place['name']} "
                                        f"disagrees with the scenario's field there ({truth:.3g} µSv/h at "
                                        f"{_clock(t_s)}) by more than a factor of {FACTOR:g}; write "
                                        f"{{{{ reading('{place['id']}', 'survey-meter') }}}} instead"))
    return warnings
