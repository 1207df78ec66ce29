"""The radiological picture of a running exercise (docs/radiation.md, docs/dose-and-instruments.md):
responders and where they are, the readings their instruments show, their dose, the controller's
live changes to sources.

Everything is an event: `responder.moved`, `measurement.taken`, `dose.alarm`,
`dose.guidance_reached` (to the team and staff) and `source.changed` (staff only). Where a
responder is, what was measured and which alarms sound are those events folded; a team never
receives a source position or the field (its events say where *it* was and what *it* read).

Doses are integrated in each process's memory (`engine.dose.advance_doses`), from each account's
time to now, on every scheduler pass; a move or source change stamped before an account's time
(another process wrote it) re-integrates that account from the start once. Alarms and guidance
crossings are announced under the exercise's lock against what the log already says, so several
processes announce each once.
"""
from __future__ import annotations

import base64
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from ..engine import field as field_model
from ..engine.dose import AlarmState, DoseAccount, advance_doses, update_alarms
from ..engine.guidance import dose_guidance_from_content, guidance_crossings
from ..engine.instruments import (ContaminationMonitorSpec, DosimeterSpec, DosimeterTruth, IdentifierSpec, Instrument,
                                  InstrumentError, SurveyMeterSpec, contamination_truth, format_dose, format_rate,
                                  identifier_truth, make_instrument, read, reading_seed,
                                  survey_truth)
from ..engine.movement import MoveError, Track, check_speed, speed_for
from ..engine.roster import Responder, roster
from ..engine.readings import ReadingCall, ReadingSyntaxError, has_calls, render
from ..errors import Conflict, InvalidInput, NotFound, ServiceError
from ..extensions import db
from ..models import Event, Exercise, ExerciseStatus, Participant, User
from ..offload import off_hub
from .events import STAFF_ONLY, append_event, iter_events
from .exercises import get_exercise
from .timing import elapsed, wall_now
from .unit import end_read
from flask_babel import gettext

MOVE_EVENT = "responder.moved"
MEASUREMENT_EVENT = "measurement.taken"
ALARM_EVENT = "dose.alarm"
GUIDANCE_EVENT = "dose.guidance_reached"
SOURCE_EVENT = "source.changed"
EVENTS = (MOVE_EVENT, MEASUREMENT_EVENT, ALARM_EVENT, GUIDANCE_EVENT, SOURCE_EVENT)

READING_INTERVAL_S = 1.0  # one reading per instrument per real second: a meter updates about that often
DOSE_PASS_S = 1.0  # while responders are on a site, the scheduler accounts doses at least this often
MAX_HISTORY = 2000  # dose history samples kept per responder in memory
GRID_SHAPE = (400, 400)


class TooFast(ServiceError):
    code, status = "too_fast", 429


# -- who is on the site with what --------------------------------------------------------------

@dataclass
class Picture:
    """What one frozen scenario (and checklist) says about the radiological picture."""

    model: field_model.FieldModel | None
    responders: dict[str, Responder]
    instruments: dict[str, Instrument]
    team_instruments: dict[str, list[str]]
    places: dict[str, dict]
    bounds: tuple | None
    guidance: Any

    def team_responders(self, team: str) -> list[Responder]:
        return [r for r in self.responders.values() if r.team == team]


_PICTURES: dict[tuple, Picture | None] = {}
_LOCK = threading.Lock()


def picture(exercise: Exercise) -> Picture | None:
    """The exercise's picture (None when its scenario has no site); built once per frozen scenario."""
    key = (exercise.scenario_hash, exercise.checklist_hash)
    found = _PICTURES.get(key, False)
    if found is False:
        found = _build_picture(exercise.scenario.snapshot, exercise.checklist.snapshot)
        with _LOCK:
            if len(_PICTURES) > 64:
                _PICTURES.clear()
            _PICTURES[key] = found
    return found


def require_picture(exercise: Exercise) -> Picture:
    found = picture(exercise)
    if found is None:
        raise Conflict(gettext("this exercise's scenario has no site: there are no responders to move or measure with"))
    return found


def _build_picture(scenario: Mapping, checklist: Mapping) -> Picture | None:
    site = scenario.get("site")
    if not site:
        return None
    radiation = scenario.get("radiation")
    model = field_model.FieldModel.from_content(site, radiation) if radiation else None
    responders, issued = roster(scenario)
    instruments = {i.id: i for team in issued.values() for i in team}
    return Picture(model=model, responders={r.id: r for r in responders}, instruments=instruments,
                   team_instruments={team: [i.id for i in items] for team, items in issued.items()},
                   places={p["id"]: p for p in site.get("places") or []},
                   bounds=tuple(site["bounds"]) if site.get("bounds") else None,
                   guidance=dose_guidance_from_content(checklist.get("dose_guidance")))


