# Two commands on a fresh clone: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
LOCK := requirements/dev.txt
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --all-build-deps \
	--no-emit-index-url --no-emit-find-links

.PHONY: run worker test setup lock lint migrate bench loadtest messages clean

# Exactly the locked versions (requirements/dev.txt: every package, direct and transitive, pinned and hashed), then
# the project itself without dependencies. pip check fails when pyproject.toml asks for something the lock lacks.
$(STAMP): $(LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@$(BIN)/pip check >/dev/null || { $(BIN)/pip check; echo "$(LOCK) does not match pyproject.toml: run make lock"; exit 1; }
	touch $(STAMP)

setup: $(STAMP)
	@mkdir -p var

# Regenerate both lock files from pyproject.toml (README, "依赖锁定"). Existing pins are kept where they still fit;
# make lock LOCK_ARGS=--upgrade (or --upgrade-package NAME) moves them.
lock: $(BIN)/pip-compile
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements/base.txt pyproject.toml
	$(PIP_COMPILE) $(LOCK_ARGS) --extra dev --constraint requirements/base.txt --output-file requirements/dev.txt \
		pyproject.toml

# Only pip-compile from the current lock: pyproject.toml may have moved on, and that is why one locks.
$(BIN)/pip-compile:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)

# Development server: SQLite under var/ unless DATABASE_URL says otherwise; demo town loaded when empty. The text
# message worker runs beside it (console backend: what would be sent is logged); Ctrl-C stops both.
run: export DEBUG ?= 1
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	@$(PY) manage.py notices_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# The background worker alone (README "短信通知与发送队列"): queued jobs, due text messages, day-before reminders.
worker: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py notices_worker

# Type-checked with django-stubs (config in pyproject.toml): the services, the selectors, the access predicates, the
# workflow module and the statistics queries.
# Listed by name; $(wildcard) leaves out one that does not exist (yet).
MYPY_FILES = $(wildcard cases/services cases/errors.py cases/selectors.py cases/workflow.py villages/services.py \
	villages/selectors.py departments/selectors.py villages/access.py departments/access.py cases/access.py \
	departments/services.py cases/catalogue_template.py villages/public_towns.py jinjie/public_cache.py \
	villages/page_versions.py jinjie/kept_pages.py \
	stats/queries.py stats/tally.py stats/county.py stats/replica.py notices/services.py notices/sender.py notices/selectors.py notices/messages.py notices/quiet.py \
	notices/backends)
# The suite runs in PYTEST_WORKERS processes (pytest-xdist; each has its own test database). Groups marked
# xdist_group (the browser journeys) stay in one worker. make test PYTEST_WORKERS=0 runs it in this process;
# PYTEST_ARGS adds options (-x, -k NAME, a path).
PYTEST_WORKERS ?= 2

# The whole suite; PostgreSQL when DATABASE_URL is set.
test: export SECRET_KEY ?= test-only-secret-key
test: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: export SECRET_KEY ?= test-only-secret-key
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(MYPY_FILES)

messages: setup
	cd . && DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var --ignore=static --ignore=tests
	DEBUG=1 $(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

# Page timings at 10,000 and 200,000 cases (needs DATABASE_URL pointing at PostgreSQL).
bench: export SECRET_KEY ?= bench-only-secret-key
bench: setup
	$(PY) manage.py bench $(BENCH_ARGS)

# Load and fault test (README): 50 simulated users for LOADTEST_SECONDS (180) against gunicorn on a private
# PostgreSQL 15 cluster it creates and deletes, restarted midway; then checks every acknowledged case and step.
loadtest: setup
	$(PY) loadtest/run.py

clean:
	rm -rf $(VENV) var/static
