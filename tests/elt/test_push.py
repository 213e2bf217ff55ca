"""`elt push ebay` against the eBay sandbox: every listing sent ends at its target, each listing's outcome is
recorded, faults, crashes, tokens and eBay's limits are survived without a listing revised twice."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from elt.cli import main
from elt.dbt import run_dbt
from elt.push import REVISIONS_PER_DAY, PushOptions, PushRefused, PushReport, push_ebay
from elt.targets import Target
from loaders.ebay.pipeline import load_ebay
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from sandboxes.ebay import EbaySandbox, serving
from sandboxes.ebay.data import AUCTION
from sandboxes.samples import SampleFiles, generate
from tests.support.warehouse import query

PROJECT = Path(__file__).resolve().parents[2]
FAST = PushOptions(backoff_seconds=0.01, attempts=5)
CLIENT_SPEED = {
    "SOURCES__EBAY__RETRY_BACKOFF_SECONDS": "0.01",
    "SOURCES__EBAY__RETRY_MAX_DELAY_SECONDS": "0.05",
    "SOURCES__EBAY__REQUEST_TIMEOUT_SECONDS": "1",
    "SOURCES__EBAY__PUSH__BACKOFF_SECONDS": "0.01",
}


@dataclass(frozen=True)
class Built:
    warehouse: Path
    sample: SampleFiles


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The demo's sample files loaded and built once; each test pushes from its own copy."""
    root = tmp_path_factory.mktemp("push")
    sample = generate(root / "files", last_day=dt.date.today(), days=2)
    target = Target.from_options("duckdb", root / "warehouse.duckdb")
    assert load_products(target, str(sample.product_master)).ok
    assert load_stores(target, [str(p) for p in sample.store_workbooks]).ok
    for day, folder in sorted(sample.feed_dirs.items()):
        assert load_supplier_stock(target, [str(folder)], day).ok
    outcome = run_dbt(["build", "--exclude-resource-type", "unit_test"], target, quiet=True)
    assert outcome.success, outcome.failures
    with target.connect() as con:
        con.execute("checkpoint")  # everything in the file, so a copy of it is the whole warehouse
    return Built(root / "warehouse.duckdb", sample)


@pytest.fixture
def target(built: Built, tmp_path: Path) -> Target:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built.warehouse, path)
    shutil.copytree(f"{built.warehouse}.state", f"{path}.state")
    return Target.from_options("duckdb", path)


@pytest.fixture
def ebay(built: Built, monkeypatch: pytest.MonkeyPatch) -> Iterator[EbaySandbox]:
    with serving(workbooks=built.sample.store_workbooks) as sandbox:
        for name, value in {**sandbox.settings(), **CLIENT_SPEED}.items():
            monkeypatch.setenv(name, value)
        yield sandbox


def to_send(target: Target) -> list[tuple[str, int, int]]:
    return [
        (store, int(item), int(quantity))
        for store, item, quantity in query(
            target, "select ebay_store, item_id, target_quantity from marts.ebay_revisions where must_send"
        )
    ]


def revisable(ebay: EbaySandbox, store: str, item_id: int) -> bool:
    try:
        listing = ebay.listing(store, item_id)
    except KeyError:
        return False
    return listing.is_active and listing.listing_type != AUCTION


def assert_at_targets(target: Target, ebay: EbaySandbox, rows: list[tuple[str, int, int]]) -> None:
    """Every revisable listing sent holds its target; none was revised more than once today."""
    wrong = [
        (store, item, quantity, ebay.listing(store, item).quantity_available)
        for store, item, quantity in rows
        if revisable(ebay, store, item) and ebay.listing(store, item).quantity_available != quantity
    ]
    assert wrong == []
    twice = [(s, i) for s, i, _ in rows if revisable(ebay, s, i) and ebay.revisions_today(s, i) > 1]
    assert twice == []


def outcomes(target: Target, push_id: str | None = None) -> dict[tuple[str, int], str]:
    """Each listing's final outcome (the newest non-`sending` row) of one push, or of every push."""
    sql = "select ebay_store, item_id, outcome from raw_ebay.revisions where outcome <> 'sending'"
    params: list[object] = []
    if push_id:
        sql += " and push_id = ?"
        params.append(push_id)
    return {(s, int(i)): o for s, i, o in query(target, sql + " order by recorded_at", params)}


