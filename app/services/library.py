"""The scenario and checklist library in the database: documents, versions, drafts and publishing.

Every version is immutable content (the document as written) with its author, time and note.
Saving makes a new draft version on top of the one the editor had loaded (`base`); if someone
saved meanwhile, the save is refused with 409 and what changed, so nothing is overwritten.
Publishing makes the latest version the one exercises are created from; a version with errors
may be saved but not published. Each save and publish is appended to the library's own log in
the same transaction. Reads first make sure the library holds the content files
(`library_sync.ensure_synced`).
"""
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..content.documents import DocumentCheck
from ..content.yamlout import document_yaml
from ..content.library import MAX_ID_LENGTH, content_hash, gap_report
from ..engine.docdiff import change_lines, diff_documents
from ..extensions import db
from ..models import DocumentKind, LibraryDocument, LibraryVersion, User, VersionOrigin, VersionState
from ..schemas.content import KEY_PATTERN
from ..errors import Conflict, InvalidInput, NotFound
from .library_log import lock_library
from .library_sync import ensure_synced
from .library_versions import (actor_name, add_version, check_content, create_with_first_version, find_document,
                               plan_folder, publish_version, published_checklist_content, published_version,
                               store_check, version_of)
from flask_babel import gettext

__all__ = ["DraftConflict", "check", "checklist_content", "clone", "create_document", "diff", "document",
           "document_summary", "documents", "gaps", "problem_fields", "publish", "published", "published_contents",
           "restore", "save_draft", "scenario_for_exercise", "scenarios_that_do_not_fit", "version",
           "version_summary"]


class DraftConflict(Conflict):
    """A save based on a version that is no longer the latest; the response carries, beside the
    error, `conflict: {head, base, changes, summary}`: what was saved since."""

    def __init__(self, message: str, details: dict[str, Any]):
        super().__init__(message, fields={"base": [gettext("not the latest version")]})
        self.response_extra = {"conflict": details}


def _synced() -> None:
    """Public entry points call this first (never after lock_library: a sync commits)."""
    ensure_synced()


def _check_kind(kind: str) -> None:
    if kind not in DocumentKind.ALL:
        raise NotFound(gettext("no library kind '%(kind)s'", kind=kind))


# --- reading -------------------------------------------------------------------------------

def documents(kind: str) -> list[LibraryDocument]:
    """The documents of one kind, by title."""
    _check_kind(kind)
    _synced()
    found = db.session.scalars(select(LibraryDocument).where(LibraryDocument.kind == kind)).all()
    return sorted(found, key=lambda doc: (doc.title.casefold(), doc.key))


def document(kind: str, key: str) -> LibraryDocument:
    _check_kind(kind)
    _synced()
    return find_document(kind, key)


def version(kind: str, key: str, number: int | None = None) -> LibraryVersion:
    """A version of a document; the latest one when `number` is None."""
    doc = document(kind, key)
    return version_of(doc, doc.head_number if number is None else number)


def published(kind: str, key: str) -> LibraryVersion:
    """The published version of a document (NotFound when it has none)."""
    _check_kind(kind)
    _synced()
    return published_version(kind, key)


def published_contents(kind: str) -> list[dict]:
    """The normalized content of every published document of a kind, by title."""
    _check_kind(kind)
    _synced()
    rows = db.session.execute(
        select(LibraryVersion.content).join(LibraryDocument, LibraryVersion.document_id == LibraryDocument.id)
        .where(LibraryDocument.kind == kind, LibraryVersion.number == LibraryDocument.published_number)).all()
    contents = [row.content for row in rows if row.content is not None]
    return sorted(contents, key=lambda content: (str(content.get("title", "")).casefold(), content["id"]))


def checklist_content(key: str) -> dict:
    """The published checklist a scenario is checked against (and an exercise freezes)."""
    _synced()
    return published_checklist_content(key)


def check(kind: str, key: str, document_or_raw) -> DocumentCheck:
    """Check a document with the rules of the content files (a scenario against its published checklist)."""
    _check_kind(kind)
    _synced()
    try:
        folder = plan_folder(find_document(kind, key))
    except NotFound:
        folder = plan_folder()
    return check_content(kind, key, document_or_raw, folder)


