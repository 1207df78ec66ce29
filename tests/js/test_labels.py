"""static/js/labels.js holds a word for every key the server sends (statuses, channels, inject
types, ratings, event types...), and no other page module keeps a table of such words."""
import re
from pathlib import Path

from app.engine.projection import REDUCERS
from app.services.evaluation import RATING_DEFINITIONS
from app.vocabulary import (CHANNELS, CORRECTIVE_ACTION_STATUSES, INJECT_TYPES, RATINGS, ExerciseStatus, InjectStatus,
                            StepStatus)

MODULE = "/static/js/labels.js"
JS = Path(__file__).resolve().parents[2] / "static" / "js"
KINDS = ["clock", "inject", "inject-type", "channel", "channel.tablet", "step", "step.legend", "step.letter", "phase",
         "phase.heading", "action", "rating", "observation-tag", "plan-status", "role", "connection",
         "connection.staff", "event"]


def tables(modules):
    return modules.run(MODULE, "return Object.fromEntries(arg.map((kind) => [kind, Object.fromEntries(m.labels(kind))]));",
                       KINDS)


def test_every_key_the_server_sends_has_a_word(modules):
    words = tables(modules)
    assert set(words["clock"]) == {s.value for s in ExerciseStatus}
    assert {s.value for s in InjectStatus} <= set(words["inject"])
    for kind in ("step", "step.legend", "step.letter"):
        assert set(words[kind]) == {s.value for s in StepStatus}, kind
    assert list(words["channel"]) == list(CHANNELS)  # the order of the channel select
    assert set(words["inject-type"]) == set(INJECT_TYPES)
    assert set(words["plan-status"]) == set(CORRECTIVE_ACTION_STATUSES)
    assert set(REDUCERS) | {"team.code_rotated"} <= set(words["event"])
    # The HSEEP rating names are the doctrine's, as the server gives them with their definitions.
    assert list(words["rating"]) == list(RATINGS)
    assert words["rating"] == {d["code"]: d["label"] for d in RATING_DEFINITIONS["ratings"]}


def test_a_variant_says_only_what_it_says_differently(modules):
    assert modules.run(MODULE, """return [m.label("channel.tablet", "other"), m.label("channel.tablet", "radio"),
      m.label("connection.staff", "online"), m.label("connection.staff", "revoked"), m.label("phase.heading", "protect")];""") == [
        "Message", "Radio", "Live", "Signed out", "Protect"]


def test_placeholders_unknown_keys_and_no_key(modules):
    assert modules.run(MODULE, """return [m.label("connection", "waiting", { n: 3 }), m.label("step", "someday"),
      m.hasLabel("step", "someday"), m.hasLabel("event", "message"), m.label("step", null)];""") == [
        "Offline · 3 waiting", "someday", False, True, ""]


def test_no_other_module_keeps_a_table_of_words(modules):
    """A key of labels.js mapped to one of its words anywhere else is a second table of words."""
    words = tables(modules)
    keys = {key for table in words.values() for key in table}
    texts = {text for table in words.values() for text in table.values()}
    pattern = re.compile(r"""(?:^|[\s{,])["']?([\w.-]+)["']?\s*:\s*["'`]([^"'`]*)["'`]""")
    found = []
    for path in sorted(JS.rglob("*.js")):
        if path.name == "labels.js":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for key, text in pattern.findall(line):
                if key in keys and text in texts:
                    found.append(f"{path.relative_to(JS)}:{number}: {key}: {text!r}")
    assert found == []
