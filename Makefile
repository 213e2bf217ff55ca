# Two commands take a fresh clone to a running demo and a passing test suite: `make demo`, `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export RUNTIME__DLTHUB_TELEMETRY := false

.PHONY: install demo test lint lock docs bench bench-quick clean

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

test: lint  ## ruff, then every pytest suite (loaders, dbt build with unit and data tests, demo)
	$(BIN)/pytest

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
