"""Signed checkpoints of the event log (docs/audit.md)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class AuditCheckpoint(db.Model):
    """A signature, by a key kept outside the database, over (exercise, seq, hash of that event, wall time)."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (UniqueConstraint("exercise_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column()
    hash: Mapped[str] = mapped_column(String(64))
    wall_time: Mapped[datetime] = mapped_column(UTCDateTime())
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
