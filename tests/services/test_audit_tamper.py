"""Someone with write access to the database tampers with a played exercise; the audit says what
was done and where: `flask audit verify`, the API, the report's audit section, and the evidence
bundle checked offline by scripts/verify_evidence.py.

The drill: three teams acknowledge, tick steps and write notes; evaluators waive a step; the
controller pauses, resumes, renames and ends. A checkpoint every 5 events, and at each status change.
"""
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from app.engine.eventlog import event_hash, hashed_record
from app.extensions import db
from app.models import Acknowledgement, Action, AuditCheckpoint, Event, Exercise, Participant, Waiver
from app.services import lifecycle
from app.services.audit import verify_exercise, write_evidence
from app.services.audit_keys import audit_key
from app.services.compliance import compute, waive_step
from app.services.exercises import rename_exercise
from app.services.participation import acknowledge_inject, log_action
from app.services.report import build_report
from app.services.scheduler import run_once

from ..helpers import bearer, gen_exercise, gen_tablet, gen_user, token_for

REPO_ROOT = Path(__file__).resolve().parents[2]
VERIFIER = REPO_ROOT / "scripts" / "verify_evidence.py"
EVENTS = Event.__table__


def play(app, clock) -> int:
    """The mini drill, played to its end; returns the exercise id."""
    app.config["CORDON_AUDIT_CHECKPOINT_EVERY"] = 5
    evaluator = gen_user("eva", "evaluator")
    exercise = gen_exercise(name="Tamper drill")
    tablets = {team: gen_tablet(exercise, team, name) for team, name in
               (("ic", "Ian"), ("fire", "Fay"), ("ems", "Emil"))}
    start = clock.now

    def at(seconds):
        clock.now = start + timedelta(seconds=seconds)
        run_once(app)

    def person(team):
        return db.session.get(Participant, tablets[team].participant_id)

    def act(team, client_id, step=None, text="noted"):
        log_action(person(team), client_id, step, text)
        db.session.commit()

    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    at(60)
    acknowledge_inject(person("ic"), "I-01")
    db.session.commit()
    at(130)
    act("ic", "ic-action-1", "IC-02", "Perimeter at 100 m")
    at(190)
    acknowledge_inject(person("fire"), "I-03")
    act("fire", "fire-action-1", "FB-01", "Headcount: 12")
    waive_step(exercise.id, "ic", "IC-01", "Police hold command in this town", evaluator)
    db.session.commit()
    lifecycle.pause_exercise(exercise.id, "ctl")
    db.session.commit()
    clock.advance(30)
    lifecycle.resume_exercise(exercise.id, "ctl")
    db.session.commit()
    at(280)  # 250 s of exercise time: the pause held the clock for 30 s
    acknowledge_inject(person("ems"), "I-04")
    act("ems", "ems-action-1", "EMS-01", "Triage point at the gate")
    act("fire", "fire-action-2", "J-01", "Joint survey: 0.4 µSv/h at the gate")
    rename_exercise(exercise.id, "Tamper drill (final)", "ctl")
    db.session.commit()
    at(630)  # 10 min: fire's headcount (FB-01) was due by 8 min
    act("ems", "ems-action-2", text="Second ambulance called")
    lifecycle.end_exercise(exercise.id, "ctl")
    db.session.commit()
    return exercise.id


@pytest.fixture
def drill(library_app, clock):
    exercise_id = play(library_app, clock)
    assert verify_exercise(exercise_id)["ok"] is True
    return exercise_id


def seqs_of(exercise_id: int, kind: str) -> list[int]:
    return list(db.session.scalars(select(Event.seq).where(Event.exercise_id == exercise_id, Event.type == kind)
                                   .order_by(Event.seq)))


def last_seq(exercise_id: int) -> int:
    return db.session.scalar(select(func.max(Event.seq)).where(Event.exercise_id == exercise_id))


def middle(exercise_id: int) -> int:
    """A released inject halfway through the log (not at a checkpoint: what is hashed there changes)."""
    half = last_seq(exercise_id) // 2
    return min((s for s in seqs_of(exercise_id, "inject.released") if s >= half - 5 and s % 5),
               key=lambda s: abs(s - half))


