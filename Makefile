# Kith's two commands: `make run` and `make test`. Everything they need is installed here, into .venv,
# from pyproject.toml pinned by constraints.txt; the only thing a machine must have is Python >= 3.12.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The first interpreter >= 3.12 that actually runs. A pyenv shim such as python3.12 exists on PATH but exits
# 127 when that version is not selected, so each candidate is probed by running it.
PYTHON ?= $(shell for c in python3.13 python3.12 python3 python \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$c" || echo "$$c"; } && break; \
	done)

.PHONY: help setup run test lint bench clean

help:
	@echo "make run    set up, migrate, load demo data, start web + worker + beat (PORT=8000, HOST=127.0.0.1)"
	@echo "make test   set up and run the whole test suite"
	@echo "make lint   ruff, mypy, the import contract and the migrations check"
	@echo "make bench  seed benchmark data on DATABASE_URL and time dashboards, lists and the tick"

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Kith needs Python >= 3.12; none was found on PATH or under pyenv." >&2; exit 1; }
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

# Where `make run` serves: `make run PORT=8080`, or HOST=0.0.0.0 to be reachable from other machines.
HOST ?= 127.0.0.1
PORT ?= 8000

# Web, worker and beat in one terminal. Under `set -m` each starts in a process group of its own, so Ctrl-C
# reaches only this shell, whose trap runs once (it ignores further signals first): TERM to the web server and
# the worker, three seconds to finish, then KILL for whatever is left in their groups (the worker with the
# folder broker takes four to six seconds to stop by itself; it stops taking tasks within the first three).
# If one of them stops by itself (the port is taken), the other is stopped the same way.
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	@echo ""
	@echo "  Kith is starting at http://$(HOST):$(PORT)/  -  demo login: demo / demo"
	@echo ""
	@export SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}"; set -m; \
	$(PY) -m celery -A config worker --beat --loglevel=INFO --concurrency=1 & worker=$$!; \
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload & web=$$!; \
	set +m; \
	stop() { \
	  trap '' INT TERM HUP; \
	  kill -TERM $$worker $$web 2>/dev/null; \
	  for _ in $$(seq 30); do kill -0 -- -$$worker -$$web 2>/dev/null || break; sleep 0.1; done; \
	  { kill -KILL -- -$$worker -$$web; wait; } 2>/dev/null; \
	}; \
	trap 'stop; exit 130' INT; trap 'stop; exit 143' TERM HUP; \
	wait -n; status=$$?; stop; exit $$status

# Two workers, one per core; a test file runs on one worker, so tests sharing a service (the engine's Redis
# broker, a file's Chromium) never meet another file's.
test: setup
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

# Benchmarks on the database DATABASE_URL names (it is filled with benchmark users), then on a fresh SQLite file
# (var/bench.sqlite3), then imports on DATABASE_URL's database: see README "Benchmarks".
bench: setup
	$(PY) manage.py migrate --noinput
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/run.py --database sqlite --merge $(BENCH_SQLITE_ARGS)
	$(PY) manage.py bench_import --rows 10000 --kind both

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