def field_of(exercise: Exercise) -> field_model.FieldModel | None:
    found = picture(exercise)
    return found.model if found else None


# -- the log, folded --------------------------------------------------------------------------

@dataclass
class _Fold:
    seq: int = 0
    hash: str | None = None
    tracks: dict = field(default_factory=dict)  # responder -> Track
    moved_at: dict = field(default_factory=dict)  # responder -> exercise time of its last move
    measurements: list = field(default_factory=list)  # payloads with exercise_time_s and seq
    alarms: dict = field(default_factory=dict)  # responder -> AlarmState as last announced
    alarm_events: list = field(default_factory=list)
    guidance: dict = field(default_factory=dict)  # responder -> highest fraction announced
    guidance_events: list = field(default_factory=list)
    source_changes: list = field(default_factory=list)
    last_reading: dict = field(default_factory=dict)  # instrument -> wall time (s) of its last reading
    client_ids: dict = field(default_factory=dict)  # (team, client id) -> answer
    changed_at: float = math.inf  # earliest exercise time a newly read move or source change applies from


_FOLDS: dict[int, _Fold] = {}


def folded(exercise: Exercise, found: Picture) -> _Fold:
    """The radiological events of an exercise, read on from where this process last read them (a
    cached fold is kept only if the event it stopped at still has the same hash)."""
    fold = _FOLDS.get(exercise.id)
    if fold is not None and fold.seq:
        stored = db.session.scalar(select(Event.hash).where(Event.exercise_id == exercise.id, Event.seq == fold.seq))
        if stored != fold.hash:
            fold = None
    if fold is None or fold.seq > exercise.last_seq:
        fold = _Fold(tracks={r.id: Track.placed(r.start, 0.0) for r in found.responders.values()})
        _DOSES.pop(exercise.id, None)
    if fold.seq < exercise.last_seq:
        for row in iter_events(exercise.id, after_seq=fold.seq, upto_seq=exercise.last_seq, types=list(EVENTS)):
            _apply(fold, row)
        fold.seq, fold.hash = exercise.last_seq, exercise.last_hash
    _FOLDS[exercise.id] = fold
    return fold


def _apply(fold: _Fold, row: Mapping) -> None:
    kind, data, at_s = row["type"], row["payload"], float(row["exercise_time_s"])
    if kind == MOVE_EVENT:
        track = fold.tracks.get(data["responder"])
        if track is None:
            return
        if data.get("kind") == "stop":
            fold.tracks[data["responder"]] = track.stop(at_s)
        else:
            fold.tracks[data["responder"]] = track.move(at_s, data["path"], float(data["speed_m_s"]))
        fold.moved_at[data["responder"]] = at_s
        fold.changed_at = min(fold.changed_at, at_s)
    elif kind == MEASUREMENT_EVENT:
        fold.measurements.append({**data, "exercise_time_s": at_s, "seq": row["seq"]})
        fold.last_reading[data["instrument"]] = data.get("wall_s", 0.0)
    elif kind == ALARM_EVENT:
        state = data["state"]
        fold.alarms[data["responder"]] = AlarmState(tuple(state["rate_on"]), int(state["dose_levels_reached"]))
        fold.alarm_events.append({**data, "exercise_time_s": at_s, "seq": row["seq"]})
    elif kind == GUIDANCE_EVENT:
        fold.guidance[data["responder"]] = max(fold.guidance.get(data["responder"], 0.0), float(data["fraction"]))
        fold.guidance_events.append({**data, "exercise_time_s": at_s, "seq": row["seq"]})
    elif kind == SOURCE_EVENT and isinstance(data.get("change"), Mapping):
        fold.source_changes.append(dict(data["change"]))
        fold.changed_at = min(fold.changed_at, float(data["change"]["at_s"]))
    if data.get("client_id") and data.get("team") is not None and kind in (MOVE_EVENT, MEASUREMENT_EVENT):
        fold.client_ids[(data["team"], data["client_id"])] = (kind, data, at_s)


# -- doses --------------------------------------------------------------------------------------

@dataclass
class _Doses:
    accounts: dict = field(default_factory=dict)  # responder -> DoseAccount
    history: dict = field(default_factory=dict)  # responder -> [DoseSample]
    peaks: dict = field(default_factory=dict)  # responder -> highest rate since the last alarm check


_DOSES: dict[int, _Doses] = {}