def revise_calls(ebay: EbaySandbox) -> int:
    return sum(len(ebay.calls_by_store(store, "ReviseInventoryStatus")) for store in ebay.stores)


def push(target: Target, **options: object) -> PushReport:
    return push_ebay(target, options=FAST, **options)  # type: ignore[arg-type]


def test_every_listing_sent_ends_at_its_target_and_ended_or_auction_listings_fail_alone(
    target: Target, ebay: EbaySandbox
) -> None:
    rows = to_send(target)
    assert len(rows) > 500
    report = push(target)
    assert_at_targets(target, ebay, rows)
    recorded = outcomes(target, report.push_id)
    assert set(recorded) == {(s, i) for s, i, _ in rows}  # every listing's outcome is in the warehouse
    for store, item, _ in rows:
        expected = {"revised", "unchanged"} if revisable(ebay, store, item) else {"failed"}
        assert recorded[(store, item)] in expected, (store, item)
    failed = {(s, i) for (s, i), o in recorded.items() if o == "failed"}
    assert failed and all(not revisable(ebay, s, i) for s, i in failed)
    codes = {
        code for (code,) in query(target, "select distinct error_code from raw_ebay.revisions where outcome = 'failed'")
    }
    assert codes <= {"291", "21916286", "17"} and "291" in codes
    for store, store_report in report.stores.items():
        calls = len(ebay.calls_by_store(store, "ReviseInventoryStatus"))
        assert calls == store_report.calls == -(-store_report.to_send // 4), store  # 4 listings a call
    assert not report.ok  # the ended listings are failures, reported


def test_drifted_listings_are_corrected_once_ebay_was_read_and_every_listing_ends_at_its_target(
    target: Target, ebay: EbaySandbox
) -> None:
    assert load_ebay(target, echo=lambda _: None).ok
    assert run_dbt(["build", "--exclude-resource-type", "unit_test"], target, quiet=True).success
    every = [
        (s, int(i), int(q))
        for s, i, q in query(target, "select ebay_store, item_id, target_quantity from marts.ebay_revisions")
    ]
    drifted = query(
        target,
        "select count(*) from marts.ebay_revisions r inner join staging.stg_supplier_stock__store_listings w "
        "on r.ebay_store = w.ebay_store and r.item_id = w.item_id "
        "where r.ebay_quantity_source = 'ebay_read' and r.ebay_quantity <> w.current_quantity and r.must_send",
    )[0][0]
    assert drifted > 0  # eBay's read, not the workbook, decides what is sent
    push(target)
    assert_at_targets(target, ebay, every)  # the listings not sent already held their targets


def test_a_rerun_sends_nothing_confirmed_and_does_not_resend_permanent_refusals(
    target: Target, ebay: EbaySandbox
) -> None:
    first = push(target)
    calls = revise_calls(ebay)
    second = push(target)
    assert revise_calls(ebay) == calls  # nothing confirmed is sent again, no refusal is resent
    for store, report in second.stores.items():
        assert report.to_send == 0
        assert report.confirmed_before == first.stores[store].count("revised") + first.stores[store].count("unchanged")
        assert report.count("skipped") == first.stores[store].count("failed")  # reported again
    assert all("not resent" in (o.error_message or "") for r in second.stores.values() for o in r.outcomes)


def test_a_new_build_resends_the_permanent_refusals_only(target: Target, ebay: EbaySandbox) -> None:
    first = push(target)
    assert run_dbt(["build", "--exclude-resource-type", "unit_test"], target, quiet=True).success
    calls = revise_calls(ebay)
    second = push(target)
    failed_before = sum(r.count("failed") for r in first.stores.values())
    assert sum(r.to_send for r in second.stores.values()) == failed_before  # the rest is confirmed in the mart now
    assert revise_calls(ebay) - calls == sum(-(-r.to_send // 4) for r in second.stores.values())


@pytest.mark.parametrize(
    "faults",
    [
        "ReviseInventoryStatus@0.2=500",
        "ReviseInventoryStatus@0.2=503",
        "ReviseInventoryStatus@0.2=drop",
        "ReviseInventoryStatus@0.03=slow:2",
        "ReviseInventoryStatus@0.2=truncate",
        "ReviseInventoryStatus@0.2=quota",
        "ReviseInventoryStatus#3=expire,ReviseInventoryStatus#40=expire",
        "token#1=503",
    ],
)
def test_each_fault_kind_is_survived_with_every_listing_right(target: Target, ebay: EbaySandbox, faults: str) -> None:
    rows = to_send(target)
    ebay.set_faults(faults)
    report = push(target)
    assert ebay.stats()["faults"] > 0
    assert_at_targets(target, ebay, rows)
    assert all(report.error is None for report in report.stores.values())
    recorded = outcomes(target, report.push_id)
    assert all(recorded[(s, i)] in ("revised", "unchanged") for s, i, _ in rows if revisable(ebay, s, i))


def test_a_push_killed_mid_wave_and_rerun_revises_no_listing_twice(target: Target, ebay: EbaySandbox) -> None:
    rows = to_send(target)
    env = {**os.environ, "ELT_DUCKDB_PATH": str(target.duckdb_path)}
    killed = subprocess.run(
        [sys.executable, "-m", "tests.support.crash", "push:30", "push", "ebay"],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr
    sent = revise_calls(ebay)
    assert 30 <= sent < -(-len(rows) // 4)  # killed part-way
    (in_flight,) = query(
        target,
        "select count(*) from raw_ebay.revisions s where outcome = 'sending' and not exists (select 1 from "
        "raw_ebay.revisions o where o.push_id = s.push_id and o.item_id = s.item_id and o.outcome <> 'sending')",
    )[0]
    assert in_flight > 0  # the kill left listings revised on eBay but unconfirmed in the warehouse
    rerun = push(target)
    assert_at_targets(target, ebay, rows)
    unchanged = sum(r.count("unchanged") for r in rerun.stores.values())
    assert unchanged > 0  # the unconfirmed ones were sent again and eBay said it held them already


def test_the_250_a_day_guard_skips_and_reports_a_listing_revised_250_times_today(
    target: Target, ebay: EbaySandbox
) -> None:
    (store, item, _), (store2, item2, _) = [r for r in to_send(target) if revisable(ebay, r[0], r[1])][:2]
    push(target, store="NONE")  # creates the records table, sends nothing
    now = dt.datetime.now(dt.UTC)
    with target.connect() as con:
        for n in range(REVISIONS_PER_DAY):
            con.execute(
                "insert into raw_ebay.revisions (push_id, build_id, ebay_store, item_id, quantity_sent, outcome, "
                "is_permanent, attempted_at, recorded_at) values (?, 'old', ?, ?, ?, 'revised', false, ?, ?)",
                [f"earlier-{n}", store, item, n, now, now],
            )
    with ebay.data.lock:  # eBay's own count: the second listing was revised 250 times today elsewhere
        ebay.data.stores[store2].listings[str(item2)].revisions[ebay.today()] = REVISIONS_PER_DAY
    before = ebay.listing(store, item).quantity_available
    report = push(target)
    skipped = {o.listing.item_id: o for r in report.stores.values() for o in r.outcomes if o.outcome == "skipped"}
    assert item in skipped and "250" in (skipped[item].error_message or "")
    assert item2 in skipped and skipped[item2].error_code == "21919250"
    assert ebay.listing(store, item).quantity_available == before  # never sent
    assert not report.ok


def test_a_dry_run_sends_and_records_nothing(target: Target, ebay: EbaySandbox) -> None:
    result = CliRunner().invoke(main, ["--duckdb", str(target.duckdb_path), "push", "ebay", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would send" in result.output and "dry run" in result.output
    assert revise_calls(ebay) == 0
    assert "raw_ebay" not in target.datasets_with_tables()


def test_the_command_prints_a_summary_per_store_and_exits_1_when_a_listing_failed(
    target: Target, ebay: EbaySandbox
) -> None:
    result = CliRunner().invoke(main, ["--duckdb", str(target.duckdb_path), "push", "ebay", "--store", "ams"])
    assert result.exit_code == 1, result.output
    assert "AMS" in result.output and "revised" in result.output and "291" in result.output
    assert "CPO" not in result.output
    assert {s for (s,) in query(target, "select distinct ebay_store from raw_ebay.revisions")} == {"AMS"}


def test_a_rejected_refresh_token_fails_that_store_by_name_and_the_others_go(target: Target, ebay: EbaySandbox) -> None:
    rows = to_send(target)
    ebay.revoke("CPO")
    report = push(target)
    assert report.stores["CPO"].error and "CPO" in report.stores["CPO"].error
    assert "invalid_grant" in report.stores["CPO"].error
    assert ebay.calls_by_store("CPO", "ReviseInventoryStatus") == []
    assert_at_targets(target, ebay, [r for r in rows if r[0] != "CPO"])
    assert report.stores["AMS"].error is None and report.stores["AMS"].count("revised") > 0
    assert not report.ok


def test_an_expired_access_token_is_refreshed_and_the_push_goes_on(target: Target, ebay: EbaySandbox) -> None:
    rows = to_send(target)
    ebay.set_faults("ReviseInventoryStatus#5=expire")
    report = push(target)
    assert all(r.error is None for r in report.stores.values())
    assert len(ebay.calls("token")) > len(ebay.stores)  # a second token for the expired one
    assert_at_targets(target, ebay, rows)


def test_the_push_refuses_after_a_failed_or_missing_build(target: Target, ebay: EbaySandbox) -> None:
    from elt.guard import build_finished

    build_finished(target, ["build"], False, ["model.elt.ebay: boom"])
    with pytest.raises(PushRefused, match="failed"):
        push(target)
    assert revise_calls(ebay) == 0


def test_elt_run_with_elt_push_ebay_reads_ebay_builds_and_pushes_after_the_passing_build(
    target: Target, ebay: EbaySandbox, built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    from elt.daily import run_daily
    from elt.runs import RunLog

    sample = built.sample
    monkeypatch.setenv("SOURCES__SUPPLIER_STOCK__PRODUCTS_URL", str(sample.product_master))
    monkeypatch.setenv("SOURCES__SUPPLIER_STOCK__STORES_URL", str(sample.root))
    monkeypatch.setenv("SOURCES__SUPPLIER_STOCK__FEEDS_URL", str(sample.root / "feeds" / "{date}"))
    monkeypatch.setenv("ELT_PUSH_EBAY", "true")
    run = run_daily(target, max(sample.feed_dirs), RunLog())
    assert run.dbt is not None and run.dbt.success
    assert "ebay" not in run.errors and any(t.startswith("raw_ebay.") for t in run.raw_rows)  # eBay was read
    assert run.push is not None and run.push_error is None
    assert sum(r.count("revised") for r in run.push.stores.values()) > 500
    summary = run.summary()["ebay_push"]
    assert set(summary["stores"]) == set(ebay.stores) and summary["push_id"] == run.push.push_id
    rows = [
        (s, int(i), int(q))
        for s, i, q in query(target, "select ebay_store, item_id, target_quantity from marts.ebay_revisions")
    ]
    assert_at_targets(target, ebay, rows)
    assert not run.ok  # the sample's ended listings fail, by name, and fail the run


def test_elt_status_shows_each_stores_last_push_as_elt_push_ebay_recorded_it(target: Target, ebay: EbaySandbox) -> None:
    import json

    ebay.revoke("CPO")
    first = push(target)
    second = push(target, store="CPO")  # CPO's failed listings again: its newest push is this one
    result = CliRunner().invoke(main, ["--duckdb", str(target.duckdb_path), "status", "--json"])
    assert result.exit_code == 0, result.output
    pushes = {row["ebay_store"]: row for row in json.loads(result.output)["last_push"]}

    assert set(pushes) == set(first.stores)
    for store in first.stores:
        newest = second if store == "CPO" else first
        shown, made = pushes[store], newest.stores[store]
        assert shown["push_id"] == newest.push_id, store
        assert shown["listings"] == made.to_send, store
        counts = {kind: made.count(kind) for kind in ("revised", "unchanged", "failed", "skipped")}
        assert shown["by_outcome"] == {kind: n for kind, n in counts.items() if n}, store
    assert pushes["AMS"]["by_outcome"].get("revised", 0) > 0
    assert set(pushes["CPO"]["by_outcome"]) == {"failed"} and pushes["CPO"]["listings"] > 0  # revoked: all failed
    assert second.push_id != first.push_id

    text = CliRunner().invoke(main, ["--duckdb", str(target.duckdb_path), "status"])
    assert text.exit_code == 0, text.output
    assert "last push per store:" in text.output
    ams = pushes["AMS"]
    counts = ", ".join(f"{k} {v}" for k, v in sorted(ams["by_outcome"].items()))
    line = f"  AMS    {ams['started_at'][:19]}  {ams['listings']} listings ({counts}), push {first.push_id}"
    assert line in text.output.splitlines()
