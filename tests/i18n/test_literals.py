"""No template or JavaScript module shows an English word that the catalogue does not carry."""
import pytest

from .literals import ROOT, js_findings, template_findings, without_interpolations

# Proper names, codes and units a page shows as they are, whatever the language.
ALLOWED = {
    "Cordon", "mSv", "µSv", "µSv/h", "mSv/h", "AAR/IP", "JSON", "CSV", "PDF", "XLSX", "MSEL", "HSEEP", "SOP",
    "P", "S", "M", "U", "T+", "UTC", "OK", "Sv/h",
}
# Code values that look like words, by file: Leaflet-Geoman's shape names...
ALLOWED_IN = {
    "static/js/tablet/map.js": {"Circle", "Polygon", "Marker"},
    "static/js/console/map.js": {"Circle", "Polygon", "Marker"},
    "static/js/map/sitemap.js": {"Circle", "Polygon", "Marker", "data:image/gif;base64,R0lGODlhAQABAAAAACw="},
    "static/js/library/site-editor.js": {"Polygon", "X-CSRFToken"},
    "static/js/library/import.js": {"X-CSRFToken"},
    "static/js/timefmt.js": {"TimeFormatError"},
    "static/js/api.js": {"X-CSRFToken"},
    "app/templates/report/aar.html": {"verify_evidence.py BUNDLE.zip --key KEY.pem --expect :"},
}

TEMPLATES = sorted(p for p in (ROOT / "app" / "templates").rglob("*.html"))
MODULES = sorted(p for p in (ROOT / "static" / "js").rglob("*.js") if p.name != "i18n.js")


def _allowed(text: str, path=None) -> bool:
    if path is not None and " ".join(text.split()) in ALLOWED_IN.get(str(path.relative_to(ROOT)), ()):
        return True
    words = [w for w in without_interpolations(text).replace("·", " ").split() if w.strip(".,:;()")]
    return all(w.strip(".,:;()") in ALLOWED or not any(c.isalpha() for c in w) for w in words)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_show_no_english_outside_the_catalogue(path):
    left = [f"{path.relative_to(ROOT)}:{n}: {text}" for n, text in template_findings(path) if not _allowed(text, path)]
    assert not left, "wrap these in _() (docs/translating.md):\n" + "\n".join(left)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_javascript_modules_show_no_english_outside_the_catalogue(path):
    left = [f"{path.relative_to(ROOT)}:{n}: {text}" for n, text in js_findings(path) if not _allowed(text, path)]
    assert not left, "wrap these in t() or tn() (docs/translating.md):\n" + "\n".join(left)
