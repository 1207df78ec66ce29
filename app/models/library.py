"""The scenario and checklist library: documents, their immutable versions, and the library's own log.

A document (a scenario or a checklist, by its id) has versions numbered 1, 2, 3...; each version
holds the whole content mapping as written (`document`), so blocks this code does not know are
kept as they are. A version is saved as a draft and may later be published; its content never
changes. Exercises are made from the published version and keep their own frozen copy.
"""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

__all__ = ["DocumentKind", "LibraryDocument", "LibraryEvent", "LibraryLog", "LibraryVersion", "MselMapping",
           "VersionOrigin", "VersionState"]


class DocumentKind:
    SCENARIO = "scenario"
    CHECKLIST = "checklist"
    ALL = (SCENARIO, CHECKLIST)


class VersionState:
    DRAFT = "draft"
    PUBLISHED = "published"


class VersionOrigin:
    """Where a version's content came from."""

    FILE = "file"          # a shipped or hand-edited file under injects/ or sop/
    EDITOR = "editor"      # saved in the app (the editors or the API)
    IMPORT = "import"      # an MSEL or scenario file uploaded to the import
    RESTORE = "restore"    # an older version saved again as a new draft
    CLONE = "clone"        # the first version of a copy of another document


class LibraryDocument(db.Model):
    __tablename__ = "library_documents"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(100))  # the scenario or checklist id
    title: Mapped[str] = mapped_column(String(300), default="")  # of the latest version, for lists
    # The newest version, and the one exercises are made from (None until one is published).
    head_number: Mapped[int] = mapped_column(default=0)
    published_number: Mapped[int | None] = mapped_column(Integer)
    # The file it was first loaded from (injects/x.yaml), for documents that came with the content.
    file_path: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list["LibraryVersion"]] = relationship(
        back_populates="parent", order_by="LibraryVersion.number", cascade="all, delete-orphan")


class LibraryVersion(db.Model):
    __tablename__ = "library_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("library_documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default=VersionState.DRAFT)
    origin: Mapped[str] = mapped_column(String(20), default=VersionOrigin.EDITOR)
    # The version this one was edited from (what the editor had loaded), if any.
    base_number: Mapped[int | None] = mapped_column(Integer)
    # The content mapping as written (times as text: `8m`), the whole of it.
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    # For content that came as YAML text (files, YAML uploads): that text, comments and all.
    source_text: Mapped[str | None] = mapped_column(Text)
    # sha256 of the canonical JSON of `document`: equal documents, equal hash.
    document_hash: Mapped[str] = mapped_column(String(64))
    # The content hash exercises record (of the normalized content); None while it has errors.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # The normalized content when valid (what an exercise freezes), else None.
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error_count: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(120))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(String(120))

    parent: Mapped[LibraryDocument] = relationship(back_populates="versions")

    @property
    def valid(self) -> bool:
        return self.content is not None



class LibraryEvent(db.Model):
    """The library's own append-only, hash-chained log (the exercise event log's chain and hashing)."""

    __tablename__ = "library_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    type: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    wall_time: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LibraryLog(db.Model):
    """The head of the library's log (one row): every library write updates it first, which
    serializes writers across processes like an exercise row does for its events."""

    __tablename__ = "library_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)


class MselMapping(db.Model):
    """A saved MSEL column mapping (`{"When": "time", "Controller": "ignore"}`), reused by name."""

    __tablename__ = "msel_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    mapping: Mapped[dict[str, str]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
