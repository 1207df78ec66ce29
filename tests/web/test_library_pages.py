"""The library pages through the Flask test client: who gets them, the MSEL table, the gap report."""
import re
import shutil

import pytest

from ..helpers import FIXTURE_LIBRARY, bearer, gen_exercise, gen_tablet, gen_user
from .test_console_pages import sign_in

PAGES = ("/library", "/library/scenarios/mini-drill", "/library/sops/mini-sop")


@pytest.fixture
def staff(library_app):
    gen_user("ctl", "controller")
    gen_user("eva", "evaluator")


def msel_rows(html):
    """The inject ids of the MSEL table's rows, in table order."""
    table = re.search(r'<table class="lib-msel" id="msel-table">(.*?)</table>', html, re.S).group(1)
    return re.findall(r'<tr data-inject="([^"]+)"', table)


def gap_steps(html, agency):
    block = re.search(rf'<li class="gap-agency" data-agency="{agency}">(.*?)</li>\s*(?:<li class="gap-agency"|</ul>)',
                      html, re.S).group(1)
    return re.findall(r'<li class="gap-step" data-step="([^"]+)"', block)


def test_signed_out_visitors_are_sent_to_sign_in(client, staff):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")


def test_a_team_tablet_token_does_not_open_the_library(client, staff):
    exercise = gen_exercise()
    tablet = gen_tablet(exercise, "fire")
    for path in PAGES:
        response = client.get(path, headers=bearer(tablet.token))
        assert response.status_code in (302, 401, 403), path
        assert "msel-table" not in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["ctl", "eva"])
def test_staff_see_scenarios_and_checklists(client, staff, who):
    sign_in(client, who)
    html = client.get("/library").get_data(as_text=True)
    assert 'data-scenario="mini-drill"' in html and "Mini drill for tests" in html
    assert 'data-checklist="mini-sop"' in html and "Mini checklist for tests" in html
    assert 'href="/library/scenarios/mini-drill"' in html and 'href="/library/sops/mini-sop"' in html


def test_the_scenario_page_has_the_msel_table_and_downloads(client, staff):
    sign_in(client, "eva")
    response = client.get("/library/scenarios/mini-drill")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Timed injects in time order, then contingency and reserve ones.
    rows = msel_rows(html)
    assert rows[:4] == ["I-01", "I-02", "I-03", "I-04"] and set(rows[4:]) == {"R-01", "C-01"}
    assert re.search(r'data-inject="I-02".*?<td class="mono msel-time">0:02:00</td>', html, re.S)
    assert re.search(r'data-inject="R-01".*?<td class="mono msel-time">reserve</td>', html, re.S)
    assert re.search(r'data-inject="C-01".*?<td class="mono msel-time">contingency: when \S+ overdue</td>', html, re.S)
    assert "IC-02" in html and "within 0:10:00" in html  # expected steps with their time limit
    assert "OBJ-1" in html and "Operational Coordination" in html
    for link in ("/api/v1/scenarios/mini-drill/msel.csv", "/api/v1/scenarios/mini-drill/msel.xlsx",
                 "/api/v1/scenarios/mini-drill.yaml"):
        assert link in html
    # Markup typed into a body is shown as text.
    assert "<b>Bold?</b>" not in html and "&lt;b&gt;Bold?&lt;/b&gt;" in html


def test_an_inject_body_with_a_script_is_escaped(client, app, tmp_path, staff):
    root = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, root)
    scenario = root / "injects" / "mini-drill.yaml"
    scenario.write_text(scenario.read_text().replace("body: Alarm at 60 m.",
                                                     "body: Alarm <script>alert('x')</script> at 60 m."))
    app.config["CORDON_CONTENT_ROOT"] = str(root)
    sign_in(client, "eva")
    html = client.get("/library/scenarios/mini-drill").get_data(as_text=True)
    assert "I-02" in msel_rows(html)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(" in html


def test_unknown_scenario_and_checklist_are_404(client, staff):
    sign_in(client, "eva")
    assert client.get("/library/scenarios/nope").status_code == 404
    assert client.get("/library/sops/nope").status_code == 404
    assert client.get("/library/scenarios/..%2Fsop%2Fmini-sop").status_code == 404


def test_the_shipped_checklist_shows_steps_crosswalk_and_the_gap_report(client, app):
    gen_user("eva", "evaluator")
    sign_in(client, "eva")
    response = client.get("/library/sops/rad-first-response")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert gap_steps(html, "ems") == ["EMS-03", "FE-04", "ALL-02"]
    assert gap_steps(html, "police") == ["LE-06"]
    assert gap_steps(html, "fire") == []
    assert 'id="step-IC-01"' in html and "Arrival, recognition and command" in html
    assert "R-4.2" in html  # a crosswalk clause of the EMS protocol
    assert 'class="badge joint"' in html  # mode: any steps are shown as joint
    assert 'id="source-epr-fr-2006"' in html


def test_the_top_bar_links_the_library_for_staff(client, staff):
    sign_in(client, "ctl")
    assert 'href="/library"' in client.get("/exercises").get_data(as_text=True)
