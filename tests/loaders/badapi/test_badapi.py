"""Reaktor's bad API: the sandbox's faults are the API's, the loader survives them (ETags, error mode), dbt builds.

Everything runs against `running_badapi_sandbox` on 127.0.0.1 into temporary DuckDB warehouses.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from elt.cli import main as elt
from elt.dbt import DbtOutcome, run_dbt
from elt.schedule import parse_interval, run_every
from elt.targets import Target
from loaders.badapi.client import ErrorModeStuck, fetch_availability
from loaders.badapi.options import BadApiOptions
from loaders.badapi.pipeline import BadApiLoad, load_badapi
from sandboxes.badapi.data import CATEGORIES, generate_badapi_dataset
from sandboxes.badapi.server import BadApiSandbox, running_badapi_sandbox
from tests.support.warehouse import query, shared_warehouse

DATA_TABLES = ("products", "products__color", "availability")


def options_for(sandbox: BadApiSandbox, **overrides: Any) -> BadApiOptions:
    """Options pointing at the sandbox, retrying the error mode without waiting."""
    return BadApiOptions(**({"base_url": sandbox.url, "error_mode_backoff_seconds": 0.0} | overrides))


def raw_counts(target: Target) -> dict[str, int]:
    return {table: query(target, f"select count(*) from raw_badapi.{table}")[0][0] for table in DATA_TABLES}


def expected_counts(sandbox: BadApiSandbox) -> dict[str, int]:
    data = sandbox.data
    products = [p for rows in data.products.values() for p in rows]
    return {
        "products": len(products),
        "products__color": sum(len(p["color"]) for p in products),
        "availability": data.counts()["availability"],
    }


def load_ids(target: Target) -> dict[str, set[str]]:
    """The dlt load ids the rows of each data table came with."""
    return {
        table: {row[0] for row in query(target, f"select distinct _dlt_load_id from raw_badapi.{table}")}
        for table in ("products", "availability")
    }


def statuses(stats: dict[str, Any], endpoint: str) -> dict[str, int]:
    return dict(stats["by_endpoint"].get(endpoint, {}).get("statuses", {}))


# -- the sandbox ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared() -> Iterator[BadApiSandbox]:
    with running_badapi_sandbox(seed=3, products_per_category=50, error_rate=0.0) as sandbox:
        yield sandbox


def test_sandbox_lists_products_in_the_apis_shape(shared: BadApiSandbox) -> None:
    products = requests.get(f"{shared.url}/v2/products/gloves", timeout=10).json()
    assert len(products) == 50 and set(products[0]) == {"id", "type", "name", "color", "price", "manufacturer"}
    first = products[0]
    assert first["type"] == "gloves" and first["id"] == first["id"].lower() and len(first["id"]) == 24
    assert isinstance(first["color"], list) and isinstance(first["price"], int)


def test_sandbox_availability_has_upper_case_ids_and_an_xml_payload(shared: BadApiSandbox) -> None:
    maker = shared.data.manufacturers[0]
    answer = requests.get(f"{shared.url}/v2/availability/{maker}", timeout=10)
    assert answer.headers["x-error-modes-active"] == ""
    entry = answer.json()["response"][0]
    assert answer.json()["code"] == 200 and entry["id"] == entry["id"].upper()
    assert entry["DATAPAYLOAD"].startswith("<AVAILABILITY>\n  <CODE>200</CODE>\n  <INSTOCKVALUE>")


def test_sandbox_error_mode_is_forced_by_header_and_answers_200_with_a_string(shared: BadApiSandbox) -> None:
    maker = shared.data.manufacturers[0]
    answer = requests.get(f"{shared.url}/v2/availability/{maker}", headers={"x-force-error-mode": "all"}, timeout=10)
    assert answer.status_code == 200 and answer.json() == {"code": 200, "response": "[]"}
    assert answer.headers["x-error-modes-active"] == "availability-empty"


def test_sandbox_error_mode_strikes_at_the_configured_rate() -> None:
    with running_badapi_sandbox(products_per_category=5, error_rate=0.5) as sandbox:
        url = f"{sandbox.url}/v2/availability/{sandbox.data.manufacturers[0]}"
        modes = [requests.get(url, timeout=10).headers["x-error-modes-active"] for _ in range(60)]
    assert 15 <= modes.count("availability-empty") <= 45 and modes.count("") == 60 - modes.count("availability-empty")


def test_sandbox_answers_304_to_a_matching_etag_until_the_cache_period_ends(shared: BadApiSandbox) -> None:
    url = f"{shared.url}/v2/products/beanies"
    first = requests.get(url, timeout=10)
    again = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == first.headers["ETag"]
    assert "max-age=300" in first.headers["Cache-Control"]
    maker = shared.data.manufacturers[0]
    availability = requests.get(f"{shared.url}/v2/availability/{maker}", timeout=10)
    shared.advance()
    after = requests.get(
        f"{shared.url}/v2/availability/{maker}", headers={"If-None-Match": availability.headers["ETag"]}, timeout=10
    )
    assert after.status_code == 200 and after.headers["ETag"] != availability.headers["ETag"]


def test_sandbox_data_depends_only_on_the_seed_and_sizes() -> None:
    assert (
        generate_badapi_dataset(seed=2, products_per_category=30).products
        == generate_badapi_dataset(seed=2, products_per_category=30).products
    )
    assert generate_badapi_dataset(products_per_category=2500).counts()["products"] == 7500


def test_the_error_mode_retry_gives_up_after_its_bound_naming_the_manufacturer(shared: BadApiSandbox) -> None:
    session = requests.Session()
    with pytest.raises(ErrorModeStuck, match="manufacturer 'hennex' stayed in error mode 'availability-empty' for 3"):
        fetch_availability(session, shared.url, "hennex", None, attempts=3, backoff=0.0, force_error_mode=True)


# -- one warehouse loaded three times, then built ---------------------------------------------------------


@dataclass
class Loaded:
    sandbox: BadApiSandbox
    target: Target
    first: BadApiLoad
    first_stats: dict[str, Any]
    counts_after_first: dict[str, int]
    load_ids_after_first: dict[str, set[str]]
    second: BadApiLoad
    second_stats: dict[str, Any]
    counts_after_second: dict[str, int]
    load_ids_after_second: dict[str, set[str]]
    third: BadApiLoad
    third_stats: dict[str, Any]
    dbt: DbtOutcome


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """Load (with error mode on a third of calls), load again unchanged, move the API's data on, load a third
    time, then `dbt build -s source:badapi+`."""
    target = shared_warehouse(tmp_path_factory)
    with running_badapi_sandbox(seed=7, products_per_category=300, error_rate=0.35) as sandbox:
        options = options_for(sandbox)
        first = load_badapi(target, options, echo=lambda line: None)
        first_stats, counts_after_first, ids_after_first = sandbox.stats(), raw_counts(target), load_ids(target)
        sandbox.reset_stats()
        sandbox.set_error_rate(0.0)
        second = load_badapi(target, options, echo=lambda line: None)
        second_stats, counts_after_second, ids_after_second = sandbox.stats(), raw_counts(target), load_ids(target)
        sandbox.reset_stats()
        sandbox.advance()
        third = load_badapi(target, options, echo=lambda line: None)
        third_stats = sandbox.stats()
        outcome = run_dbt(["build", "-s", "source:badapi+"], target, quiet=True)
        yield Loaded(
            sandbox=sandbox,
            target=target,
            first=first,
            first_stats=first_stats,
            counts_after_first=counts_after_first,
            load_ids_after_first=ids_after_first,
            second=second,
            second_stats=second_stats,
            counts_after_second=counts_after_second,
            load_ids_after_second=ids_after_second,
            third=third,
            third_stats=third_stats,
            dbt=outcome,
        )


def test_a_load_lands_exactly_the_products_colours_and_availability_the_sandbox_serves(loaded: Loaded) -> None:
    assert loaded.first.ok, loaded.first.error
    assert loaded.counts_after_first == expected_counts(loaded.sandbox)
    per_category = dict(query(loaded.target, "select category, count(*) from raw_badapi.products group by category"))
    assert per_category == dict.fromkeys(CATEGORIES, 300)
    makers = {row[0] for row in query(loaded.target, "select distinct manufacturer from raw_badapi.availability")}
    assert makers == set(loaded.sandbox.data.manufacturers)  # every manufacturer the products name, asked once


def test_the_error_mode_is_retried_until_every_manufacturers_availability_lands(loaded: Loaded) -> None:
    assert loaded.first_stats["error_mode"] >= 1
    assert loaded.first.report.error_mode_retries == loaded.first_stats["error_mode"]
    manufacturers = len(loaded.sandbox.data.manufacturers)
    assert statuses(loaded.first_stats, "availability") == {"200": manufacturers + loaded.first_stats["error_mode"]}
    retried = query(loaded.target, "select count(*) from raw_badapi.checks where attempts > 1")[0][0]
    assert retried >= 1


def test_a_second_run_costs_only_304s_and_rewrites_nothing(loaded: Loaded) -> None:
    assert loaded.second.ok and loaded.second.rows == 0
    assert statuses(loaded.second_stats, "products") == {"304": 3}
    assert statuses(loaded.second_stats, "availability") == {"304": len(loaded.sandbox.data.manufacturers)}
    assert loaded.second_stats["bytes_sent"] == 0
    assert loaded.counts_after_second == loaded.counts_after_first
    assert loaded.load_ids_after_second == loaded.load_ids_after_first
    checks = dict(query(loaded.target, "select outcome, count(*) from raw_badapi.checks group by outcome"))
    assert checks["not_modified"] >= 3 + len(loaded.sandbox.data.manufacturers)


def test_changed_availability_lands_while_unchanged_products_cost_a_304(loaded: Loaded) -> None:
    assert loaded.third.ok, loaded.third.error
    assert statuses(loaded.third_stats, "products") == {"304": 3}
    assert statuses(loaded.third_stats, "availability") == {"200": len(loaded.sandbox.data.manufacturers)}
    assert raw_counts(loaded.target) == expected_counts(loaded.sandbox)


def test_dbt_build_of_the_badapi_models_passes_with_its_unit_tests(loaded: Loaded) -> None:
    assert loaded.dbt.success, loaded.dbt.failures
    assert loaded.dbt.statuses.get("error", 0) == 0 and loaded.dbt.statuses.get("fail", 0) == 0


def test_product_availability_has_every_product_with_its_availability_or_unknown(loaded: Loaded) -> None:
    rows = query(loaded.target, "select product_id, availability, colours, category from marts.product_availability")
    expected = loaded.sandbox.data.expected_availability(generation=loaded.third_stats["generation"])
    assert {row[0]: row[1] for row in rows} == expected
    assert sum(value == "UNKNOWN" for value in expected.values()) == len(loaded.sandbox.data.unlisted_ids) > 0
    product = loaded.sandbox.data.products["facemasks"][0]
    row = next(row for row in rows if row[0] == product["id"])
    assert row[2:] == (", ".join(product["color"]), "facemasks")


def test_a_manufacturer_stuck_in_error_mode_fails_the_load_by_name_after_the_others_land(target: Target) -> None:
    with running_badapi_sandbox(seed=9, products_per_category=40, error_rate=0.0) as sandbox:
        stuck = sandbox.data.manufacturers[0]
        result = load_badapi(
            target, options_for(sandbox, error_mode_attempts=3), force_error_mode={stuck}, echo=lambda line: None
        )
        assert not result.ok and f"manufacturer {stuck!r} stayed in error mode" in (result.error or "")
        assert len(sandbox.calls("availability")) == len(sandbox.data.manufacturers) + 2
        makers = {row[0] for row in query(target, "select distinct manufacturer from raw_badapi.availability")}
        assert makers == set(sandbox.data.manufacturers) - {stuck}
        failed = query(target, "select subject, detail from raw_badapi.checks where outcome = 'failed'")
        assert [row[0] for row in failed] == [stuck] and "3 attempts" in failed[0][1]


def test_every_parses_intervals_and_repeats_the_job_until_stopped() -> None:
    assert [parse_interval(text) for text in ("5m", "30s", "1h", "90")] == [300.0, 30.0, 3600.0, 90.0]
    with pytest.raises(ValueError, match="not an interval"):
        parse_interval("every five minutes")
    outcomes = iter([True, False, True])
    assert run_every(0.01, lambda: next(outcomes), echo=lambda line: None, max_runs=3) == (3, 1)
    stop, runs = threading.Event(), []

    def job() -> bool:
        runs.append(1)
        stop.set()
        return True

    assert run_every(3600, job, echo=lambda line: None, stop=stop) == (1, 0)


def test_the_load_command_reads_the_base_url_from_dlt_config_and_refresh_relands_without_duplicates(
    tmp_path: Path,
) -> None:
    warehouse = tmp_path / "cli.duckdb"
    with running_badapi_sandbox(seed=5, products_per_category=20, error_rate=0.0) as sandbox:
        env = {"SOURCES__BADAPI__BASE_URL": sandbox.url}
        result = CliRunner().invoke(elt, ["--duckdb", str(warehouse), "load", "badapi"], env=env)
        assert result.exit_code == 0, result.output
        assert raw_counts(Target.from_options("duckdb", warehouse)) == expected_counts(sandbox)
        sandbox.reset_stats()
        refreshed = CliRunner().invoke(elt, ["--duckdb", str(warehouse), "load", "badapi", "--refresh"], env=env)
        assert refreshed.exit_code == 0, refreshed.output
        assert sandbox.stats()["not_modified"] == 0  # no If-None-Match sent: every listing answered in full
        assert raw_counts(Target.from_options("duckdb", warehouse)) == expected_counts(sandbox)
        bad = CliRunner().invoke(elt, ["--duckdb", str(warehouse), "load", "badapi", "--every", "often"], env=env)
        assert bad.exit_code == 2 and "not an interval" in bad.output


def test_the_load_command_with_build_rebuilds_the_marts_after_the_load(tmp_path: Path) -> None:
    warehouse = tmp_path / "cli.duckdb"
    with running_badapi_sandbox(seed=6, products_per_category=15, error_rate=0.0) as sandbox:
        env = {"SOURCES__BADAPI__BASE_URL": sandbox.url}
        result = CliRunner().invoke(elt, ["--duckdb", str(warehouse), "load", "badapi", "--build"], env=env)
        products = expected_counts(sandbox)["products"]

    assert result.exit_code == 0, result.output
    assert "passed" in result.output
    target = Target.from_options("duckdb", warehouse)
    assert query(target, "select count(*) from marts.product_availability") == [(products,)]
