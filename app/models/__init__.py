"""SQLAlchemy models, one module per aggregate."""
from .audit import AuditCheckpoint
from .evaluation import CorrectiveAction, Feedback, Observation, Rating
from .events import Event
from .exercise import (
    Acknowledgement,
    Action,
    Exercise,
    ExerciseInject,
    ExerciseStatus,
    InjectStatus,
    Participant,
    StepState,
    Team,
    Waiver,
)
from .library import (
    DocumentKind,
    LibraryDocument,
    LibraryEvent,
    LibraryLog,
    LibraryVersion,
    MselMapping,
    VersionOrigin,
    VersionState,
)
from .users import ApiToken, Role, User

__all__ = [
    "Acknowledgement", "Action", "ApiToken", "AuditCheckpoint", "CorrectiveAction", "DocumentKind", "Event",
    "Exercise", "ExerciseInject", "ExerciseStatus", "Feedback", "InjectStatus", "LibraryDocument",
    "LibraryEvent", "LibraryLog", "LibraryVersion", "MselMapping", "Observation", "Participant", "Rating",
    "Role", "StepState", "Team", "User", "VersionOrigin", "VersionState", "Waiver",
]
