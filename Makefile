# Two commands take a fresh clone to a running demo and a passing test suite: `make demo`, `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export RUNTIME__DLTHUB_TELEMETRY := false

.PHONY: install demo test lint browser lock docs bench bench-quick clean

$(BIN)/elt: pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(BIN)/elt  ## create .venv with the pinned dependencies (requirements-dev.lock: runtime + dev tools)

demo: install  ## sample files -> loaders -> dbt build -> eBay Revise files in out/ebay-revise
	$(BIN)/elt demo

lint: install  ## ruff, then SQLFluff (dbt templater, .sqlfluff) over models, macros and singular tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	mkdir -p target/sqlfluff && cp profiles.example.yml target/sqlfluff/profiles.yml
	ELT_DUCKDB_PATH=target/sqlfluff/lint.duckdb $(BIN)/sqlfluff lint models macros tests

browser:  ## Debian's Chromium for the browser tests (installed when missing and running as root)
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

test: lint browser  ## ruff, then every pytest suite (loaders, dbt build with unit and data tests, demo, browser)
	$(BIN)/pytest -n 2 --dist loadfile --durations=30

bench: install  ## every benchmark at full size; writes bench/RESULTS.md (takes a while)
	$(BIN)/python -m bench.run

bench-quick: install  ## the same at small sizes (a few minutes)
	$(BIN)/python -m bench.run --quick

lock:  ## re-resolve both locks from pyproject.toml: requirements-dev.lock (make install), requirements.lock (the image)
	$(BIN)/uv pip compile --quiet --python $(BIN)/python --extra dev pyproject.toml -o requirements-dev.lock
	$(BIN)/uv pip compile --quiet --python $(BIN)/python -c requirements-dev.lock pyproject.toml -o requirements.lock

docs: install  ## build the dbt docs site (open with `elt dbt docs serve`)
	$(BIN)/elt dbt docs generate

clean:
	rm -rf target logs out *.duckdb *.duckdb.state
