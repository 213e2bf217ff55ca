"""The eBay loader: every store's active listings land exactly (all pages), reads replay idempotently, faults,
expired and rejected tokens, stores without a token. Against the eBay sandbox on 127.0.0.1, into temp DuckDBs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from elt.cli import main as elt
from elt.targets import Target
from loaders.ebay.client import EbaySettings
from loaders.ebay.pipeline import EbayLoad, load_ebay
from sandboxes.ebay import EbaySandbox, serving
from tests.support.warehouse import query

ROWS = {
    "AMS": [[110_000_000_000 + 7 * n, "Brand", f"AMS-SKU-{n}", n % 9, f"AMS part {n}", 19.99] for n in range(1, 521)],
    "CPO": [[120_000_000_000 + 3 * n, "Brand", f"CPO-SKU-{n}", 4, f"CPO part {n}", 9.99] for n in range(1, 61)],
    "RTG": [[130_000_000_000 + n, "RTG", f"RTG-{n:05d}", 20, f"RTG part {n}", 29.99] for n in range(1, 11)],
}
NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def ebay() -> Iterator[EbaySandbox]:
    with serving(rows=ROWS) as sandbox:
        yield sandbox


def settings_for(
    sandbox: EbaySandbox, stores: tuple[str, ...] = ("AMS", "CPO", "RTG"), **overrides: object
) -> EbaySettings:
    values: dict[str, object] = {
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "api_url": sandbox.url,
        "refresh_tokens": {store: sandbox.refresh_tokens[store] for store in stores},
        "retry_backoff_seconds": 0.01,
        "retry_max_delay_seconds": 0.05,
        "request_timeout_seconds": 2.0,
    } | overrides
    return EbaySettings(**values)  # type: ignore[arg-type]


def load(target: Target, sandbox: EbaySandbox, stores: list[str] | None = None, **options: object) -> EbayLoad:
    lines: list[str] = []
    settings = options.pop("ebay_settings", None) or settings_for(sandbox)
    result = load_ebay(target, stores, settings, echo=lines.append, **options)  # type: ignore[arg-type]
    result.lines = lines  # type: ignore[attr-defined]
    return result


def landed(target: Target, store: str) -> dict[str, tuple[int, int, str | None]]:
    """item id -> (quantity_available, quantity_sold, sku) of the store's newest read."""
    rows = query(
        target,
        "select item_id, quantity_available, quantity_sold, sku from raw_ebay.active_listings "
        "where store = ? and read_at = (select max(read_at) from raw_ebay.reads where store = ?)",
        [store, store],
    )
    return {item_id: (available, sold, sku) for item_id, available, sold, sku in rows}


def held(sandbox: EbaySandbox, store: str) -> dict[str, tuple[int, int, str | None]]:
    return {x.item_id: (x.quantity_available, x.quantity_sold, x.sku) for x in sandbox.active_listings(store)}


def test_every_store_lands_exactly_its_active_listings_from_every_page(target: Target, ebay: EbaySandbox) -> None:
    result = load(target, ebay, now=NOW)
    assert result.ok, result.error
    for store in ("AMS", "CPO", "RTG"):
        assert landed(target, store) == held(ebay, store)
        assert result.stores_read[store] == len(ebay.active_listings(store))
    assert len(ebay.calls_by_store("AMS", "GetMyeBaySelling")) == 3  # 500-odd listings: 3 pages of 200
    reads = query(target, "select store, listings, pages, read_at from raw_ebay.reads order by store")
    assert [(s, n, p) for s, n, p, _ in reads] == [
        ("AMS", len(ebay.active_listings("AMS")), 3),
        ("CPO", len(ebay.active_listings("CPO")), 1),
        ("RTG", len(ebay.active_listings("RTG")), 1),
    ]
    assert {r[3] for r in reads} == {NOW.replace(tzinfo=None)}  # UTC, without a time zone
    assert result.row_counts == {"active_listings": sum(map(len, map(ebay.active_listings, ROWS))), "reads": 3}
    columns = {r[0] for r in query(target, "describe raw_ebay.active_listings")}
    assert columns >= {"store", "item_id", "sku", "quantity", "quantity_available", "quantity_sold", "listing_type",
                       "listing_status", "title", "read_at", "read_id"}  # fmt: skip


