"""Storing library versions: the steps every writer of the library takes, below both the editor's
public operations (`services.library`) and the sync of the content files (`services.library_sync`).

A version is checked with the content rules when it is added (its normalized content and hash are
kept when valid), numbered after the document's head, and logged in the library's own log; a
valid version can be published. None of these sync the files first: their callers do.
"""
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..content.documents import DocumentCheck, check_document
from ..content.library import MAX_ID_LENGTH, content_hash
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..models import DocumentKind, LibraryDocument, LibraryVersion, User, VersionOrigin, VersionState
from .library_log import append_library_event, lock_library
from .timing import wall_now
from flask_babel import gettext


def find_document(kind: str, key: str, *, fresh: bool = False) -> LibraryDocument:
    """The document row; `fresh` re-reads it (after lock_library, what other writers committed)."""
    query = select(LibraryDocument).where(LibraryDocument.kind == kind, LibraryDocument.key == key)
    if fresh:
        query = query.execution_options(populate_existing=True)
    found = db.session.scalars(query).first() if isinstance(key, str) and len(key) <= MAX_ID_LENGTH else None
    if found is None:
        raise NotFound(gettext("no %(kind)s '%(key)s' in the library", kind=kind, key=key))
    return found


def version_of(doc: LibraryDocument, number: int) -> LibraryVersion:
    found = db.session.scalars(select(LibraryVersion).where(
        LibraryVersion.document_id == doc.id, LibraryVersion.number == number)).first()
    if found is None:
        raise NotFound(gettext("%(kind)s '%(key)s' has no version %(number)s", kind=doc.kind, key=doc.key, number=number))
    return found


def published_version(kind: str, key: str) -> LibraryVersion:
    doc = find_document(kind, key)
    if doc.published_number is None:
        raise NotFound(gettext("%(kind)s '%(key)s' has no published version yet", kind=kind, key=key))
    return version_of(doc, doc.published_number)


def published_checklist_content(key: str) -> dict:
    try:
        return published_version(DocumentKind.CHECKLIST, key).content
    except NotFound:
        raise NotFound(gettext("unknown checklist '%(key)s': no checklist with that id is published in the library", key=key)) from None


def check_content(kind: str, key: str, document_or_raw, folder: Path | None = None) -> DocumentCheck:
    """A document checked with the content rules; `folder` is where its content file lives (plan_folder)."""
    return check_document(kind, key, document_or_raw, published_checklist_content, folder)


def plan_folder(doc: LibraryDocument | None = None) -> Path:
    """The folder where the files a document names (a scenario's site plan) are found: its content
    file's; for a document made in the app, a clone or an import, the library's scenario folder
    (`injects/`, whose `plans/` hold the shipped site plans)."""
    root = Path(current_app.config["CORDON_CONTENT_ROOT"])
    if doc is None or not doc.file_path:
        return root / "injects"
    return root / Path(doc.file_path).parent


def actor_name(user: User | None, actor: str | None) -> str:
    return actor or (user.username if user is not None else "system")


def create_with_first_version(kind: str, key: str, content: dict, *, user: User | None, actor: str | None, note: str, origin: str,
            source_text: str | None, file_path: str | None, publish_now: bool,
            extra: dict[str, Any] | None) -> LibraryVersion:
    lock_library()
    if db.session.scalar(select(LibraryDocument.id).where(LibraryDocument.kind == kind,
                                                          LibraryDocument.key == key)) is not None:
        raise Conflict(gettext("there is already a %(kind)s '%(key)s' in the library", kind=kind, key=key), fields={"id": [gettext("already taken")]})
    doc = LibraryDocument(kind=kind, key=key, file_path=file_path, head_number=0, created_at=wall_now())
    db.session.add(doc)
    db.session.flush()
    created = add_version(doc, content, user=user, actor=actor_name(user, actor), note=note, origin=origin,
                           base=None, source_text=source_text, extra=extra)
    if publish_now and created.content is not None:
        publish_version(doc, created, actor_name(user, actor))
    return created


def add_version(doc: LibraryDocument, content: dict, *, user: User | None, actor: str, note: str, origin: str,
                 base: int | None, source_text: str | None, extra: dict[str, Any] | None = None) -> LibraryVersion:
    result = check_content(doc.kind, doc.key, content, plan_folder(doc))
    added = LibraryVersion(
        document_id=doc.id, number=doc.head_number + 1, state=VersionState.DRAFT, origin=origin, base_number=base,
        document=content, source_text=source_text, document_hash=content_hash(content),
        title=str(content.get("title") or "")[:300], note=note or "", author=actor,
        author_id=user.id if user is not None else None, created_at=wall_now())
    store_check(added, result, file_path=doc.file_path if origin == VersionOrigin.FILE else None)
    db.session.add(added)
    doc.head_number = added.number
    doc.title = added.title or doc.title
    doc.updated_at = added.created_at
    db.session.flush()
    append_library_event("library.version_saved", {
        "kind": doc.kind, "id": doc.key, "number": added.number, "state": added.state, "origin": origin,
        "base": base, "document_hash": added.document_hash, "content_hash": added.content_hash,
        "errors": added.error_count, "note": added.note, **(extra or {}),
    }, actor=actor, now=added.created_at)
    return added


def store_check(target: LibraryVersion, result: DocumentCheck, *, file_path: str | None) -> None:
    """The derived fields of a version: its normalized content and content hash when valid."""
    if result.valid:
        target.content = {**result.content, "path": file_path}
        target.content_hash = result.content["hash"]
        target.error_count = 0
    else:
        target.content, target.content_hash, target.error_count = None, None, len(result.errors)


def publish_version(doc: LibraryDocument, chosen: LibraryVersion, actor: str) -> None:
    if chosen.content is None:
        raise InvalidInput(gettext("version %(number)s of %(kind)s '%(key)s' has errors and cannot be published", number=chosen.number, kind=doc.kind, key=doc.key))
    now = wall_now()
    chosen.state, chosen.published_at, chosen.published_by = VersionState.PUBLISHED, now, actor
    previous = doc.published_number
    doc.published_number, doc.updated_at = chosen.number, now
    db.session.flush()
    append_library_event("library.version_published", {
        "kind": doc.kind, "id": doc.key, "number": chosen.number, "previous": previous,
        "content_hash": chosen.content_hash}, actor=actor, now=now)
