"""The words and bounds of an exercise, written once: channels, inject types, statuses, ratings,
the clock's speed range, text limits and identifier patterns.

Schemas, services, the content loader and the engine import them from here (this module
imports nothing of Cordon's, so every layer may use it). Pages take their words from
`static/js/labels.js`, which lists the same keys.
"""
from enum import StrEnum


def N_(text: str) -> str:
    """Marks a word for the translation catalogues (docs/translating.md) where it is defined; it is
    translated where it is shown (`translate` in app/i18n.py), so data and the log keep the English."""
    return text

# -- injects ------------------------------------------------------------------------------------

CHANNELS = ("radio", "phone", "email", "media", "field-report", "sensor", "other")
INJECT_TYPES = ("event", "information", "request", "media", "contingency")
RECIPIENTS_ALL = "all"


class ExerciseStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    ENDED = "ended"


class InjectStatus(StrEnum):
    PENDING = "pending"
    HELD = "held"
    RELEASED = "released"
    SKIPPED = "skipped"


class StepStatus(StrEnum):
    """A checklist step's status for a team (DESIGN.md section 4)."""

    PENDING = "pending"
    OPEN = "open"
    OVERDUE = "overdue"
    MISSED = "missed"
    DONE = "done"
    LATE = "late"
    WAIVED = "waived"


# -- the clock ----------------------------------------------------------------------------------

MIN_SPEED = 0.1
MAX_SPEED = 120.0
MAX_EXERCISE_TIME_S = 7 * 24 * 3600  # no exercise runs longer than a week

# -- evaluation ---------------------------------------------------------------------------------

RATINGS = ("P", "S", "M", "U")  # HSEEP: performed without / with some / with major challenges, unable
OBSERVATION_TAGS = ("strength", "improvement")
# POETE: the capability elements an improvement-plan row addresses (domain-facts section 1.5).
CAPABILITY_ELEMENTS = ("Planning", "Organization", "Equipment", "Training", "Exercise")
CORRECTIVE_ACTION_STATUSES = ("open", "in-progress", "completed", "cancelled")
# The participant feedback form: question key -> statement rated 1-5.
FEEDBACK_QUESTIONS: dict[str, str] = {
    "objectives_clear": N_("The exercise objectives were clear."),
    "well_organized": N_("The exercise was well structured and organized."),
    "scenario_realistic": N_("The scenario was plausible and realistic."),
    "injects_timely": N_("Injects arrived on time and at a realistic pace."),
    "sop_useful": N_("The SOP checklist helped my team respond."),
    "tablet_easy": N_("The tablet was easy to use."),
    "controllers_helpful": N_("Controllers and facilitators were knowledgeable and helpful."),
    "right_participants": N_("The right people took part, in level and mix of disciplines."),
    "understanding_improved": N_("I understand the roles and capabilities of the other organizations better."),
    "better_prepared": N_("I feel better prepared to respond to a real incident."),
}

# -- text limits (characters) ---------------------------------------------------------------------

MAX_TEXT = 4000          # an action's text, a message
MAX_TITLE = 300          # an inject title
MAX_BODY = 20000         # an inject body, notes
MAX_NARRATIVE = 20000    # a narrative section of the report
MAX_PERSON_NAME = 80     # a participant's display name, a username
MAX_TEAM_NAME = 120
MAX_EXERCISE_NAME = 200
MAX_KEY = 40             # team keys, step ids, inject ids

# -- identifiers --------------------------------------------------------------------------------

# A tablet's id for an action: it makes logging idempotent.
CLIENT_ID_PATTERN = r"^[A-Za-z0-9._:-]{8,64}$"
# Keys of teams, agencies, phases and content ids: lower-case letters, digits and '-'.
KEY_PATTERN = r"^[a-z0-9][a-z0-9-]*\Z"
TEAM_KEY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
