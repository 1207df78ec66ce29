"""Quantities in spatial rules: reading distances, dose rates, angles and fractions as authors
write them, formatting them for reasons, and compass directions.

Site coordinates are metres, x east and y north. Bearings are compass bearings: degrees
clockwise from north (0 = north, 90 = east). Wind directions are meteorological: the
direction the wind blows *from*.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from numbers import Real

__all__ = [
    "SpatialError",
    "Problem",
    "parse_distance",
    "parse_dose_rate",
    "parse_angle",
    "parse_fraction",
    "real_number",
    "format_distance",
    "format_area",
    "format_dose_rate",
    "format_percent",
    "bearing",
    "compass_point",
    "compass_word",
    "angle_between",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (a dotted field path) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class SpatialError(ValueError):
    """Bad spatial input (a zone, a place, a rule spec); carries every problem found with its field path.

    ``fields`` has the shape of the API's error ``fields`` (path -> list of reasons), so a service
    can turn it into a 422 unchanged.
    """

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = tuple(problems) if isinstance(problems, list) else (problems,)
        super().__init__("; ".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: str, reason: str) -> SpatialError:
        return cls(Problem(path, reason))

    @property
    def fields(self) -> dict[str, list[str]]:
        fields: dict[str, list[str]] = {}
        for problem in self.problems:
            fields.setdefault(problem.path or "_", []).append(problem.reason)
        return fields

    @property
    def message(self) -> str:
        return str(self)


def join_path(base: str, key: str | int) -> str:
    return f"{base}.{key}" if base else str(key)


# -- reading -----------------------------------------------------------------------------------

_NUMBER = r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
_DISTANCE = re.compile(rf"^{_NUMBER}\s*(m|km|ft|mi)?$")
_METRES_PER = {"m": 1.0, "km": 1000.0, "ft": 0.3048, "mi": 1609.344}
# µ as the micro sign (U+00B5), the Greek mu (U+03BC) or a plain u.
_DOSE_RATE = re.compile(rf"^{_NUMBER}\s*(n|\u00b5|\u03bc|u|m|)sv\s*/\s*h$")
_USV_H_PER = {"n": 1e-3, "\u00b5": 1.0, "\u03bc": 1.0, "u": 1.0, "m": 1e3, "": 1e6}
_ANGLE = re.compile(rf"^{_NUMBER}\s*(°|deg|degrees?)?$")
_PERCENT = re.compile(rf"^{_NUMBER}\s*%$")


def real_number(value, path: str) -> float:
    """A finite real number (JSON int or float; not a bool, not a string)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise SpatialError.at(path, f"expected a number, got {_describe(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise SpatialError.at(path, f"must be a finite number, got {value!r}")
    return number


def parse_distance(value, path: str) -> float:
    """Metres from a number (metres) or text with a unit: `400 m`, `2 km`, `2 mi`, `500 ft`."""
    if isinstance(value, str):
        match = _DISTANCE.match(value.strip().lower())
        if not match:
            raise SpatialError.at(path, f"cannot read {value.strip()!r} as a distance; write e.g. 400 m or 2 km")
        number = float(match.group(1)) * _METRES_PER[match.group(2) or "m"]
        if not math.isfinite(number):
            raise SpatialError.at(path, f"{value.strip()!r} is not a finite distance")
        return number
    return real_number(value, path)


def parse_dose_rate(value, path: str) -> float:
    """µSv/h from text with a unit: `100 µSv/h` (or uSv/h), `0.3 µSv/h`, `100 mSv/h`, `1 Sv/h`."""
    if not isinstance(value, str):
        raise SpatialError.at(path, f"write a dose rate with its unit, e.g. 100 µSv/h; got {_describe(value)}")
    match = _DOSE_RATE.match(value.strip().lower())
    if not match:
        raise SpatialError.at(path, f"cannot read {value.strip()!r} as a dose rate; write e.g. 100 µSv/h or 100 mSv/h")
    number = float(match.group(1)) * _USV_H_PER[match.group(2)]
    if not math.isfinite(number) or number <= 0:
        raise SpatialError.at(path, f"a dose rate must be above zero, got {value.strip()!r}")
    return number


def parse_angle(value, path: str) -> float:
    """Degrees from a number or text: `45`, `22.5°`, `30 deg`."""
    if isinstance(value, str):
        match = _ANGLE.match(value.strip().lower())
        if not match:
            raise SpatialError.at(path, f"cannot read {value.strip()!r} as an angle; write e.g. 45° or 45")
        number = float(match.group(1))
        if not math.isfinite(number):
            raise SpatialError.at(path, f"{value.strip()!r} is not a finite angle")
        return number
    return real_number(value, path)


def parse_fraction(value, path: str) -> float:
    """A fraction in [0, 1] from `90 %` or a number between 0 and 1."""
    if isinstance(value, str):
        match = _PERCENT.match(value.strip())
        if not match:
            raise SpatialError.at(path, f"cannot read {value.strip()!r} as a share; write e.g. 90 % or 0.9")
        number = float(match.group(1)) / 100
    else:
        number = real_number(value, path)
        if number > 1:
            raise SpatialError.at(path, f"{value!r} is above 1; write a share as 90 % or 0.9")
    if not 0 <= number <= 1:
        raise SpatialError.at(path, f"a share must be between 0 % and 100 %, got {value!r}")
    return number


def _describe(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, (str, bool)) or isinstance(value, Real):
        return repr(value)
    return f"a {type(value).__name__}"


# -- writing -----------------------------------------------------------------------------------


def format_distance(metres: float) -> str:
    """`4.5 m`, `300 m`, `1.25 km`."""
    metres = abs(metres)
    if metres < 10:
        return f"{metres:.1f} m".replace(".0 m", " m")
    if metres < 1000:
        return f"{metres:.0f} m"
    return f"{metres / 1000:.2f}".rstrip("0").rstrip(".") + " km"


def format_area(square_metres: float) -> str:
    """`850 m²`, `3.1 ha`, `2.4 km²`."""
    if square_metres < 10_000:
        return f"{square_metres:,.0f} m²"
    if square_metres < 1_000_000:
        return f"{square_metres / 10_000:.1f} ha"
    return f"{square_metres / 1_000_000:.1f} km²"


def format_dose_rate(usv_h: float) -> str:
    """`0.3 µSv/h`, `100 µSv/h`, `100 mSv/h`."""
    for factor, unit in ((1e6, "Sv/h"), (1e3, "mSv/h"), (1.0, "µSv/h")):
        if usv_h >= factor:
            return f"{usv_h / factor:g} {unit}"
    return f"{usv_h:g} µSv/h"


def format_percent(fraction: float) -> str:
    """`72 %`, `99.5 %` (never rounds a shortfall up to 100 %)."""
    percent = fraction * 100
    text = f"{percent:.0f}"
    if text == "100" and percent < 100:
        text = f"{math.floor(percent * 10) / 10:.1f}"
    return f"{text} %"


# -- directions --------------------------------------------------------------------------------

_POINTS_16 = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
_WORDS = {"N": "north", "E": "east", "S": "south", "W": "west"}


def bearing(from_xy: tuple[float, float], to_xy: tuple[float, float]) -> float | None:
    """Compass bearing in degrees [0, 360) from one site point to another; None if they coincide."""
    dx, dy = to_xy[0] - from_xy[0], to_xy[1] - from_xy[1]
    if math.hypot(dx, dy) < 1e-9:
        return None
    return math.degrees(math.atan2(dx, dy)) % 360.0


def compass_point(bearing_deg: float, points: int = 16) -> str:
    """`N`, `NE`, ... (8 points) or `N`, `NNE`, ... (16 points) for a bearing."""
    if points not in (8, 16):
        raise ValueError("points must be 8 or 16")
    step = 360.0 / points
    index = int(((bearing_deg % 360.0) + step / 2) // step) % points
    return _POINTS_16[index * (16 // points)]


def compass_word(bearing_deg: float) -> str:
    """The 8-point direction in words: `north`, `north-east`, `east`..."""
    point = compass_point(bearing_deg, 8)
    return "-".join(_WORDS[letter] for letter in point)


def angle_between(a_deg: float, b_deg: float) -> float:
    """The smaller angle in degrees [0, 180] between two directions."""
    return abs((a_deg - b_deg + 180.0) % 360.0 - 180.0)
