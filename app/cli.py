"""Flask commands: content check/gaps/sync/export/history/verify-log, users create/password/deactivate, demo,
report, audit verify/export/key/anchor."""
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db
from .models import Exercise, Role, User
from .services.accounts import change_password, create_user, deactivate_user, find_user
from .errors import ServiceError
from .services.unit import unit_of_work
from flask_babel import gettext

content_cli = AppGroup("content", help="Check and inspect the scenario and checklist library.")
users_cli = AppGroup("users", help="Manage staff accounts.")
audit_cli = AppGroup("audit", help="Check the tamper-evident event log.")

DEMO_ACCOUNTS = [
    ("controller", Role.CONTROLLER, "cordon-controller"),
    ("evaluator", Role.EVALUATOR, "cordon-evaluator"),
]
DEMO_SCENARIO = "rdd-urban"
DEMO_EXERCISE_NAME = "Demo: explosion with radioactive material at a city market"


@content_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on warnings too (a threshold with no source).")
def content_check(paths: tuple[Path, ...], strict: bool) -> None:
    """Validate scenario and checklist files (the whole library when no PATH is given)."""
    from .content import load_library

    library = load_library(paths or None, root=Path(current_app.config["CORDON_CONTENT_ROOT"]))
    for error in library.errors:
        click.echo(str(error))
    for warning in library.warnings:
        click.echo(gettext("%(path)s:%(value)s: warning: %(message)s", path=warning.path, value=warning.line or '', message=warning.message))
    failing = library.errors + (library.warnings if strict else [])
    if failing:
        files = len({e.path for e in failing})
        counted = f"{len(library.errors)} error(s)" + (f", {len(library.warnings)} warning(s)" if strict else "")
        click.echo(gettext("%(counted)s in %(files)s file(s)", counted=counted, files=files), err=True)
        sys.exit(1)
    warned = f", {len(library.warnings)} warning(s)" if library.warnings else ""
    click.echo(gettext("ok: %(count)s scenario(s), %(count2)s checklist(s)%(warned)s", count=len(library.scenarios), count2=len(library.checklists), warned=warned))


@content_cli.command("gaps")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def content_gaps(path: Path) -> None:
    """Harmonization gap report: steps an agency owns that no clause of its own SOP covers."""
    from .content import gap_report, load_library

    library = load_library([path], root=Path(current_app.config["CORDON_CONTENT_ROOT"]))
    if library.errors:
        for error in library.errors:
            click.echo(str(error))
        sys.exit(1)
    if not library.checklists:
        click.echo(gettext("%(path)s: not a checklist file", path=path), err=True)
        sys.exit(1)
    for checklist in library.checklists.values():
        click.echo(gettext("%(id)s v%(version)s: %(title)s", id=checklist['id'], version=checklist['version'], title=checklist['title']))
        steps = {s["id"]: s for s in checklist["steps"]}
        for agency, missing in gap_report(checklist).items():
            document = checklist.get("crosswalk", {}).get(agency, {}).get("document", "")
            if not missing:
                click.echo(gettext("  %(agency)s (%(document)s): no gaps", agency=agency, document=document))
                continue
            click.echo(gettext("  %(agency)s (%(document)s): %(count)s step(s) not covered", agency=agency, document=document, count=len(missing)))
            for step_id in missing:
                click.echo(gettext("    - %(step_id)s: %(text)s", step_id=step_id, text=steps[step_id]['text']))


@content_cli.command("sync")
def content_sync() -> None:
    """Load changed content files into the library (done at start and on every read, too)."""
    from .services.library_sync import content_root, signature, sync_from_files

    root = content_root()
    report = sync_from_files(root)
    current_app.extensions.setdefault("cordon_library_sync", {})[str(root)] = (signature(root), report.errors)
    for what, keys in (("loaded", report.loaded), ("published", report.published),
                       ("saved as draft (edited in the app)", report.drafted)):
        for key in keys:
            click.echo(gettext("%(what)s: %(key)s", what=what, key=key))
    for error in report.errors:
        click.echo(gettext("not loaded: %(error)s", error=error))
    click.echo("library up to date" if not report.changed else "library synced")


