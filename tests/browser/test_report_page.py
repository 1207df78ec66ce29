"""The after-action report page: an evaluator writes the executive summary in place."""
import re

from .conftest import DESKTOP
from .test_drill import login


def test_an_evaluator_edits_the_executive_summary_on_the_report_page(browser, server, shots):
    token = server.staff_token("ctl", "controller-pass")
    status, exercise = server.api("POST", "/exercises", {"name": "Report drill", "scenario": "mini-drill"}, token)
    assert status == 201, exercise
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    login(page, server, "eva", "evaluator-pass")
    page.goto(f"{server.url}/exercises/{exercise['id']}/report")
    assert "Report drill" in page.inner_text("h1")
    assert page.locator("svg.chart").count() >= 1  # the score chart, even for a draft
    summary = page.locator('.narrative[data-section="executive_summary"]')
    assert "No executive summary has been written yet." in summary.inner_text()
    shots(page, "1-report")

    summary.locator("button.edit-narrative").click()
    summary.locator("textarea").fill("The perimeter was **late**. <script>alert(1)</script>")
    summary.locator('button[type="submit"]').click()
    summary.locator(".narrative-text strong").wait_for()
    assert summary.locator(".narrative-text strong").inner_text() == "late"
    assert "<script>alert(1)</script>" in summary.locator(".narrative-text").inner_text()  # shown as text
    assert re.match(r"Written by eva", summary.locator(".narrative-meta").inner_text())
    shots(page, "2-summary-saved")

    status, report = server.api("GET", f"/exercises/{exercise['id']}/report.json", None, token)
    assert report["narrative"]["executive_summary"]["text"].startswith("The perimeter was **late**.")
    context.close()
