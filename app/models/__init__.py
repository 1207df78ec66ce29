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
from .users import ApiToken, Role, User

__all__ = [
    "Acknowledgement", "Action", "ApiToken", "AuditCheckpoint", "CorrectiveAction", "Event", "Exercise",
    "ExerciseInject", "ExerciseStatus", "Feedback", "InjectStatus", "Observation",
    "Participant", "Rating", "Role", "StepState", "Team", "User", "Waiver",
]