@content_cli.command("export")
@click.argument("kind", type=click.Choice(["scenario", "checklist"]))
@click.argument("ident")
@click.option("--version", "number", type=int, help="Library version (default: the published one, else the latest).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
@click.option("--as-written/--from-document", default=True, show_default=True,
              help="The text the version came as (comments kept), when it came as text; or always the "
                   "document written out.")
def content_export(kind: str, ident: str, number: int | None, output: Path | None, as_written: bool) -> None:
    """Write a library version as a content file that `flask content check` accepts."""
    from .services import library
    from .errors import NotFound

    try:
        doc = library.document(kind, ident)
        chosen = library.version(kind, ident, number or doc.published_number or doc.head_number)
    except NotFound as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    text = library.export_text(kind, ident, chosen, as_written=as_written)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(gettext("wrote %(output)s (%(kind)s %(ident)s, version %(number)s, %(state)s)", output=output, kind=kind, ident=ident, number=chosen.number, state=chosen.state), err=True)


@content_cli.command("history")
@click.argument("kind", type=click.Choice(["scenario", "checklist"]))
@click.argument("ident")
def content_history(kind: str, ident: str) -> None:
    """The versions of a library scenario or checklist, newest first."""
    from .services import library
    from .errors import NotFound

    try:
        doc = library.document(kind, ident)
    except NotFound as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    for item in reversed(doc.versions):
        mark = "*" if item.number == doc.published_number else " "
        errors = f", {item.error_count} error(s)" if item.error_count else ""
        click.echo(gettext("%(mark)s v%(number)s %(state)s %(origin)s %(created_at)s %(author)s%(errors)s  %(note)s", mark=mark, number=format(item.number, "<3"), state=format(item.state, "<9"), origin=format(item.origin, "<7"), created_at=format(item.created_at, "%Y-%m-%d %H:%M"), author=item.author, errors=errors, note=item.note))


@content_cli.command("verify-log")
def content_verify_log() -> None:
    """Recompute the library log's hash chain: OK and the number of events, or the first broken seq."""
    from .services.library_log import verify_library_log

    result = verify_library_log()
    if result["ok"]:
        click.echo(gettext("OK: library log, %(events)s events, hash chain intact (last hash %(last_hash)s)", events=result['events'], last_hash=result['last_hash']))
        return
    click.echo(gettext("BROKEN: library log, first broken seq %(first_broken_seq)s: %(reason)s (%(events)s events before it verify)", first_broken_seq=result['first_broken_seq'], reason=result['reason'], events=result['events']))
    sys.exit(1)


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", help="Asked for when not given.")
def users_create(name: str, role: str, password: str | None) -> None:
    """Create a staff account (admin, controller or evaluator)."""
    if find_user(name) is not None:
        click.echo(gettext("a user named '%(name)s' already exists", name=name), err=True)
        sys.exit(1)
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with unit_of_work():
            create_user(name, role, password)
    except ServiceError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(gettext("created %(role)s '%(name)s'", role=role, name=name))


@users_cli.command("password")
@click.argument("name")
@click.option("--password", help="Asked for when not given.")
def users_password(name: str, password: str | None) -> None:
    """Set a staff account's password; its browser sessions end."""
    user = _existing_user(name)
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        with unit_of_work():
            change_password(user, password)
    except ServiceError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(gettext("password of '%(name)s' changed; its browser sessions have ended", name=name))


@users_cli.command("deactivate")
@click.argument("name")
def users_deactivate(name: str) -> None:
    """Disable a staff account: its sessions and API tokens stop working at once."""
    with unit_of_work():
        deactivate_user(_existing_user(name))
    click.echo(gettext("'%(name)s' deactivated", name=name))


def _existing_user(name: str) -> User:
    user = find_user(name)
    if user is None:
        click.echo(gettext("no user named '%(name)s'", name=name), err=True)
        sys.exit(1)
    return user


@click.command("demo")
def demo() -> None:
    """Demo accounts and a demo exercise from the RDD scenario (safe to run again)."""
    from .services.exercises import create_exercise

    with unit_of_work():
        for username, role, password in DEMO_ACCOUNTS:
            if find_user(username) is None:
                create_user(username, role, password)
    with unit_of_work():
        exercise = db.session.scalar(
            select(Exercise).where(Exercise.name == DEMO_EXERCISE_NAME, Exercise.status != "ended"))
        if exercise is None:
            exercise = create_exercise(name=DEMO_EXERCISE_NAME, scenario_id=DEMO_SCENARIO,
                                       created_by=find_user("controller"))
    host, port = current_app.config["CORDON_HOST"], current_app.config["CORDON_PORT"]
    url = f"http://{host}:{port}"
    click.echo("")
    click.echo(gettext("Cordon demo at %(url)s", url=url))
    click.echo(gettext("  Staff logins (username / password):"))
    for username, role, password in DEMO_ACCOUNTS:
        click.echo(gettext("    %(role)s %(username)s / %(password)s", role=format(role, "<11"), username=username, password=password))
    click.echo(gettext("  Exercise #%(id)s: %(name)s (%(status)s)", id=exercise.id, name=exercise.name, status=exercise.status))
    click.echo(gettext("  Teams join at %(url)s/join with their code:", url=url))
    for team in exercise.teams:
        click.echo(gettext("    %(name)s %(join_code)s   %(url)s/join?code=%(join_code)s", name=format(team.name, "<28"), join_code=team.join_code, url=url))
    click.echo("")


@audit_cli.command("verify")
@click.argument("exercise_id", type=int)
def audit_verify(exercise_id: int) -> None:
    """Check an exercise's log: the hash chain, the head, the signed checkpoints and the tables that copy it."""
    from .services.audit import verify_exercise

    if db.session.get(Exercise, exercise_id) is None:
        click.echo(gettext("no exercise %(exercise_id)s", exercise_id=exercise_id), err=True)
        sys.exit(1)
    result = verify_exercise(exercise_id)
    checkpoints, signed = result["checkpoints"], result["signed_head"]
    if result["ok"]:
        click.echo(gettext("OK: exercise %(exercise_id)s, %(events)s events, hash chain intact (last hash %(last_hash)s)", exercise_id=exercise_id, events=result['events'], last_hash=result['last_hash']))
        if signed:
            click.echo(gettext("  signed head: seq %(seq)s, signed %(wall_time)s with key %(key_id)s; %(verified)s checkpoints verify; the actions, waivers and acknowledgements tables agree with the log", seq=signed['seq'], wall_time=signed['wall_time'], key_id=signed['key_id'], verified=checkpoints['verified']))
        return
    where = f"first broken seq {result['first_broken_seq']}" if result["first_broken_seq"] is not None else \
        "a table row names no event"
    click.echo(gettext("BROKEN: exercise %(exercise_id)s, %(where)s: %(reason)s (%(events)s events before it verify)", exercise_id=exercise_id, where=where, reason=result['reason'], events=result['events']))
    problems = result["problems"]
    for problem in problems[1:]:
        seq = f"seq {problem['seq']}" if problem["seq"] is not None else "no seq"
        click.echo(gettext("  %(seq)s [%(kind)s]: %(reason)s", seq=seq, kind=problem['kind'], reason=problem['reason']))
    if result["more_problems"]:
        click.echo(gettext("  ... and %(more_problems)s more", more_problems=result['more_problems']))
    sys.exit(1)


@audit_cli.command("export")
@click.argument("exercise_id", type=int)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="The zip to write (default: cordon-evidence-ID-TIME.zip in the current folder).")
def audit_export(exercise_id: int, output: Path | None) -> None:
    """Write the evidence bundle of an exercise: its events, checkpoints, public keys and the offline verifier."""
    from .services.audit import evidence_filename, write_evidence

    exercise = db.session.get(Exercise, exercise_id)
    if exercise is None:
        click.echo(gettext("no exercise %(exercise_id)s", exercise_id=exercise_id), err=True)
        sys.exit(1)
    output = output or Path(evidence_filename(exercise))
    with open(output, "wb") as out:
        manifest = write_evidence(exercise_id, out)
    click.echo(gettext("wrote %(output)s: %(events)s events, %(checkpoints)s checkpoints, key(s) %(names)s", output=output, events=manifest['events'], checkpoints=manifest['checkpoints'], names=', '.join(manifest['keys'])))
    click.echo(gettext("check it with: python3 scripts/verify_evidence.py %(output)s --key PUBLIC_KEY.pem", output=output))