def scenario_for_exercise(key: str) -> tuple[dict, dict, LibraryVersion]:
    """The published scenario, checked again against the checklist published now, and that checklist."""
    _synced()
    try:
        chosen = published_version(DocumentKind.SCENARIO, key)
    except NotFound as exc:
        raise InvalidInput(gettext("no published scenario '%(key)s' in the library", key=key),
                           fields={"scenario": [exc.message]}) from None
    result = check_content(DocumentKind.SCENARIO, key, chosen.document,
                           plan_folder(find_document(DocumentKind.SCENARIO, key)))
    if not result.valid:
        first = result.errors[0]
        raise InvalidInput(gettext("scenario '%(key)s' does not validate: %(value)s", key=key, value=_describe(first)),
                           fields={"scenario": [_describe(problem) for problem in result.errors[:20]]})
    content = {**result.content, "path": chosen.content.get("path") if chosen.content else None}
    return content, published_checklist_content(result.content["sop"]), chosen


def _describe(problem) -> str:
    return f"{problem.path}: {problem.message}" if problem.path else problem.message


def scenarios_that_do_not_fit(checklist_key: str) -> list[str]:
    """Published scenarios held to this checklist that its published version no longer validates
    (an exercise from them would be refused until they are fixed)."""
    _synced()
    found = []
    rows = db.session.execute(
        select(LibraryDocument.key, LibraryVersion.document).join(
            LibraryVersion, LibraryVersion.document_id == LibraryDocument.id)
        .where(LibraryDocument.kind == DocumentKind.SCENARIO,
               LibraryVersion.number == LibraryDocument.published_number)).all()
    for key, document in rows:
        if isinstance(document, dict) and document.get("sop") == checklist_key:
            if not check_content(DocumentKind.SCENARIO, key, document,
                                 plan_folder(find_document(DocumentKind.SCENARIO, key))).valid:
                found.append(key)
    return sorted(found)


def diff(kind: str, key: str, old: int | None = None, new: int | None = None) -> dict[str, Any]:
    """What changed from version `old` (default: the one before `new`) to version `new` (default:
    the latest), field by field, and in sentences."""
    doc = document(kind, key)
    new = doc.head_number if new is None else new
    old = max(new - 1, 1) if old is None else old
    changes = diff_documents(version_of(doc, old).document, version_of(doc, new).document)
    return {"from": old, "to": new, "changes": changes, "summary": change_lines(changes)}


def gaps(content: dict) -> dict[str, list[str]]:
    return gap_report(content)


# --- writing -------------------------------------------------------------------------------


def _check_key(key, field: str = "id") -> None:
    if not isinstance(key, str) or len(key) > MAX_ID_LENGTH or not re.match(KEY_PATTERN, key):
        raise InvalidInput(gettext("%(key)r is not a valid library id: use a-z, 0-9 and '-' (at most %(MAX_ID_LENGTH)s)", key=key, MAX_ID_LENGTH=MAX_ID_LENGTH),
                           fields={field: [gettext("use a-z, 0-9 and '-'")]})


def create_document(kind: str, key: str, content: dict, *, user: User | None = None, actor: str | None = None,
                    note: str = "", origin: str = VersionOrigin.EDITOR, source_text: str | None = None,
                    file_path: str | None = None, publish_now: bool = False,
                    extra: dict[str, Any] | None = None) -> LibraryVersion:
    """A new document whose first version is `content` (a draft, unless `publish_now` and valid)."""
    _check_kind(kind)
    _check_key(key)
    _synced()
    return create_with_first_version(kind, key, content, user=user, actor=actor, note=note, origin=origin, source_text=source_text,
                   file_path=file_path, publish_now=publish_now, extra=extra)


def save_draft(kind: str, key: str, content: dict, *, base: int | None, user: User | None = None,
               actor: str | None = None, note: str = "", origin: str = VersionOrigin.EDITOR,
               source_text: str | None = None) -> tuple[LibraryVersion, bool]:
    """Save `content` as a new draft on top of version `base` (the one the editor loaded).

    (version, True) when saved; (the latest version, False) when it already holds exactly this
    content. DraftConflict (409) when `base` is not the latest version any more.
    """
    _check_kind(kind)
    _synced()
    lock_library()
    doc = find_document(kind, key, fresh=True)
    head = version_of(doc, doc.head_number)
    if base is not None and base != doc.head_number:
        if not 1 <= base <= doc.head_number:
            raise InvalidInput(gettext("%(kind)s '%(key)s' has no version %(base)s", kind=kind, key=key, base=base), fields={"base": [gettext("no such version")]})
        changes = diff_documents(version_of(doc, base).document, head.document)
        raise DraftConflict(
            f"{kind} '{key}' was saved by {head.author} as version {head.number} after version {base} that "
            "you edited: look at their changes, then save again on top of them",
            {"head": version_summary(head), "base": base, "changes": changes, "summary": change_lines(changes)})
    if content_hash(content) == head.document_hash:
        return head, False
    saved = add_version(doc, content, user=user, actor=actor_name(user, actor), note=note, origin=origin,
                         base=doc.head_number, source_text=source_text)
    return saved, True


