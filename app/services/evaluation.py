"""The evaluator workflow: observations, P/S/M/U ratings, the improvement plan, participant feedback.

Every write appends a staff-only event in the same transaction, so the AAR can be rebuilt from
the log and the audit chain covers what evaluators wrote.
"""
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (CorrectiveAction, Event, Exercise, ExerciseStatus, Feedback, Observation, Participant,
                      Rating, Role, User)
from ..vocabulary import FEEDBACK_QUESTIONS, N_
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from .events import STAFF_ONLY, append_event
from .exercises import get_exercise
from .zones import folded
from .timing import elapsed, wall_now
from flask_babel import gettext


_P_TEXT = N_(
    "The targets and critical tasks associated with the capability were completed in a manner that "
    "achieved the objective(s) and did not negatively impact the performance of other activities. "
    "Performance of this activity did not contribute to additional health and/or safety risks for the "
    "public or for emergency workers, and it was conducted in accordance with applicable plans, "
    "policies, procedures, regulations, and laws.")
_S_TEXT = N_(
    "The targets and critical tasks associated with the capability were completed in a manner that "
    "achieved the objective(s) and did not negatively impact the performance of other activities. "
    "Performance of this activity did not contribute to additional health and/or safety risks for the "
    "public or for emergency workers, and it was conducted in accordance with applicable plans, "
    "policies, procedures, regulations, and laws. However, opportunities to enhance effectiveness "
    "and/or efficiency were identified.")

# Words marked N_ are translated where they are shown (the report); the data stays in English.
RATING_DEFINITIONS: dict[str, Any] = {
    "source": {
        "title": "HSEEP (2020) rating definitions",
        "confidence": "S",
        "note": N_("Quoted from a secondary source (another project's repository, which attributes the wording "
                   "to the HSEEP 2020 doctrine); not yet checked against the HSEEP text. The secondary source "
                   "elides the opening of M; it is completed here with the opening shared by P and U."),
    },
    "ratings": [
        {"code": "P", "label": N_("Performed without Challenges"), "definition": _P_TEXT},
        {"code": "S", "label": N_("Performed with Some Challenges"), "definition": _S_TEXT},
        {"code": "M", "label": N_("Performed with Major Challenges"),
         "definition": N_("The targets and critical tasks associated with the capability were completed in a "
                          "manner that achieved the objective(s); however, the completion negatively impacted "
                          "the performance of other activities, contributed to additional health and/or safety "
                          "risks for the public or for emergency workers, and/or was not conducted in accordance "
                          "with applicable plans, policies, procedures, regulations, and laws.")},
        {"code": "U", "label": N_("Unable to be Performed"),
         "definition": N_("The targets and critical tasks associated with the capability were not performed in a "
                          "manner that achieved the objective(s).")},
    ],
}

# The participant feedback form: statements rated 1 (strongly disagree) to 5 (strongly agree), modelled
# on the HSEEP Participant Feedback Form's assessment of exercise design and conduct (Cordon's wording).
FEEDBACK_SCALE = {1: N_("strongly disagree"), 2: N_("disagree"), 3: N_("neutral"), 4: N_("agree"),
                  5: N_("strongly agree")}


# -- lookups -------------------------------------------------------------------------------

def objectives_of(exercise: Exercise) -> dict[str, dict[str, Any]]:
    """The scenario's objectives by id, from the exercise's frozen snapshot."""
    return {o["id"]: o for o in exercise.scenario_snapshot.get("objectives") or []}


def _objective(exercise: Exercise, objective_id: str | None, field: str = "objective") -> dict[str, Any] | None:
    if objective_id is None:
        return None
    objective = objectives_of(exercise).get(objective_id)
    if objective is None:
        known = ", ".join(objectives_of(exercise)) or "none"
        raise InvalidInput(gettext("no objective '%(objective_id)s' in this exercise's scenario (objectives: %(known)s)", objective_id=objective_id, known=known),
                           fields={field: [gettext("unknown objective")]})
    return objective


def _check_team(exercise: Exercise, team_key: str | None) -> None:
    if team_key is not None and exercise.team(team_key) is None:
        known = ", ".join(t.key for t in exercise.teams)
        raise InvalidInput(gettext("no team '%(team_key)s' in this exercise (teams: %(known)s)", team_key=team_key, known=known), fields={"team": [gettext("unknown team")]})


