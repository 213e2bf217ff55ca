"""Feed dates outside the window (the retention days up to today, and a day ahead) are refused by the loader and
`elt load supplier-stock --date`, and the models count retention from today: issue 14's upload dated 2099, which
wiped the stock history, cannot be made, and one already in the raw table changes nothing."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from elt.dbt import run_dbt
from elt.targets import Target
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from loaders.supplier_feeds.window import FeedDateOutOfRange, FeedDateWindow, today
from sandboxes.samples import generate
from tests.support import REPO_ROOT
from tests.support.today import fixed_today
from tests.support.warehouse import query
from tests.support.workbooks import write_xlsx

DAY = dt.date(2026, 11, 20)
FAR = dt.date(2099, 1, 1)
_today = fixed_today(DAY)
COUNTS = {
    "history rows": "select count(*) from intermediate.int_supplier_stock__history",
    "history dates": "select count(distinct feed_date) from intermediate.int_supplier_stock__history",
    "supplier feeds": "select count(*) from marts.supplier_feeds",
    "ebay listings": "select count(*) from marts.ebay",
}


def test_the_window_is_the_retention_days_up_to_today_and_one_day_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    window = FeedDateWindow.current()
    assert today() == DAY
    assert (window.first, window.last, window.retention_days, window.days_ahead) == (
        dt.date(2026, 10, 21), dt.date(2026, 11, 21), 31, 1
    )  # fmt: skip
    for inside in (dt.date(2026, 10, 21), DAY, dt.date(2026, 11, 21)):
        assert window.refusal(inside) is None
    assert window.refusal(FAR) == (
        "feed date 2099-01-01 is after the accepted window 2026-10-21 … 2026-11-21 (the last 31 days the stock "
        "history keeps, up to 1 day(s) ahead): check the date; the window is set by supplier_stock_retention_days "
        "and feed_date_days_ahead in dbt_project.yml"
    )
    assert "2026-10-20 is before the accepted window" in (window.refusal(dt.date(2026, 10, 20)) or "")
    with pytest.raises(FeedDateOutOfRange, match="2026-11-22 is after"):
        window.check(dt.date(2026, 11, 22))
    monkeypatch.setenv("ELT_TODAY", "20/11/2026")
    with pytest.raises(FeedDateOutOfRange, match=r"ELT_TODAY='20/11/2026' is not a date \(YYYY-MM-DD\)"):
        today()


def _one_row_feed(folder: Path) -> Path:
    return write_xlsx(folder / "APE_SF.xlsx", [["Part", "In Stock"], ["AP00001", "YES"]])


def test_a_feed_dated_outside_the_window_is_refused_by_the_loader_and_the_command_and_nothing_lands(
    target: Target, tmp_path: Path
) -> None:
    feed = _one_row_feed(tmp_path)
    for day in (FAR, DAY + dt.timedelta(days=2), DAY - dt.timedelta(days=31)):
        report = load_supplier_stock(target, [str(feed)], day)
        (result,) = report.results
        assert not report.ok and result.status == "rejected" and result.code == "APE"
        assert result.reason.startswith(f"feed date {day.isoformat()} is ")
        assert "accepted window 2026-10-21 … 2026-11-21" in result.reason
    assert not target.duckdb_path.exists()  # nothing was written: not even the warehouse file

    env = {**os.environ, "ELT_DUCKDB_PATH": str(target.duckdb_path)}
    command = [sys.executable, "-m", "elt.cli", "load", "supplier-stock", str(feed), "--date", FAR.isoformat()]
    done = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Invalid value for '--date': feed date 2099-01-01 is after the accepted window" in done.stderr
    assert not target.duckdb_path.exists()

    assert load_supplier_stock(target, [str(feed)], DAY + dt.timedelta(days=1)).ok  # tomorrow's feed is fine


def _counts(target: Target) -> dict[str, int]:
    return {name: query(target, sql)[0][0] for name, sql in COUNTS.items()}


def _build(target: Target) -> None:
    outcome = run_dbt(["build", "--exclude-resource-type", "unit_test"], target, quiet=True)
    assert outcome.success, outcome.failures


def test_a_feed_dated_2099_already_in_the_raw_table_leaves_the_history_and_the_marts_as_they_were(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = generate(tmp_path / "files", last_day=DAY, days=9)
    assert load_products(target, str(sample.product_master)).ok
    assert load_stores(target, [str(p) for p in sample.store_workbooks]).ok
    for day, folder in sorted(sample.feed_dirs.items()):
        assert load_supplier_stock(target, [str(folder)], day).ok
    _build(target)
    before = _counts(target)
    assert before["history dates"] == 9 and min(before.values()) > 0

    # Loaded as the loader did before it checked dates (its "today" moved to 2099 for this one load).
    monkeypatch.setenv("ELT_TODAY", FAR.isoformat())
    assert load_supplier_stock(target, [str(_one_row_feed(tmp_path / "far"))], FAR).ok
    monkeypatch.setenv("ELT_TODAY", DAY.isoformat())
    _build(target)
    after = _counts(target)
    print(f"\nbefore the 2099 feed: {before}\nafter it and a build: {after}")
    assert after == before
    assert query(target, "select count(*) from marts.supplier_feeds where feed_date = ?", [FAR]) == [(0,)]

    # A normal feed loaded afterwards is what the marts show for its supplier.
    tomorrow = DAY + dt.timedelta(days=1)
    ape = next(p for p in sample.feed_dirs[DAY].iterdir() if p.name.startswith("APE"))
    assert load_supplier_stock(target, [str(ape)], tomorrow).ok
    _build(target)
    assert query(target, "select max(feed_date) from marts.supplier_feeds where supplier = 'APE'") == [(tomorrow,)]
    stock_dates = query(target, "select distinct stock_date from marts.ebay where supplier_store = 'APE'")
    assert stock_dates == [(tomorrow,)]
