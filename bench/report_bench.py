"""Benchmark: the after-action report of an exercise with 100,000 events (JSON and PDF).

Builds, in a temporary SQLite database through the real models, the urban RDD scenario played
for four hours by eight teams of ten people: every scheduled inject, ad-hoc injects, the
contingency, acknowledgements, checklist ticks (some late, out of order or missed), step
status changes, messages, observations, ratings, an improvement plan, feedback forms, and
free-text actions up to the event count. The events are hash-chained exactly as
services/events.py chains them and inserted in bulk (writing them one service call at a time
would take minutes and measure the wrong thing).

It then times the endpoints through the Flask test client, the code path a browser uses
(bearer token, routing, build from the db, serialization, rendering), and the stages inside.

    .venv/bin/python bench/report_bench.py                 # 100,000 events, 3 JSON runs, 2 PDF runs
    .venv/bin/python bench/report_bench.py --events 20000 --profile json   # cProfile of one JSON request
"""
import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import insert, update  # noqa: E402

from app import create_app  # noqa: E402
from app.engine.aar import build_aar  # noqa: E402
from app.engine.eventlog import event_hash, verify_chain  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Event, Exercise, User  # noqa: E402
from app.services.accounts import issue_api_token  # noqa: E402
from app.services.exercises import create_exercise  # noqa: E402
from app.services.events import iter_events  # noqa: E402
from app.services.report import _without_cyclic_gc, exercise_info  # noqa: E402

START = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
DURATION_S = 4 * 3600
PEOPLE_PER_TEAM = 10
ADHOC_INJECTS = 60
MESSAGES = 3000
OBSERVATIONS = 400
PLAN_ROWS = 30
FEEDBACK_FORMS = 70
WORDS = ("perimeter", "crew", "dose", "radio", "staging", "casualty", "survey", "plume", "cordon", "hospital",
         "sector", "wind", "decon", "triage", "media", "EOC", "reading", "area", "upwind", "team")


