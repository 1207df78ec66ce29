"""The vocabulary of MSEL spreadsheets: the column names HSEEP templates and other tools use, what
their event types and delivery methods mean in Cordon, and how they write times.

docs/content.md ("MSEL import and export") lists the same names for the people who fill the sheets.
"""
import re
from datetime import date, datetime, time, timedelta

from app.engine.timefmt import parse_duration

# --- column names --------------------------------------------------------------------------


def norm(name) -> str:
    """Column names compare without case, spaces or punctuation (`Seq. No.` == `seqno`); # and + count."""
    return re.sub(r"[^a-z0-9#+]", "", str(name).casefold())


# Each field with the (normalized) column names that fill it, best first. A name may serve two
# fields: `Event` is the message when nothing better is there, else the title.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("injectid", "cordonid"),
    "number": ("msel#", "mselno", "mselnumber", "event#", "eventno", "eventnumber", "seqno", "seq#", "seq",
               "sequence", "sequenceno", "sequencenumber", "inject#", "injectno", "injectnumber", "no", "#",
               "number", "serialno"),
    "time": ("scenariotime", "exercisetime", "t+", "time", "datetimedelivered", "timedelivered", "deliverytime",
             "injecttime", "elapsedtime", "datetime"),
    "type": ("eventtype", "injecttype", "type", "messagetype"),
    "channel": ("deliverymethod", "injectmode", "deliverymode", "mode", "method", "channel", "medium"),
    "from": ("from", "originator", "sender", "simulator"),
    "to": ("to", "recipient", "recipients", "intendedplayer", "intendedplayers", "player", "players",
           "intendedrecipient"),
    "body": ("message", "eventdescription", "injectdescription", "description", "synopsis", "eventsynopsis",
             "inject", "injecttext", "messagetext", "body", "event"),
    "title": ("title", "subject", "eventtitle", "injecttitle", "event"),
    "expects": ("expectedaction", "expectedactions", "expectedplayeraction", "expectedplayeractions",
                "expectedresponse", "expectedresponses", "expectedoutcome", "expectedoutcomes"),
    "objective": ("objective", "objectives", "exerciseobjective", "exerciseobjectives", "objectiveid"),
    "notes": ("notes", "note", "remarks", "controllernotes", "learningpoints", "comments"),
    "requires_ack": ("requiresack", "requiresacknowledgement", "ack", "acknowledge", "acknowledgement"),
    "when_overdue": ("whenoverdue",),
    "sources": ("sources",),
}
# Field names a mapping may name besides any recognised column name.
TARGETS = {norm(name): name for name in ALIASES} | {
    "message": "body", "expectedaction": "expects", "requiresack": "requires_ack", "whenoverdue": "when_overdue",
    "ignore": "ignore", "skip": "ignore", "none": "ignore"}
# The column a problem names when the file has none for that field.
FIELD_HEADERS = {"id": "Inject ID", "number": "MSEL #", "time": "Scenario Time", "type": "Event Type",
                 "channel": "Delivery Method", "from": "From", "to": "To", "title": "Title", "body": "Message",
                 "expects": "Expected Action", "objective": "Objective", "notes": "Notes",
                 "requires_ack": "Requires Ack", "when_overdue": "When Overdue", "sources": "Sources"}
KNOWN_NAMES = {name for names in ALIASES.values() for name in names}
HEADER_SEARCH_ROWS = 30  # title rows above the table (exercise name, dates...) are skipped

# Event Type and Delivery Method values (normalized like column names) -> Cordon's type and channel.
# Any other event type is information, any other delivery method other.
EVENT_TYPES = {"information": "information", "info": "information", "informational": "information",
               "event": "event", "incident": "event", "media": "media", "news": "media", "press": "media",
               "contingency": "contingency", "request": "request", "requestforinformation": "request",
               "rfi": "request"}
CHANNELS = {"radio": "radio", "phone": "phone", "telephone": "phone", "phonecall": "phone", "call": "phone",
            "cellphone": "phone", "mobile": "phone", "sms": "phone", "email": "email", "mail": "email",
            "verbal": "other", "inperson": "other", "facetoface": "other", "other": "other", "fax": "other",
            "paper": "field-report", "handout": "field-report", "hardcopy": "field-report",
            "fieldreport": "field-report", "document": "field-report", "video": "media", "tv": "media",
            "television": "media", "social": "media", "socialmedia": "media", "simmedia": "media",
            "media": "media", "news": "media", "sensor": "sensor", "instrument": "sensor", "detector": "sensor"}
YES = {"yes", "y", "true", "1", "x", "✓", "ja", "oui"}
NO = {"no", "n", "false", "0", "-", "nein", "non"}

# `IC-02 within 10m` in the Expected Action column; a step named without `within` is refused when
# it looks like a step id (letters, '-', a digit: IC-02), else the text is a free-text action.
EXPECTED_STEP = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)\s+within\s+([^,]+?)$", re.I)
STEP_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9]*-\d[A-Za-z0-9-]*$")


