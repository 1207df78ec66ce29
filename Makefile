# Cordon: `make run` serves the demo on http://127.0.0.1:5000; `make test` runs the whole suite,
# `make test-fast` all but the browser and multi-process tests (see README.md, "Test it").
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
FLASK   = $(VENV)/bin/flask --app wsgi

.PHONY: run test test-fast install install-dev system-deps migrate demo serve check translations vendor clean

run: install migrate demo serve

install: system-deps $(VENV)/.installed
install-dev: system-deps $(VENV)/.installed-dev

# WeasyPrint (PDF reports) needs Pango from the system, and fonts for every shipped language
# (Noto: Arabic, Cyrillic, and the rest); installed with apt-get when missing.
system-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q libpango-1.0 || ! fc-list 2>/dev/null | grep -q NotoSansArabic; then \
	  echo "installing Pango and the Noto fonts for PDF reports (apt-get)"; \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
	    fonts-noto-core fonts-dejavu-core \
	  || echo "could not install Pango and fonts: PDF reports will fail or lack glyphs until they are installed"; \
	fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

migrate: install
	$(FLASK) db upgrade

demo: install
	$(FLASK) demo

serve: install
	$(PY) wsgi.py

check: install
	$(FLASK) content check

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

# No Chromium, no server subprocesses: the markers come from tests/conftest.py.
test-fast: install-dev
	$(PY) -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

# The interface's catalogues: extract every string, merge into each language, compile the .mo
# files and static/i18n/<lang>.json (docs/translating.md).
translations: install
	$(PY) scripts/i18n.py all
	$(PY) scripts/i18n.py coverage || true

# Fetch the pinned browser libraries again (npm); only to change a version.
vendor:
	bash scripts/vendor.sh

clean:
	rm -rf $(VENV) .pytest_cache