@audit_cli.command("anchor")
@click.argument("exercise_id", type=int)
def audit_anchor(exercise_id: int) -> None:
    """Sign the head of an exercise logged before signed checkpoints existed (refused if the log does not verify)."""
    from .services.audit import anchor_exercise

    try:
        with unit_of_work():
            checkpoint = anchor_exercise(exercise_id)
    except ServiceError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(gettext("signed the head of exercise %(exercise_id)s: seq %(seq)s, hash %(hash)s, key %(key_id)s", exercise_id=exercise_id, seq=checkpoint.seq, hash=checkpoint.hash, key_id=checkpoint.key_id))


@audit_cli.command("key")
def audit_key_show() -> None:
    """Show the audit key's id and public key (PEM): give them to whoever will verify evidence."""
    from .services.audit_keys import audit_key, keys_dir, public_keys

    key = audit_key()
    click.echo(gettext("key id %(key_id)s (from %(source)s)", key_id=key.key_id, source=key.source))
    others = sorted(k for k in public_keys() if k != key.key_id)
    if others:
        click.echo(gettext("earlier keys kept in %(value)s: %(names)s", value=keys_dir(), names=', '.join(others)))
    click.echo(key.public_pem, nl=False)


@click.command("report")
@click.argument("exercise_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["pdf", "html", "json"]), default="pdf", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: a name from the exercise, in the current folder).")
def report(exercise_id: int, fmt: str, output: Path | None) -> None:
    """Write the after-action report of an exercise as PDF, HTML or JSON."""
    import json

    from .models import Exercise
    from .report.render import render_html, render_pdf
    from .services.report import build_report, report_filename

    exercise = db.session.get(Exercise, exercise_id)
    if exercise is None:
        click.echo(gettext("no exercise %(exercise_id)s", exercise_id=exercise_id), err=True)
        sys.exit(1)
    aar = build_report(exercise_id)
    output = output or Path(report_filename(exercise, fmt))
    if fmt == "pdf":
        output.write_bytes(render_pdf(aar))
    elif fmt == "html":
        output.write_text(render_html(aar), encoding="utf-8")
    else:
        output.write_text(json.dumps(aar, indent=2, ensure_ascii=False), encoding="utf-8")
    click.echo(gettext("wrote %(output)s", output=output))


def register_cli(app: Flask) -> None:
    app.cli.add_command(content_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo)
    app.cli.add_command(report)