class Script:
    """Events in exercise-time order, with the payload shapes the services write."""

    def __init__(self, exercise: Exercise, rng: random.Random):
        self.rng = rng
        self.exercise = exercise
        self.items: list[tuple[float, int, dict]] = []  # (time, order, event)
        self.order = 0
        self.teams = [t.key for t in exercise.teams]
        self.agency = {t.key: t.agency for t in exercise.teams}
        self.steps = exercise.checklist_snapshot["steps"]
        self.people = {team: [f"{team.title()} {i + 1}" for i in range(PEOPLE_PER_TEAM)] for team in self.teams}
        self.action_id = 0

    def add(self, at, type, payload, *, actor, team=None, visible_to=None):
        self.order += 1
        self.items.append((round(at, 3), self.order, {"type": type, "actor": actor, "team": team,
                                                      "visible_to": visible_to, "payload": payload}))

    def sentence(self, n=8):
        return " ".join(self.rng.choice(WORDS) for _ in range(n)).capitalize() + "."

    def action(self, team, at, step=None):
        self.action_id += 1
        who = self.rng.choice(self.people[team])
        text = self.sentence(self.rng.randint(4, 14)) if step is None else f"Done: {step}"
        self.add(at, "action.logged", {"action": {"id": self.action_id, "client_id": f"bench-{self.action_id:08d}",
                                                  "step": step, "text": text, "by": who, "team": team,
                                                  "exercise_time_s": round(at, 3)}},
                 actor=who, team=team, visible_to=[team])

    def release(self, inject, at, teams, by="scheduler"):
        to = inject["to"]
        self.add(at, "inject.released", {
            "id": inject["id"], "at_s": inject.get("at_s"), "title": inject["title"], "body": inject.get("body", ""),
            "from": inject.get("from", ""), "to": to, "channel": inject.get("channel", "other"),
            "type": inject.get("type", "information"), "requires_ack": True, "status": "released",
            "released_at_s": round(at, 3), "delayed": False},
            actor=by, team=teams[0] if len(teams) == 1 else None, visible_to=None if to == "all" else teams)
        for team in teams:  # most people acknowledge, within a few minutes
            for who in self.people[team]:
                if self.rng.random() < 0.9:
                    self.add(at + self.rng.uniform(5, 300), "inject.acknowledged",
                             {"inject_id": inject["id"], "team": team, "by": who, "participant_id": 0,
                              "first_for_team": False}, actor=who, team=team, visible_to=[team])
        for expect in inject.get("expects") or []:
            step = next(s for s in self.steps if s["id"] == expect["step"])
            for team in teams:
                if self.agency[team] not in step["agencies"]:
                    continue
                roll = self.rng.random()
                if roll < 0.1:
                    continue  # missed
                factor = self.rng.uniform(0.2, 0.9) if roll < 0.75 else self.rng.uniform(1.1, 2.0)  # on time / late
                done = at + expect["within_s"] * factor
                if done < DURATION_S:
                    for _ in range(self.rng.randint(1, 3)):  # several people tick it
                        self.action(team, done + self.rng.uniform(0, 30), expect["step"])
                    self.add(done, "step.status", {"step": expect["step"], "status": "done", "team": team},
                             actor="compliance", team=team, visible_to=[team])
                self.add(at + 1, "step.status", {"step": expect["step"], "status": "open", "team": team},
                         actor="compliance", team=team, visible_to=[team])

    def play(self, total_events: int) -> list[dict]:
        rng = self.rng
        scenario = self.exercise.scenario_snapshot
        self.add(0, "exercise.started", {"clock": {"status": "running", "elapsed_s": 0, "speed": 1}}, actor="ctl")
        for team in self.teams:
            for who in self.people[team]:
                self.add(rng.uniform(0, 60), "participant.joined", {"participant": {"id": 0, "name": who}, "team": team},
                         actor=who, team=team, visible_to=[team])
        for inject in scenario["injects"]:
            if inject.get("at_s") is not None:
                teams = self.teams if inject["to"] == "all" else inject["to"]
                self.release(inject, inject["at_s"], teams)
        contingency = next(i for i in scenario["injects"] if i.get("when_overdue"))
        self.add(2700, "contingency.prompt", {"inject_id": contingency["id"], "title": contingency["title"],
                                              "team": "ic", "step": contingency["when_overdue"]["step"]},
                 actor="compliance", team="ic", visible_to=[])
        self.release(contingency, 2760, contingency["to"], by="ctl")
        for n in range(ADHOC_INJECTS):
            at = rng.uniform(300, DURATION_S - 900)
            teams = rng.sample(self.teams, rng.randint(1, 3))
            own = [s for s in self.steps if any(self.agency[t] in s["agencies"] for t in teams)]
            expects = [{"step": s["id"], "within_s": float(rng.choice((300, 600, 900)))}
                       for s in rng.sample(own, min(len(own), rng.randint(0, 2)))]
            inject = {"id": f"X-{n + 1:02d}", "title": f"Ad-hoc: {self.sentence(4)}", "body": self.sentence(25),
                      "to": teams, "expects": expects, "from": "Exercise control"}
            self.add(at - 0.5, "inject.added", {"inject": inject | {"adhoc": True, "status": "pending"}},
                     actor="ctl", visible_to=[])
            self.release(inject, at, teams, by="ctl")
        for _ in range(MESSAGES):
            team = rng.choice(self.teams)
            who = rng.choice(self.people[team])
            self.add(rng.uniform(60, DURATION_S), "message", {"from": {"team": team, "name": who}, "to": "control",
                                                              "text": self.sentence(10)},
                     actor=who, team=team, visible_to=[team])
        self.evaluate()
        self.add(DURATION_S, "exercise.ended", {"clock": {"status": "ended", "elapsed_s": DURATION_S, "speed": 1}},
                 actor="ctl")
        for n in range(FEEDBACK_FORMS):
            team = rng.choice(self.teams)
            ratings = {key: rng.randint(2, 5) for key in ("objectives_clear", "scenario_realistic", "tablet_easy",
                                                          "injects_timely", "better_prepared")}
            self.add(DURATION_S + 60 + n, "feedback.submitted", {"feedback": {
                "id": n + 1, "team": team, "participant": rng.choice(self.people[team]), "role": "responder",
                "ratings": ratings, "strengths": self.sentence(8) if n % 3 == 0 else "",
                "improvements": self.sentence(8) if n % 4 == 0 else "", "comments": ""}},
                actor="participant", team=team, visible_to=[])
        missing = total_events - 1 - len(self.items)  # 1: exercise.created, already in the db
        if missing < 0:
            raise SystemExit(f"--events {total_events} is below the scripted minimum ({len(self.items) + 1})")
        for _ in range(missing):
            self.action(rng.choice(self.teams), rng.uniform(30, DURATION_S - 1))
        self.items.sort(key=lambda item: (item[0], item[1]))
        return [dict(event, exercise_time_s=at) for at, _, event in self.items]

    def evaluate(self):
        rng = self.rng
        objectives = [o["id"] for o in self.exercise.scenario_snapshot["objectives"]]
        capabilities = {o["id"]: o["capability"] for o in self.exercise.scenario_snapshot["objectives"]}
        self.add(600, "exercise.lead_evaluator", {"lead_evaluator": "eva", "previous": None}, actor="ctl",
                 visible_to=[])
        for n in range(OBSERVATIONS):
            objective = rng.choice(objectives + [None])
            at = rng.uniform(60, DURATION_S)
            self.add(at, "observation", {"observation": {
                "id": n + 1, "exercise_time_s": round(at, 3), "team": rng.choice(self.teams), "objective": objective,
                "capability": capabilities.get(objective), "text": self.sentence(rng.randint(8, 30)),
                "tag": rng.choice(("strength", "improvement", None)), "evaluator": rng.choice(("eva", "eve", "ivy"))}},
                actor="eva", visible_to=[])
        for objective in objectives:
            for evaluator in ("eva", "eve", "ivy"):
                for _ in range(2):
                    self.add(DURATION_S - 300, "rating.set", {"objective": objective, "rating": rng.choice("PSMU"),
                                                              "rationale": self.sentence(20), "consensus": False,
                                                              "evaluator": evaluator},
                             actor=evaluator, visible_to=[])
            self.add(DURATION_S - 200, "rating.consensus", {"objective": objective, "rating": rng.choice("PSM"),
                                                            "rationale": self.sentence(30), "consensus": True,
                                                            "set_by": "eva"}, actor="eva", visible_to=[])
        for n in range(PLAN_ROWS):
            objective = rng.choice(objectives)
            row = {"id": n + 1, "objective": objective, "capability": capabilities[objective],
                   "issue": self.sentence(15), "corrective_action": self.sentence(20),
                   "capability_element": rng.choice(("Planning", "Organization", "Equipment", "Training", "Exercise")),
                   "responsible_org": rng.choice(("City Fire Department", "County EMS", "Police", "Health Dept.")),
                   "point_of_contact": "Deputy Chief Ruiz", "start_date": "2027-01-15",
                   "completion_date": "2027-06-30", "status": "open"}
            self.add(DURATION_S - 100, "corrective_action.created", {"corrective_action": row}, actor="eva",
                     visible_to=[])
            for status in ("in-progress", "completed"):
                self.add(DURATION_S - 50, "corrective_action.updated",
                         {"corrective_action": row | {"status": status}, "previous": {"status": "open"}},
                         actor="eve", visible_to=[])
        for section in ["executive_summary", "conclusion"] + [f"objective:{o}" for o in objectives]:
            self.add(DURATION_S - 10, "report.narrative", {"section": section, "text": self.sentence(120)},
                     actor="eva", visible_to=[])


