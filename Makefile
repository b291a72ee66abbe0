# ALMAS Assistant. `make run` and `make test` set everything up (idempotently) first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 5000
export PYTHON310 PYTHON311
PY_APP  = $(shell scripts/find-python 3.11 2>/dev/null || scripts/find-python 3.12 2>/dev/null || scripts/find-python 3.13)
PY_RASA = $(shell scripts/find-python 3.10)
VENV    = .venv/bin
ALMAS   = $(VENV)/almas

.PHONY: help envs env-app env-rasa model migrate run test test-fast lint bench chaos clean browser

help:
	@echo "make run    set up everything and start the whole helpline (simulator on http://127.0.0.1:$(PORT)/simulator/, console login printed)"
	@echo "make test   set up everything and run the whole test suite"
	@echo "make lint   ruff"
	@echo "make bench  benchmarks (webhook ack latency, end-to-end vs bare Rasa)"
	@echo "make chaos  chaos run: load + killed/paused processes, Redis and Rasa restarts, then invariants (CHAOS_ARGS=--quick)"

# The two environments install side by side (about two minutes saved on a clean clone).
envs:
	@$(MAKE) --no-print-directory -j2 env-app env-rasa

env-app: .venv/.installed
.venv/.installed: pyproject.toml
	@test -n "$(PY_APP)" || { scripts/find-python 3.11; exit 1; }
	@test -x $(VENV)/python || $(PY_APP) -m venv .venv
	$(VENV)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

env-rasa: .venv-rasa/.installed
.venv-rasa/.installed: rasa/requirements.txt
	@test -n "$(PY_RASA)" || { scripts/find-python 3.10; exit 1; }
	@test -x .venv-rasa/bin/python || $(PY_RASA) -m venv .venv-rasa
	.venv-rasa/bin/pip install --quiet --disable-pip-version-check -r rasa/requirements.txt
	@touch $@

# Trains only when nlu/ or flows/ changed since the model in models/ was built (Rasa), or
# nlu/crisis/ since the crisis classifier was (a few seconds).
model: envs
	$(ALMAS) rasa train
	$(ALMAS) crisis train

# On first start the content of content/ goes into the database, where staff edit it in the
# console; later edits to content/ reach it with `almas content import`.
migrate: env-app
	ALMAS_ENV=development $(ALMAS) db upgrade
	ALMAS_ENV=development LOG_LEVEL=ERROR $(ALMAS) content import --if-empty

run: envs migrate model
	@echo "Simulator: http://127.0.0.1:$(PORT)/simulator/   (Ctrl-C stops every process)"
	@ALMAS_ENV=development PORT=$(PORT) LOG_LEVEL=ERROR $(ALMAS) caseworker dev
	ALMAS_ENV=development WEB_HOST=127.0.0.1 WEB_PORT=$(PORT) PATH="$(CURDIR)/$(VENV):$$PATH" $(VENV)/honcho start -f Procfile -p $(PORT)

# The console's browser test drives Debian's chromium (Playwright's own browser download would
# need the internet). Installed here when missing and we are root (as in CI).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Install Debian's chromium (sudo apt-get install chromium) for the browser test"; exit 1; fi; }

# The Rasa model trains, and the browser installs, while the tests that need neither run
# (scripts/run-tests).
test: envs
	$(VENV)/ruff check .
	$(ALMAS) content check
	$(ALMAS) crisis train
	scripts/run-tests

test-fast: env-app
	$(VENV)/pytest -m "not stack and not model"

lint: env-app
	$(VENV)/ruff check .

bench: envs model
	$(VENV)/python -m bench.webhook_ack
	$(VENV)/python -m bench.end_to_end

# Not part of `bench` or `test`: several minutes, its own Redis and PostgreSQL database
# (bench/chaos.py). `make chaos CHAOS_ARGS=--quick` for the short smoke run.
chaos: envs model
	$(VENV)/python -m bench.chaos $(CHAOS_ARGS)

clean:
	rm -rf .venv .venv-rasa models var .pytest_cache .ruff_cache