def _usernames(user_ids) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def _iso(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# -- observations --------------------------------------------------------------------------

_API_NAME = {"team_key": "team"}  # model attribute -> payload field, for the `previous` values of an edit


def observation_view(obs: Observation, evaluator: str | None) -> dict[str, Any]:
    view = {"id": obs.id, "exercise_time_s": obs.exercise_time_s, "team": obs.team_key,
            "objective": obs.objective, "capability": obs.capability, "text": obs.text, "tag": obs.tag,
            "evaluator": evaluator, "wall_time": _iso(obs.wall_time)}
    if obs.hotwash:  # written during the hot wash, about the replayed moment
        view["hotwash"] = True
    if obs.zone:  # about a zone on the site map
        view["zone"] = obs.zone
    return view


def _observation_time(exercise: Exercise, body: dict[str, Any], now: datetime) -> float:
    """The exercise time an observation is about: the clock now, or a given time within [0, now]."""
    now_s = elapsed(exercise, now)
    for field in ("exercise_time_s", "at"):
        if body.get(field) is not None:
            at_s = float(body[field])
            if not 0 <= at_s <= now_s:
                raise InvalidInput(gettext("%(field)s must be between 0 and the exercise clock (%(now_s).1f s)", field=field, now_s=now_s),
                                   fields={field: [gettext("between 0 and %(now_s).1f s", now_s=now_s)]})
            return at_s
    return round(now_s, 3)


def record_observation(exercise_id: int, body: dict[str, Any], author: User) -> Observation:
    """An evaluator's timed observation (fields as validated by schemas.evaluation.ObservationIn)."""
    exercise = get_exercise(exercise_id)
    now = wall_now()
    _check_team(exercise, body.get("team"))
    if body.get("zone") and body["zone"] not in folded(exercise).zones:
        raise InvalidInput(gettext("no zone '%(zone)s' stands in exercise %(id)s", zone=body['zone'], id=exercise.id), fields={"zone": [gettext("unknown zone")]})
    objective = _objective(exercise, body.get("objective"))
    capability = body.get("capability") or (objective or {}).get("capability")
    obs = Observation(exercise_id=exercise.id, evaluator_id=author.id,
                      exercise_time_s=_observation_time(exercise, body, now), team_key=body.get("team"),
                      objective=body.get("objective"), capability=capability, text=body["text"].strip(),
                      tag=body.get("tag"), hotwash=bool(body.get("hotwash")), zone=body.get("zone"), wall_time=now)
    db.session.add(obs)
    db.session.flush()
    append_event(exercise, "observation", {"observation": observation_view(obs, author.username)},
                 actor=author.username, team=obs.team_key, exercise_time_s=elapsed(exercise, now), now=now,
                 visible_to=STAFF_ONLY)
    return obs


def edit_observation(exercise_id: int, observation_id: int, changes: dict[str, Any], author: User) -> Observation:
    """The author corrects an observation; the event keeps the values it replaced."""
    exercise = get_exercise(exercise_id)
    obs = _get(Observation, exercise_id, observation_id, "observation")
    if obs.evaluator_id != author.id:
        raise Forbidden(gettext("only the evaluator who wrote an observation may edit it"))
    now = wall_now()
    new: dict[str, Any] = {}
    if "team" in changes:
        _check_team(exercise, changes["team"])
        new["team_key"] = changes["team"]
    if "objective" in changes:
        objective = _objective(exercise, changes["objective"])
        new["objective"] = changes["objective"]
        if "capability" not in changes and objective is not None:
            new["capability"] = objective.get("capability")
    if "capability" in changes:
        new["capability"] = changes["capability"] or None
    if "text" in changes:
        new["text"] = changes["text"].strip()
    if "tag" in changes:
        new["tag"] = changes["tag"]
    if "exercise_time_s" in changes or "at" in changes:
        new["exercise_time_s"] = _observation_time(exercise, changes, now)
    previous = {_API_NAME.get(k, k): getattr(obs, k) for k, v in new.items() if getattr(obs, k) != v}
    for key, value in new.items():
        setattr(obs, key, value)
    if previous:
        db.session.flush()
        append_event(exercise, "observation.edited",
                     {"observation": observation_view(obs, author.username), "previous": previous},
                     actor=author.username, team=obs.team_key, exercise_time_s=elapsed(exercise, now), now=now,
                     visible_to=STAFF_ONLY)
    return obs


def list_observations(exercise_id: int, *, team: str | None = None, objective: str | None = None,
                      tag: str | None = None) -> list[dict[str, Any]]:
    """Observations in exercise-time order, optionally for one team, objective or tag."""
    get_exercise(exercise_id)
    query = select(Observation).where(Observation.exercise_id == exercise_id)
    if team is not None:
        query = query.where(Observation.team_key == team)
    if objective is not None:
        query = query.where(Observation.objective == objective)
    if tag is not None:
        query = query.where(Observation.tag == tag)
    rows = db.session.scalars(query.order_by(Observation.exercise_time_s, Observation.id)).all()
    names = _usernames(o.evaluator_id for o in rows)
    return [observation_view(o, names.get(o.evaluator_id)) for o in rows]


def observation_with_author(obs: Observation) -> dict[str, Any]:
    """One observation as the API shows it, with its author's username."""
    return observation_view(obs, _usernames([obs.evaluator_id]).get(obs.evaluator_id))


# -- ratings -------------------------------------------------------------------------------

def set_lead_evaluator(exercise_id: int, username: str | None, actor: User) -> User | None:
    """Name the evaluator who sets consensus ratings (an evaluator or admin), or clear it with None."""
    exercise = get_exercise(exercise_id)
    lead = None
    if username is not None:
        lead = db.session.scalars(select(User).where(User.username == username)).first()
        if lead is None or not lead.active:
            raise InvalidInput(gettext("no active user '%(username)s'", username=username), fields={"username": [gettext("unknown user")]})
        if lead.role not in (Role.EVALUATOR, Role.ADMIN):
            raise InvalidInput(gettext("%(username)s is a %(role)s; the lead evaluator must be an evaluator or an admin", username=username, role=lead.role),
                               fields={"username": [gettext("not an evaluator or admin")]})
    previous = _usernames([exercise.lead_evaluator_id]).get(exercise.lead_evaluator_id)
    exercise.lead_evaluator_id = lead.id if lead else None
    now = wall_now()
    append_event(exercise, "exercise.lead_evaluator",
                 {"lead_evaluator": lead.username if lead else None, "previous": previous},
                 actor=actor.username, exercise_time_s=elapsed(exercise, now), now=now, visible_to=STAFF_ONLY)
    return lead


def set_rating(exercise_id: int, objective_id: str, body: dict[str, Any], user: User) -> dict[str, Any]:
    """Upsert the caller's own P/S/M/U rating of an objective, or, with `consensus`, the exercise's
    consensus rating (the lead evaluator or an admin only)."""
    # Locking the exercise row serializes concurrent upserts (the consensus row has no unique key).
    exercise = get_exercise(exercise_id, lock=True)
    if objective_id not in objectives_of(exercise):
        raise NotFound(gettext("no objective '%(objective_id)s' in this exercise's scenario", objective_id=objective_id))
    consensus = bool(body.get("consensus"))
    if consensus and user.role != Role.ADMIN and user.id != exercise.lead_evaluator_id:
        lead = _usernames([exercise.lead_evaluator_id]).get(exercise.lead_evaluator_id)
        raise Forbidden(f"only the lead evaluator ({lead}) or an admin may set the consensus rating" if lead else
                        "no lead evaluator is set for this exercise; a controller names one first, "
                        "and only they or an admin may set the consensus rating")
    now = wall_now()
    row = _rating_row(exercise.id, objective_id, None if consensus else user.id, consensus)
    previous = {"rating": row.rating, "rationale": row.rationale} if row else None
    if row is None:
        row = Rating(exercise_id=exercise.id, objective=objective_id, consensus=consensus,
                     evaluator_id=None if consensus else user.id)
        db.session.add(row)
    row.rating, row.rationale, row.updated_at = body["rating"], body["rationale"].strip(), now
    try:
        db.session.flush()
    except IntegrityError:  # the unit of work rolls back
        raise Conflict(gettext("this rating was changed at the same moment; send it again")) from None
    view = {"objective": objective_id, "rating": row.rating, "rationale": row.rationale,
            "updated_at": _iso(row.updated_at)}
    if consensus:
        view |= {"consensus": True, "set_by": user.username}
    else:
        view |= {"consensus": False, "evaluator": user.username}
    append_event(exercise, "rating.consensus" if consensus else "rating.set", view | {"previous": previous},
                 actor=user.username, exercise_time_s=elapsed(exercise, now), now=now, visible_to=STAFF_ONLY)
    return view


def _rating_row(exercise_id: int, objective_id: str, evaluator_id: int | None, consensus: bool) -> Rating | None:
    query = select(Rating).where(Rating.exercise_id == exercise_id, Rating.objective == objective_id,
                                 Rating.consensus.is_(consensus))
    query = query.where(Rating.evaluator_id.is_(None) if evaluator_id is None else Rating.evaluator_id == evaluator_id)
    return db.session.scalars(query.order_by(Rating.id.desc())).first()


def ratings_view(exercise_id: int) -> dict[str, Any]:
    """Per objective: each evaluator's rating and the consensus; with the lead evaluator and the definitions."""
    exercise = get_exercise(exercise_id)
    rows = db.session.scalars(select(Rating).where(Rating.exercise_id == exercise.id).order_by(Rating.id)).all()
    names = _usernames([r.evaluator_id for r in rows] + [exercise.lead_evaluator_id])
    consensus_by = _consensus_setters(exercise.id)
    objectives = []
    for objective_id, objective in objectives_of(exercise).items():
        mine = [r for r in rows if r.objective == objective_id]
        consensus = next((r for r in reversed(mine) if r.consensus), None)
        objectives.append({
            "id": objective_id,
            "text": objective.get("text"),
            "capability": objective.get("capability"),
            "ratings": [{"evaluator": names.get(r.evaluator_id), "rating": r.rating, "rationale": r.rationale,
                         "updated_at": _iso(r.updated_at)}
                        for r in sorted((r for r in mine if not r.consensus), key=lambda r: r.updated_at)],
            "consensus": None if consensus is None else {
                "rating": consensus.rating, "rationale": consensus.rationale,
                "updated_at": _iso(consensus.updated_at), "set_by": consensus_by.get(objective_id)},
        })
    return {"lead_evaluator": names.get(exercise.lead_evaluator_id), "objectives": objectives,
            "definitions": RATING_DEFINITIONS}


def _consensus_setters(exercise_id: int) -> dict[str, str]:
    """Who last set each objective's consensus, read from the log (the row keeps no user)."""
    events = db.session.scalars(select(Event).where(Event.exercise_id == exercise_id,
                                                    Event.type == "rating.consensus").order_by(Event.seq))
    return {ev.payload["objective"]: ev.actor for ev in events}


# -- the improvement plan ------------------------------------------------------------------

CORRECTIVE_ACTION_FIELDS = ("objective", "capability", "issue", "corrective_action", "capability_element",
                            "responsible_org", "point_of_contact", "start_date", "completion_date", "status")


def corrective_action_view(row: CorrectiveAction) -> dict[str, Any]:
    view = {"id": row.id}
    for field in CORRECTIVE_ACTION_FIELDS:
        value = getattr(row, field)
        view[field] = _iso(value) if isinstance(value, date) else value
    view["updated_at"] = _iso(row.updated_at)
    return view


def add_corrective_action(exercise_id: int, body: dict[str, Any], actor: User) -> CorrectiveAction:
    """A new improvement-plan row (fields as validated by schemas.evaluation.CorrectiveActionIn)."""
    exercise = get_exercise(exercise_id)
    _objective(exercise, body.get("objective"))
    now = wall_now()
    row = CorrectiveAction(exercise_id=exercise.id, updated_at=now, status="open", point_of_contact="")
    _apply(row, body)
    db.session.add(row)
    db.session.flush()
    append_event(exercise, "corrective_action.created", {"corrective_action": corrective_action_view(row)},
                 actor=actor.username, exercise_time_s=elapsed(exercise, now), now=now, visible_to=STAFF_ONLY)
    return row


def update_corrective_action(exercise_id: int, action_id: int, changes: dict[str, Any],
                             actor: User) -> CorrectiveAction:
    """Change an improvement-plan row; the event keeps the values it replaced."""
    exercise = get_exercise(exercise_id)
    row = _get(CorrectiveAction, exercise_id, action_id, "corrective action")
    if "objective" in changes:
        _objective(exercise, changes["objective"])
    start = changes.get("start_date", row.start_date)
    completion = changes.get("completion_date", row.completion_date)
    if start is not None and completion is not None and completion < start:
        field = "completion_date" if "completion_date" in changes else "start_date"
        raise InvalidInput(gettext("the completion date (%(completion)s) is before the start date (%(start)s)", completion=completion, start=start),
                           fields={field: [gettext("completion_date must not be before start_date")]})
    before = corrective_action_view(row)
    _apply(row, changes)
    after = corrective_action_view(row)
    previous = {k: before[k] for k in CORRECTIVE_ACTION_FIELDS if before[k] != after[k]}
    if previous:
        now = wall_now()
        row.updated_at = now
        db.session.flush()
        append_event(exercise, "corrective_action.updated",
                     {"corrective_action": corrective_action_view(row), "previous": previous},
                     actor=actor.username, exercise_time_s=elapsed(exercise, now), now=now, visible_to=STAFF_ONLY)
    return row


def _apply(row: CorrectiveAction, values: dict[str, Any]) -> None:
    for field in CORRECTIVE_ACTION_FIELDS:
        if field in values:
            value = values[field]
            setattr(row, field, value.strip() if isinstance(value, str) else value)
    if row.point_of_contact is None:
        row.point_of_contact = ""


def list_corrective_actions(exercise_id: int) -> list[dict[str, Any]]:
    get_exercise(exercise_id)
    rows = db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.exercise_id == exercise_id)
                              .order_by(CorrectiveAction.id)).all()
    return [corrective_action_view(r) for r in rows]


