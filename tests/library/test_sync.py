"""The content files and the library: loaded once by hash, changes published or drafted, as docs/authoring.md says."""
import os
import threading
from pathlib import Path

from app import create_app
from app.extensions import db
from app.models import LibraryDocument, LibraryEvent, LibraryVersion
from app.services import library
from app.errors import Conflict, InvalidInput
from app.services.library_sync import last_sync_errors, sync_from_files

from ..conftest import TEST_SETTINGS
from ..helpers import gen_exercise
from .conftest import edit

import pytest


def versions(kind: str, key: str) -> list[tuple[int, str, str]]:
    doc = library.document(kind, key)
    return [(v.number, v.state, v.origin) for v in doc.versions]


def touch(path: Path) -> None:
    """A new modification time, as an editor saving the file gives it."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_the_files_are_loaded_and_published_once(app, root):
    assert versions("scenario", "mini-drill") == [(1, "published", "file")]
    assert versions("checklist", "mini-sop") == [(1, "published", "file")]
    again = sync_from_files(root)
    assert not again.changed
    assert db.session.query(LibraryVersion).count() == 2
    assert [e.type for e in db.session.query(LibraryEvent).order_by(LibraryEvent.seq)] == [
        "library.version_saved", "library.version_published"] * 2
    published = library.published("scenario", "mini-drill")
    assert published.content["path"] == "injects/mini-drill.yaml"
    assert published.source_text == (root / "injects" / "mini-drill.yaml").read_text()


def test_a_comment_edited_in_a_file_changes_nothing(app, root):
    assert versions("scenario", "mini-drill") == [(1, "published", "file")]
    edit(root / "injects" / "mini-drill.yaml", "# A small scenario", "# A tiny scenario")
    touch(root / "injects" / "mini-drill.yaml")
    assert versions("scenario", "mini-drill") == [(1, "published", "file")]


def test_a_changed_file_is_published_when_nobody_edited_the_scenario_in_the_app(app, root):
    before = gen_exercise("mini-drill", name="Before")
    edit(root / "injects" / "mini-drill.yaml", "title: Count your crews", "title: Count every crew")
    touch(root / "injects" / "mini-drill.yaml")
    assert versions("scenario", "mini-drill") == [(1, "published", "file"), (2, "published", "file")]
    after = gen_exercise("mini-drill", name="After")
    assert [i.title for i in after.injects if i.key == "I-03"] == ["Count every crew"]
    assert [i.title for i in before.injects if i.key == "I-03"] == ["Count your crews"]  # frozen


def test_a_file_changed_after_an_edit_in_the_app_arrives_as_a_draft(app, root):
    document = dict(library.version("scenario", "mini-drill", 1).document, title="Mini drill, edited in the app")
    library.save_draft("scenario", "mini-drill", document, base=1, actor="ctl")
    library.publish("scenario", "mini-drill", 2, actor="ctl")
    db.session.commit()

    edit(root / "injects" / "mini-drill.yaml", "title: Count your crews", "title: Count every crew")
    touch(root / "injects" / "mini-drill.yaml")
    assert versions("scenario", "mini-drill") == [(1, "published", "file"), (2, "published", "editor"),
                                                   (3, "draft", "file")]
    draft = library.version("scenario", "mini-drill", 3)
    assert "not published: scenario 'mini-drill' was edited in the app since" in draft.note
    # Exercises keep coming from the app's published version...
    exercise = gen_exercise("mini-drill")
    assert exercise.scenario_snapshot["title"] == "Mini drill, edited in the app"
    # ...and an editor who had version 2 open is told what the file changed.
    with pytest.raises(Conflict) as refused:
        library.save_draft("scenario", "mini-drill", dict(document, summary="x"), base=2, actor="eva")
    assert refused.value.response_extra["conflict"]["summary"] == [
        "title: 'Mini drill, edited in the app' -> 'Mini drill for tests'",
        "inject I-03: title: 'Count your crews' -> 'Count every crew'"]
    # The same file content again changes nothing.
    touch(root / "injects" / "mini-drill.yaml")
    assert len(versions("scenario", "mini-drill")) == 3


def test_a_file_with_errors_is_not_loaded_and_is_reported(app, root, runner):
    assert versions("scenario", "mini-drill") == [(1, "published", "file")]
    edit(root / "injects" / "mini-drill.yaml", "to: [ems]", "to: [medics]")
    touch(root / "injects" / "mini-drill.yaml")
    assert versions("scenario", "mini-drill") == [(1, "published", "file")]
    assert [str(e) for e in last_sync_errors()] == ["injects/mini-drill.yaml:62: inject I-04: unknown team 'medics'"]
    result = runner.invoke(args=["content", "sync"])
    assert "not loaded: injects/mini-drill.yaml:62: inject I-04: unknown team 'medics'" in result.output


def test_a_new_file_becomes_a_new_published_document(app, root):
    assert [d.key for d in library.documents("scenario")] == ["mini-drill"]
    text = (root / "injects" / "mini-drill.yaml").read_text().replace("id: mini-drill", "id: mini-two")
    (root / "injects" / "mini-two.yaml").write_text(text.replace("title: Mini drill for tests", "title: Mini two"))
    assert [d.key for d in library.documents("scenario")] == ["mini-drill", "mini-two"]
    assert versions("scenario", "mini-two") == [(1, "published", "file")]


def test_processes_that_start_together_load_each_file_once(app, root, tmp_path):
    """Two apps (as two server processes) on one database sync at the same moment."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    apps = [create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url, "CORDON_CONTENT_ROOT": str(root)})
            for _ in range(3)]
    ready = threading.Barrier(len(apps))
    errors = []

    def start(process_app):
        try:
            with process_app.app_context():
                ready.wait()
                library.documents("scenario")
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(a,)) for a in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert db.session.query(LibraryDocument).count() == 2
    assert db.session.query(LibraryVersion).count() == 2
    assert db.session.query(LibraryEvent).count() == 4
    for process_app in apps:
        with process_app.app_context():
            db.engine.dispose()


def test_an_exercise_is_refused_a_scenario_that_the_published_checklist_no_longer_fits(app, root):
    checklist = library.version("checklist", "mini-sop", 1).document
    steps = [step for step in checklist["steps"] if step["id"] != "EMS-01"]
    library.save_draft("checklist", "mini-sop", dict(checklist, steps=steps), base=1, actor="ctl")
    library.publish("checklist", "mini-sop", 2, actor="ctl")
    db.session.commit()
    assert library.scenarios_that_do_not_fit("mini-sop") == ["mini-drill"]
    with pytest.raises(InvalidInput) as refused:
        gen_exercise("mini-drill")
    assert refused.value.message == ("scenario 'mini-drill' does not validate: injects[3].expects[0].step: "
                                     "inject I-04: expects unknown step 'EMS-01'")