def _doses(exercise: Exercise, found: Picture, fold: _Fold) -> _Doses:
    doses = _DOSES.setdefault(exercise.id, _Doses())
    if fold.changed_at < math.inf:
        # A move or source change applies from a time some accounts already passed (it was
        # written by another process): those accounts are integrated again from the start.
        stale = [r for r, a in doses.accounts.items() if a.t_s > fold.changed_at]
        for responder in stale:
            doses.accounts.pop(responder)
            doses.history.pop(responder, None)
        fold.changed_at = math.inf
    return doses


def _advance(exercise: Exercise, found: Picture, fold: _Fold, t_s: float, only: Sequence[str] | None = None):
    """Advance the dose of every responder (or `only` these) to `t_s`; returns {responder: DoseStep}."""
    doses = _doses(exercise, found, fold)
    if found.model is None:
        return {}
    ids = list(only if only is not None else found.responders)
    accounts = [doses.accounts.get(r) or DoseAccount.opened(r, 0.0) for r in ids]
    tracks = [fold.tracks[r] for r in ids]
    changes = fold.source_changes
    steps = advance_doses(accounts, tracks, found.model, t_s, changes=changes,
                          breakpoints=found.model.breakpoints(changes))
    out = {}
    for ident, step in zip(ids, steps):
        doses.accounts[ident] = step.account
        doses.peaks[ident] = max(doses.peaks.get(ident, 0.0), step.peak_uSv_h)
        if step.sample is not None:
            history = doses.history.setdefault(ident, [])
            history.append(step.sample)
            del history[:-MAX_HISTORY]
        out[ident] = step
    return out


def account_pass(exercise: Exercise, now: datetime) -> None:
    """The scheduler's dose step (a unit of work of its own): advance every responder to now, off
    the hub and holding no lock; then, under the exercise's lock, announce the alarms of the
    dosimeters they wear and the fractions of their dose guidance they reached."""
    found = picture(exercise)
    if found is None or found.model is None or exercise.status != ExerciseStatus.RUNNING:
        return
    t_s = elapsed(exercise, now)
    fold = folded(exercise, found)
    end_read()  # nothing written yet: no lock and no snapshot held while the hub serves others
    with _accounting(exercise.id):
        off_hub(_advance, exercise, found, fold, t_s, what="accounting doses")
    if _announcements(exercise, found, fold):
        exercise = get_exercise(exercise.id, lock=True)  # announce once, whichever process gets here first
        fold = folded(exercise, found)
        specs = _announcements(exercise, found, fold)
        for spec in specs:
            append_event(exercise, spec["type"], spec["data"], actor="dosimetry", team=spec["data"]["team"],
                         exercise_time_s=t_s, now=now, visible_to=[spec["data"]["team"]])
        _DOSES[exercise.id].peaks.clear()


_ACCOUNTING: dict[int, threading.Lock] = {}


def _accounting(exercise_id: int) -> threading.Lock:
    """One dose integration of an exercise at a time (the scheduler's, a dosimeter reading's)."""
    with _LOCK:
        return _ACCOUNTING.setdefault(exercise_id, threading.Lock())


def _announcements(exercise: Exercise, found: Picture, fold: _Fold) -> list[dict]:
    doses = _DOSES.get(exercise.id) or _Doses()
    specs = []
    for ident, responder in found.responders.items():
        account = doses.accounts.get(ident)
        if account is None:
            continue
        if responder.dosimeter is not None:
            spec = found.instruments[responder.dosimeter].spec
            state, changes = update_alarms(fold.alarms.get(ident, AlarmState()), spec.thresholds,
                                           dose_uSv=account.dose_uSv, rate_uSv_h=account.rate_uSv_h,
                                           peak_uSv_h=doses.peaks.get(ident))
            for change in changes:
                specs.append({"type": ALARM_EVENT, "data": {
                    "responder": ident, "team": responder.team, "name": responder.name,
                    "instrument": responder.dosimeter, "kind": change.kind, "level": change.level,
                    "threshold": change.threshold, "alarm": change.state, "value": round(change.value, 4),
                    "display": _alarm_text(change), "dose_uSv": round(account.dose_uSv, 4),
                    "at": [round(v, 2) for v in fold.tracks[ident].position_at(account.t_s)],
                    "state": {"rate_on": list(state.rate_on), "dose_levels_reached": state.dose_levels_reached}}})
        limit = _limit(found, responder, exercise.dose_guidance_set)
        if limit is not None:
            reached = fold.guidance.get(ident, 0.0)
            previous = reached * limit
            for crossing in guidance_crossings(previous, account.dose_uSv / 1000.0, limit,
                                               found.guidance.fractions):
                specs.append({"type": GUIDANCE_EVENT, "data": {
                    "responder": ident, "team": responder.team, "name": responder.name, "task": responder.task,
                    "fraction": crossing.fraction, "limit_mSv": crossing.limit_mSv,
                    "at": [round(v, 2) for v in fold.tracks[ident].position_at(account.t_s)],
                    "dose_mSv": round(account.dose_uSv / 1000.0, 6)}})
    return specs


