"""Evaluator records and their events share one transaction; ratings are one row per evaluator."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Exercise, Observation, Rating
from app.services.evaluation import record_observation, set_lead_evaluator, set_rating

from ..helpers import gen_exercise, gen_user


def test_a_rolled_back_observation_leaves_no_event_and_no_gap_in_the_log(library_app, clock):
    drill, eva = gen_exercise(), gen_user("eva", "evaluator")
    head = drill.last_seq
    record_observation(drill.id, {"text": "Never committed"}, eva)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 0
    assert db.session.get(Exercise, drill.id).last_seq == head

    record_observation(drill.id, {"text": "Committed"}, eva)
    db.session.commit()
    [event] = db.session.scalars(select(Event).where(Event.exercise_id == drill.id, Event.type == "observation"))
    assert event.seq == head + 1 and event.payload["observation"]["text"] == "Committed"


def test_ratings_are_upserted_one_row_per_evaluator_and_one_consensus(library_app, clock):
    drill = gen_exercise()
    eva, admin = gen_user("eva", "evaluator"), gen_user("root", "admin")
    set_lead_evaluator(drill.id, "eva", admin)
    for rating in ("U", "M", "S"):
        set_rating(drill.id, "OBJ-1", {"rating": rating, "rationale": rating}, eva)
        set_rating(drill.id, "OBJ-1", {"rating": rating, "rationale": rating, "consensus": True}, eva)
    set_rating(drill.id, "OBJ-1", {"rating": "P", "rationale": "overruled", "consensus": True}, admin)
    db.session.commit()
    rows = db.session.scalars(select(Rating).order_by(Rating.id)).all()
    assert [(r.evaluator_id, r.consensus, r.rating) for r in rows] == [(eva.id, False, "S"), (None, True, "P")]
