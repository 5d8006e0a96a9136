# Sunlight (阳光村务). Two commands set everything up from a fresh clone:
#   make run    set up, load the demo county, start the task worker and the server
#   make test   set up and run the whole test suite
# Also: make lint, make bench, make demo-otp U=<demo user>.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: run test lint bench setup install migrate demo-otp clean messages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || \
	  { echo "Sunlight needs Python 3.11 (found $$($(PYTHON) --version)). Set PYTHON=/path/to/python3.11"; exit 1; }
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

.env:
	@sed "s|^SECRET_KEY=.*|SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')|" .env.example > .env
	@echo "created .env from .env.example (with a fresh SECRET_KEY)"

migrate: install .env
	$(MANAGE) migrate --noinput

setup: migrate
	@scripts/ensure-system-packages run
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) load_demo
	$(MANAGE) catalogue_load --year 2026 --publish
	$(MANAGE) load_demo_board
	$(MANAGE) load_demo_cases
	$(MANAGE) case_reminders

run: setup
	@echo
	@echo "  阳光村务 Sunlight is starting on http://127.0.0.1:$(PORT)/"
	@echo
	@$(MANAGE) demo_logins
	@echo
	@set -m; $(MANAGE) db_worker & worker=$$!; \
	  $(MANAGE) pocket_book_warm --base-url http://127.0.0.1:$(PORT) --village 610522103001 \
	    --village 610522101201 >/dev/null 2>&1 & warm=$$!; \
	  trap 'kill $$worker $$warm 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/granian --interface wsgi --host 127.0.0.1 --port $(PORT) --workers 1 --blocking-threads 8 \
	    --no-ws sunlight.wsgi:application

test: install .env
	@scripts/ensure-system-packages test
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: install .env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy sunlight
	$(BIN)/lint-imports

bench: setup
	@scripts/ensure-system-packages bench
	$(BIN)/python bench/run.py
	$(BIN)/python bench/cases.py

demo-otp: install .env
	@$(MANAGE) demo_logins --otp "$(U)"

messages: install .env
	$(MANAGE) makemessages -l en --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=var --ignore=bench
	$(MANAGE) compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles var/test_* .mypy_cache .ruff_cache