# --- times ---------------------------------------------------------------------------------

_TIME_HELP = "write h:mm (1:20 is 1 h 20 min), h:mm:ss, T+1:20, D+0 H+1 M+20 or 80m"
_DHMS = re.compile(r"^(?:D\s*\+\s*(\d+))?\s*(?:H\s*\+\s*(\d+))?\s*(?:M\s*\+\s*(\d+))?\s*(?:S\s*\+\s*(\d+))?$", re.I)
_HOURS_MINUTES = re.compile(r"^(\d+):(\d{2})$")
_WORD_UNITS = ((re.compile(r"(\d)\s*(?:hours?|hrs?)\b", re.I), r"\1h"),
               (re.compile(r"(\d)\s*(?:minutes?|mins?)\b", re.I), r"\1m"),
               (re.compile(r"(\d)\s*(?:seconds?|secs?)\b", re.I), r"\1s"))
RELATIVE, CLOCK, ABSOLUTE = "relative", "clock", "absolute"


def parse_msel_time(value) -> tuple[float | datetime, str]:
    """An MSEL time cell as (seconds, kind) or (datetime, "absolute"); raise ValueError.

    Unlike content files, `hh:mm` is hours and minutes (an HSEEP "Scenario Time" of 01:20 is 1 h
    20 min). `clock` values (hh:mm, h:mm:ss, Excel time cells) may be times of day, shifted by
    STARTEX when one is given; `relative` ones (T+0:20, D+0 H+1 M+20, 20m) never are.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{value!r} is not a time: {_TIME_HELP}")
    if isinstance(value, timedelta):
        return value.total_seconds(), CLOCK
    if isinstance(value, datetime):
        if value.year >= 1905:
            return value.replace(tzinfo=None), ABSOLUTE
        return _excel_duration(value), CLOCK
    if isinstance(value, time):
        return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6, CLOCK
    if isinstance(value, date):
        raise ValueError(f"{value.isoformat()} is a date without a time: {_TIME_HELP}")
    if isinstance(value, (int, float)):
        if value == 0:
            return 0.0, RELATIVE
        if 0 < value < 1:  # Excel stores times as fractions of a day
            return round(value * 86400, 3), CLOCK
        raise ValueError(f"{value!r} is a bare number: hours, minutes or seconds? {_TIME_HELP}")
    text = str(value).strip()
    kind = CLOCK
    if text.upper() == "STARTEX" or text == "0":
        return 0.0, RELATIVE
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", text):
        try:
            return datetime.fromisoformat(text).replace(tzinfo=None), ABSOLUTE
        except ValueError:
            raise ValueError(f'"{text}" is not a date and time') from None
    plus = re.match(r"^T\s*\+\s*(.+)$", text, re.I)
    if plus:
        text, kind = plus.group(1).strip(), RELATIVE
    days = _DHMS.match(text)
    if days and any(days.groups()) and "+" in text:
        d, h, m, s = (int(part or 0) for part in days.groups())
        return float(d * 86400 + h * 3600 + m * 60 + s), RELATIVE
    clock = _HOURS_MINUTES.match(text)
    if clock:
        hours, minutes = int(clock.group(1)), int(clock.group(2))
        if minutes >= 60:
            raise ValueError(f'"{text}": minutes must be below 60 in h:mm')
        return float(hours * 3600 + minutes * 60), kind
    if re.match(r"^\d+:\d{1,2}:\d{1,2}(\.\d+)?$", text):
        return parse_duration(text), kind
    if re.fullmatch(r"\d+(\.\d+)?", text):
        raise ValueError(f'"{text}" is a bare number: hours, minutes or seconds? {_TIME_HELP}')
    for pattern, unit in _WORD_UNITS:
        text = pattern.sub(unit, text)
    if text == "0" or not re.match(r"^[\d.\s]+[hms]", text, re.I):
        raise ValueError(f'"{str(value).strip()}" is not a time: {_TIME_HELP}')
    try:
        return parse_duration(text), RELATIVE
    except ValueError:
        raise ValueError(f'"{str(value).strip()}" is not a time: {_TIME_HELP}') from None


def _excel_duration(moment: datetime) -> float:
    """A duration Excel stored as a day count that openpyxl read as a date near its epoch."""
    if moment >= datetime(1904, 1, 1):
        epoch = datetime(1904, 1, 1)
    elif moment < datetime(1900, 3, 1):
        epoch = datetime(1899, 12, 31)  # Excel's day 1 is 1900-01-01 (before its 1900 leap-year bug)
    else:
        epoch = datetime(1899, 12, 30)
    return (moment - epoch).total_seconds()


def within_seconds(text: str) -> float:
    """The time limit of `STEP within TIME`, read like the time column (00:10 is ten minutes)."""
    seconds, kind = parse_msel_time(text)
    if kind == ABSOLUTE:
        raise ValueError(f'"{text}" is a date, not a time limit')
    return seconds