# -- participant feedback ------------------------------------------------------------------

def feedback_view(form: Feedback, participant: str | None) -> dict[str, Any]:
    answers = form.answers or {}
    return {"id": form.id, "team": form.team_key, "participant": participant,
            "role": answers.get("role", ""), "ratings": answers.get("ratings", {}),
            "strengths": answers.get("strengths", ""), "improvements": answers.get("improvements", ""),
            "comments": answers.get("comments", ""), "submitted_at": _iso(form.wall_time)}


def submit_feedback(participant: Participant, body: dict[str, Any]) -> Feedback:
    """A participant's feedback form: once each, and only after the exercise has ended."""
    team = participant.team
    exercise = get_exercise(team.exercise_id)
    if exercise.status != ExerciseStatus.ENDED:
        raise Conflict(gettext("the feedback form opens when the exercise has ended"))
    exists = db.session.scalar(select(Feedback.id).where(Feedback.participant_id == participant.id))
    if exists:
        raise Conflict(gettext("you have already sent your feedback form; thank you"))
    answers = {"role": body.get("role", "").strip(), "ratings": dict(body.get("ratings") or {}),
               **{k: body.get(k, "").strip() for k in ("strengths", "improvements", "comments")}}
    now = wall_now()
    form = Feedback(exercise_id=exercise.id, participant_id=participant.id, team_key=team.key, answers=answers,
                    wall_time=now)
    db.session.add(form)
    try:
        db.session.flush()
    except IntegrityError:  # the same tablet sent the form twice at once; the unit of work rolls back
        raise Conflict(gettext("you have already sent your feedback form; thank you")) from None
    append_event(exercise, "feedback.submitted", {"feedback": feedback_view(form, participant.display_name)},
                 actor=participant.display_name, team=team.key, exercise_time_s=elapsed(exercise, now), now=now,
                 visible_to=STAFF_ONLY)
    return form


def feedback_summary(exercise_id: int) -> dict[str, Any]:
    """Every form, and per question the mean of the 1-5 answers and how many answered."""
    get_exercise(exercise_id)
    rows = db.session.execute(
        select(Feedback, Participant.display_name).join(Participant, Participant.id == Feedback.participant_id)
        .where(Feedback.exercise_id == exercise_id).order_by(Feedback.id)).all()
    forms = [feedback_view(form, name) for form, name in rows]
    questions = []
    for key, text in FEEDBACK_QUESTIONS.items():
        answers = [f["ratings"][key] for f in forms if isinstance(f["ratings"].get(key), int)]
        questions.append({"key": key, "text": text, "answered": len(answers),
                          "average": round(sum(answers) / len(answers), 2) if answers else None})
    return {"responses": len(forms), "scale": FEEDBACK_SCALE, "questions": questions, "forms": forms}


# -- shared --------------------------------------------------------------------------------

def _get(model, exercise_id: int, row_id: int, what: str):
    row = db.session.get(model, row_id)
    if row is None or row.exercise_id != exercise_id:
        raise NotFound(gettext("no %(what)s %(row_id)s in exercise %(exercise_id)s", what=what, row_id=row_id, exercise_id=exercise_id))
    return row
