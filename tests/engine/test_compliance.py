"""SOP compliance: table tests at the edges, then properties over random exercises.

The drill: fire and police respond to a radiological release. Injects make checklist steps
due; teams tick steps on their tablets; the checklist says what is done, late or missed.
"""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.compliance import (
    Completion,
    Release,
    StatusChange,
    StepDef,
    StepStatus,
    TeamDef,
    Waiver,
    evaluate,
    next_deadline,
    step_statuses_changed,
)

PENDING, OPEN, OVERDUE, MISSED = StepStatus.PENDING, StepStatus.OPEN, StepStatus.OVERDUE, StepStatus.MISSED
DONE, LATE, WAIVED = StepStatus.DONE, StepStatus.LATE, StepStatus.WAIVED

NOTIFY = StepDef("notify", ("fire", "police"), critical=True)
CORDON = StepDef("cordon", ("fire", "police"), mode="any", after=("notify",))
MONITOR = StepDef("monitor", ("fire",), after=("notify",))
TRIAGE = StepDef("triage", ("ems",))
CHECKLIST = (NOTIFY, CORDON, MONITOR, TRIAGE)

FIRE = TeamDef("fire-1", "fire")
POLICE = TeamDef("police-1", "police")
TEAMS = (FIRE, POLICE)


def release(at_s, *expects, to=("fire-1",), inject="I-01"):
    return Release(inject, tuple(to), at_s, tuple(expects))


def done(team, step, at_s):
    return Completion(team, step, at_s)


def check(releases=(), completions=(), waivers=(), now=0.0, ended=False, steps=CHECKLIST, teams=TEAMS):
    return evaluate(steps, teams, releases, completions, waivers, now, ended)


def step_of(result, team, step):
    return result.team(team).step(step)


def status_of(result, team, step):
    return step_of(result, team, step).status


# -- due, open, overdue, missed ----------------------------------------------------------------


def test_nothing_is_due_before_any_inject():
    result = check(now=500)
    assert {s.status for t in result.teams for s in t.steps} == {PENDING}
    assert result.team("fire-1").score is None


def test_only_applicable_steps_are_listed():
    result = check()
    assert [s.step for s in result.team("fire-1").steps] == ["notify", "cordon", "monitor"]
    assert [s.step for s in result.team("police-1").steps] == ["notify", "cordon"]


def test_a_released_inject_opens_the_step_with_a_deadline():
    notify = step_of(check([release(100, ("notify", 300))], now=150), "fire-1", "notify")
    assert notify.status is OPEN
    assert (notify.due_at_s, notify.triggered_at_s) == (400, 100)
    assert notify.critical and notify.weight == 3


@pytest.mark.parametrize("now, status", [(399.999, OPEN), (400, OVERDUE), (900, OVERDUE)])
def test_a_step_turns_overdue_at_its_deadline(now, status):
    assert status_of(check([release(100, ("notify", 300))], now=now), "fire-1", "notify") is status


def test_a_release_to_another_team_does_not_make_the_step_due():
    result = check([release(100, ("notify", 300), to=("police-1",))], now=1000)
    assert status_of(result, "fire-1", "notify") is PENDING
    assert status_of(result, "police-1", "notify") is OVERDUE


def test_an_expected_step_that_does_not_apply_to_the_addressee_is_ignored():
    result = check([release(100, ("monitor", 60), to=("police-1",))], now=1000)
    assert status_of(result, "fire-1", "monitor") is PENDING


def test_an_inject_not_yet_released_at_now_does_not_count():
    assert status_of(check([release(100, ("notify", 300))], now=99), "fire-1", "notify") is PENDING


def test_a_step_expected_by_two_injects_takes_the_earliest_deadline():
    releases = [release(100, ("notify", 600), inject="I-01"), release(200, ("notify", 60), inject="I-02")]
    assert status_of(check(releases, now=259), "fire-1", "notify") is OPEN
    notify = step_of(check(releases, now=260), "fire-1", "notify")
    assert (notify.status, notify.due_at_s, notify.triggered_at_s) == (OVERDUE, 260, 100)
    late = step_of(check(releases, [done("fire-1", "notify", 300)], now=400), "fire-1", "notify")
    assert late.status is LATE
    assert late.time_to_complete_s == 200  # measured from when the team was first asked