def test_a_replayed_read_adds_nothing_and_a_new_read_is_kept_beside_the_old(target: Target, ebay: EbaySandbox) -> None:
    assert load(target, ebay, now=NOW).ok
    count = query(target, "select count(*) from raw_ebay.active_listings")[0][0]
    again = load(target, ebay, now=NOW)
    assert again.ok and query(target, "select count(*) from raw_ebay.active_listings")[0][0] == count
    assert query(target, "select count(*) from raw_ebay.reads")[0][0] == 3
    later = load(target, ebay, ["AMS"], now=datetime(2026, 6, 2, 9, 30, tzinfo=UTC))
    assert later.ok
    assert query(target, "select count(*) from raw_ebay.reads")[0][0] == 4
    assert landed(target, "AMS") == held(ebay, "AMS")


def test_a_listing_that_ends_between_two_pages_makes_the_store_read_again(target: Target) -> None:
    ended: list[str] = []

    def end_one_after_the_first_page(line: str) -> None:  # called as each call is logged, before its answer
        if line.startswith("GetMyeBaySelling [AMS]") and not ended:
            first = sandbox.active_listings("AMS")[0]
            with sandbox.data.lock:
                sandbox.data.stores["AMS"].listings[first.item_id].listing_status = "Completed"
            ended.append(first.item_id)

    with serving(rows=ROWS, log=end_one_after_the_first_page) as sandbox:
        result = load(target, sandbox, ["AMS"], now=NOW)
        assert result.ok, result.error
        assert landed(target, "AMS") == held(sandbox, "AMS") and ended[0] not in landed(target, "AMS")
        assert len(sandbox.calls_by_store("AMS", "GetMyeBaySelling")) == 6  # 3 pages, read twice


def test_a_store_with_no_active_listing_lands_a_read_that_found_none(target: Target) -> None:
    with serving(rows={"AMS": ROWS["AMS"][:5], "EMP": []}) as sandbox:
        result = load(target, sandbox, ebay_settings=settings_for(sandbox, ("AMS", "EMP")), now=NOW)
        active = len(sandbox.active_listings("AMS"))
    assert result.ok and result.stores_read == {"AMS": active, "EMP": 0}
    assert query(target, "select listings, pages from raw_ebay.reads where store = 'EMP'") == [(0, 0)]


def test_the_load_survives_every_fault_kind_with_every_listing_right(target: Target, ebay: EbaySandbox) -> None:
    ebay.set_faults(
        "token#1=500,GetMyeBaySelling#2=503,GetMyeBaySelling#3=drop,GetMyeBaySelling#4=truncate,"
        "GetMyeBaySelling#5=quota,GetMyeBaySelling#6=slow:3,GetMyeBaySelling#7=502"
    )
    result = load(target, ebay, now=NOW)
    assert result.ok, result.error
    for store in ROWS:
        assert landed(target, store) == held(ebay, store)
    assert ebay.stats()["faults"] == 7


def test_an_access_token_that_expires_mid_read_is_refreshed(target: Target, ebay: EbaySandbox) -> None:
    ebay.set_faults("GetMyeBaySelling#2=expire")
    result = load(target, ebay, ["AMS"], now=NOW)
    assert result.ok, result.error
    assert landed(target, "AMS") == held(ebay, "AMS")
    assert len(ebay.calls_by_store("AMS", "token")) == 2


def test_a_store_whose_refresh_token_is_rejected_fails_by_name_and_the_others_load(
    target: Target, ebay: EbaySandbox
) -> None:
    ebay.revoke("CPO")
    result = load(target, ebay, now=NOW)
    assert not result.ok and list(result.stores_failed) == ["CPO"]
    assert "store CPO" in (result.error or "") and "invalid_grant" in (result.error or "")
    assert ebay.refresh_tokens["CPO"] not in "\n".join(result.lines)  # type: ignore[attr-defined]
    assert landed(target, "AMS") == held(ebay, "AMS") and landed(target, "RTG") == held(ebay, "RTG")
    assert landed(target, "CPO") == {}


