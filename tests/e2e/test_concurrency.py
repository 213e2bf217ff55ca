"""Two `elt` commands on one DuckDB warehouse: the second waits for the first, or refuses clearly when it may
not wait; either way nothing is corrupted."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from elt.lock import lock_path
from elt.targets import Target
from sandboxes.samples import generate
from tests.support.today import fixed_today

DAY = dt.date(2026, 11, 20)
_today = fixed_today(DAY)


def _elt(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "elt.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_elt_run_waits_or_refuses_and_nothing_corrupts(tmp_path: Path) -> None:
    sample = generate(tmp_path / "files", last_day=DAY, days=2)
    target = Target.from_options("duckdb", tmp_path / "shared.duckdb")
    env = {
        **os.environ,
        "ELT_DUCKDB_PATH": str(target.duckdb_path),
        "SOURCES__SUPPLIER_STOCK__PRODUCTS_URL": str(sample.product_master),
        "SOURCES__SUPPLIER_STOCK__STORES_URL": str(sample.root),
        "SOURCES__SUPPLIER_STOCK__FEEDS_URL": str(sample.root / "feeds" / "{date}"),
    }
    first = _elt(env, "run", "--date", DAY.isoformat())
    deadline = time.monotonic() + 60
    while not (lock_path(target).exists() and "pid" in lock_path(target).read_text()):
        assert first.poll() is None and time.monotonic() < deadline, "the first run never took the lock"
        time.sleep(0.05)

    refused = _elt({**env, "ELT_LOCK_WAIT_SECONDS": "0"}, "run", "--date", DAY.isoformat())
    refused_out, refused_err = refused.communicate(timeout=60)
    waiting = _elt({**env, "ELT_LOCK_WAIT_SECONDS": "300"}, "run", "--date", DAY.isoformat())
    first_out, first_err = first.communicate(timeout=300)
    waiting_out, waiting_err = waiting.communicate(timeout=300)

    assert refused.returncode == 1
    assert f"{target.duckdb_path} is in use by elt (pid {first.pid})" in refused_err
    assert "stores:" not in refused_out  # refused before loading anything
    assert first.returncode == 0, first_out + first_err
    assert waiting.returncode == 0, waiting_out + waiting_err
    assert "waiting for elt (pid" in waiting_err
    with target.connect() as con:
        feed_rows = con.execute("select count(*) from raw_supplier_stock.stock_feed_rows").fetchone()[0]
        keys = con.execute(
            "select count(*) from (select distinct supplier, feed_date, row_number "
            "from raw_supplier_stock.stock_feed_rows)"
        ).fetchone()[0]
        listings = con.execute("select count(*) from marts.ebay").fetchone()[0]
    assert feed_rows == keys > 0  # the second run replaced the feeds: no duplicates
    assert listings > 0
