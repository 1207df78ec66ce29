"""A message written offline on a tablet is resent with its client_id when the network is back:
it is sent once, the resend answers the first one's seq."""
from app.extensions import db
from app.services import lifecycle

from ..helpers import bearer, gen_exercise, gen_tablet, gen_user, token_for


def test_a_message_resent_with_its_client_id_is_sent_once(library_app, clock):
    exercise = gen_exercise()
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    tablet = bearer(gen_tablet(exercise, "fire").token)
    other = bearer(gen_tablet(exercise, "ems").token)
    client = library_app.test_client()
    url = f"/api/v1/exercises/{exercise.id}/messages"
    body = {"to": "control", "text": "Need foam", "client_id": "msg-000000001"}
    first = client.post(url, json=body, headers=tablet)
    again = client.post(url, json=body, headers=tablet)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == {"seq": first.get_json()["seq"], "duplicate": True}
    assert first.get_json()["duplicate"] is False
    # another team's message with the same id is its own
    assert client.post(url, json=body, headers=other).get_json()["duplicate"] is False
    events = client.get(f"/api/v1/exercises/{exercise.id}/events?type=message",
                        headers=bearer(token_for(gen_user("ctl")))).get_json()
    assert [e["data"]["text"] for e in events] == ["Need foam", "Need foam"]
    bad = client.post(url, json={**body, "client_id": "x"}, headers=tablet)
    assert bad.status_code == 422 and "client_id" in bad.get_json()["error"]["fields"]