def test_ending_turns_overdue_into_missed_and_leaves_open_steps_open():
    releases = [release(100, ("notify", 60), ("monitor", 900))]
    result = check(releases, now=300, ended=True)
    assert status_of(result, "fire-1", "notify") is MISSED
    assert status_of(result, "fire-1", "monitor") is OPEN  # its deadline had not come
    assert status_of(result, "police-1", "notify") is PENDING


# -- done, late, proactive ---------------------------------------------------------------------


@pytest.mark.parametrize("at_s, status", [(399.999, DONE), (400, DONE), (400.001, LATE)])
def test_done_exactly_at_the_deadline_is_on_time(at_s, status):
    result = check([release(100, ("notify", 300))], [done("fire-1", "notify", at_s)], now=500)
    notify = step_of(result, "fire-1", "notify")
    assert notify.status is status
    assert notify.done_at_s == at_s and notify.done_by == "fire-1"
    assert notify.time_to_complete_s == pytest.approx(at_s - 100)


def test_a_step_done_before_it_is_asked_for_is_done_proactively():
    completions = [done("fire-1", "notify", 50)]
    before = step_of(check([], completions, now=60), "fire-1", "notify")
    assert (before.status, before.due_at_s, before.time_to_complete_s) == (DONE, None, None)
    after = step_of(check([release(100, ("notify", 10))], completions, now=500), "fire-1", "notify")
    assert (after.status, after.due_at_s, after.time_to_complete_s) == (DONE, 110, None)


def test_only_the_first_completion_counts_whatever_the_order_given():
    completions = [done("fire-1", "notify", 500), done("fire-1", "notify", 120), done("fire-1", "notify", 300)]
    notify = step_of(check([release(100, ("notify", 60))], completions, now=600), "fire-1", "notify")
    assert (notify.status, notify.done_at_s) == (DONE, 120)


def test_completions_after_now_or_after_the_end_do_not_count():
    # The exercise ended at 300; a tick stamped later (or a future one) changes nothing.
    result = check([release(100, ("notify", 60))], [done("fire-1", "notify", 301)], now=300, ended=True)
    assert status_of(result, "fire-1", "notify") is MISSED


def test_a_step_done_at_the_end_counts():
    result = check([release(100, ("notify", 60))], [done("fire-1", "notify", 300)], now=300, ended=True)
    assert status_of(result, "fire-1", "notify") is LATE


# -- each vs any -------------------------------------------------------------------------------


def test_an_each_step_must_be_done_by_every_responsible_team():
    releases = [release(100, ("notify", 60), to=("fire-1", "police-1"))]
    result = check(releases, [done("fire-1", "notify", 120)], now=200)
    assert status_of(result, "fire-1", "notify") is DONE
    assert status_of(result, "police-1", "notify") is OVERDUE


def test_a_joint_step_done_by_one_team_is_done_for_all():
    result = check([release(100, ("cordon", 60))], [done("police-1", "cordon", 130)], now=200)
    for team in ("fire-1", "police-1"):
        cordon = step_of(result, team, "cordon")
        assert (cordon.status, cordon.done_at_s, cordon.done_by) == (DONE, 130, "police-1")
        assert (cordon.due_at_s, cordon.triggered_at_s, cordon.time_to_complete_s) == (160, 100, 30)


def test_a_joint_step_is_due_for_all_when_released_to_one():
    result = check([release(100, ("cordon", 60), to=("fire-1",))], now=200)
    assert status_of(result, "fire-1", "cordon") is OVERDUE
    assert status_of(result, "police-1", "cordon") is OVERDUE


def test_a_joint_step_counts_the_earliest_completion_of_any_responsible_team():
    completions = [done("fire-1", "cordon", 140), done("police-1", "cordon", 120)]
    result = check([release(100, ("cordon", 30))], completions, now=200)
    assert step_of(result, "fire-1", "cordon").done_by == "police-1"
    assert status_of(result, "fire-1", "cordon") is DONE


def test_a_joint_step_tie_goes_to_the_team_listed_first_for_everyone():
    completions = [done("police-1", "cordon", 120), done("fire-1", "cordon", 120)]
    result = check([], completions, now=200)
    assert {step_of(result, t, "cordon").done_by for t in ("fire-1", "police-1")} == {"fire-1"}


def test_a_team_not_responsible_cannot_do_a_step():
    ems = TeamDef("ems-1", "ems")
    result = check([release(0, ("cordon", 60))], [done("ems-1", "cordon", 10)], now=100, teams=(*TEAMS, ems))
    assert status_of(result, "fire-1", "cordon") is OVERDUE
    assert [s.step for s in result.team("ems-1").steps] == ["triage"]


