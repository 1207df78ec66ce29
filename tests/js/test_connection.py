"""The connection badge (static/js/connection.js) every live page shows: the words for each
state of the connection, the actions waiting on a tablet, and the staff pages' wording."""
MODULE = "/static/js/connection.js"
SHOW = """
  const node = document.createElement("span");
  const badge = new m.ConnectionBadge(node, { audience: arg.audience });
  const seen = [];
  for (const step of arg.steps) {
    if (typeof step === "number") badge.setWaiting(step); else badge.show(step);
    seen.push([node.textContent, node.className]);
  }
  return seen;
"""


def test_a_tablet_says_how_many_actions_wait_while_offline(modules):
    assert modules.run(MODULE, SHOW, {"audience": "team", "steps": ["online", 2, "offline", 3, 0, "online"]}) == [
        ["Online", "conn conn-online"], ["Online", "conn conn-online"],
        ["Offline · 2 waiting", "conn conn-offline"], ["Offline · 3 waiting", "conn conn-offline"],
        ["Offline", "conn conn-offline"], ["Online", "conn conn-online"]]


def test_a_signed_out_tablet_stays_signed_out(modules):
    assert modules.run(MODULE, SHOW, {"audience": "team", "steps": ["revoked", 4]}) == [
        ["Signed out", "conn conn-offline"], ["Signed out", "conn conn-offline"]]


def test_staff_pages_word_it_for_staff(modules):
    assert modules.run(MODULE, SHOW, {"audience": "staff", "steps": ["online", "offline", "error", "disconnected"]}) == [
        ["Live", "conn conn-online"], ["Offline — reconnecting", "conn conn-offline"],
        ["Not watching", "conn conn-offline"], ["Offline — reconnecting", "conn conn-offline"]]
