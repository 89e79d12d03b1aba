# Worldfeed: `make run` serves the site on embedded defaults, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test setup install migrate seed lint bench-play worker clean

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required (python3.11 not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: the CPU wheel; a bare `torch` requirement could pull a multi-GB CUDA build.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_worlds
	$(PY) manage.py recommend_refresh

setup: seed

run: setup
	@echo "Worldfeed on http://127.0.0.1:$(PORT)  (embedded: SQLite, in-memory channel layer, in-process worker)"
	$(VENV)/bin/daphne -b 127.0.0.1 -p $(PORT) config.asgi:application

# Production-style worker (needs REDIS_URL): one process, a thread per session, one shared model.
worker: install
	$(VENV)/bin/celery -A config worker -Q inference,default --pool threads --concurrency 16 -l INFO

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench-play: install
	$(PY) manage.py bench_play

clean:
	rm -rf $(VENV) var
