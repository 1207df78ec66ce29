"""The append-only, hash-chained event log (DESIGN.md section 5)."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("exercise_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column()
    type: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    team: Mapped[str | None] = mapped_column(String(40))  # the team the event is about, if any
    # Who may see it besides staff: null everyone in the exercise, [] staff only, or team keys.
    visible_to: Mapped[list[str] | None] = mapped_column(JSON)
    exercise_time_s: Mapped[float] = mapped_column(Float)
    wall_time: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
