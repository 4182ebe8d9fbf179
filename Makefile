# Two commands: `make run` starts the system on the embedded default,
# `make test` runs the whole suite. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: run test install lint format messages check-translations bench clean-venv

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	DEBUG=$${DEBUG:-true} PORT=$(PORT) $(PY) manage.py run_all --port $(PORT)

test: install
	./scripts/test

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install
	DIEUPHOI_TESTING=1 $(PY) manage.py makemessages -l vi --no-location --no-obsolete -i ".venv/*" -i "static/*" -i "staticfiles/*" -i "var/*"
	DIEUPHOI_TESTING=1 $(PY) manage.py compilemessages -l vi --ignore ".venv/*" --ignore "var/*"

check-translations: install
	$(PY) scripts/check_translations.py locale/vi/LC_MESSAGES/django.po
