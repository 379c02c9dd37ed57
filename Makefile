# desk: the two commands a newcomer needs are `make run` and `make test`.
#
# Everything happens in .venv (created with the python3 on the PATH). The
# installs are remembered by stamp files, so a second `make run` starts at
# once and only reinstalls when pyproject.toml changed.

PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 5000
HOST   ?= 127.0.0.1
# gunicorn processes for `make run`; SQLite in WAL mode serves several.
WORKERS ?= 2
# pytest-xdist workers for the fast tests (the browser tests run alone).
TEST_WORKERS ?= auto
# Where `make test-postgres` finds PostgreSQL; each xdist worker gets its own
# database there (tests/conftest.py creates and drops them).
POSTGRES_TEST_URL ?= postgresql://root@127.0.0.1:5432/test

BIN    := $(VENV)/bin
PY     := $(BIN)/python
FLASK  := $(BIN)/flask --app desk
PYTEST := $(PY) -m pytest -p no:cacheprovider
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.DEFAULT_GOAL := help
.PHONY: help run serve db seed test test-fast test-browser test-postgres bench bench-load install install-test clean

help:
	@echo "make run            set up .venv, migrate, seed the demo company once, serve on http://$(HOST):$(PORT)"
	@echo "make test           the whole suite (fast tests in parallel, then the browser tests)"
	@echo "make test-postgres  the whole suite on PostgreSQL ($(POSTGRES_TEST_URL))"
	@echo "make bench          the micro benchmarks in bench/ (make bench-load: the load test)"
	@echo "make clean          remove .venv, caches and test output (keeps instance/, your data)"

# --- set-up ---------------------------------------------------------------

$(PY):
	$(PYTHON) -c 'import sys; sys.exit("desk needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The app and its runtime dependencies (gunicorn included), editable.
$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

# The app with the test tools (pytest, xdist, hypothesis, playwright, psycopg).
$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,postgres]'
	@touch $(RUN_STAMP) $@

install: $(RUN_STAMP)
install-test: $(TEST_STAMP)

# --- running ----------------------------------------------------------------

db: $(RUN_STAMP)
	$(FLASK) db upgrade

# --if-empty: the first run seeds, later runs keep whatever is there.
seed: db
	$(FLASK) seed-demo --if-empty

run: seed
	@$(MAKE) --no-print-directory serve

# Serve without touching the database (after `make run` once).
serve: $(RUN_STAMP)
	@echo "desk is at http://$(HOST):$(PORT)  (demo logins: see README.md; Ctrl-C stops it)"
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - 'desk:create_app()'

# --- tests ------------------------------------------------------------------

# Two pytest runs: the fast tests spread over the cores, then the browser tests
# in one process (xdist does not pay off for one Chromium on two cores). The
# browser tests run even when a fast test failed, so one run shows everything.
test: $(TEST_STAMP)
	@status=0; \
	$(PYTEST) -n $(TEST_WORKERS) --ignore=tests/browser || status=$$?; \
	$(PYTEST) tests/browser || status=$$?; \
	exit $$status

test-fast: $(TEST_STAMP)
	$(PYTEST) -n $(TEST_WORKERS) --ignore=tests/browser

test-browser: $(TEST_STAMP)
	$(PYTEST) tests/browser

test-postgres: $(TEST_STAMP)
	DESK_TEST_DATABASE_URL=$(POSTGRES_TEST_URL) $(MAKE) --no-print-directory test

# --- other --------------------------------------------------------------------

# The micro benchmarks: every bench/*.py script except the load test's two files.
bench: $(RUN_STAMP)
	@for script in bench/*.py; do \
		case "$$script" in */_*|bench/load.py|bench/locustfile.py) continue;; esac; \
		echo "== $$script"; $(PY) "$$script" || exit 1; \
	done

# The load test: gunicorn plus locust on this machine (see bench/load.py).
bench-load: $(TEST_STAMP)
	$(PY) -m pip install --quiet -e '.[bench,postgres]'
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis test-results
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