def build_exercise(total_events: int, seed: int = 1) -> tuple[int, float]:
    """A played, ended exercise with `total_events` events; returns its id and the seconds it took."""
    began = time.perf_counter()
    creator = User(username="ctl", role="controller", password_hash="x")
    db.session.add_all([creator, User(username="eva", role="evaluator", password_hash="x")])
    exercise = create_exercise(name="Central Market RDD (benchmark)", scenario_id="rdd-urban", created_by=creator)
    db.session.commit()
    events = Script(exercise, random.Random(seed)).play(total_events)
    name_participants(exercise, events)
    seq, prev = exercise.last_seq, exercise.last_hash
    rows = []
    for event in events:
        seq += 1
        wall = START + timedelta(milliseconds=round(event["exercise_time_s"] * 1000))
        record = {"exercise_id": exercise.id, "seq": seq, "type": event["type"], "actor": event["actor"],
                  "team": event["team"], "visible_to": event["visible_to"],
                  "exercise_time_s": event["exercise_time_s"], "wall_time": wall.isoformat(),
                  "payload": event["payload"]}
        digest = event_hash(prev, record)
        rows.append(record | {"wall_time": wall, "prev_hash": prev, "hash": digest})
        prev = digest
    for start in range(0, len(rows), 10000):
        db.session.execute(insert(Event), rows[start:start + 10000])
    db.session.execute(update(Exercise).where(Exercise.id == exercise.id).values(
        last_seq=seq, last_hash=prev, status="ended", elapsed_base_s=float(DURATION_S), started_at=START,
        ended_at=START + timedelta(seconds=DURATION_S), lead_evaluator_id=None))
    copies_and_anchors(exercise, rows)
    db.session.commit()
    return exercise.id, time.perf_counter() - began


