"""Nothing-to-do is a warning and a failed command where the user asked for something that did not happen (issue
13, "Why" cases 4-5): an empty feeds folder or one of .csv files, `elt run` with nothing configured (a readable
summary on a terminal, not a JSON blob); `elt load products` refuses a folder and names a missing file once; the
demo refuses a warehouse holding other data, or BigQuery, unless --yes; `elt serve` binds first, then prints the
real URL (port 0 included), and a port in use is one line."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner, Result

from elt.cli import main
from elt.targets import Target
from loaders.registry import SOURCES
from tests.support import REPO_ROOT
from tests.support.today import fixed_today

DAY = dt.date(2026, 11, 1)
_today = fixed_today(DAY)  # the commands below pass --date 2026-11-01: keep it inside the feed-date window


def elt(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Target:
    monkeypatch.delenv("ELT_TARGET", raising=False)
    monkeypatch.setenv("ELT_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    for name in [n for n in os.environ if n.startswith("SOURCES__")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .dlt/ config here
    return Target.from_options("duckdb", tmp_path / "w.duckdb")


@pytest.mark.parametrize("files", [[], ["stock.csv", "notes.txt"]], ids=["empty", "only-csv"])
def test_a_feeds_folder_without_workbooks_is_a_warning_and_a_failed_load(
    warehouse: Target, tmp_path: Path, files: list[str]
) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    for name in files:
        (folder / name).write_text("Part,Free Stk\nP1,5\n")

    result = elt("load", "supplier-stock", str(folder), "--date", DAY.isoformat())

    assert result.exit_code == 1, result.output
    assert (
        f"warning: nothing to load: no .xlsx workbook in {folder} (other files are ignored in folders)" in result.output
    )
    assert "0 rows from 0 file(s)" not in result.output


def test_load_products_refuses_a_folder(warehouse: Target, tmp_path: Path) -> None:
    result = elt("load", "products", str(tmp_path))
    assert result.exit_code == 2
    assert f"Invalid value for 'PATH': File '{tmp_path}' is a directory." in result.output


def test_a_missing_file_is_named_once(warehouse: Target, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.xlsx"
    result = elt("load", "products", str(missing))
    assert result.exit_code == 1
    assert result.output.count(str(missing)) == 1, result.output
    assert f"rejected   ?     {missing}: no such file or folder" in result.output


def test_every_load_it_again_flag_also_answers_to_reload() -> None:
    load = main.commands["load"]
    for source in SOURCES:
        declared = {opt for param in source.command.params for opt in getattr(param, "opts", [])}
        if declared & {"--force", "--refresh"}:
            options = {opt for param in load.commands[source.name].params for opt in getattr(param, "opts", [])}  # type: ignore[attr-defined]
            assert "--reload" in options, source.name


def test_elt_run_with_nothing_configured_warns_and_fails_with_a_readable_summary(warehouse: Target) -> None:
    result = elt("run", "--date", DAY.isoformat())

    assert result.exit_code == 1, result.output
    assert "nothing configured: no source has its settings, so nothing was loaded" in result.output
    assert "elt run FAILED" in result.output and "elt run succeeded" not in result.output
    assert "  dbt build: FAILED (nothing ran)" in result.output
    assert "no sources loaded: run `elt demo` or `elt load …` first" in result.output
    assert not any(line.lstrip().startswith("{") or ": {" in line for line in result.output.splitlines())


def test_the_demo_refuses_a_warehouse_holding_other_data_or_bigquery_without_yes(
    warehouse: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    duckdb.connect(str(warehouse.duckdb_path)).execute("create schema shop; create table shop.orders(x int)").close()
    refused = elt("demo")
    assert refused.exit_code == 1
    assert (
        f"Error: duckdb {warehouse.duckdb_path} already holds data the demo did not make: the demo would mix its "
        "sample into it. Use another --duckdb PATH, or --yes to load it anyway." in refused.output
    )

    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "shop-prod")
    bigquery = elt("--target", "bigquery", "demo")
    assert bigquery.exit_code == 1
    assert "the demo loads sample data; bigquery project shop-prod (EU) is not a local DuckDB file" in bigquery.output


def test_serve_on_a_port_in_use_is_one_line(warehouse: Target) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = elt("serve", "--port", str(port))
    assert result.exit_code == 1
    assert f"Error: cannot listen on 127.0.0.1:{port}: Address already in use. Try another --port" in result.output
    assert "serving on" not in result.output


def test_serve_on_port_0_prints_the_port_it_bound(tmp_path: Path) -> None:
    env = {**os.environ, "ELT_DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    server = subprocess.Popen(
        [sys.executable, "-m", "elt.cli", "serve", "--port", "0"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        first, second = server.stdout.readline(), server.stdout.readline()
        assert first.strip() == f"target: duckdb {tmp_path / 'w.duckdb'}"
        match = re.fullmatch(r"serving on http://127\.0\.0\.1:(\d+) \(Ctrl-C stops\)\n", second)
        assert match and match.group(1) != "0", second
        page = requests.get(f"http://127.0.0.1:{match.group(1)}/", timeout=30)
        assert page.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_demo_may_load_again_a_warehouse_an_earlier_demo_made(warehouse: Target) -> None:
    import datetime as dt

    from elt.demo import demo_refusal
    from elt.runs import record_run

    record_run(warehouse, "elt demo", dt.datetime.now(dt.UTC), {"ok": True})
    assert demo_refusal(warehouse) is None  # made before the demo's mark existed: its history says so
    record_run(warehouse, "elt run", dt.datetime.now(dt.UTC), {"ok": True})
    assert demo_refusal(warehouse) == (
        f"duckdb {warehouse.duckdb_path} already holds data the demo did not make: the demo would mix its sample "
        "into it"
    )
