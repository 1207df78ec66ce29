"""Every response, page or API, carries the security headers: a Content-Security-Policy with no
inline script and no framing, X-Frame-Options, nosniff and a same-origin referrer policy."""
import re
from pathlib import Path

import pytest

from app.security import MATPLOTLIB_SVG_STYLE, style_hash

from ..helpers import PASSWORD, gen_exercise, gen_tablet, gen_user, token_for

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
# Too slow for a header check (WeasyPrint); its headers come from the same hook as every other.
SKIPPED = {"/api/v1/exercises/<int:exercise_id>/report.pdf"}
VALUES = {"exercise_id": None, "scenario_id": "mini-drill", "sop_id": "mini-sop", "team_key": "fire",
          "filename": "css/cordon.css", "fmt": "csv"}


def assert_security_headers(response, where: str) -> dict[str, str]:
    headers = response.headers
    policy = dict(part.strip().split(" ", 1) for part in headers.get("Content-Security-Policy", "").split(";")
                  if part.strip())
    assert policy.get("default-src") == "'self'", where
    assert policy.get("script-src") == "'self'", where  # no 'unsafe-inline', no nonce: no inline script
    assert policy.get("style-src", "").startswith("'self'") and "unsafe-inline" not in policy["style-src"], where
    assert policy.get("connect-src") == "'self'", where
    assert policy.get("frame-ancestors") == "'none'", where
    assert policy.get("object-src") == "'none'", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    return policy


@pytest.fixture
def staff(library_app, client):
    library_app.config["WTF_CSRF_ENABLED"] = False
    user = gen_user("ctl", "controller")
    exercise = gen_exercise()
    VALUES["exercise_id"] = exercise.id
    assert client.post("/login", data={"username": "ctl", "password": PASSWORD}).status_code == 302
    return {"exercise": exercise, "token": token_for(user)}


def _get_routes(app) -> list[str]:
    return sorted(r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and r.rule not in SKIPPED)


def _url(rule: str) -> str:
    rule = re.sub(r"<any\([^)]*\):fmt>", str(VALUES["fmt"]), rule)
    return re.sub(r"<(?:[^>:]*:)?(\w+)>", lambda m: str(VALUES[m.group(1)]), rule)


def test_every_page_and_api_answer_has_the_headers(library_app, client, staff):
    seen = set()
    for rule in _get_routes(library_app):
        response = client.get(_url(rule), headers={"Authorization": f"Bearer {staff['token']}"}
                              if rule.startswith("/api/") else {})
        assert response.status_code < 500, (rule, response.status_code)
        assert_security_headers(response, rule)
        seen.add(rule)
    assert {"/", "/login", "/join", "/team", "/exercises", "/exercises/<int:exercise_id>/console",
            "/exercises/<int:exercise_id>/report", "/static/<path:filename>", "/api/v1/me"} <= seen


def test_errors_redirects_and_form_answers_have_the_headers(library_app, client):
    library_app.config["WTF_CSRF_ENABLED"] = False
    exercise = gen_exercise()
    tablet = gen_tablet(exercise, "fire")
    answers = {
        "404 page": client.get("/no/such/page"),
        "404 API": client.get("/api/v1/no/such/thing"),
        "401 API": client.get("/api/v1/me"),
        "422 API": client.post("/api/v1/join", json={"code": ""}),
        "redirect to sign in": client.get("/exercises"),
        "refused sign-in": client.post("/login", data={"username": "x", "password": "y"}),
        "joined page": client.post("/join", data={"code": exercise.teams[0].join_code, "name": "Alex"}),
        "team API": client.get(f"/api/v1/exercises/{exercise.id}", headers={"Authorization": f"Bearer {tablet.token}"}),
        "405": client.delete("/login"),
    }
    for where, response in answers.items():
        assert_security_headers(response, where)
    assert answers["joined page"].headers["Cache-Control"] == "no-store"  # the page holds the tablet's token


def test_a_limited_answer_has_the_headers(library_app, client):
    answers = [client.post("/api/v1/join", json={"code": f"ZZZZ-{n:04d}", "name": "x"}) for n in range(31)]
    assert answers[-1].status_code == 429
    assert_security_headers(answers[-1], "429")


def test_the_report_page_allows_its_own_style_block_by_nonce_and_nothing_else(library_app, client, staff):
    response = client.get(f"/exercises/{staff['exercise'].id}/report")
    policy = assert_security_headers(response, "report")
    html = response.get_data(as_text=True)
    nonces = re.findall(r'<style nonce="([^"]+)">', html)
    assert len(nonces) == 1 and f"'nonce-{nonces[0]}'" in policy["style-src"]
    assert style_hash(MATPLOTLIB_SVG_STYLE) in policy["style-src"]
    again = client.get(f"/exercises/{staff['exercise'].id}/report")
    assert re.findall(r'<style nonce="([^"]+)">', again.get_data(as_text=True)) != nonces  # one per response
    assert "nonce" not in client.get("/login").headers["Content-Security-Policy"]


def test_the_charts_inline_style_is_the_one_the_policy_allows(library_app):
    """matplotlib writes one <style> into each SVG chart; the policy allows it by its hash."""
    from app.report.charts import _svg

    svg = _svg("t", lambda fig: fig.add_subplot().plot([0, 1]), 1.0)
    assert re.findall(r"<style[^>]*>(.*?)</style>", svg, re.S) == [MATPLOTLIB_SVG_STYLE]


def test_templates_have_no_inline_script_or_style_attribute():
    """What the policy refuses is not in a template: every script is a file, every style is CSS."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, f"{template.name}: inline script {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{template.name}: an inline event handler"
        assert not re.search(r'\sstyle\s*=\s*"', text), f"{template.name}: a style attribute"
        for tag in re.findall(r"<style\b[^>]*>", text):
            assert 'nonce="{{ csp_nonce() }}"' in tag, f"{template.name}: <style> without the nonce"