def name_participants(exercise: Exercise, events: list[dict]) -> None:
    """A participant row for each person who joins, and their ids in the events that name them."""
    from app.models import Participant

    teams = {t.key: t for t in exercise.teams}
    ids: dict[tuple[str, str], int] = {}
    for event in events:
        if event["type"] == "participant.joined":
            team = teams[event["team"]]
            person = Participant(team_id=team.id, display_name=event["actor"], join_code=team.join_code,
                                 token_hash=f"{team.key}-{event['actor']}".ljust(64, "-")[:64])
            db.session.add(person)
            db.session.flush()
            ids[(event["team"], event["actor"])] = person.id
            event["payload"]["participant"]["id"] = person.id
    for event in events:
        if event["type"] == "inject.acknowledged":
            event["payload"]["participant_id"] = ids[(event["team"], event["actor"])]


def copies_and_anchors(exercise: Exercise, rows: list[dict]) -> None:
    """What the services write beside the events: the actions and acknowledgements rows (the audit
    compares them with their events), the signed checkpoints and the signed head."""
    from app.engine.eventlog import CHECKPOINT_TYPES, sign_checkpoint
    from app.models import Acknowledgement, Action, AuditCheckpoint, ExerciseInject
    from app.services.audit_keys import audit_key, checkpoint_interval

    db.session.execute(insert(Action), [
        {"exercise_id": exercise.id, "team_key": r["team"], "step": r["payload"]["action"]["step"],
         "text": r["payload"]["action"]["text"], "client_id": r["payload"]["action"]["client_id"],
         "exercise_time_s": r["exercise_time_s"], "wall_time": r["wall_time"], "event_seq": r["seq"],
         "id": r["payload"]["action"]["id"]}
        for r in rows if r["type"] == "action.logged"])
    people = {(r["team"], r["actor"]): r["payload"]["participant"]["id"] for r in rows
              if r["type"] == "participant.joined"}
    injects = {i.key: i.id for i in exercise.injects}
    for r in rows:
        if r["type"] == "inject.added":
            inject = r["payload"]["inject"]
            row = ExerciseInject(exercise_id=exercise.id, key=inject["id"], title=inject["title"], adhoc=True,
                                 recipients=inject["to"], expects=inject["expects"], status="released")
            db.session.add(row)
            db.session.flush()
            injects[inject["id"]] = row.id
    db.session.execute(insert(Acknowledgement), [
        {"exercise_id": exercise.id, "inject_id": injects[r["payload"]["inject_id"]], "team_key": r["team"],
         "participant_id": people[(r["team"], r["actor"])], "exercise_time_s": r["exercise_time_s"],
         "wall_time": r["wall_time"]}
        for r in rows if r["type"] == "inject.acknowledged"])
    key, every = audit_key(), checkpoint_interval()
    checkpoints = [sign_checkpoint(key.private_key, exercise.id, r["seq"], r["hash"], r["wall_time"].isoformat(),
                                   key.key_id)
                   for r in rows if r["type"] in CHECKPOINT_TYPES or r["seq"] % every == 0]
    db.session.execute(insert(AuditCheckpoint), [
        {"exercise_id": c.exercise_id, "seq": c.seq, "hash": c.hash, "wall_time": datetime.fromisoformat(c.wall_time),
         "key_id": c.key_id, "signature": c.signature} for c in checkpoints])
    last = rows[-1]
    head = sign_checkpoint(key.private_key, exercise.id, last["seq"], last["hash"], last["wall_time"].isoformat(),
                           key.key_id)
    db.session.execute(update(Exercise).where(Exercise.id == exercise.id).values(
        signed_head_seq=head.seq, signed_head_hash=head.hash, signed_head_at=last["wall_time"],
        signed_head_key_id=head.key_id, signed_head_signature=head.signature))


CPU: dict[int, float] = {}  # id(times list) -> CPU seconds of the median run


