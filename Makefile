# chinhquyen — the two commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Reference data beside the repository (CI has it): lets the tests check the shipped fixtures
# against the official lists they were derived from.
export CHINHQUYEN_ADMIN_UNITS_SOURCE ?= $(abspath $(wildcard ../shared/data/admin-units-2025))

.PHONY: run test install install-test system-deps lint format test-sqlite test-postgres test-e2e bench demo clean

## run: start the whole platform with demo data on http://127.0.0.1:8000 (web + worker)
run: install
	CHINHQUYEN_DEBUG=$${CHINHQUYEN_DEBUG:-1} $(BIN)/chinhquyen up

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $(STAMP)

install: $(STAMP)

$(TSTAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(TSTAMP)

install-test: $(TSTAMP) system-deps

## system-deps: Debian packages the tests need (installed only when running as root)
system-deps:
	@tools/system-deps.sh

## test: lint, then the suite on SQLite, on a throwaway PostgreSQL, and the browser tests
test: install-test lint test-sqlite test-postgres test-e2e
	@$(BIN)/python tools/test_summary.py var/test-results/sqlite.xml var/test-results/postgres.xml var/test-results/e2e.xml

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-sqlite: install-test
	@mkdir -p var/test-results
	$(BIN)/pytest -m "not e2e" --junitxml=var/test-results/sqlite.xml -q

test-postgres: install-test
	@mkdir -p var/test-results
	tools/with-postgres.sh $(BIN)/pytest -m "not e2e" --junitxml=var/test-results/postgres.xml -q

test-e2e: install-test
	@mkdir -p var/test-results
	$(BIN)/pytest -m e2e tests/e2e --junitxml=var/test-results/e2e.xml -q

## bench: benchmarks, JSON on stdout (SQLite, then PostgreSQL)
bench: install-test
	@mkdir -p var/bench
	$(BIN)/python bench/run.py

demo: install
	CHINHQUYEN_DEBUG=1 $(BIN)/chinhquyen migrate
	CHINHQUYEN_DEBUG=1 $(BIN)/chinhquyen demo

clean:
	rm -rf $(VENV) var build *.egg-info src/*.egg-info