def _alarm_text(change) -> str:
    if change.kind == "rate":
        value, unit, _ = format_rate(change.threshold)
        what = {"on": "dose rate alarm", "off": "dose rate alarm cleared", "brief": "brief dose rate alarm"}
        return f"{what[change.state]} ({value:g} {unit})"
    value, unit, _ = format_dose(change.threshold)
    return f"dose alarm ({value:g} {unit} reached)"


def _limit(found: Picture, responder: Responder, set_id: str | None = None) -> float | None:
    """The responder's guidance value in mSv in the exercise's set (None: occupational work without a constraint)."""
    try:
        return found.guidance.limit(responder.task, set_id).limit_mSv
    except ValueError:
        return None


# -- moving -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    """Who acts: a team member (for their team's responders), or a controller (for any)."""

    name: str
    team: str | None
    staff: bool

    @classmethod
    def of(cls, who: Participant | User) -> Actor:
        if isinstance(who, Participant):
            return cls(who.display_name, who.team.key, False)
        return cls(who.username, None, True)


def _check_running(exercise: Exercise) -> None:
    if exercise.status == ExerciseStatus.ENDED:
        raise Conflict(gettext("the exercise has ended"))
    if exercise.status == ExerciseStatus.DRAFT:
        raise Conflict(gettext("the exercise has not started: responders stand where the scenario places them"))


def _responder(found: Picture, actor: Actor, ident: str) -> Responder:
    responder = found.responders.get(ident)
    if responder is None or (not actor.staff and responder.team != actor.team):
        raise NotFound(gettext("no responder '%(ident)s' in your team", ident=ident), fields={"responder": [gettext("unknown responder")]})
    return responder


def _point(value, bounds, name: str) -> tuple[float, float]:
    x, y = float(value[0]), float(value[1])
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InvalidInput(gettext("%(name)s must be two finite numbers", name=name), fields={name: [gettext("not a point")]})
    if bounds is not None:
        xmin, ymin, xmax, ymax = bounds
        if not (xmin <= x <= xmax and ymin <= y <= ymax):
            raise InvalidInput(gettext("%(name)s [%(x)g, %(y)g] is outside the site (x %(xmin)g to %(xmax)g m, y %(ymin)g to %(ymax)g m)", name=name, x=x, y=y, xmin=xmin, xmax=xmax, ymin=ymin, ymax=ymax), fields={name: [gettext("outside the site")]})
    return (x, y)


def _duplicate(fold: _Fold, actor: Actor, team: str, client_id: str | None):
    if client_id:
        return fold.client_ids.get((team, client_id))
    return None


def move_responder(exercise_id: int, who: Participant | User, data: Mapping[str, Any]) -> dict[str, Any]:
    """Send a responder walking (or driving) to a point, through waypoints, or stop it
    (`{responder, to | path | stop, mode?, client_id?}`); logged as `responder.moved`."""
    exercise = get_exercise(exercise_id, lock=True)
    _check_running(exercise)
    found = require_picture(exercise)
    actor = Actor.of(who)
    responder = _responder(found, actor, data["responder"])
    fold = folded(exercise, found)
    seen = _duplicate(fold, actor, responder.team, data.get("client_id"))
    if seen is not None:
        return {**_responder_view(found, fold, responder, seen[2]), "duplicate": True}
    now = wall_now()
    t_s = round(elapsed(exercise, now), 3)
    track = fold.tracks[responder.id]
    here = track.position_at(t_s)
    payload: dict[str, Any] = {"responder": responder.id, "team": responder.team, "from": list(here)}
    if data.get("stop"):
        payload.update(kind="stop")
    else:
        points = data.get("path") or ([data["to"]] if data.get("to") is not None else None)
        if not points:
            raise InvalidInput(gettext("say where to: `to` [x, y], `path` [[x, y], ...] or `stop`"),
                               fields={"to": [gettext("missing")]})
        path = [list(_point(p, found.bounds, "to" if "to" in data else f"path[{i}]")) for i, p in enumerate(points)]
        try:
            speed = check_speed(speed_for(data.get("mode") or responder.mode, data.get("speed_m_s")))
            moved = track.move(t_s, path, speed)
        except MoveError as error:
            raise InvalidInput(str(error), fields={"to": [str(error)]}) from None
        payload.update(kind="move", path=path, mode=data.get("mode") or responder.mode, speed_m_s=speed,
                       arrives_at_s=round(moved.settled_s, 3))
    if data.get("client_id"):
        payload["client_id"] = data["client_id"]
    append_event(exercise, MOVE_EVENT, payload, actor=actor.name, team=responder.team, exercise_time_s=t_s,
                 now=now, visible_to=[responder.team])
    fold = folded(exercise, found)
    return {**_responder_view(found, fold, responder, t_s), "duplicate": False}