# -- the tampering, as SQL on the tables -------------------------------------------------------------

def edit_payload(exercise_id: int) -> tuple[str, int]:
    seq = middle(exercise_id)
    row = db.session.execute(select(EVENTS).where(EVENTS.c.exercise_id == exercise_id, EVENTS.c.seq == seq)).one()
    db.session.execute(update(EVENTS).where(EVENTS.c.id == row.id)
                       .values(payload={**row.payload, "title": "A quiet morning"}))
    return "altered", seq


def delete_middle(exercise_id: int) -> tuple[str, int]:
    seq = middle(exercise_id)
    db.session.execute(delete(EVENTS).where(EVENTS.c.exercise_id == exercise_id, EVENTS.c.seq == seq))
    return "missing", seq


def swap_two(exercise_id: int) -> tuple[str, int]:
    a = middle(exercise_id)
    where = EVENTS.c.exercise_id == exercise_id
    db.session.execute(update(EVENTS).where(where, EVENTS.c.seq == a).values(seq=-1))
    db.session.execute(update(EVENTS).where(where, EVENTS.c.seq == a + 1).values(seq=a))
    db.session.execute(update(EVENTS).where(where, EVENTS.c.seq == -1).values(seq=a + 1))
    return "reordered", a


def delete_tail(exercise_id: int, rewind: bool = False) -> tuple[str, int]:
    end = last_seq(exercise_id) - 3
    db.session.execute(delete(EVENTS).where(EVENTS.c.exercise_id == exercise_id, EVENTS.c.seq > end))
    if rewind:
        new_head = db.session.scalar(select(EVENTS.c.hash).where(EVENTS.c.exercise_id == exercise_id,
                                                                 EVENTS.c.seq == end))
        db.session.execute(update(Exercise.__table__).where(Exercise.__table__.c.id == exercise_id)
                           .values(last_seq=end, last_hash=new_head))
        return "head", end + 1
    return "truncated", end + 1


def delete_tail_and_rewind_head(exercise_id: int) -> tuple[str, int]:
    return delete_tail(exercise_id, rewind=True)


def rechain(exercise_id: int, hide: bool = False) -> tuple[str, int]:
    """Edit an event, then recompute every hash after it with the public algorithm, and the head."""
    seq = middle(exercise_id)
    rows = db.session.execute(select(EVENTS).where(EVENTS.c.exercise_id == exercise_id)
                              .order_by(EVENTS.c.seq)).mappings().all()
    prev = rows[seq - 2]["hash"]
    for row in rows[seq - 1:]:
        record = hashed_record({**row, "wall_time": row["wall_time"].replace(tzinfo=None).isoformat() + "+00:00"})
        if row["seq"] == seq:
            record["payload"] = {**record["payload"], "title": "A quiet morning"}
        new_hash = event_hash(prev, record)
        db.session.execute(update(EVENTS).where(EVENTS.c.id == row["id"])
                           .values(payload=record["payload"], prev_hash=prev, hash=new_hash))
        prev = new_hash
    db.session.execute(update(Exercise.__table__).where(Exercise.__table__.c.id == exercise_id).values(last_hash=prev))
    first_checkpoint_after = db.session.scalar(select(func.min(AuditCheckpoint.seq)).where(
        AuditCheckpoint.exercise_id == exercise_id, AuditCheckpoint.seq >= seq))
    if hide:
        # Hide what would show it: the checkpoints after the edit, and the signed head.
        db.session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.exercise_id == exercise_id,
                                                         AuditCheckpoint.seq >= seq))
        db.session.execute(update(Exercise.__table__).where(Exercise.__table__.c.id == exercise_id).values(
            signed_head_seq=None, signed_head_hash=None, signed_head_at=None, signed_head_key_id=None,
            signed_head_signature=None))
        return "unsigned", min(s for s in seqs_of(exercise_id, "exercise.paused") + seqs_of(exercise_id,
                                                                                           "exercise.ended")
                               if s >= seq)
    return "rechained", first_checkpoint_after


