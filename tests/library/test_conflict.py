"""Two people editing one draft: the second save is a 409 that says what changed; nothing is lost."""
import threading

import pytest

from app import create_app
from app.extensions import db
from app.services import library

from ..conftest import TEST_SETTINGS
from ..helpers import FIXTURE_LIBRARY


def test_the_second_save_on_the_same_base_is_a_409_with_the_first_ones_changes(app, root, staff, client):
    loaded = client.get("/api/v1/library/scenarios/mini-drill/versions/1", headers=staff["controller"]).get_json()
    ann = dict(loaded["document"], summary="Ann's summary")
    ben = dict(loaded["document"], hazard="Ben's hazard")

    first = client.post("/api/v1/library/scenarios/mini-drill/versions", headers=staff["controller"],
                        json={"base": 1, "document": ann, "note": "summary"})
    assert first.status_code == 201 and first.get_json()["number"] == 2
    second = client.post("/api/v1/library/scenarios/mini-drill/versions", headers=staff["admin"],
                         json={"base": 1, "document": ben, "note": "hazard"})

    assert second.status_code == 409
    body = second.get_json()
    assert body["error"]["code"] == "conflict"
    assert body["error"]["message"].startswith("scenario 'mini-drill' was saved by ctl as version 2 after version 1")
    assert body["conflict"]["head"]["number"] == 2 and body["conflict"]["base"] == 1
    assert body["conflict"]["summary"] == ["summary: 'Four timed injects, a reserve and a contingency.' -> "
                                           "\"Ann's summary\""]
    # Nothing was overwritten; Ben merges Ann's change and saves on top of it.
    history = client.get("/api/v1/library/scenarios/mini-drill", headers=staff["evaluator"]).get_json()
    assert [v["number"] for v in history["versions"]] == [2, 1]
    merged = client.post("/api/v1/library/scenarios/mini-drill/versions", headers=staff["admin"],
                         json={"base": 2, "document": dict(ben, summary="Ann's summary")})
    assert merged.status_code == 201
    latest = client.get("/api/v1/library/scenarios/mini-drill/versions/3", headers=staff["evaluator"]).get_json()
    assert (latest["document"]["summary"], latest["document"]["hazard"]) == ("Ann's summary", "Ben's hazard")


def _race(apps, documents):
    """Each app (a process) saves its document on base 1 at the same moment: their outcomes."""
    ready = threading.Barrier(len(apps))
    outcomes = [None] * len(apps)

    def save(index):
        with apps[index].app_context():
            library.documents("scenario")  # each process has looked at the files already
            db.session.rollback()
            ready.wait()
            try:
                saved, _ = library.save_draft("scenario", "mini-drill", documents[index], base=1, actor=f"user{index}")
                db.session.commit()
                outcomes[index] = ("saved", saved.number)
            except Exception as exc:  # noqa: BLE001 (the conflict is the expected outcome of all but one)
                db.session.rollback()
                outcomes[index] = ("refused", type(exc).__name__, getattr(exc, "response_extra", None))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(apps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _concurrent_saves(url: str):
    apps = [create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url, "CORDON_CONTENT_ROOT": str(FIXTURE_LIBRARY)})
            for _ in range(2)]
    with apps[0].app_context():
        db.create_all()
        original = library.version("scenario", "mini-drill", 1).document
        db.session.remove()
    documents = [dict(original, summary=f"Summary by user{i}") for i in range(2)]
    outcomes = _race(apps, documents)
    with apps[0].app_context():
        doc = library.document("scenario", "mini-drill")
        history = [(v.number, v.author, v.document.get("summary")) for v in doc.versions]
        db.session.remove()
    for process_app in apps:
        with process_app.app_context():
            db.engine.dispose()
    return outcomes, history


def _check(outcomes, history):
    saved = [o for o in outcomes if o[0] == "saved"]
    refused = [o for o in outcomes if o[0] == "refused"]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    assert refused[0][1] == "DraftConflict"
    winner = outcomes.index(saved[0])
    assert history[1] == (2, f"user{winner}", f"Summary by user{winner}")
    assert len(history) == 2  # the winner's version, intact; the loser was told, not overwritten
    assert refused[0][2]["conflict"]["summary"][0].endswith(f"-> 'Summary by user{winner}'")


def test_two_concurrent_saves_of_one_draft_one_409_nothing_lost_sqlite(tmp_path):
    _check(*_concurrent_saves(f"sqlite:///{tmp_path / 'race.db'}"))


@pytest.mark.postgres
def test_two_concurrent_saves_of_one_draft_one_409_nothing_lost_postgresql(postgres_url):
    _check(*_concurrent_saves(postgres_url))
