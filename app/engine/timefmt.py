"""Exercise times as people write them (`8m`, `1h30m`, `08:30`, `1:20:00`) and as they are shown.

Content files and controllers write times by hand; everything inside Cordon is float seconds.
A bare number is refused on purpose: `90` could mean seconds or minutes.
"""
import math
import re
from decimal import Decimal

__all__ = ["parse_duration", "format_duration", "format_units"]

# h:mm:ss or mm:ss; the first part may have any number of digits ("90:00" is 90 minutes).
_CLOCK = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$")
# 1h30m15s, 2h, 90s, 1.5h; each unit at most once, largest first, spaces allowed between parts.
_UNITS = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*h)?\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*m)?\s*"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*s)?$"
)
_BARE_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")
_EXAMPLES = "write e.g. 90s, 90m or 1:30:00"


def parse_duration(text) -> float:
    """Parse `hh:mm:ss`, `mm:ss` or `1h30m15s`-style text into seconds; raise ValueError if unclear."""
    if isinstance(text, bool) or text is None:
        raise ValueError(f"expected a time, got {text!r}; {_EXAMPLES}")
    if isinstance(text, (int, float)):
        raise ValueError(f"{text!r} is a bare number: seconds or minutes? {_EXAMPLES}")
    if not isinstance(text, str):
        raise ValueError(f"expected a time, got {type(text).__name__}; {_EXAMPLES}")
    cleaned = text.strip().lower()
    if not cleaned:
        raise ValueError(f"empty time; {_EXAMPLES}")
    if _BARE_NUMBER.match(cleaned):
        raise ValueError(f"{text.strip()!r} is a bare number: seconds or minutes? {_EXAMPLES}")
    if cleaned.startswith("-"):
        raise ValueError(f"time {text.strip()!r} is negative; exercise times start at 0")

    clock = _CLOCK.match(cleaned)
    if clock:
        return _parse_clock(text.strip(), *clock.groups())

    units = _UNITS.match(cleaned)
    if units and any(units.groups()):
        hours, minutes, seconds = (float(part) if part else 0.0 for part in units.groups())
        return hours * 3600 + minutes * 60 + seconds
    raise ValueError(
        f"cannot read {text.strip()!r} as a time; write h:mm:ss (1:20:00), mm:ss (08:30) "
        "or units largest first (90s, 5m, 1h30m, 1h30m15s)"
    )


def _parse_clock(text: str, first: str, second: str, third: str | None) -> float:
    if third is None:  # mm:ss
        minutes, seconds = int(first), int(second)
        if seconds >= 60:
            raise ValueError(f"{text!r}: seconds must be below 60 in mm:ss")
        return minutes * 60.0 + seconds
    hours, minutes, seconds = int(first), int(second), float(third)
    if minutes >= 60 or seconds >= 60:
        raise ValueError(f"{text!r}: minutes and seconds must be below 60 in h:mm:ss")
    return hours * 3600.0 + minutes * 60 + seconds


def format_duration(seconds: float) -> str:
    """Seconds as `h:mm:ss` for display (`0:08:00`, `-0:00:30`); fractions of a second are dropped."""
    if seconds is None or isinstance(seconds, bool) or not math.isfinite(seconds):
        raise ValueError(f"cannot format {seconds!r} as a time")
    total = int(abs(seconds))
    sign = "-" if seconds < 0 and total else ""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}"


def format_units(seconds: float) -> str:
    """Seconds in the unit form content files prefer (`0m`, `90s` as `1m30s`, `1h20m`); exact, so
    `parse_duration(format_units(x)) == x` (fractions of a second are written as seconds: `90.5s`)."""
    if seconds is None or isinstance(seconds, bool) or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"cannot write {seconds!r} as a time")
    if seconds != int(seconds):
        return f"{Decimal(repr(float(seconds))):f}s"  # repr is exact; Decimal spells it without exponent
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return text or "0m"
