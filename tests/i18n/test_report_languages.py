"""The after-action report in any shipped language: `report.pdf?lang=ar` and `?lang=ru` are laid
out with fonts that have the script (text extracted from the PDF finds the translated section
titles), Arabic right to left; the HTML page too. The JSON report is data: the same in any language."""
import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from ..api.test_report import played  # noqa: F401  (the fixture: the mini drill played and evaluated)
from ..web.test_sessions import sign_in
from .test_language_choice import translation

TITLES = ["Executive summary", "2. Analysis of core capabilities", "3. SOP compliance", "Appendix A: Improvement plan"]


def _letters(text: str) -> str:
    """Letters only, in compatibility form (Arabic presentation forms back to letters)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalpha())


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names


@pytest.mark.parametrize("code, font", [("ar", "Noto-Sans-Arabic"), ("ru", "DejaVu-Sans")])
def test_the_pdf_report_is_in_the_language_asked_for_with_its_fonts(client, played, code, font):  # noqa: F811
    response = client.get(f"{played.url}/report.pdf?lang={code}", headers=played.auth["controller"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = _letters("".join(page.extract_text() for page in reader.pages))
    for title in TITLES:
        translated = _letters(translation(code, title))
        # Arabic is laid out right to left: the extracted glyph order may be visual
        assert translated in text or translated[::-1] in text, (code, title, translation(code, title))
        assert _letters(title) not in text or _letters(title) == translated
    assert font in " ".join(_fonts(reader)), _fonts(reader)


def test_the_html_report_is_right_to_left_in_arabic(client, played):  # noqa: F811
    sign_in(client, "ctl")
    page = client.get(f"/exercises/{played.id}/report?lang=ar")
    html = page.get_data(as_text=True)
    assert re.search(r'<html lang="ar" dir="rtl">', html)
    assert translation("ar", "Executive summary") in html


def test_the_json_report_is_the_same_in_every_language(client, played):  # noqa: F811
    english = client.get(f"{played.url}/report.json", headers=played.auth["controller"]).get_json()
    arabic = client.get(f"{played.url}/report.json?lang=ar", headers=played.auth["controller"]).get_json()
    english.pop("generated_at", None), arabic.pop("generated_at", None)
    assert english == arabic
