"""The eBay staging models and `marts.ebay_listings` build on DuckDB: from loaded reads (each store's newest read,
exactly what the sandbox holds), and, as empty tables, in a warehouse eBay was never read into."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import elt.dbt
from elt.dbt import run_dbt
from elt.targets import Target
from loaders.ebay.client import EbaySettings
from loaders.ebay.pipeline import load_ebay
from sandboxes.ebay import serving
from tests.support.warehouse import query

MODELS = ["stg_ebay__active_listings", "stg_ebay__reads", "ebay_listings"]
ROWS = {
    "AMS": [[110_000_000_000 + n, "Brand", f"ams-{n}", n % 7, f"AMS part {n}", 19.99] for n in range(1, 241)],
    "CPO": [[120_000_000_000 + n, "Brand", f"CPO-{n}", 2, f"CPO part {n}", 9.99] for n in range(1, 21)],
}


def test_the_mart_holds_each_stores_newest_read_exactly(target: Target) -> None:
    with serving(rows=ROWS) as ebay:
        settings = EbaySettings(
            client_id=ebay.client_id,
            client_secret=ebay.client_secret,
            api_url=ebay.url,
            refresh_tokens=ebay.refresh_tokens,
        )
        assert load_ebay(target, None, settings, now=datetime(2026, 6, 1, 9, tzinfo=UTC), echo=print).ok
        item = next(x for x in ebay.active_listings("AMS") if x.listing_type == "FixedPriceItem")
        with ebay.data.lock:
            ebay.data.stores["AMS"].listings[item.item_id].listing_status = "Completed"  # ended since the first read
            ebay.data.stores["AMS"].listings[ebay.active_listings("AMS")[1].item_id].quantity += 5
        assert load_ebay(target, ["AMS"], settings, now=datetime(2026, 6, 2, 9, tzinfo=UTC), echo=print).ok
        expected = {
            (store, int(x.item_id), x.sku.upper(), x.quantity_available)
            for store in ROWS
            for x in ebay.active_listings(store)
        }
    outcome = run_dbt(["build", "--select", *MODELS], target, quiet=True)
    assert outcome.success, outcome.failures
    mart = query(target, "select ebay_store, item_id, sku, quantity_available, read_at from marts.ebay_listings")
    assert {row[:4] for row in mart} == expected and len(mart) == len(expected)
    assert int(item.item_id) not in {row[1] for row in mart if row[0] == "AMS"}
    assert {(row[0], row[4]) for row in mart} == {
        ("AMS", datetime(2026, 6, 2, 9)),
        ("CPO", datetime(2026, 6, 1, 9)),
    }
    assert query(target, "select count(*) from staging.stg_ebay__reads")[0][0] == 3


def test_the_models_build_empty_when_ebay_was_never_read(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    # dbt itself, without elt's "leave out the models of unloaded sources": source_or_empty stands in for raw_ebay
    monkeypatch.setattr(elt.dbt, "unloaded_sources", lambda _: [])
    outcome = run_dbt(["build", "--select", *MODELS], target, quiet=True)
    assert outcome.success, outcome.failures
    assert query(target, "select count(*) from marts.ebay_listings") == [(0,)]
    columns = [row[0] for row in query(target, "describe marts.ebay_listings")]
    assert columns[:6] == ["item_id", "ebay_store", "sku", "listing_type", "listing_status", "read_id"]
