# Cordon: `make run` serves the demo on http://127.0.0.1:5000; `make test` runs the whole suite.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
FLASK   = $(VENV)/bin/flask --app wsgi

.PHONY: run test install install-dev migrate demo serve check vendor clean

run: install migrate demo serve

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

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

clean:
	rm -rf $(VENV) .pytest_cache
