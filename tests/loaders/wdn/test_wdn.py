"""What Drops Now: the sandbox behaves like the API, the loader lands it exactly (bounded, resumable), dbt builds.

Everything runs against `running_wdn_sandbox` on 127.0.0.1 into temporary DuckDB warehouses.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from elt.cli import main as elt
from elt.dbt import DbtOutcome, run_dbt
from elt.targets import Target
from loaders.wdn import settings
from loaders.wdn.options import WdnOptions
from loaders.wdn.pipeline import WdnLoad, load_wdn
from sandboxes.wdn.data import generate_wdn_dataset
from sandboxes.wdn.server import WdnSandbox, check_bind_host, running_wdn_sandbox
from tests.support.warehouse import query, shared_warehouse

RAW_TABLES = ("brands", "products", "offers", "retailers")


def options_for(sandbox: WdnSandbox, **overrides: Any) -> WdnOptions:
    """Options pointing at the sandbox, with retries that wait milliseconds instead of seconds."""
    values: dict[str, Any] = {
        "base_url": sandbox.base_url,
        "retry_backoff_seconds": 0.01,
        "retry_max_delay_seconds": 0.05,
    }
    return WdnOptions(**(values | overrides))


def raw_counts(target: Target) -> dict[str, int]:
    return {table: query(target, f"select count(*) from raw_wdn.{table}")[0][0] for table in RAW_TABLES}


def expected_counts(sandbox: WdnSandbox, brands: tuple[str, ...] = settings.BRANDS) -> dict[str, int]:
    counts = sandbox.data.counts(list(brands))
    return {table: counts[table] for table in RAW_TABLES}


def calls_to(sandbox: WdnSandbox, endpoint: str) -> int:
    return len(sandbox.calls(endpoint))


# -- the sandbox ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared() -> Iterator[WdnSandbox]:
    """A small read-only sandbox for the tests that only ask it questions."""
    with running_wdn_sandbox(seed=3, products_per_brand=25) as sandbox:
        yield sandbox


def get(sandbox: WdnSandbox, path: str, **params: Any) -> requests.Response:
    return requests.get(sandbox.base_url + path, params=params, timeout=10)


def test_sandbox_pages_products_reporting_total_count_and_current_page(shared: WdnSandbox) -> None:
    nike = shared.data.brands_named(["Nike"])[0]
    pages = [get(shared, f"/brands/{nike.id}/products", page=n, page_size=10).json() for n in (1, 2, 3, 4)]
    assert [page["meta"]["page"] for page in pages] == [{"current_page": n, "total_count": 25} for n in (1, 2, 3, 4)]
    assert [len(page["data"]) for page in pages] == [10, 10, 5, 0]
    ids = [product["id"] for page in pages for product in page["data"]]
    assert ids == [str(product.id) for product in shared.data.products_of(["Nike"])]
    assert set(pages[0]["data"][0]["attributes"]) == {"name", "description", "release_at", "brand_names"}


def test_sandbox_brand_search_also_finds_look_alike_brands(shared: WdnSandbox) -> None:
    found = get(shared, "/searches/brand_search", q="nike").json()["data"]
    assert sorted(brand["attributes"]["name"] for brand in found) == ["Nike", "Nike SB"]
    assert set(found[0]["attributes"]) == {"name", "description", "website"}


def test_sandbox_offers_are_often_empty_and_carry_prices_as_decimal_text(shared: WdnSandbox) -> None:
    products = shared.data.products_of(settings.BRANDS)
    offerless = next(p for p in products if not shared.data.offers_by_product[p.id])
    with_offers = next(p for p in products if shared.data.offers_by_product[p.id])
    empty = get(shared, f"/products/{offerless.id}/offers").json()
    assert empty == {"data": [], "meta": {"page": {"current_page": 1, "total_count": 0}}}
    offer = get(shared, f"/products/{with_offers.id}/offers").json()["data"][0]
    assert isinstance(offer["id"], str) and offer["attributes"]["product_id"] == with_offers.id
    assert Decimal(offer["attributes"]["price_usd"]) > 0


def test_sandbox_answers_404_for_some_retailers_the_offers_name(shared: WdnSandbox) -> None:
    retailers = shared.data.retailers_of(settings.BRANDS)
    missing = [r for r in retailers if not r.is_listed]
    listed = [r for r in retailers if r.is_listed]
    assert missing and listed
    assert get(shared, f"/retailers/{missing[0].id}").status_code == 404
    answer = get(shared, f"/retailers/{listed[0].id}").json()
    assert answer == {
        "data": {
            "id": str(listed[0].id),
            "type": "retailers",
            "attributes": {"name": listed[0].name, "website": listed[0].website},
        }
    }


def test_sandbox_throttles_with_429_above_five_concurrent_requests() -> None:
    with running_wdn_sandbox(products_per_brand=5, latency_seconds=1.0) as sandbox:
        barrier = threading.Barrier(7)
        statuses: list[int] = []

        def call() -> None:
            barrier.wait()
            statuses.append(get(sandbox, "/searches/brand_search", q="Vans").status_code)

        threads = [threading.Thread(target=call) for _ in range(7)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200] * 5 + [429] * 2
        assert sandbox.stats()["status_429"] == 2 and sandbox.peak_concurrency > 5


def test_sandbox_data_depends_only_on_the_seed_and_sizes() -> None:
    assert generate_wdn_dataset(seed=5, products_per_brand=20) == generate_wdn_dataset(seed=5, products_per_brand=20)
    assert generate_wdn_dataset(seed=5, products_per_brand=20) != generate_wdn_dataset(seed=6, products_per_brand=20)
    assert generate_wdn_dataset(products_per_brand=300).counts()["products"] == 1500


def test_sandbox_refuses_a_non_loopback_address_unless_allowed() -> None:
    with pytest.raises(ValueError, match="not a loopback address"):
        check_bind_host("0.0.0.0")
    check_bind_host("0.0.0.0", allow_remote=True)
    check_bind_host("::1")


# -- one warehouse loaded three times, then built ---------------------------------------------------------


@dataclass
class Loaded:
    sandbox: WdnSandbox
    target: Target
    first: WdnLoad
    first_stats: dict[str, Any]
    counts_after_first: dict[str, int]
    rerun: WdnLoad
    rerun_calls: int
    counts_after_rerun: dict[str, int]
    refetch: WdnLoad
    refetch_stats: dict[str, Any]
    counts_after_refetch: dict[str, int]
    dbt: DbtOutcome


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """Load, rerun within the day, refetch everything (fresh_for 0), then `dbt build -s source:wdn+`."""
    target = shared_warehouse(tmp_path_factory)
    with running_wdn_sandbox(seed=11, products_per_brand=40, latency_seconds=0.01) as sandbox:
        options = options_for(sandbox, offers_batch_size=200)
        first = load_wdn(target, options=options, echo=lambda line: None)
        first_stats, counts_after_first = sandbox.stats(), raw_counts(target)
        sandbox.reset_stats()
        rerun = load_wdn(target, options=options, echo=lambda line: None)
        rerun_calls, counts_after_rerun = sandbox.stats()["calls"], raw_counts(target)
        sandbox.reset_stats()
        refetch = load_wdn(target, options=options_for(sandbox, fresh_for_hours=0.0), echo=lambda line: None)
        refetch_stats, counts_after_refetch = sandbox.stats(), raw_counts(target)
        outcome = run_dbt(["build", "-s", "source:wdn+"], target, quiet=True)
        yield Loaded(
            sandbox=sandbox,
            target=target,
            first=first,
            first_stats=first_stats,
            counts_after_first=counts_after_first,
            rerun=rerun,
            rerun_calls=rerun_calls,
            counts_after_rerun=counts_after_rerun,
            refetch=refetch,
            refetch_stats=refetch_stats,
            counts_after_refetch=counts_after_refetch,
            dbt=outcome,
        )


def test_a_load_lands_exactly_the_brands_products_offers_and_retailers_the_sandbox_serves(loaded: Loaded) -> None:
    assert loaded.first.ok, loaded.first.error
    assert loaded.counts_after_first == expected_counts(loaded.sandbox)
    landed = {row[0] for row in query(loaded.target, "select name from raw_wdn.brands")}
    assert landed == set(settings.BRANDS)  # the search's look-alikes ("Nike SB") are not taken
    offer_ids = {row[0] for row in query(loaded.target, "select id from raw_wdn.offers")}
    assert offer_ids == {offer.id for offer in loaded.sandbox.data.offers_of(settings.BRANDS)}


def test_the_load_makes_one_call_per_brand_listing_page_product_and_retailer(loaded: Loaded) -> None:
    data, calls = loaded.sandbox.data, loaded.first_stats["by_endpoint"]
    assert calls["brand_search"]["calls"] == len(settings.BRANDS)
    assert calls["products"]["calls"] == len(settings.BRANDS)  # 40 products: one page of 100 each
    assert calls["offers"]["calls"] == len(data.products_of(settings.BRANDS))  # empty offers cost one call
    assert calls["retailer"]["calls"] == len(data.retailers_of(settings.BRANDS))  # each retailer once


def test_retailers_answering_404_are_tolerated_and_recorded_as_such(loaded: Loaded) -> None:
    missing = {str(r.id) for r in loaded.sandbox.data.retailers_of(settings.BRANDS) if not r.is_listed}
    assert missing and loaded.first_stats["by_endpoint"]["retailer"]["statuses"]["404"] == len(missing)
    rows = query(loaded.target, "select id, name from raw_wdn.retailers where http_status = 404")
    assert {row[0] for row in rows} == missing and {row[1] for row in rows} == {None}


def test_requests_run_in_parallel_but_never_more_than_five_at_once(loaded: Loaded) -> None:
    assert 2 <= loaded.first_stats["peak_concurrency"] <= settings.MAX_CONCURRENT_REQUESTS
    assert loaded.first_stats["status_429"] == 0
    assert loaded.refetch_stats["peak_concurrency"] <= settings.MAX_CONCURRENT_REQUESTS


def test_a_second_run_within_a_day_calls_nothing_and_adds_nothing(loaded: Loaded) -> None:
    assert loaded.rerun.ok and loaded.rerun.row_counts == {}
    assert loaded.rerun_calls == 0
    assert loaded.rerun.brands_fresh == list(settings.BRANDS) and loaded.rerun.products_fresh == 200
    assert loaded.counts_after_rerun == loaded.counts_after_first


def test_refetching_everything_merges_on_ids_and_adds_no_rows(loaded: Loaded) -> None:
    assert loaded.refetch.ok and loaded.refetch.row_counts["offers"] == loaded.counts_after_first["offers"]
    assert loaded.refetch_stats["by_endpoint"]["offers"]["calls"] == 200
    assert loaded.counts_after_refetch == loaded.counts_after_first


def test_dbt_build_of_the_wdn_models_passes_with_its_unit_tests(loaded: Loaded) -> None:
    assert loaded.dbt.success, loaded.dbt.failures
    assert loaded.dbt.statuses.get("error", 0) == 0 and loaded.dbt.statuses.get("fail", 0) == 0


def test_the_marts_hold_one_row_per_product_offer_and_retailer(loaded: Loaded) -> None:
    expected = expected_counts(loaded.sandbox)
    counts = {
        mart: query(loaded.target, f"select count(*) from marts.{mart}")[0][0]
        for mart in ("wdn_products", "wdn_offers", "wdn_retailers")
    }
    assert counts == {
        "wdn_products": expected["products"],
        "wdn_offers": expected["offers"],
        "wdn_retailers": expected["retailers"],
    }
    offerless = query(loaded.target, "select count(*) from marts.wdn_products where not has_offers")[0][0]
    assert offerless == loaded.sandbox.data.counts()["offerless_products"]


def expected_segments(sandbox: WdnSandbox) -> dict[int, tuple[str, int, Decimal]]:
    """The old job's analysis on the sandbox's data: retailer -> (segment, rank, average), Python-side."""
    prices: dict[int, list[Decimal]] = defaultdict(list)
    products = {product.id: product for product in sandbox.data.products_of(settings.BRANDS)}
    for offer in sandbox.data.offers_of(settings.BRANDS):
        brand_names = products[offer.product_id].brand_names.lower()
        if sandbox.data.retailers[offer.retailer_id].is_listed and any(
            b in brand_names for b in ("nike", "adidas", "vans")
        ):
            prices[offer.retailer_id].append(offer.price_usd)
    averages = {rid: (sum(p) / len(p)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for rid, p in prices.items()}
    segments = {
        rid: "Normal" if avg < 100 else "High End" if avg <= 200 else "Very High End" for rid, avg in averages.items()
    }
    result = {}
    for segment in ("Normal", "High End"):
        ranked = sorted((rid for rid in averages if segments[rid] == segment), key=lambda rid: -averages[rid])
        for rid in ranked:
            rank = 1 + sum(averages[other] > averages[rid] for other in ranked)
            result[rid] = (segment, rank, averages[rid])
    return result


def test_retailer_price_segments_follow_the_old_jobs_analysis(loaded: Loaded) -> None:
    expected = expected_segments(loaded.sandbox)
    rows = query(
        loaded.target,
        "select retailer_id, segment, retailer_rank, avg_price_usd from marts.wdn_retailer_price_segments",
    )
    assert {row[0]: (row[1], row[2], Decimal(str(row[3]))) for row in rows} == expected
    assert {segment for segment, _, _ in expected.values()} == {"Normal", "High End"}


# -- faults, crashes, the command --------------------------------------------------------------------------


def test_transient_errors_and_dropped_connections_are_retried_until_everything_lands(target: Target) -> None:
    with running_wdn_sandbox(seed=4, products_per_brand=15, faults="*@0.15=503,offers#3=drop") as sandbox:
        result = load_wdn(target, options=options_for(sandbox), echo=lambda line: None)
        stats = sandbox.stats()
    assert result.ok, result.error
    assert stats["faults"] >= 5
    assert raw_counts(target) == expected_counts(sandbox)


def test_a_crashed_run_resumes_and_skips_the_products_already_fresh(target: Target) -> None:
    with running_wdn_sandbox(seed=5, products_per_brand=8, faults="offers#25+=500") as sandbox:
        options = options_for(sandbox, offers_batch_size=20, retry_max_attempts=2)
        crashed = load_wdn(target, options=options, echo=lambda line: None)
        assert not crashed.ok and "500" in (crashed.error or "") and "/offers" in (crashed.error or "")
        assert crashed.offer_batches == 1  # batches of 20 products: calls 1-20 landed, the second batch failed
        landed = query(target, "select count(distinct product_id) from raw_wdn.offers")[0][0]
        sandbox.clear_faults()
        sandbox.reset_stats()
        resumed = load_wdn(target, options=options, echo=lambda line: None)
        assert resumed.ok, resumed.error
        assert resumed.products_fresh == 20 and resumed.products_due == 20
        assert calls_to(sandbox, "offers") == 20 and calls_to(sandbox, "products") == 0
        assert landed <= 20
        assert raw_counts(target) == expected_counts(sandbox)


def test_an_unknown_brand_fails_by_name_after_the_others_land(target: Target) -> None:
    with running_wdn_sandbox(seed=6, products_per_brand=8) as sandbox:
        result = load_wdn(target, ["Vans", "Nikee"], options=options_for(sandbox), echo=lambda line: None)
        assert not result.ok and "'Nikee' not found" in (result.error or "")
        assert raw_counts(target) == expected_counts(sandbox, ("Vans",))


def test_the_load_command_reads_the_base_url_from_dlt_config_and_takes_brands(tmp_path: Path) -> None:
    warehouse = tmp_path / "cli.duckdb"
    with running_wdn_sandbox(seed=8, products_per_brand=6) as sandbox:
        env = {"SOURCES__WDN__BASE_URL": sandbox.base_url, "SOURCES__WDN__RETRY_BACKOFF_SECONDS": "0.01"}
        result = CliRunner().invoke(
            elt, ["--duckdb", str(warehouse), "load", "wdn", "--brands", "Vans,adidas"], env=env
        )
        assert result.exit_code == 0, result.output
        assert "wdn: loaded" in result.output
        target = Target.from_options("duckdb", warehouse)
        assert raw_counts(target) == expected_counts(sandbox, ("Vans", "Adidas"))


def test_without_a_base_url_load_wdn_refuses_naming_the_setting_as_elt_run_skips_it(tmp_path: Path) -> None:
    from loaders.registry import source

    result = CliRunner().invoke(elt, ["--duckdb", str(tmp_path / "cli.duckdb"), "load", "wdn"], env={})
    assert result.exit_code == 2, result.output
    assert "What Drops Now is not configured: set SOURCES__WDN__BASE_URL" in result.output
    assert settings.BASE_URL in result.output
    assert not (tmp_path / "cli.duckdb").exists()
    assert source("wdn").missing() == ["SOURCES__WDN__BASE_URL"]


def test_the_load_command_prints_a_line_per_resource_as_each_load_finishes_and_none_when_quiet(
    tmp_path: Path,
) -> None:
    with running_wdn_sandbox(seed=9, products_per_brand=5) as sandbox:
        env = {"SOURCES__WDN__BASE_URL": sandbox.base_url, "SOURCES__WDN__RETRY_BACKOFF_SECONDS": "0.01"}
        args = ["--duckdb", str(tmp_path / "cli.duckdb"), "load", "wdn", "--brands", "Vans"]
        result = CliRunner().invoke(elt, args, env=env)
        assert result.exit_code == 0, result.output
        expected = expected_counts(sandbox, ("Vans",))
        lines = [line for line in result.output.splitlines() if line.endswith(" extracted")]
        rows = {table: f"{n:,} row{'' if n == 1 else 's'}" for table, n in expected.items()}
        assert lines == [f"wdn: {table}: {rows[table]} extracted" for table in RAW_TABLES]
        quiet = CliRunner().invoke(elt, ["-q", *args[:2], *args[2:], "--refresh"], env=env)
        assert quiet.exit_code == 0, quiet.output
        assert " extracted" not in quiet.output
