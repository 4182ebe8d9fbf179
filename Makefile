# Two commands: `make run` starts the system on the embedded default,
# `make test` runs the whole suite. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
LOCK := requirements-dev.lock
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha256sum | cut -c1-12)
# `make lock` pins every dependency with its hashes; keep the options here.
COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --all-build-deps --no-emit-index-url --no-emit-find-links

.PHONY: run test install lock lint format messages check-translations bench clean-venv

# Every dependency from the lock, checked against its hashes; the project
# itself without dependencies (the lock holds them) and without fetching a
# build backend (setuptools is in the lock too).
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Re-pin after a change to pyproject.toml's dependencies: requirements.lock
# (production: runtime only) and requirements-dev.lock (make, CI: + dev).
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(VENV)/bin/pip-compile || $(PY) -m pip install --quiet "pip-tools==7.6.2"
	$(COMPILE) --output-file requirements.lock pyproject.toml
	$(COMPILE) --extra dev --output-file requirements-dev.lock pyproject.toml

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
