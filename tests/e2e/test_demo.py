"""`elt demo` runs the whole daily job end to end from a fresh warehouse and says what it did."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from elt.targets import Target


def test_elt_demo_runs_end_to_end_and_revises_every_store(tmp_path: Path) -> None:
    env = {**os.environ, "ELT_DUCKDB_PATH": str(tmp_path / "demo.duckdb")}
    out = tmp_path / "revise"
    run = subprocess.run(
        [sys.executable, "-m", "elt.cli", "demo", "--workdir", str(tmp_path / "files"), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert "dbt build: passed" in run.stdout
    revised = dict(re.findall(r"^  ([A-Z]+) +(\d+)  .*\.csv$", run.stdout, flags=re.MULTILINE))
    assert set(revised) == {"AMS", "CPO", "RTG"}
    assert all(int(count) > 0 for count in revised.values())
    for store, count in revised.items():
        lines = (out / f"{store}.csv").read_text().splitlines()
        assert lines[0] == "Action,ItemID,SiteID,Currency,Quantity"
        assert len(lines) == int(count) + 1
    with zipfile.ZipFile(out / "ebay-revise.zip") as archive:
        assert sorted(archive.namelist()) == ["AMS.csv", "CPO.csv", "RTG.csv"]
    assert re.search(r"marts\.ebay +\d{3,}", run.stdout)
    # The demo reads eBay's sandbox, builds, pushes, and ends with every listing eBay can revise at its target.
    held = re.findall(r"^  ([A-Z]+) +\d+ listings: (\d+) at their target, (\d+) not,", run.stdout, flags=re.MULTILINE)
    assert {store for store, _, _ in held} == {"AMS", "CPO", "RTG"}
    assert all(int(at_target) > 0 and wrong == "0" for _, at_target, wrong in held), held


def test_elt_run_loads_what_is_configured_then_builds(tmp_path: Path) -> None:
    from sandboxes.samples import generate

    day = dt.date(2026, 11, 20)
    sample = generate(tmp_path / "files", last_day=day, days=2)
    env = {
        **os.environ,
        "ELT_DUCKDB_PATH": str(tmp_path / "run.duckdb"),
        "ELT_TODAY": day.isoformat(),  # the feed dates are inside the window whatever the date the test runs on
        "SOURCES__SUPPLIER_STOCK__PRODUCTS_URL": str(sample.product_master),
        "SOURCES__SUPPLIER_STOCK__STORES_URL": str(sample.root),
        "SOURCES__SUPPLIER_STOCK__FEEDS_URL": str(sample.root / "feeds" / "{date}"),
    }
    elt = [sys.executable, "-m", "elt.cli"]
    first = subprocess.run([*elt, "run", "--date", "2026-11-19"], env=env, capture_output=True, text=True)
    second = subprocess.run([*elt, "run", "--date", "2026-11-20"], env=env, capture_output=True, text=True)

    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    assert "stores: " in second.stdout and "SOURCES__SUPPLIER_STOCK__" not in second.stdout
    with Target.from_options("duckdb", tmp_path / "run.duckdb").connect() as con:
        dates = con.execute("select distinct feed_date from marts.supplier_feeds order by 1").fetchall()
        changed = con.execute("select count(*) from marts.ebay where quantity_delta <> 0").fetchone()[0]
    assert [d for (d,) in dates] == [dt.date(2026, 11, 19), day]
    assert changed > 0