def test_a_store_without_a_refresh_token_is_skipped_saying_so(target: Target, ebay: EbaySandbox) -> None:
    result = load(target, ebay, ["AMS", "RTG"], ebay_settings=settings_for(ebay, ("AMS",)), now=NOW)
    assert result.ok and list(result.stores_read) == ["AMS"]
    assert result.stores_skipped == ["store RTG skipped: no refresh token (set SOURCES__EBAY__RTG__REFRESH_TOKEN)"]
    assert any("RTG skipped" in line for line in result.lines)  # type: ignore[attr-defined]


def test_the_store_workbooks_stores_are_read_or_skipped_by_default(target: Target, ebay: EbaySandbox) -> None:
    with duckdb.connect(str(target.duckdb_path)) as con:
        con.execute("create schema raw_supplier_stock")
        con.execute(
            "create table raw_supplier_stock.store_listings as select 'RTG' as ebay_store union all select 'XYZ'"
        )
    result = load(target, ebay, ebay_settings=settings_for(ebay, ("AMS", "RTG")), now=NOW)
    assert result.ok and sorted(result.stores_read) == ["AMS", "RTG"]
    assert result.stores_skipped == ["store XYZ skipped: no refresh token (set SOURCES__EBAY__XYZ__REFRESH_TOKEN)"]


def test_elt_load_ebay_reads_the_settings_and_names_the_stores(tmp_path: Path, ebay: EbaySandbox) -> None:
    env = ebay.settings(["AMS", "CPO"]) | {"SOURCES__EBAY__RETRY_BACKOFF_SECONDS": "0.01"}
    warehouse = tmp_path / "w.duckdb"
    result = CliRunner().invoke(elt, ["--duckdb", str(warehouse), "load", "ebay", "--stores", "cpo,RTG"], env=env)
    assert result.exit_code == 0, result.output
    assert "store CPO: " in result.output and "store RTG skipped" in result.output
    assert ebay.client_secret not in result.output and ebay.refresh_tokens["CPO"] not in result.output
    target = Target.from_options("duckdb", warehouse)
    assert landed(target, "CPO") == held(ebay, "CPO")
    ebay.revoke("AMS")
    failed = CliRunner().invoke(elt, ["--duckdb", str(warehouse), "load", "ebay", "--stores", "AMS"], env=env)
    assert failed.exit_code != 0 and "store AMS" in failed.output


def test_elt_load_ebay_without_settings_says_what_to_set(tmp_path: Path) -> None:
    result = CliRunner().invoke(elt, ["--duckdb", str(tmp_path / "w.duckdb"), "load", "ebay"], env={
        "SOURCES__EBAY__CLIENT_ID": "", "SOURCES__EBAY__CLIENT_SECRET": ""})  # fmt: skip
    assert result.exit_code != 0
    assert "SOURCES__EBAY__" in result.output


def test_refresh_tokens_are_read_from_secrets_toml_per_store_section(tmp_path: Path) -> None:
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text(
        '[sources.ebay]\nclient_id = "app"\nclient_secret = "cert"\n\n'
        '[sources.ebay.ams]\nrefresh_token = "v^1.1#ams"\n\n[sources.ebay.rtg]\nrefresh_token = ""\n'
    )
    script = (
        "import json; from loaders.ebay.client import EbaySettings; from loaders.ebay.spec import missing; "
        "s = EbaySettings.from_config(); print(json.dumps([s.client_id, dict(s.refresh_tokens), missing()]))"
    )
    env = {name: value for name, value in os.environ.items() if not name.startswith("SOURCES__")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3])
    env["DLT_PROJECT_DIR"] = str(tmp_path)  # dlt's config folder is tmp_path/.dlt, whatever ran before
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == ["app", {"AMS": "v^1.1#ams"}, []]
