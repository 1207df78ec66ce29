"""Loading the content files (`injects/`, `sop/` under CORDON_CONTENT_ROOT) into the library.

Idempotent, by content hash: a file whose content the library already has from that file
changes nothing. A new file becomes a document whose version 1 is published. A changed file
becomes a new version, and then:

- if the latest version of the document is the published one and came from the file (nobody
  edited the document in the app since), the new version is published: shipped corrections
  reach new exercises;
- otherwise (someone saved or published an edit in the app), the file's version is saved as a
  **draft** and not published: the app's published version stays the one exercises use, the
  file's content is in the history to compare and restore, and the next save of an editor who
  had an older version open gets the 409 that shows what the file changed.

A file with errors is not loaded (and is listed by `flask content sync`/`check`); a file that
disappears leaves its document as it is. Files are compared by what they say (the hash of the
normalized content), so editing a comment changes nothing.

Every process checks the files' names, sizes and times on each library read (a few stat calls)
and syncs when they changed; the sync holds the library's write lock, so processes that start
together load each file once.
"""
import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, g
from sqlalchemy import select

from ..content import load_library
from ..content.documents import parse_document_text, plain_document
from ..content.library import ContentError
from ..extensions import db
from ..models import DocumentKind, LibraryDocument, LibraryVersion, VersionOrigin, VersionState
from .library_versions import add_version, create_with_first_version, publish_version
from .library_log import lock_library
from .unit import unit_of_work

log = logging.getLogger(__name__)

FOLDERS = (("sop", DocumentKind.CHECKLIST), ("injects", DocumentKind.SCENARIO))
STATE_KEY = "cordon_library_sync"


@dataclass
class SyncReport:
    """What a sync did, per document id: loaded (new), published (changed), drafted (changed
    but edited in the app), and the files that could not be loaded."""

    loaded: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    drafted: list[str] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.loaded or self.published or self.drafted)


def signature(root: Path) -> tuple:
    """Names, sizes and modification times of the content files: what tells that they changed."""
    found = []
    for folder, _ in FOLDERS:
        try:
            entries = list((root / folder).iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.suffix in (".yaml", ".yml"):
                try:
                    stat = entry.stat()
                except OSError:
                    continue
                found.append((folder, entry.name, stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(found))


def content_root() -> Path:
    return Path(current_app.config["CORDON_CONTENT_ROOT"]).resolve()


def ensure_synced() -> None:
    """Sync the library from the content root when its files changed since this process last looked.

    Call it before anything is written in the transaction: a sync that loads something commits.
    """
    if g.get("cordon_library_syncing"):
        return
    root = content_root()
    state = current_app.extensions.setdefault(STATE_KEY, {})
    sig = signature(root)
    if state.get(str(root), (None,))[0] == sig:
        return
    report = sync_from_files(root)
    state[str(root)] = (sig, report.errors)


def last_sync_errors() -> list[ContentError]:
    """The problems of the content files the last sync of this process could not load."""
    state = current_app.extensions.get(STATE_KEY, {})
    return list(state.get(str(content_root()), (None, []))[1])


_PARSED: dict[tuple[str, tuple], object] = {}  # (root, signature) -> Library: files parse once per process


def _load(root: Path):
    key = (str(root), signature(root))
    if key not in _PARSED:
        if len(_PARSED) > 32:
            _PARSED.clear()
        _PARSED[key] = load_library(root=root)
    return _PARSED[key]


def sync_from_files(root: Path) -> SyncReport:
    """Load the content files of `root` into the library (see the module docstring) and commit."""
    files = _load(root)
    report = SyncReport(errors=list(files.errors))
    g.cordon_library_syncing = True
    try:
        with unit_of_work():
            lock_library()
            for kind, contents in ((DocumentKind.CHECKLIST, files.checklists),
                                   (DocumentKind.SCENARIO, files.scenarios)):
                for key, content in contents.items():
                    _sync_one(root, kind, key, content, report)
    finally:
        g.cordon_library_syncing = False
    for key in report.drafted:
        log.warning("library: %s changed on disk but was edited in the app; saved as a draft, not published", key)
    return report


def _sync_one(root: Path, kind: str, key: str, content: dict, report: SyncReport) -> None:
    path = content["path"]
    doc = db.session.scalars(select(LibraryDocument).where(LibraryDocument.kind == kind, LibraryDocument.key == key)
                             .execution_options(populate_existing=True)).first()
    text = (root / path).read_text(encoding="utf-8")
    raw, _ = parse_document_text(text, path)
    document = plain_document(raw)
    if doc is None:
        create_with_first_version(kind, key, document, user=None, actor="system", note=f"loaded from {path}",
                        origin=VersionOrigin.FILE, source_text=text, file_path=path, publish_now=True,
                        extra={"file": path})
        report.loaded.append(key)
        return
    head = db.session.scalars(select(LibraryVersion).where(LibraryVersion.document_id == doc.id,
                                                           LibraryVersion.number == doc.head_number)).one()
    last_from_file = db.session.scalars(
        select(LibraryVersion).where(LibraryVersion.document_id == doc.id, LibraryVersion.origin == VersionOrigin.FILE)
        .order_by(LibraryVersion.number.desc()).limit(1)).first()
    if content["hash"] in (head.content_hash, last_from_file.content_hash if last_from_file else None):
        return  # the library has this content already
    untouched = head.origin == VersionOrigin.FILE and head.state == VersionState.PUBLISHED
    if doc.file_path is None:
        doc.file_path = path
    note = (f"loaded from {path}" if untouched else
            f"loaded from {path}; not published: {kind} '{key}' was edited in the app since")
    added = add_version(doc, document, user=None, actor="system", note=note, origin=VersionOrigin.FILE,
                                 base=doc.head_number, source_text=text, extra={"file": path})
    if untouched and added.content is not None:
        publish_version(doc, added, "system")
        report.published.append(key)
    else:
        report.drafted.append(key)