# -- readings -------------------------------------------------------------------------------------

def reading_at(exercise_id: int, found: Picture, fold: _Fold, instrument: Instrument, track: Track, t_s: float,
               responder: str | None = None, account: DoseAccount | None = None, alarm: AlarmState | None = None):
    """What `instrument` shows for a responder on `track` at `t_s`. The noise is seeded by the
    exercise, the kind of instrument, the time and the spot (to a metre), so two teams measuring
    at the same place and time read the same value, and a replay reads it again."""
    model = found.model
    if model is None:
        raise Conflict(gettext("this exercise's scenario has no radiation block: instruments read background only"))
    x, y = track.position_at(t_s)
    seed = reading_seed(exercise_id, f"{instrument.kind}@{round(x)},{round(y)}", t_s)
    changes = fold.source_changes
    spec = instrument.spec
    if isinstance(spec, SurveyMeterSpec):
        truth = survey_truth(instrument, model, track, t_s, changes)
    elif isinstance(spec, ContaminationMonitorSpec):
        truth = contamination_truth(model, track, t_s)
    elif isinstance(spec, IdentifierSpec):
        truth = identifier_truth(instrument, model, track, t_s, changes)
    elif isinstance(spec, DosimeterSpec):
        account = account or DoseAccount.opened(responder or "", t_s)
        truth = DosimeterTruth(account.dose_uSv, account.rate_uSv_h, alarm or AlarmState())
    else:  # pragma: no cover - the catalogue has these four
        raise InstrumentError(f"cannot read {instrument.kind}")
    return read(instrument, truth, seed), (x, y)


def take_reading(exercise_id: int, who: Participant | User, data: Mapping[str, Any]) -> dict[str, Any]:
    """A responder reads an instrument of their team where they are now (`{responder, instrument,
    client_id?}`); logged as `measurement.taken` with the position, time and displayed value.

    The reading is computed off the hub holding no lock (the read transaction is ended first), then
    the exercise is locked only to log it: a write lock held across a yield would make every other
    writer wait on SQLite's busy timeout, which blocks the hub."""
    exercise = get_exercise(exercise_id)
    _check_running(exercise)
    found = require_picture(exercise)
    actor = Actor.of(who)
    responder = _responder(found, actor, data["responder"])
    instrument = found.instruments.get(data["instrument"])
    if instrument is None or data["instrument"] not in found.team_instruments.get(responder.team, []):
        raise NotFound(gettext("no instrument '%(instrument)s' in team %(team)s", instrument=data['instrument'], team=responder.team),
                       fields={"instrument": [gettext("not one of the team's instruments")]})
    if isinstance(instrument.spec, DosimeterSpec) and instrument.id != responder.dosimeter:
        raise InvalidInput(gettext("%(id)s is worn by another responder", id=instrument.id),
                           fields={"instrument": [gettext("a dosimeter is read by the responder wearing it")]})
    fold = folded(exercise, found)
    checked = _reading_allowed(fold, actor, responder, instrument, data)
    if checked is not None:
        return checked
    now = wall_now()
    t_s = round(elapsed(exercise, now), 3)
    account = alarm = None
    if isinstance(instrument.spec, DosimeterSpec):
        with _accounting(exercise.id):
            account = _advance(exercise, found, fold, t_s, only=[responder.id])[responder.id].account
        alarm = fold.alarms.get(responder.id)
    track, changes = fold.tracks[responder.id], list(fold.source_changes)
    end_read()  # nothing written yet: no lock and no snapshot held while the hub serves others
    reading, (x, y) = off_hub(reading_at, exercise_id, found, _Fold(source_changes=changes), instrument, track, t_s,
                              responder.id, account, alarm, what="taking a reading")
    exercise = get_exercise(exercise_id, lock=True)
    _check_running(exercise)
    checked = _reading_allowed(folded(exercise, found), actor, responder, instrument, data)  # again, under the lock
    if checked is not None:
        return checked
    payload = {"responder": responder.id, "team": responder.team, "name": responder.name,
               "instrument": instrument.id, "kind": instrument.kind, "at": [round(x, 3), round(y, 3)],
               "reading": _plain(reading.as_dict()), "wall_s": now.timestamp()}
    if data.get("client_id"):
        payload["client_id"] = data["client_id"]
    append_event(exercise, MEASUREMENT_EVENT, payload, actor=actor.name, team=responder.team, exercise_time_s=t_s,
                 now=now, visible_to=[responder.team])
    return {**_measurement_view(payload, t_s), "duplicate": False}


