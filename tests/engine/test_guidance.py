"""Dose guidance by task, and each fraction of it announced once."""
import pytest

from app.engine.guidance import (
    BUILTIN_SETS,
    DEFAULT_SET,
    GuidanceSet,
    UnknownGuidanceSet,
    UnknownTaskType,
    applicable_limit,
    guidance_crossings,
    guidance_set,
    guidance_sets,
)

GSR7 = BUILTIN_SETS["gsr-part-7"]


def test_gsr_part_7_is_the_default_and_holds_its_values():
    assert DEFAULT_SET == "gsr-part-7"
    assert guidance_set(guidance_sets()) is GSR7
    life = applicable_limit(GSR7, "life-saving")
    assert (life.limit_mSv, life.kind, life.may_exceed) == (500.0, "turn-back", True)
    assert "volunteer" in life.note
    assert applicable_limit(GSR7, "prevent-severe-effects").limit_mSv == 500.0
    collective = applicable_limit(GSR7, "avert-collective-dose")
    assert (collective.limit_mSv, collective.may_exceed) == (100.0, False)


def test_the_legacy_set_is_selectable_and_labelled():
    legacy = guidance_set(guidance_sets(), "legacy-remm")
    assert legacy.status == "legacy"
    assert [applicable_limit(legacy, t).limit_mSv for t in ("avert-collective-dose", "prevent-severe-effects", "life-saving")] == [50, 500, 1000]


@pytest.mark.parametrize("task", ["source-recovery", "evidence-collection", "sampling"])
def test_recovery_evidence_and_sampling_are_occupational_not_turn_back(task):
    limit = applicable_limit(GSR7, task)
    assert limit.kind == "occupational" and limit.limit_mSv is None
    assert "assessor" in limit.note


def test_a_custom_set_can_give_the_assessors_constraint():
    custom = GuidanceSet(
        id="county", title="County", limits_mSv={"life-saving": 250.0}, occupational_mSv=5.0
    )
    sets = guidance_sets([custom])
    assert applicable_limit(sets["county"], "sampling").limit_mSv == 5.0
    with pytest.raises(ValueError, match="already defined"):
        guidance_sets([GuidanceSet(id="gsr-part-7", title="x", limits_mSv={})])


def test_unknown_task_and_set_list_what_is_known():
    with pytest.raises(UnknownTaskType, match="life-saving.*sampling"):
        applicable_limit(GSR7, "firefighting")
    with pytest.raises(UnknownGuidanceSet, match="gsr-part-7, legacy-remm"):
        guidance_set(guidance_sets(), "nrc")


@pytest.mark.parametrize(
    "previous, new, expected",
    [
        (0, 249.9, []),
        (0, 250, [0.5]),
        (260, 420, [0.8]),
        (420, 600, [1.0]),
        (0, 600, [0.5, 0.8, 1.0]),  # one jump over every fraction: all of them, lowest first
        (600, 900, []),
    ],
)
def test_crossings_of_fractions_of_the_limit(previous, new, expected):
    assert [c.fraction for c in guidance_crossings(previous, new, 500.0)] == expected


def test_each_fraction_is_announced_once_over_many_advances():
    doses = [0, 10, 120, 260, 260, 399, 400, 401, 499.99, 500, 730, 731]
    announced = []
    for before, after in zip(doses, doses[1:]):
        announced += [(c.fraction, c.threshold_mSv) for c in guidance_crossings(before, after, 500.0)]
    assert announced == [(0.5, 250.0), (0.8, 400.0), (1.0, 500.0)]


def test_no_limit_crosses_nothing_and_bad_limits_are_refused():
    assert guidance_crossings(0, 1e6, None) == []
    with pytest.raises(ValueError):
        guidance_crossings(0, 1, 0)
    with pytest.raises(ValueError):
        guidance_crossings(0, 1, 10, fractions=(0.5, -1))