def test_a_joint_step_with_two_teams_of_one_agency():
    fire_2 = TeamDef("fire-2", "fire")
    result = check([release(0, ("cordon", 60), to=("fire-2",))], [done("fire-1", "cordon", 30)],
                   now=100, teams=(FIRE, fire_2))
    assert status_of(result, "fire-2", "cordon") is DONE
    assert step_of(result, "fire-2", "cordon").done_by == "fire-1"


# -- waivers -----------------------------------------------------------------------------------


def test_a_waiver_takes_precedence_and_is_not_scored():
    releases = [release(100, ("notify", 60), ("monitor", 60))]
    waivers = [Waiver("fire-1", "notify", "notified by the plant operator"), Waiver("fire-1", "monitor", "no kit")]
    result = check(releases, [done("fire-1", "notify", 110)], waivers, now=500)
    notify = step_of(result, "fire-1", "notify")
    assert (notify.status, notify.waiver_reason, notify.done_at_s, notify.credit) == (
        WAIVED, "notified by the plant operator", 110, None)
    assert status_of(result, "fire-1", "monitor") is WAIVED
    assert result.team("fire-1").score is None


def test_a_waiver_is_per_team_even_for_joint_steps():
    waivers = [Waiver("fire-1", "cordon", "no units")]
    result = check([release(100, ("cordon", 60))], [], waivers, now=500)
    assert status_of(result, "fire-1", "cordon") is WAIVED
    assert status_of(result, "police-1", "cordon") is OVERDUE


def test_a_waiver_given_later_than_now_does_not_count_yet():
    waivers = [Waiver("fire-1", "notify", "late decision", at_s=600)]
    result = check([release(100, ("notify", 60))], [], waivers, now=500)
    assert status_of(result, "fire-1", "notify") is OVERDUE


# -- out of order ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "notify_at, out_of_order",
    [(None, True), (129, False), (130, False), (131, True)],
)
def test_a_step_done_before_its_prerequisite_is_out_of_order(notify_at, out_of_order):
    completions = [done("fire-1", "monitor", 130)]
    if notify_at is not None:
        completions.append(done("fire-1", "notify", notify_at))
    monitor = step_of(check([], completions, now=200), "fire-1", "monitor")
    assert monitor.status is DONE and monitor.out_of_order is out_of_order


def test_out_of_order_halves_the_credit():
    result = check([release(0, ("monitor", 60))], [done("fire-1", "monitor", 30)], now=200)
    monitor = step_of(result, "fire-1", "monitor")
    assert (monitor.out_of_order, monitor.credit) == (True, 0.5)
    late = step_of(check([release(0, ("monitor", 60))], [done("fire-1", "monitor", 90)], now=200),
                   "fire-1", "monitor")
    assert (late.status, late.out_of_order, late.credit) == (LATE, True, 0.25)


def test_only_done_steps_are_flagged_out_of_order():
    result = check([release(0, ("monitor", 60))], now=200)
    assert step_of(result, "fire-1", "monitor").out_of_order is False


def test_another_teams_prerequisite_is_judged_for_the_team_that_did_the_joint_step():
    # Police did the joint cordon after its own notify: in order, for fire too, even though
    # fire has not notified.
    completions = [done("police-1", "notify", 100), done("police-1", "cordon", 120)]
    result = check([], completions, now=200)
    assert step_of(result, "fire-1", "cordon").out_of_order is False
    flipped = check([], [done("fire-1", "notify", 100), done("police-1", "cordon", 120)], now=200)
    assert step_of(flipped, "fire-1", "cordon").out_of_order is True
    assert step_of(flipped, "police-1", "cordon").out_of_order is True


def test_a_joint_prerequisite_done_by_another_team_counts():
    steps = (StepDef("brief", ("fire", "police"), mode="any"), StepDef("deploy", ("fire",), after=("brief",)))
    result = check([], [done("police-1", "brief", 10), done("fire-1", "deploy", 20)], now=30, steps=steps)
    assert step_of(result, "fire-1", "deploy").out_of_order is False