def publish(kind: str, key: str, number: int, *, user: User | None = None, actor: str | None = None,
            ) -> LibraryVersion:
    """Publish the latest version, if it has no errors: exercises are made from it from now on."""
    _check_kind(kind)
    _synced()
    lock_library()
    doc = find_document(kind, key, fresh=True)
    chosen = version_of(doc, number)
    if chosen.state == VersionState.PUBLISHED:
        raise Conflict(gettext("version %(number)s of %(kind)s '%(key)s' is already published", number=number, kind=kind, key=key))
    if number != doc.head_number:
        raise Conflict(gettext("version %(number)s is not the latest version of %(kind)s '%(key)s' (that is %(head_number)s): restore it as a new draft to publish it", number=number, kind=kind, key=key, head_number=doc.head_number),
                       fields={"number": [gettext("not the latest version")]})
    result = check_content(kind, key, chosen.document, plan_folder(doc))
    if not result.valid:
        raise InvalidInput(gettext("version %(number)s has %(count)s error(s): fix them, save, then publish", number=number, count=len(result.errors)),
                           fields=problem_fields(result.errors))
    store_check(chosen, result, file_path=doc.file_path if chosen.origin == VersionOrigin.FILE else None)
    publish_version(doc, chosen, actor_name(user, actor))
    return chosen


def restore(kind: str, key: str, number: int, *, user: User | None = None, actor: str | None = None,
            note: str = "") -> LibraryVersion:
    """Save an older version's content again as a new draft (the history is kept)."""
    _check_kind(kind)
    _synced()
    lock_library()
    doc = find_document(kind, key, fresh=True)
    old = version_of(doc, number)
    return add_version(doc, old.document, user=user, actor=actor_name(user, actor),
                        note=note or f"restored from version {number}", origin=VersionOrigin.RESTORE,
                        base=doc.head_number, source_text=old.source_text, extra={"restored_from": number})


def clone(kind: str, key: str, new_key: str, *, number: int | None = None, title: str | None = None,
          user: User | None = None, actor: str | None = None) -> LibraryVersion:
    """A new document (a draft) with the content of a version of another, under a new id."""
    source = version(kind, key, number)
    content = dict(source.document)
    content["id"] = new_key
    if title:
        content["title"] = title
    _check_key(new_key)
    return create_with_first_version(kind, new_key, content, source_text=None, file_path=None, publish_now=False, user=user,
                   actor=actor, origin=VersionOrigin.CLONE, note=f"cloned from {key} version {source.number}",
                   extra={"cloned_from": {"id": key, "number": source.number}})


def problem_fields(problems) -> dict[str, list[str]]:
    """Problems grouped by field path (the whole document under `document`), for a 422."""
    fields: dict[str, list[str]] = {}
    for problem in problems:
        fields.setdefault(problem.path or "document", []).append(problem.message)
    return fields


# --- views ---------------------------------------------------------------------------------

def version_summary(item: LibraryVersion) -> dict[str, Any]:
    return {
        "number": item.number, "state": item.state, "origin": item.origin, "base": item.base_number,
        "title": item.title, "note": item.note, "author": item.author, "created_at": item.created_at.isoformat(),
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "published_by": item.published_by, "content_hash": item.content_hash, "document_hash": item.document_hash,
        "errors": item.error_count,
    }


def document_summary(doc: LibraryDocument) -> dict[str, Any]:
    return {
        "kind": doc.kind, "id": doc.key, "title": doc.title, "head": doc.head_number,
        "published": doc.published_number, "draft": doc.head_number != doc.published_number,
        "file_path": doc.file_path, "updated_at": doc.updated_at.isoformat(),
    }


def export_text(kind: str, key: str, item, *, as_written: bool = True) -> str:
    """A version as a content file: the text it came as (with `as_written`), else its document."""
    if as_written and item.source_text is not None:
        return item.source_text
    return document_yaml(item.document, comment=(
        f"Cordon {kind}: {item.title}\nVersion {item.number} of '{key}' in the library "
        f"({item.state}, saved by {item.author} on {item.created_at:%Y-%m-%d}).\n"
        f"Check it with: flask --app wsgi content check"))


def plans_folder() -> Path:
    """Where a scenario that did not come from a file finds its site plan: the library's scenario folder."""
    return plan_folder()
