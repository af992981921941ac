# Two commands on a fresh clone: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup lint migrate bench messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)
	@mkdir -p var

# Development server: SQLite under var/ unless DATABASE_URL says otherwise; demo town loaded when empty.
run: export DEBUG ?= 1
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite; PostgreSQL when DATABASE_URL is set.
test: export SECRET_KEY ?= test-only-secret-key
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: setup
	cd . && DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var --ignore=static --ignore=tests
	DEBUG=1 $(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

# Page timings at 10,000 and 200,000 cases (needs DATABASE_URL pointing at PostgreSQL).
bench: export SECRET_KEY ?= bench-only-secret-key
bench: setup
	$(PY) manage.py bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/static
