"""Browsers on another site cannot open a Socket.IO connection to Cordon (same origin only)."""
import pytest
import socketio

from .conftest import CONTROLLER, CONTROLLER_PASSWORD

pytestmark = pytest.mark.slow


def test_a_cross_origin_connection_is_refused_and_a_same_origin_one_accepted(server):
    token = server.staff_token(CONTROLLER, CONTROLLER_PASSWORD)
    foreign = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        foreign.connect(server.url, auth={"token": token}, transports=["polling"],
                        headers={"Origin": "http://attacker.example"}, wait_timeout=5)
    own = socketio.Client(reconnection=False)
    own.connect(server.url, auth={"token": token}, transports=["polling"], headers={"Origin": server.url},
                wait_timeout=5)
    assert own.connected
    own.disconnect()
