# Two commands take a fresh clone to a running demo and a passing test suite: `make demo`, `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export RUNTIME__DLTHUB_TELEMETRY := false

.PHONY: install demo test lint browser lock docs bench bench-quick clean

$(BIN)/elt: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(BIN)/elt  ## create .venv with the pinned dependencies

demo: install  ## sample files -> loaders -> dbt build -> eBay Revise files in out/ebay-revise
	$(BIN)/elt demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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

lock:  ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile --quiet --python $(BIN)/python --extra dev pyproject.toml -o requirements.lock

docs: install  ## build the dbt docs site (open with `elt dbt docs serve`)
	$(BIN)/elt dbt docs generate

clean:
	rm -rf target logs out *.duckdb *.duckdb.state
