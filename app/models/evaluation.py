"""What evaluators and participants record: observations, ratings, the improvement plan, feedback."""
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class Observation(db.Model):
    __tablename__ = "observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    exercise_time_s: Mapped[float] = mapped_column(Float)
    team_key: Mapped[str | None] = mapped_column(String(40))
    objective: Mapped[str | None] = mapped_column(String(40))
    capability: Mapped[str | None] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    tag: Mapped[str | None] = mapped_column(String(20))  # strength | improvement
    # Written during the hot wash, about the replayed moment (exercise_time_s).
    hotwash: Mapped[bool] = mapped_column(default=False)
    zone: Mapped[str | None] = mapped_column(String(20))  # a zone on the site map it is about (docs/zones.md)
    wall_time: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Rating(db.Model):
    """One evaluator's P/S/M/U rating of an objective; evaluator None is the lead's consensus."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("exercise_id", "objective", "evaluator_id", "consensus"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    objective: Mapped[str] = mapped_column(String(40))
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    consensus: Mapped[bool] = mapped_column(default=False)
    rating: Mapped[str] = mapped_column(String(1))
    rationale: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CorrectiveAction(db.Model):
    """A row of the HSEEP improvement plan."""

    __tablename__ = "corrective_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    objective: Mapped[str | None] = mapped_column(String(40))
    capability: Mapped[str] = mapped_column(String(120))
    issue: Mapped[str] = mapped_column(Text)
    corrective_action: Mapped[str] = mapped_column(Text)
    capability_element: Mapped[str] = mapped_column(String(20))  # Planning, Organization, Equipment, Training, Exercise
    responsible_org: Mapped[str] = mapped_column(String(200))
    point_of_contact: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    completion_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Feedback(db.Model):
    """A participant's feedback form, after the exercise ends."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    team_key: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    wall_time: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