def test_prerequisites_that_do_not_apply_or_are_waived_or_unknown_are_ignored():
    steps = (
        StepDef("sample", ("fire",)),
        StepDef("road-block", ("police",), after=("sample", "ghost-step")),
        StepDef("notify", ("police",)),
        StepDef("report", ("police",), after=("notify",)),
    )
    waivers = [Waiver("police-1", "notify", "done by the plant")]
    completions = [done("police-1", "road-block", 10), done("police-1", "report", 10)]
    result = check([], completions, waivers, now=30, steps=steps)
    assert step_of(result, "police-1", "road-block").out_of_order is False
    assert step_of(result, "police-1", "report").out_of_order is False


# -- scores ------------------------------------------------------------------------------------


def test_score_weighs_critical_steps_three_times():
    steps = (
        StepDef("a", ("fire",), critical=True),  # done: 3 x 1
        StepDef("b", ("fire",)),  # late: 1 x 0.5
        StepDef("c", ("fire",), critical=True),  # overdue: 3 x 0
        StepDef("d", ("fire",), after=("c",)),  # done, out of order: 1 x 0.5
        StepDef("e", ("fire",)),  # open: not counted
        StepDef("f", ("fire",)),  # pending: not counted
        StepDef("g", ("fire",), critical=True),  # waived: not counted
    )
    releases = [release(0, ("a", 100), ("b", 100), ("c", 100), ("d", 100), ("e", 1000), ("g", 10))]
    completions = [done("fire-1", "a", 50), done("fire-1", "b", 150), done("fire-1", "d", 60)]
    result = check(releases, completions, [Waiver("fire-1", "g", "n/a")], now=200, steps=steps, teams=(FIRE,))
    statuses = [s.status for s in result.team("fire-1").steps]
    assert statuses == [DONE, LATE, OVERDUE, DONE, OPEN, PENDING, WAIVED]
    assert [s.credit for s in result.team("fire-1").steps] == [1, 0.5, 0, 0.5, None, None, None]
    assert result.team("fire-1").score == pytest.approx((3 + 0.5 + 0 + 0.5) / (3 + 1 + 3 + 1))


def test_a_fresh_inject_does_not_drop_the_score():
    completions = [done("fire-1", "notify", 10)]
    assert check([], completions, now=20).team("fire-1").score == 1
    assert check([release(15, ("monitor", 300))], completions, now=20).team("fire-1").score == 1


def test_missed_and_overdue_score_the_same():
    releases = [release(0, ("notify", 60), ("monitor", 60))]
    completions = [done("fire-1", "notify", 10)]
    live = check(releases, completions, now=100)
    final = check(releases, completions, now=100, ended=True)
    assert live.team("fire-1").score == final.team("fire-1").score == pytest.approx(3 / 4)


def test_agency_score_pools_the_steps_of_its_teams():
    fire_2 = TeamDef("fire-2", "fire")
    teams = (FIRE, fire_2, POLICE)
    releases = [release(0, ("notify", 60), ("monitor", 60), to=("fire-1", "fire-2"))]
    completions = [done("fire-1", "notify", 10), done("fire-1", "monitor", 20), done("fire-2", "monitor", 20)]
    result = check(releases, completions, now=100, teams=teams)
    assert result.team("fire-1").score == 1
    # fire-2: notify overdue (3 x 0), monitor out of order (1 x 0.5).
    assert result.team("fire-2").score == pytest.approx(0.5 / 4)
    assert result.agency_score("fire") == pytest.approx((4 + 0.5) / 8)
    assert result.agency_score("police") is None
    assert [(a.agency, a.teams) for a in result.agencies] == [("fire", ("fire-1", "fire-2")), ("police", ("police-1",))]


# -- odd input ---------------------------------------------------------------------------------


def test_unknown_steps_and_teams_are_ignored():
    releases = [release(0, ("ghost", 10), to=("fire-1", "nobody"))]
    result = check(releases, [done("nobody", "notify", 1), done("fire-1", "ghost", 1)],
                   [Waiver("fire-1", "ghost", "x")], now=100)
    assert {s.status for t in result.teams for s in t.steps} == {PENDING}


def test_duplicate_team_keys_or_step_ids_are_a_programming_error():
    with pytest.raises(ValueError, match="duplicate team keys"):
        check(teams=(FIRE, FIRE))
    with pytest.raises(ValueError, match="duplicate step ids"):
        check(steps=(NOTIFY, NOTIFY))


def test_a_team_with_no_applicable_steps_has_no_score():
    result = check(teams=(TeamDef("pio-1", "pio"),))
    assert result.team("pio-1").steps == () and result.team("pio-1").score is None


