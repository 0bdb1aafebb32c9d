# COIN Portal: `make run` serves the portal on SQLite with demo data; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1:8000

.PHONY: run test install setup messages lint clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Links in mails (invitations, reminders) point at the address the portal is served on.
setup run: export SITE_URL ?= http://$(HOST)

## Migrate, load the default curriculum, quiz bank and demo accounts (idempotent).
setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_demo

## Serve the portal, with a Celery worker that also runs beat, so the periodic tasks (reminders every
## 15 minutes) happen; without Redis, tasks run inside that process and mails print here (console).
run: setup
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/celery -A coinportal worker --beat --pool=solo --loglevel=warning & worker=$$!; \
	$(PY) manage.py runserver $(HOST)

test: install
	$(VENV)/bin/pytest

## Regenerate and compile the translation catalogues (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'staticfiles/*' --no-obsolete
	$(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r . -ll

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
