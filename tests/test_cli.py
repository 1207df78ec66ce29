"""The flask commands: content check and gaps, users create, demo."""
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.models import Exercise, User

BROKEN = Path(__file__).parent / "content" / "broken"


def test_content_check_passes_on_the_shipped_library(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "ok: 10 scenario(s), 4 checklist(s)" in result.output


def test_content_check_prints_file_line_and_fails_on_errors(runner):
    result = runner.invoke(args=["content", "check", str(BROKEN / "sc-many-errors.yaml")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "sc-many-errors.yaml:" in line]
    assert len(lines) >= 5
    assert all(line.split(":")[1].isdigit() or line.split(":")[1].strip() == "" for line in lines)


def test_content_gaps_lists_uncovered_steps(runner):
    result = runner.invoke(args=["content", "gaps", "sop/rad-first-response.yaml"])
    assert result.exit_code == 0, result.output
    assert "fire (" in result.output and "no gaps" in result.output
    assert "EMS-03" in result.output and "ALL-02" in result.output


def test_users_create_with_password_and_prompt(runner):
    result = runner.invoke(args=["users", "create", "ana", "--role", "evaluator", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "ana"))
    assert user.role == "evaluator" and user.check_password("long enough pw")
    again = runner.invoke(args=["users", "create", "ana", "--role", "admin", "--password", "long enough pw"])
    assert again.exit_code == 1 and "already exists" in again.output
    prompted = runner.invoke(args=["users", "create", "bo", "--role", "admin"], input="s3cret-pass\ns3cret-pass\n")
    assert prompted.exit_code == 0, prompted.output
    assert db.session.scalar(select(User).where(User.username == "bo")).check_password("s3cret-pass")
    short = runner.invoke(args=["users", "create", "cy", "--role", "admin", "--password", "short"])
    assert short.exit_code == 1 and "at least 8" in short.output


def test_demo_is_idempotent_and_prints_logins_and_join_codes(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Exercise)) == 1
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    exercise = db.session.scalar(select(Exercise))
    for team in exercise.teams:
        assert team.join_code in first.output and team.join_code in second.output
    assert "controller / cordon-controller" in first.output
    assert "http://127.0.0.1:5000" in first.output


def test_audit_verify_says_ok_then_names_the_first_broken_seq(library_app, clock, runner):
    from app.models import Event
    from app.services import lifecycle
    from app.services.scheduler import run_once

    from .helpers import gen_exercise

    exercise = gen_exercise()
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    clock.advance(300)
    run_once(library_app)
    count = db.session.scalar(select(func.count()).select_from(Event).where(Event.exercise_id == exercise.id))
    ok = runner.invoke(args=["audit", "verify", str(exercise.id)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith(f"OK: exercise {exercise.id}, {count} events")
    victim = db.session.scalar(select(Event).where(Event.exercise_id == exercise.id, Event.seq == 3))
    db.session.execute(Event.__table__.update().where(Event.__table__.c.id == victim.id)
                       .values(actor="someone else"))
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify", str(exercise.id)])
    assert broken.exit_code == 1
    assert "first broken seq 3" in broken.output and "altered" in broken.output and "2 events" in broken.output
    missing = runner.invoke(args=["audit", "verify", "999"])
    assert missing.exit_code == 1 and "no exercise 999" in missing.output


def test_report_writes_the_after_action_report(runner, library_app, clock, tmp_path):
    from app.services import lifecycle
    from app.services.scheduler import run_once

    from .helpers import gen_exercise

    drill = gen_exercise(name="Report drill")
    lifecycle.start_exercise(drill.id, "ctl")
    db.session.commit()
    for _ in range(5):
        clock.advance(60)
        run_once(library_app)
    lifecycle.end_exercise(drill.id, "ctl")
    db.session.commit()
    pdf = tmp_path / "aar.pdf"
    result = runner.invoke(args=["report", str(drill.id), "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    as_json = runner.invoke(args=["report", str(drill.id), "--format", "json", "-o", str(tmp_path / "aar.json")])
    assert as_json.exit_code == 0
    assert '"Report drill"' in (tmp_path / "aar.json").read_text()
    assert runner.invoke(args=["report", "999"]).exit_code == 1