def _reading_allowed(fold: _Fold, actor: Actor, responder: Responder, instrument: Instrument,
                     data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The answer to a resend of a reading already logged (None: a new one), or TooFast."""
    seen = _duplicate(fold, actor, responder.team, data.get("client_id"))
    if seen is not None:
        return {**_measurement_view(seen[1], seen[2]), "duplicate": True}
    if wall_now().timestamp() - fold.last_reading.get(instrument.id, -math.inf) < READING_INTERVAL_S:
        raise TooFast(gettext("%(id)s was read less than %(READING_INTERVAL_S)g s ago; read it again in a moment", id=instrument.id, READING_INTERVAL_S=READING_INTERVAL_S))
    return None


def _plain(value):
    """Readings' details as JSON values (tuples → lists, numpy numbers → floats)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def _measurement_view(data: Mapping, t_s: float) -> dict[str, Any]:
    return {"responder": data["responder"], "team": data["team"], "name": data.get("name"),
            "instrument": data["instrument"], "kind": data["kind"], "at": data["at"], "exercise_time_s": t_s,
            "reading": data["reading"]}


def replayed_reading(exercise: Exercise, seq: int) -> dict[str, Any]:
    """The reading of the `measurement.taken` event `seq` computed again from the log before it
    (survey meters, contamination monitors and identifiers; a dosimeter's depends on dose passes)."""
    found = require_picture(exercise)
    fold = _Fold(tracks={r.id: Track.placed(r.start, 0.0) for r in found.responders.values()})
    target = None
    for row in iter_events(exercise.id, upto_seq=seq, types=list(EVENTS)):
        if row["seq"] == seq:
            target = row
            break
        _apply(fold, row)
    if target is None or target["type"] != MEASUREMENT_EVENT:
        raise NotFound(gettext("event %(seq)s is not a measurement", seq=seq))
    data = target["payload"]
    reading, _ = reading_at(exercise.id, found, fold, found.instruments[data["instrument"]],
                            fold.tracks[data["responder"]], float(target["exercise_time_s"]))
    return _plain(reading.as_dict())


# -- the controller's changes to sources ----------------------------------------------------------

def change_source(exercise_id: int, user: User, data: Mapping[str, Any]) -> dict[str, Any]:
    """Move, shield, unshield, set the activity of, remove or restore a source from now
    (`source.changed`, staff only). Releases nothing by itself."""
    exercise = get_exercise(exercise_id, lock=True)
    _check_running(exercise)
    found = require_picture(exercise)
    if found.model is None:
        raise Conflict(gettext("this exercise's scenario has no radiation block"))
    sources = {s["id"] for s in found.model.radiation.get("sources", ())}
    if data["source"] not in sources:
        raise NotFound(gettext("no source '%(source)s' in this scenario; known: %(names)s", source=data['source'], names=', '.join(sorted(sources))),
                       fields={"source": [gettext("unknown source")]})
    now = wall_now()
    t_s = round(elapsed(exercise, now), 3)
    change: dict[str, Any] = {"source": data["source"], "at_s": t_s}
    if data.get("moved_to") is not None:
        change["moved_to"] = list(_point(data["moved_to"], found.bounds, "moved_to"))
    if "shield" in data:
        change["shield"] = data["shield"]
    if data.get("activity_bq") is not None:
        change["activity_bq"] = float(data["activity_bq"])
    if data.get("removed") is not None:
        change["removed"] = bool(data["removed"])
    if len(change) == 2:
        raise InvalidInput(gettext("the change changes nothing: give moved_to, shield, activity_bq or removed"),
                           fields={"source": [gettext("nothing to change")]})
    append_event(exercise, SOURCE_EVENT, {"change": change, "note": data.get("note") or ""}, actor=user.username,
                 exercise_time_s=t_s, now=now, visible_to=STAFF_ONLY)
    return {"change": change, "sources": _sources_view(found, folded(exercise, found), t_s)}


# -- views ------------------------------------------------------------------------------------------

def _responder_view(found: Picture, fold: _Fold, responder: Responder, t_s: float) -> dict[str, Any]:
    track = fold.tracks[responder.id]
    x, y = track.position_at(t_s)
    last = track.knots[-1]
    return {**responder.view(), "at": [round(x, 2), round(y, 2)], "moving": track.is_moving(t_s),
            "target": [last.x, last.y], "arrives_at_s": last.t_s, "exercise_time_s": t_s}


def _dose_view(found: Picture, fold: _Fold, doses: _Doses | None, responder: Responder,
               set_id: str | None = None) -> dict[str, Any]:
    account = (doses or _Doses()).accounts.get(responder.id)
    limit = _limit(found, responder, set_id)
    dose_mSv = account.dose_uSv / 1000.0 if account else 0.0
    state = fold.alarms.get(responder.id, AlarmState())
    return {"dose_uSv": round(account.dose_uSv, 3) if account else 0.0,
            "rate_uSv_h": round(account.rate_uSv_h, 3) if account else 0.0,
            "max_rate_uSv_h": round(account.max_rate_uSv_h, 3) if account else 0.0,
            "limit_mSv": limit, "fraction": round(dose_mSv / limit, 6) if limit else None,
            "remaining_mSv": round(limit - dose_mSv, 6) if limit else None,
            "alarming": state.alarming, "guidance_reached": fold.guidance.get(responder.id, 0.0)}


def site_picture(exercise_id: int, team_key: str | None) -> dict[str, Any]:
    """Responders (a team: its own; staff: all) where they are now, with doses and alarms, the
    team's instruments, and the measurements it may see. Never a source."""
    exercise = get_exercise(exercise_id)
    found = require_picture(exercise)
    fold = folded(exercise, found)
    t_s = round(elapsed(exercise), 3)
    responders = [r for r in found.responders.values() if team_key is None or r.team == team_key]
    teams = [team_key] if team_key is not None else list(found.team_instruments)
    return {
        "exercise_time_s": t_s,
        "responders": [{**_responder_view(found, fold, r, t_s), **_dose_view(found, fold, _DOSES.get(exercise.id), r, exercise.dose_guidance_set)} for r in responders],
        "instruments": [{"id": i, "team": team, "kind": found.instruments[i].kind,
                         "title": found.instruments[i].spec.title,
                         "worn_by": next((r.id for r in found.responders.values() if r.dosimeter == i), None)}
                        for team in teams for i in found.team_instruments.get(team, [])],
        "measurements": [_measurement_view(m, m["exercise_time_s"]) for m in fold.measurements
                         if team_key is None or m["team"] == team_key][-200:],
        "alarms": [a for a in fold.alarm_events if team_key is None or a["team"] == team_key][-100:],
        "has_field": found.model is not None,
    }


def _sources_view(found: Picture, fold: _Fold, t_s: float) -> list[dict[str, Any]]:
    if found.model is None:
        return []
    return [{"id": s.id, "nuclide": s.nuclide, "at": [s.x, s.y], "height_m": s.height_m,
             "activity_bq": s.activity_at(t_s), "shield": list(s.shield) if s.shield else None, "active": s.active}
            for s in found.model.states(t_s, fold.source_changes)]


def dose_board(exercise_id: int) -> list[dict[str, Any]]:
    """Every responder's dose, rate and distance to their guidance value (staff), highest first."""
    exercise = get_exercise(exercise_id)
    found = require_picture(exercise)
    fold = folded(exercise, found)
    t_s = round(elapsed(exercise), 3)
    rows = [{**_responder_view(found, fold, r, t_s), **_dose_view(found, fold, _DOSES.get(exercise.id), r, exercise.dose_guidance_set)} for r in found.responders.values()]
    return sorted(rows, key=lambda row: (-(row["fraction"] or 0.0), -row["dose_uSv"], row["id"]))


def dose_history(exercise_id: int, responder_id: str | None, team_key: str | None) -> dict[str, Any]:
    exercise = get_exercise(exercise_id)
    found = require_picture(exercise)
    if not responder_id:
        raise InvalidInput(gettext("say whose history: ?responder=fire/1"), fields={"responder": [gettext("required")]})
    responder = found.responders.get(responder_id)
    if responder is None or (team_key is not None and responder.team != team_key):
        raise NotFound(gettext("no responder '%(responder_id)s'", responder_id=responder_id))
    folded(exercise, found)
    samples = (_DOSES.get(exercise.id) or _Doses()).history.get(responder_id, [])
    return {"responder": responder_id, "name": responder.name,
            "samples": [{"t_s": s.t_s, "dose_uSv": round(s.dose_uSv, 4), "rate_uSv_h": round(s.rate_uSv_h, 4)}
                        for s in samples]}


_GRIDS: dict[str, dict] = {}
_GRID_LOCKS: dict[str, threading.Lock] = {}


def _computing(key: str) -> threading.Lock:
    """One lock per grid being computed (green under eventlet: a waiting request yields the hub)."""
    with _LOCK:
        if len(_GRID_LOCKS) > 64:
            _GRID_LOCKS.clear()
        return _GRID_LOCKS.setdefault(key, threading.Lock())


def field_view(exercise_id: int, at_s: float | None = None) -> dict[str, Any]:
    """The field for staff: sources as they are, a 400×400 grid of log₁₀ rates (bytes, base64)
    and isolines at 0.3 µSv/h, 100 µSv/h and 100 mSv/h. Cached per (scenario, source state, minute):
    twenty consoles cost one computation."""
    exercise = get_exercise(exercise_id)
    found = require_picture(exercise)
    if found.model is None:
        raise Conflict(gettext("this exercise's scenario has no radiation block: there is no field to show"))
    fold = folded(exercise, found)
    t_s = elapsed(exercise) if at_s is None else float(at_s)
    changes = [c for c in fold.source_changes if c["at_s"] <= t_s]
    # on the minute (so consoles share it), or from the last change made since (so it shows at once)
    step = max(0.0, t_s - t_s % 60.0, *(c["at_s"] for c in changes))
    bounds = found.bounds or found.model.bounds
    key = found.model.cache_key(step, changes, bounds, GRID_SHAPE)
    cached = _GRIDS.get(key)
    if cached is None:
        with _computing(key):  # consoles asking at once wait for the first one's grid
            cached = _GRIDS.get(key)
            if cached is None:
                cached = off_hub(_compute_field, found.model, bounds, step, changes, what="computing the field")
                if len(_GRIDS) > 32:
                    _GRIDS.clear()
                _GRIDS[key] = cached
    return {**cached, "exercise_time_s": round(t_s, 3), "sources": _sources_view(found, fold, t_s)}


LOG_MIN, LOG_MAX = -2.0, 7.0  # the grid's bytes span 0.01 µSv/h to 10 Sv/h on a log scale


def _compute_field(model: field_model.FieldModel, bounds, t_s: float, changes) -> dict[str, Any]:
    grid = model.grid(bounds, GRID_SHAPE, t_s, changes)
    levels = np.clip((np.log10(np.maximum(grid, 1e-12)) - LOG_MIN) / (LOG_MAX - LOG_MIN), 0.0, 1.0)
    encoded = np.round(levels * 255).astype(np.uint8)
    return {"bounds": list(bounds), "shape": list(GRID_SHAPE), "field_time_s": t_s,
            "log_range": [LOG_MIN, LOG_MAX], "grid": base64.b64encode(encoded.tobytes()).decode(),
            "max_uSv_h": float(grid.max()), "isolines": field_model.isolines(grid, bounds)}


# -- readings written into inject bodies -----------------------------------------------------------

def resolve_readings(exercise: Exercise, body: str, t_s: float) -> str:
    """An inject body with each `{{ reading('place', 'kind') }}` / `{{ dose_rate('place') }}`
    replaced by what the field gives at that place and time (an unresolvable call says so)."""
    if not body or not has_calls(body):
        return body
    found = picture(exercise)

    def resolve(call: ReadingCall) -> str:
        if found is None or found.model is None:
            return "[no radiation data]"
        place = found.places.get(call.place)
        if place is None:
            return f"[unknown place {call.place}]"
        x, y = place["at"]
        changes = [c for c in (_FOLDS.get(exercise.id) or _Fold()).source_changes if c["at_s"] <= t_s]
        if call.function == "dose_rate":
            value, unit, _ = format_rate(found.model.rate_at(x, y, t_s, changes))
            return f"{value:g} {unit}"
        instrument = make_instrument(f"inject/{call.instrument}", call.instrument)
        track = Track.placed((x, y), 0.0)
        reading, _ = reading_at(exercise.id, found, _Fold(source_changes=changes), instrument, track, t_s)
        return reading.display

    try:
        return render(body, resolve)
    except (ReadingSyntaxError, InstrumentError, ValueError) as error:
        return f"{body}\n\n[reading could not be resolved: {error}]"
