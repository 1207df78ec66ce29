"""An exercise and what happens in it: teams, participants, injects, acknowledgements, actions."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..engine.snapshots import Checklist, Scenario
from ..extensions import db
from ..vocabulary import ExerciseStatus, InjectStatus
from .types import UTCDateTime, utcnow

__all__ = ["Acknowledgement", "Action", "Exercise", "ExerciseInject", "ExerciseStatus", "InjectStatus",
           "Participant", "StepState", "Team", "Waiver"]


class Exercise(db.Model):
    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=ExerciseStatus.DRAFT)
    # Frozen copies of the library content the exercise was built from.
    scenario_id: Mapped[str] = mapped_column(String(100))
    scenario_version: Mapped[str] = mapped_column(String(40))
    scenario_hash: Mapped[str] = mapped_column(String(64))
    scenario_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    checklist_id: Mapped[str] = mapped_column(String(100))
    checklist_hash: Mapped[str] = mapped_column(String(64))
    checklist_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The clock (DESIGN.md section 3): elapsed = base + (now - anchor) * speed while running.
    elapsed_base_s: Mapped[float] = mapped_column(Float, default=0.0)
    anchor: Mapped[datetime | None] = mapped_column(UTCDateTime())
    speed: Mapped[float] = mapped_column(Float, default=1.0)
    # Head of the event log: the next event takes last_seq + 1 and links to last_hash.
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)
    # The head as signed with the audit key at the last append (an engine.eventlog.Checkpoint):
    # equal to last_seq/last_hash unless someone rewound or rewrote them.
    signed_head_seq: Mapped[int | None] = mapped_column()
    signed_head_hash: Mapped[str | None] = mapped_column(String(64))
    signed_head_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_head_key_id: Mapped[str | None] = mapped_column(String(64))
    signed_head_signature: Mapped[str | None] = mapped_column(String(128))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The evaluator who sets the consensus P/S/M/U ratings.
    lead_evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Made from another exercise at a moment: {exercise_id, seq, hash, at_s} of the source, else null.
    branched_from: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The dose guidance set responders' doses are held against (docs/dose-and-instruments.md); None:
    # the checklist's default (GSR Part 7 unless the checklist says otherwise).
    dose_guidance_set: Mapped[str | None] = mapped_column(String(60))
    # The language its tablets open in until a participant chooses another (app/i18n.py); None: English.
    language: Mapped[str | None] = mapped_column(String(10))

    teams: Mapped[list["Team"]] = relationship(
        back_populates="exercise", cascade="all, delete-orphan", order_by="Team.id"
    )
    injects: Mapped[list["ExerciseInject"]] = relationship(
        back_populates="exercise", cascade="all, delete-orphan", order_by="ExerciseInject.position"
    )

    def team(self, key: str) -> "Team | None":
        return next((t for t in self.teams if t.key == key), None)

    @property
    def checklist(self) -> Checklist:
        """The frozen checklist, with typed lookups (steps_for, step...)."""
        return Checklist(self.checklist_snapshot)

    @property
    def scenario(self) -> Scenario:
        """The frozen scenario, with typed lookups (objectives, inject...)."""
        return Scenario(self.scenario_snapshot)


class Team(db.Model):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("exercise_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    agency: Mapped[str] = mapped_column(String(60))
    # Shown to staff for the whole exercise, so kept readable; unique across all exercises.
    join_code: Mapped[str] = mapped_column(String(20), unique=True)
    code_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    exercise: Mapped[Exercise] = relationship(back_populates="teams")
    participants: Mapped[list["Participant"]] = relationship(back_populates="team", cascade="all, delete-orphan")


class Participant(db.Model):
    """A person on a team tablet: a display name and a token; no account."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The join code it came in with: rotating the code revokes the tokens issued with it.
    join_code: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    team: Mapped[Team] = relationship(back_populates="participants")


class ExerciseInject(db.Model):
    """The exercise's own copy of a scenario inject, or an ad-hoc inject."""

    __tablename__ = "exercise_injects"
    __table_args__ = (
        UniqueConstraint("exercise_id", "key"),
        Index("ix_exercise_injects_due", "exercise_id", "status", "at_s"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))  # the inject id of the contract, e.g. I-04
    position: Mapped[int] = mapped_column(default=0)
    at_s: Mapped[float | None] = mapped_column(Float)  # None: reserve or contingency inject
    scheduled_at_s: Mapped[float | None] = mapped_column(Float)  # as the scenario had it
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    sender: Mapped[str] = mapped_column(String(200), default="")
    recipients: Mapped[Any] = mapped_column(JSON)  # "all" or a list of team keys
    channel: Mapped[str] = mapped_column(String(30), default="other")
    kind: Mapped[str] = mapped_column(String(30), default="information")  # HSEEP event type
    expects: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    objective: Mapped[str | None] = mapped_column(String(40))
    requires_ack: Mapped[bool] = mapped_column(default=True)
    when_overdue: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    adhoc: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=InjectStatus.PENDING)
    released_at_s: Mapped[float | None] = mapped_column(Float)
    released_wall: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by: Mapped[str | None] = mapped_column(String(80))  # "scheduler" or a username
    delayed: Mapped[bool] = mapped_column(default=False)
    # Contingency injects in prompt mode: when the controller was asked to release it.
    prompted_at_s: Mapped[float | None] = mapped_column(Float)
    prompted_for: Mapped[str | None] = mapped_column(String(40))  # the team whose step was overdue
    # Released in the exercise this one was branched from, before the branch point (history).
    carried_over: Mapped[bool] = mapped_column(default=False)

    exercise: Mapped[Exercise] = relationship(back_populates="injects")


class Acknowledgement(db.Model):
    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("inject_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    inject_id: Mapped[int] = mapped_column(ForeignKey("exercise_injects.id", ondelete="CASCADE"))
    team_key: Mapped[str] = mapped_column(String(40))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    exercise_time_s: Mapped[float] = mapped_column(Float)
    wall_time: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Action(db.Model):
    """Something a team did, optionally ticking a checklist step."""

    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("exercise_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    team_key: Mapped[str] = mapped_column(String(40))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    step: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[str] = mapped_column(String(64))  # made by the tablet; makes logging idempotent
    exercise_time_s: Mapped[float] = mapped_column(Float)
    wall_time: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    event_seq: Mapped[int] = mapped_column()


class Waiver(db.Model):
    """Staff marked a step not applicable for a team."""

    __tablename__ = "waivers"
    __table_args__ = (UniqueConstraint("exercise_id", "team_key", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    team_key: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    exercise_time_s: Mapped[float] = mapped_column(Float)
    wall_time: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StepState(db.Model):
    """The last step status announced for a team, so a change is announced once (step.status)."""

    __tablename__ = "step_states"
    __table_args__ = (UniqueConstraint("exercise_id", "team_key", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    team_key: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