def rechain_and_hide_the_anchors(exercise_id: int) -> tuple[str, int]:
    return rechain(exercise_id, hide=True)


LOG_TAMPERING = [edit_payload, delete_middle, swap_two, delete_tail, delete_tail_and_rewind_head, rechain,
                 rechain_and_hide_the_anchors]


# -- what each way of looking at the audit says -----------------------------------------------------

def cli_says(app, exercise_id: int) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify", str(exercise_id)])
    return result.exit_code, result.output


def offline_says(exercise_id: int, tmp_path: Path, *extra: str) -> tuple[int, str]:
    bundle = tmp_path / f"evidence-{exercise_id}.zip"
    with open(bundle, "wb") as out:
        write_evidence(exercise_id, out)
    key = tmp_path / "server.pub"
    key.write_text(audit_key().public_pem)
    done = subprocess.run([sys.executable, str(VERIFIER), str(bundle), "--key", str(key), *extra],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    return done.returncode, done.stdout + done.stderr


def test_an_untouched_exercise_verifies_everywhere(drill, library_app, client, tmp_path):
    result = verify_exercise(drill)
    exercise = db.session.get(Exercise, drill)
    assert result["ok"] is True and result["problems"] == [] and result["events"] == exercise.last_seq
    assert result["signed_head"]["seq"] == exercise.last_seq and result["signed_head"]["valid"] is True
    status_changes = [s for kind in ("created", "started", "paused", "resumed", "ended")
                      for s in seqs_of(drill, f"exercise.{kind}")]
    expected = set(range(5, exercise.last_seq + 1, 5)) | set(status_changes)
    assert set(db.session.scalars(select(AuditCheckpoint.seq).where(AuditCheckpoint.exercise_id == drill))) == expected
    assert result["checkpoints"] == {"count": len(expected), "verified": len(expected)}
    assert result["records"] == {"actions": 5, "waivers": 1, "acknowledgements": 3}
    code, output = cli_says(library_app, drill)
    assert code == 0 and output.startswith(f"OK: exercise {drill}, {exercise.last_seq} events") and \
        f"signed head: seq {exercise.last_seq}" in output
    token = token_for(gen_user("ctl", "controller"))
    assert client.get(f"/api/v1/exercises/{drill}/audit", headers=bearer(token)).get_json()["ok"] is True
    assert build_report(drill)["audit"]["ok"] is True
    code, output = offline_says(drill, tmp_path, "--expect", f"{exercise.last_seq}:{exercise.last_hash}")
    assert code == 0 and output.startswith(f"OK: exercise {drill}, {exercise.last_seq} events"), output


@pytest.mark.parametrize("tamper", LOG_TAMPERING, ids=lambda f: f.__name__)
def test_tampering_with_the_log_is_reported_with_its_seq_and_reason(drill, tamper, library_app, client, tmp_path):
    kind, seq = tamper(drill)
    db.session.commit()
    db.session.expire_all()

    result = verify_exercise(drill)
    assert result["ok"] is False
    first = result["problems"][0]
    assert (first["kind"], first["seq"]) == (kind, seq), result["problems"]
    assert result["first_broken_seq"] == seq and result["reason"] == first["reason"]

    code, output = cli_says(library_app, drill)
    assert code == 1 and f"BROKEN: exercise {drill}, first broken seq {seq}: {first['reason']}" in output

    token = token_for(gen_user("ctl", "controller"))
    answer = client.get(f"/api/v1/exercises/{drill}/audit", headers=bearer(token))
    assert answer.status_code == 200 and answer.get_json()["problems"] == result["problems"]

    report = build_report(drill)["audit"]
    assert report["ok"] is False and report["first_broken_seq"] == seq and report["reason"] == first["reason"]

    code, output = offline_says(drill, tmp_path)
    assert code == 1 and output.startswith(f"BROKEN: exercise {drill}, seq "), output


def test_the_reasons_say_what_happened(drill):
    exercise = db.session.get(Exercise, drill)
    end = exercise.last_seq
    delete_tail(drill)
    db.session.commit()
    reasons = [p["reason"] for p in verify_exercise(drill)["problems"]]
    assert f"the log ends at seq {end - 3} but the exercise's head is seq {end}: events {end - 2} to {end} are " \
           "missing (deleted from the end)" in reasons
    assert any(r.startswith("2 signed checkpoints (the latest: the signed head (seq") and r.endswith(
        f"lie beyond the log's end at seq {end - 3}: events were deleted from the end") for r in reasons), reasons


def test_rewinding_the_head_cannot_be_signed_without_the_key(drill):
    end = db.session.get(Exercise, drill).last_seq
    delete_tail_and_rewind_head(drill)
    db.session.commit()
    problems = verify_exercise(drill)["problems"]
    assert "the head was rewound" in problems[0]["reason"] and f"signed head (seq {end}" in problems[0]["reason"]
    assert {p["kind"] for p in problems} == {"head", "truncated", "record"}
    # The last action went with the deleted events; its row is still in the actions table.
    assert problems[-1]["reason"].endswith(", which is not in the log")


def test_a_rechained_log_names_the_range_that_was_rewritten(drill):
    kind, checkpoint = rechain(drill)
    db.session.commit()
    problems = verify_exercise(drill)["problems"]
    rechained = next(p for p in problems if p["kind"] == "rechained")
    previous = checkpoint - 5 if checkpoint % 5 == 0 else None
    assert f"the checkpoint at seq {checkpoint}" in rechained["reason"]
    assert "and its hashes recomputed" in rechained["reason"] and "do not match either" in rechained["reason"]
    if previous:
        assert f"rewritten after seq {previous}" in rechained["reason"] or "rewritten after seq" in rechained["reason"]
    assert any(p["kind"] == "head" and "the head was rewritten" in p["reason"] for p in problems)


def test_a_forged_checkpoint_signature_is_reported(drill):
    checkpoint = db.session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.exercise_id == drill)
                                    .order_by(AuditCheckpoint.seq)).first()
    checkpoint.signature = "00" * 64
    db.session.commit()
    problems = verify_exercise(drill)["problems"]
    assert (problems[0]["kind"], problems[0]["seq"]) == ("signature", checkpoint.seq)
    assert "does not verify" in problems[0]["reason"]