def timed(fn, repeat: int) -> tuple[list[float], object]:
    """Wall seconds of each run, and the result; the median run's CPU seconds go into CPU.

    CPU time (this process) is reported next to wall time: on a shared machine other work
    inflates wall time, not the CPU time this code needs.
    """
    times, cpu, result = [], [], None
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    CPU[id(times)] = statistics.median(cpu) if cpu else 0.0
    return times, result


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown")
    return f"{os.cpu_count()} cores (nproc), {model}; Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--json-runs", type=int, default=3)
    parser.add_argument("--pdf-runs", type=int, default=2)
    parser.add_argument("--profile", choices=("json", "pdf"), help="cProfile one request and print the top entries")
    parser.add_argument("--keep", help="write the PDF here")
    parser.add_argument("--json-only", action="store_true", help="time the JSON report only")
    parser.add_argument("--db", help="keep the database in this file and reuse it on the next run "
                                     "(default: a temporary one, built afresh)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db).resolve() if args.db else Path(tmp) / "bench.db"
        reuse = path.exists()
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "CORDON_ASYNC_MODE": "threading",
                          "CORDON_SCHEDULER": False, "CORDON_CONTENT_ROOT": str(REPO),
                          "RATELIMIT_ENABLED": False, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
        with app.app_context():
            if reuse:
                exercise_id, setup_s = 1, 0.0
                args.events = db.session.get(Exercise, exercise_id).last_seq
            else:
                db.create_all()
                exercise_id, setup_s = build_exercise(args.events)
            token = issue_api_token(db.session.get(User, 1))
            db.session.commit()
            db.session.remove()
            client = app.test_client()
            headers = {"Authorization": f"Bearer {token}"}
            url = f"/api/v1/exercises/{exercise_id}/report"
            print(f"machine: {machine()}")
            print(f"exercise {exercise_id}: {args.events} events, "
                  + (f"reused from {path}" if reuse else f"built in {setup_s:.1f} s"))

            def get(suffix):
                response = client.get(f"{url}.{suffix}", headers=headers)
                assert response.status_code == 200, response.get_data(as_text=True)[:500]
                return response

            if args.profile:
                get(args.profile)  # warm: imports, caches
                profiler = cProfile.Profile()
                profiler.enable()
                get(args.profile)
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
                pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
                return

            # The first request pays one-off imports (matplotlib, WeasyPrint); a server pays them once.
            cold_json, _ = timed(lambda: get("json"), 1)
            json_times, response = timed(lambda: get("json"), args.json_runs)
            report = response.get_json()
            if args.json_only:
                cold_pdf, pdf_times, pdf = [0.0], [0.0], None
            else:
                cold_pdf, _ = timed(lambda: get("pdf"), 1)
                pdf_times, pdf = timed(lambda: get("pdf"), args.pdf_runs)
            if args.keep and pdf is not None:
                Path(args.keep).write_bytes(pdf.data)

            # Stages, in one app context like a request (with the collector paused, as build_report does).
            exercise = db.session.get(Exercise, exercise_id)
            info = exercise_info(exercise)
            with _without_cyclic_gc():
                load_s, events = timed(lambda: list(iter_events(exercise_id)), 1)
                verify_s, _ = timed(lambda: verify_chain(events), 1)
                build_s, built = timed(lambda: build_aar(info, events), 1)
            serialize_s, body = timed(lambda: json.dumps(built), 1)
            from app.report import charts, render
            charts_s, _ = timed(lambda: charts.all_charts(built), 1)
            with app.test_request_context():
                html_s, html = timed(lambda: render.render_html(built, for_print=True), 1)
            from weasyprint import HTML
            weasy_s, _ = (([0.0], None) if args.json_only else
                          timed(lambda: HTML(string=html, url_fetcher=render._refuse_fetch).write_pdf(), 1))
            db.session.remove()

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf.data)).pages) if pdf is not None else 0
    rows = [
        ("GET report.json, first request", cold_json, ""),
        (f"GET report.json, median of {args.json_runs}", json_times,
         f"best {min(json_times):.2f} s; {len(response.data) / 1e6:.2f} MB; target < 2 s"),
        ("GET report.pdf, first request", cold_pdf, ""),
        (f"GET report.pdf, median of {args.pdf_runs}", pdf_times,
         f"best {min(pdf_times):.2f} s; {pages} pages, {len(pdf.data) / 1e6 if pdf else 0:.2f} MB; target < 20 s"),
        ("  load events from SQLite", load_s, f"{len(events)} rows"),
        ("  verify_chain alone", verify_s, "(part of build_aar)"),
        ("  build_aar (one pass + compliance)", build_s, f"audit ok: {built['audit']['ok']}"),
        ("  json.dumps", serialize_s, f"{len(body) / 1e6:.2f} MB"),
        ("  charts (3 SVG)", charts_s, ""),
        ("  render HTML (incl. charts)", html_s, f"{len(html) / 1e6:.2f} MB"),
        ("  WeasyPrint write_pdf", weasy_s, ""),
    ]
    print(f"\n| {'step':<40} | {'wall s':>7} | {'CPU s':>7} | notes")
    print(f"|{'-' * 42}|{'-' * 9}|{'-' * 9}|------")
    for name, times, note in rows:
        if args.json_only and ("pdf" in name or "WeasyPrint" in name):
            continue
        print(f"| {name:<40} | {statistics.median(times):7.2f} | {CPU.get(id(times), 0.0):7.2f} | {note}")
    assert report["event_log"]["events"] == args.events and report["audit"]["ok"]


if __name__ == "__main__":
    main()
