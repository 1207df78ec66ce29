"""The two python-socketio examples of docs/api.md, run as written against a real server (only the
URL and the staff login changed), so the documentation cannot drift from the contract."""
import re
import subprocess
import sys
import time

import pytest
import requests

from ..live_server import REPO_ROOT
from .conftest import CONTROLLER, CONTROLLER_PASSWORD
from .drill_library import SCENARIO

pytestmark = pytest.mark.slow


def doc_examples(url: str) -> list[str]:
    """The examples, pointed at this server and its staff account instead of `make run`'s demo ones."""
    text = (REPO_ROOT / "docs" / "api.md").read_text()
    socketio_part = text[text.index("\n## Socket.IO"):]
    return [code.replace("http://127.0.0.1:5000", url).replace('"evaluator"', f'"{CONTROLLER}"')
            .replace('"cordon-evaluator"', f'"{CONTROLLER_PASSWORD}"')
            for code in re.findall(r"```python\n(.*?)```", socketio_part, re.S)]


def wait_for_output(path, patterns: list[str], process, timeout_s: float = 20) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        out = path.read_text()
        if all(re.search(p, out, re.M) for p in patterns):
            return out
        assert process.poll() is None, f"{path.name} exited:\n{out}"
        time.sleep(0.05)
    raise AssertionError(f"{path.name} never printed {patterns}:\n{path.read_text()}")


def test_the_staff_console_and_team_tablet_examples_work(server, tmp_path):
    token = server.staff_token(CONTROLLER, CONTROLLER_PASSWORD)
    status, exercise = server.api("POST", "/exercises", {"name": "Docs", "scenario": SCENARIO}, token)
    assert status == 201, exercise
    code = next(t["join_code"] for t in exercise["teams"] if t["key"] == "fire")
    assert server.api("POST", f"/exercises/{exercise['id']}/start", token=token)[0] == 200
    assert server.api("POST", f"/exercises/{exercise['id']}/injects/R-01/release", token=token)[0] == 200

    console_code, tablet_code = doc_examples(server.url)
    (tmp_path / "console.py").write_text(console_code)
    (tmp_path / "tablet.py").write_text(tablet_code)
    processes = []
    try:
        for script, arg in (("console.py", str(exercise["id"])), ("tablet.py", code)):
            out = open(tmp_path / f"{script}.out", "w")
            processes.append(subprocess.Popen([sys.executable, "-u", script, arg], cwd=tmp_path, stdout=out,
                                              stderr=subprocess.STDOUT))
        console, tablet = processes
        tablet_out = wait_for_output(tmp_path / "tablet.py.out", [
            "joined Fire in exercise", r"inject R-01 \[media\] from Media: Reserve",
            r"'inject_id': 'R-01', 'seq': \d+, 'duplicate': False",
            r"'duplicate': False", r"'duplicate': True", r"^\{'ok': True, 'seq': \d+\}$"], tablet)
        action_seqs = re.findall(r"'seq': (\d+), 'action_id': \d+, 'duplicate'", tablet_out)
        assert len(action_seqs) == 2 and action_seqs[0] == action_seqs[1]  # the resend is the same action
        console_out = wait_for_output(tmp_path / "console.py.out", [
            rf"watching exercise {exercise['id']}", r"#1 +0\.0s +- +exercise\.created", r"fire +action\.logged",
            r"fire +message"], console)
        seqs = [int(n) for n in re.findall(r"^#(\d+) ", console_out, re.M)]
        # The whole log, once each (live events may be printed before the catch-up's older ones).
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
    assert requests.get(f"{server.url}/api/v1/exercises/{exercise['id']}/audit", timeout=10,
                        headers={"Authorization": f"Bearer {token}"}).json()["ok"] is True