def test_a_bundle_checked_with_another_key_fails(drill, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.services.audit_keys import public_pem

    other = tmp_path / "other.pub"
    other.write_text(public_pem(Ed25519PrivateKey.generate().public_key()))
    bundle = tmp_path / "bundle.zip"
    with open(bundle, "wb") as out:
        write_evidence(drill, out)
    done = subprocess.run([sys.executable, str(VERIFIER), str(bundle), "--key", str(other)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "which is not a trusted key" in done.stdout


def test_a_printed_head_is_checked_against_the_bundle(drill, tmp_path):
    exercise = db.session.get(Exercise, drill)
    code, output = offline_says(drill, tmp_path, "--expect", f"{exercise.last_seq}:{'ab' * 32}")
    assert code == 1 and f"expected hash {'ab' * 32} at seq {exercise.last_seq}" in output


# -- tables that copy the log ----------------------------------------------------------------------

def test_changing_an_actions_step_changes_the_score_and_the_audit_reports_it(drill, library_app):
    exercise = db.session.get(Exercise, drill)
    before = {t.key: t.score for t in compute(exercise).teams}
    action = db.session.scalar(select(Action).where(Action.exercise_id == drill, Action.step == "FB-01"))
    action.step = None
    db.session.commit()
    assert {t.key: t.score for t in compute(exercise).teams}["fire"] != before["fire"]
    result = verify_exercise(drill)
    assert result["ok"] is False
    assert result["problems"] == [{
        "seq": action.event_seq, "kind": "record",
        "reason": f"the actions row of event seq {action.event_seq} (action.logged) differs from the event: "
                  "step is None in the table but 'FB-01' in the log"}]
    code, output = cli_says(library_app, drill)
    assert code == 1 and "step is None in the table but 'FB-01' in the log" in output
    # The report replays compliance from the log, so its figures are untouched; it does not compare tables.
    report = build_report(drill)
    assert report["audit"]["ok"] is True and report["audit"]["records"] is None
    assert {t["key"]: t["score"] for t in report["compliance"]["teams"]}["fire"] == before["fire"]


def test_changing_an_actions_text_or_deleting_it_is_reported(drill):
    action = db.session.scalar(select(Action).where(Action.exercise_id == drill, Action.client_id == "ic-action-1"))
    action.text = "Perimeter at 300 m"
    db.session.commit()
    assert "text is 'Perimeter at 300 m' in the table but 'Perimeter at 100 m' in the log" in \
        verify_exercise(drill)["reason"]
    seq = action.event_seq
    db.session.delete(action)
    db.session.commit()
    assert verify_exercise(drill)["problems"][0]["reason"].startswith(
        f"event seq {seq} logs action {action.id}, which the actions table does not have")


def test_changed_waivers_and_acknowledgements_are_reported(drill):
    waiver = db.session.scalar(select(Waiver).where(Waiver.exercise_id == drill))
    waiver.reason = "Not needed"
    ack = db.session.scalar(select(Acknowledgement).where(Acknowledgement.exercise_id == drill,
                                                          Acknowledgement.team_key == "fire"))
    ack.exercise_time_s += 60
    db.session.add(Waiver(exercise_id=drill, team_key="ems", step="J-01", reason="added later",
                          exercise_time_s=10.0, wall_time=waiver.wall_time))
    db.session.commit()
    reasons = [p["reason"] for p in verify_exercise(drill)["problems"]]
    assert any("the waivers row of event seq" in r and "reason is 'Not needed' in the table" in r for r in reasons)
    assert any("the acknowledgements row of event seq" in r and "exercise time is" in r for r in reasons)
    assert "the waivers table waives step 'J-01' for team 'ems', but no step.waived event says so" in reasons


# -- renaming ---------------------------------------------------------------------------------------

def test_renaming_appends_an_event_and_the_same_name_changes_nothing(drill, client):
    token = token_for(gen_user("ctl", "controller"))
    head = db.session.get(Exercise, drill).last_seq
    answer = client.patch(f"/api/v1/exercises/{drill}", json={"name": "  Market drill, day 2 "},
                          headers=bearer(token))
    assert answer.status_code == 200 and answer.get_json()["name"] == "Market drill, day 2"
    renamed = db.session.scalars(select(Event).where(Event.exercise_id == drill, Event.seq > head)).all()
    assert [(e.type, e.payload, e.actor, e.visible_to) for e in renamed] == [
        ("exercise.renamed", {"previous": "Tamper drill (final)", "name": "Market drill, day 2"}, "ctl", None)]
    again = client.patch(f"/api/v1/exercises/{drill}", json={"name": "Market drill, day 2"}, headers=bearer(token))
    assert again.status_code == 200 and db.session.get(Exercise, drill).last_seq == head + 1
    blank = client.patch(f"/api/v1/exercises/{drill}", json={"name": "   "}, headers=bearer(token))
    assert blank.status_code == 422 and "name" in blank.get_json()["error"]["fields"]
    assert verify_exercise(drill)["ok"] is True


# -- the printed report ----------------------------------------------------------------------------

def test_the_report_prints_the_signed_head_and_the_problems(drill):
    from app.report.render import render_html

    exercise = db.session.get(Exercise, drill)
    page = render_html(build_report(drill))
    assert exercise.signed_head_signature in page and exercise.signed_head_key_id in page
    assert f"--expect {exercise.last_seq}:{exercise.last_hash}" in page
    assert "The audit of the event log found a problem" not in page
    kind, seq = delete_tail_and_rewind_head(drill)
    db.session.commit()
    page = render_html(build_report(drill))
    assert f"The audit of the event log found a problem at seq {seq}: the exercise&#39;s head" in page
    assert "the head was rewound" in page and "lie beyond the log&#39;s end" in page


def test_the_cli_exports_a_bundle_that_verifies_offline(drill, library_app, tmp_path):
    import zipfile

    out = tmp_path / "bundle.zip"
    result = library_app.test_cli_runner().invoke(args=["audit", "export", str(drill), "-o", str(out)])
    exercise = db.session.get(Exercise, drill)
    assert result.exit_code == 0 and result.output.startswith(f"wrote {out}: {exercise.last_seq} events")
    names = sorted(n.split("/", 1)[1] for n in zipfile.ZipFile(out).namelist())
    key = audit_key()
    assert names == ["README.txt", "checkpoints.jsonl", "events.jsonl", f"keys/{key.key_id}.pub", "manifest.json",
                     "verify_evidence.py"]
    done = subprocess.run([sys.executable, str(VERIFIER), str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "keys taken from the bundle (pin them with --key)" in done.stdout
    missing = library_app.test_cli_runner().invoke(args=["audit", "export", "999"])
    assert missing.exit_code == 1 and "no exercise 999" in missing.output


def test_the_api_downloads_the_bundle(drill, client):
    token = token_for(gen_user("ctl", "controller"))
    answer = client.get(f"/api/v1/exercises/{drill}/audit/evidence.zip", headers=bearer(token))
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert answer.headers["Content-Disposition"].startswith(f'attachment; filename="cordon-evidence-{drill}-')
    assert answer.data[:2] == b"PK"


# -- PostgreSQL ------------------------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.parametrize("tamper", [swap_two, delete_tail_and_rewind_head, rechain], ids=lambda f: f.__name__)
def test_tampering_is_reported_on_postgresql(postgres_url, tamper, tmp_path):
    from flask_migrate import upgrade

    from app import create_app

    from ..conftest import TEST_SETTINGS
    from ..helpers import FIXTURE_LIBRARY, FakeClock

    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": postgres_url,
                      "CORDON_CONTENT_ROOT": str(FIXTURE_LIBRARY), "CORDON_AUDIT_KEYS_DIR": str(tmp_path / "keys")})
    clock = FakeClock()
    app.config["CORDON_WALL_CLOCK"] = clock
    with app.app_context():
        upgrade()
        try:
            exercise_id = play(app, clock)
            assert verify_exercise(exercise_id)["ok"] is True
            kind, seq = tamper(exercise_id)
            db.session.commit()
            db.session.expire_all()
            result = verify_exercise(exercise_id)
            assert (result["problems"][0]["kind"], result["first_broken_seq"]) == (kind, seq), result["problems"]
            assert build_report(exercise_id)["audit"]["first_broken_seq"] == seq
            code, output = offline_says(exercise_id, tmp_path)
            assert code == 1, output
        finally:
            db.session.remove()
            db.engine.dispose()


# -- logs written before checkpoints ---------------------------------------------------------------

def forget_the_anchors(exercise_id: int) -> None:
    """What a log written before signed checkpoints looks like."""
    db.session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.exercise_id == exercise_id))
    db.session.execute(update(Exercise.__table__).where(Exercise.__table__.c.id == exercise_id).values(
        signed_head_seq=None, signed_head_hash=None, signed_head_at=None, signed_head_key_id=None,
        signed_head_signature=None))
    db.session.commit()
    db.session.expire_all()


def test_an_older_log_is_anchored_once_and_only_if_it_verifies(drill, library_app):
    forget_the_anchors(drill)
    assert [p["kind"] for p in verify_exercise(drill)["problems"]] == ["unsigned"]
    runner = library_app.test_cli_runner()
    signed = runner.invoke(args=["audit", "anchor", str(drill)])
    exercise = db.session.get(Exercise, drill)
    assert signed.exit_code == 0 and f"seq {exercise.last_seq}, hash {exercise.last_hash}" in signed.output
    assert verify_exercise(drill)["ok"] is True
    again = runner.invoke(args=["audit", "anchor", str(drill)])
    assert again.exit_code == 1 and "already signed" in again.output


def test_a_changed_older_log_is_not_anchored(drill, library_app):
    forget_the_anchors(drill)
    kind, seq = edit_payload(drill)
    db.session.commit()
    refused = library_app.test_cli_runner().invoke(args=["audit", "anchor", str(drill)])
    assert refused.exit_code == 1 and f"does not verify (seq {seq}: hash does not match" in refused.output
    assert db.session.get(Exercise, drill).signed_head_signature is None