def test_statuses_are_plain_strings_for_json():
    assert StepStatus.OVERDUE == "overdue" and str(StepStatus.LATE) == "late"


# -- live console helpers ----------------------------------------------------------------------


def test_status_changes_between_two_evaluations():
    releases = [release(100, ("notify", 60), ("cordon", 600))]
    before = check(releases, now=150)
    after = check(releases, [done("police-1", "cordon", 170)], now=170)
    changes = [(c.team, c.step, c.old, c.new) for c in step_statuses_changed(before, after)]
    assert changes == [
        ("fire-1", "notify", OPEN, OVERDUE),
        ("fire-1", "cordon", OPEN, DONE),
        ("police-1", "cordon", OPEN, DONE),  # joint: open for police too
    ]
    assert all(isinstance(c, StatusChange) and c.result.status is c.new for c in step_statuses_changed(before, after))
    assert step_statuses_changed(after, after) == []


def test_status_changes_report_new_pairs_with_no_old_status():
    before = check(teams=(FIRE,))
    after = check(teams=TEAMS)
    assert {(c.team, c.old) for c in step_statuses_changed(before, after)} == {("police-1", None)}


def test_next_deadline_is_the_earliest_open_deadline():
    releases = [release(100, ("notify", 300), ("monitor", 120)), release(150, ("cordon", 60), to=("police-1",))]
    result = check(releases, [done("fire-1", "monitor", 130)], now=160)
    assert next_deadline(result) == 210  # cordon; monitor is done
    assert next_deadline(check(releases, now=500)) is None  # all overdue already
    assert next_deadline(check(releases, now=160, ended=True)) is None
    assert next_deadline(check(now=160)) is None


# -- properties over random exercises ----------------------------------------------------------

STEP_IDS = ("s0", "s1", "s2", "s3", "s4")
AGENCIES = ("fire", "police", "ems")
RANDOM_TEAMS = (TeamDef("fire-1", "fire"), TeamDef("fire-2", "fire"), TeamDef("police-1", "police"),
                TeamDef("ems-1", "ems"))
TEAM_KEYS = tuple(t.key for t in RANDOM_TEAMS)
times = st.integers(0, 1200)  # whole seconds, so ties and exact deadlines come up often


@st.composite
def checklists(draw):
    steps = []
    for step_id in STEP_IDS:
        steps.append(StepDef(
            step_id,
            tuple(draw(st.lists(st.sampled_from(AGENCIES), min_size=1, max_size=3, unique=True))),
            draw(st.sampled_from(["each", "any"])),
            draw(st.booleans()),
            tuple(draw(st.lists(st.sampled_from((*STEP_IDS, "ghost")), max_size=2, unique=True))),
        ))
    return tuple(steps)


releases_st = st.lists(st.builds(
    Release,
    st.sampled_from(["I-01", "I-02", "I-03"]),
    st.lists(st.sampled_from((*TEAM_KEYS, "nobody")), min_size=1, max_size=3, unique=True).map(tuple),
    times,
    st.lists(st.tuples(st.sampled_from((*STEP_IDS, "ghost")), st.integers(0, 600)), max_size=3).map(tuple),
), max_size=6)
completions_st = st.lists(st.builds(Completion, st.sampled_from(TEAM_KEYS), st.sampled_from(STEP_IDS), times),
                          max_size=12)
# Reasons are a function of the pair, so the order waivers are given in cannot matter.
waivers_st = st.lists(
    st.tuples(st.sampled_from(TEAM_KEYS), st.sampled_from(STEP_IDS), times).map(
        lambda w: Waiver(w[0], w[1], f"{w[0]}/{w[1]}", w[2])),
    max_size=3,
)
exercises = st.fixed_dictionaries({
    "steps": checklists(), "releases": releases_st, "completions": completions_st, "waivers": waivers_st,
})


def run(ex, now, ended=False, **changes):
    data = {**ex, **changes}
    return evaluate(data["steps"], RANDOM_TEAMS, data["releases"], data["completions"], data["waivers"],
                    now, ended)


def statuses(result):
    return {(t.key, s.step): s for t in result.teams for s in t.steps}


@settings(max_examples=200)
@given(exercises, times, st.booleans())
def test_scores_are_shares_and_done_steps_are_never_pending(ex, now, ended):
    result = run(ex, now, ended)
    for team in result.teams:
        assert team.score is None or 0 <= team.score <= 1
        for step in team.steps:
            assert step.credit is None or 0 <= step.credit <= 1
            if step.done_at_s is not None:
                assert step.status in (DONE, LATE, WAIVED)
                assert step.done_at_s <= now
            if step.status in (OPEN, OVERDUE, MISSED, LATE):
                assert step.due_at_s is not None
            if step.out_of_order:
                assert step.status in (DONE, LATE)
            assert (step.status is MISSED) <= ended and (step.status is OVERDUE) <= (not ended)
    for agency in result.agencies:
        assert agency.score is None or 0 <= agency.score <= 1


@settings(max_examples=200)
@given(exercises, times)
def test_ending_turns_overdue_into_missed_and_changes_nothing_else(ex, now):
    live, final = statuses(run(ex, now)), statuses(run(ex, now, ended=True))
    assert live.keys() == final.keys()
    for pair, step in live.items():
        expected = MISSED if step.status is OVERDUE else step.status
        assert final[pair].status is expected
        assert final[pair].credit == step.credit and final[pair].out_of_order == step.out_of_order
    assert [t.score for t in run(ex, now).teams] == [t.score for t in run(ex, now, ended=True).teams]


# Where a (team, step) status may go as exercise time advances, with no waivers in play.
ALLOWED_MOVES = {
    PENDING: {PENDING, OPEN, OVERDUE, DONE, LATE},
    OPEN: {OPEN, OVERDUE, DONE, LATE},
    OVERDUE: {OVERDUE, LATE},
    DONE: {DONE},
    LATE: {LATE},
}


@settings(max_examples=200)
@given(exercises, times, times)
def test_advancing_time_only_moves_statuses_forward(ex, t1, t2):
    early, late = sorted((t1, t2))
    before, after = statuses(run(ex, early, waivers=[])), statuses(run(ex, late, waivers=[]))
    for pair, step in before.items():
        assert after[pair].status in ALLOWED_MOVES[step.status], (pair, step.status, after[pair].status)
        if step.status in (DONE, LATE):
            assert after[pair].done_at_s == step.done_at_s
            assert after[pair].out_of_order == step.out_of_order


@settings(max_examples=200)
@given(exercises, times, st.booleans())
def test_evaluation_replays_the_past_from_the_full_record(ex, now, ended):
    # Records stamped after `now` are ignored, so the full log replays any past moment.
    past = {
        "releases": [r for r in ex["releases"] if r.released_at_s <= now],
        "completions": [c for c in ex["completions"] if c.at_s <= now],
        "waivers": [w for w in ex["waivers"] if w.at_s <= now],
    }
    assert run(ex, now, ended) == run(ex, now, ended, **past)


@settings(max_examples=200)
@given(exercises, times, st.randoms(use_true_random=False))
def test_the_order_of_the_records_does_not_matter(ex, now, rnd: random.Random):
    shuffled = {key: rnd.sample(list(ex[key]), len(ex[key])) for key in ("releases", "completions", "waivers")}
    assert run(ex, now) == run(ex, now, **shuffled)


@settings(max_examples=200)
@given(exercises, times)
def test_a_joint_step_reads_the_same_for_every_responsible_team(ex, now):
    result = run(ex, now)
    waived = {(w.team, w.step) for w in ex["waivers"] if w.at_s <= now}
    for step in (s for s in ex["steps"] if s.mode == "any"):
        views = {
            (r.status, r.due_at_s, r.triggered_at_s, r.done_at_s, r.done_by, r.out_of_order)
            for t in result.teams
            for r in t.steps
            if r.step == step.id and (t.key, step.id) not in waived
        }
        assert len(views) <= 1


@settings(max_examples=200)
@given(exercises, times)
def test_next_deadline_is_when_the_next_step_turns_overdue(ex, now):
    # Only what has happened by `now`; nothing new happens until the deadline.
    ex = {**ex, "releases": [r for r in ex["releases"] if r.released_at_s <= now],
          "completions": [c for c in ex["completions"] if c.at_s <= now],
          "waivers": [w for w in ex["waivers"] if w.at_s <= now]}
    result = run(ex, now)
    deadline = next_deadline(result)
    if deadline is None:
        assert OPEN not in {s.status for s in statuses(result).values()} or result.ended
        return
    assert deadline > now
    assert step_statuses_changed(result, run(ex, (now + deadline) / 2)) == []
    changes = step_statuses_changed(result, run(ex, deadline))
    assert changes and all((c.old, c.new) == (OPEN, OVERDUE) for c in changes)
