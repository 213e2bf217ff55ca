"""Secrets never leak and names are never code: the Linnworks application secret, installation token and
session tokens appear nowhere (output at DEBUG, state files, warehouse text) after runs that met faults and
runs that failed; supplier codes, store codes and file names holding quotes or SQL land verbatim as data and
leave the warehouse intact; `elt sandbox` binds loopback only."""

from __future__ import annotations

import datetime as dt
import gzip
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import requests
from click.testing import CliRunner
from dlt.common.versioned_state import decompress_state

import loaders.supplier_feeds.source as supplier_pipeline
from elt.cli import main as elt
from elt.targets import Target
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.layouts import FeedLayout, feed_layouts
from loaders.supplier_feeds.source import load_supplier_stock
from sandboxes.linnworks import Sandbox, running_sandbox
from tests.support import REPO_ROOT
from tests.support.linnworks import assert_lands_exactly
from tests.support.today import fixed_today
from tests.support.warehouse import query
from tests.support.workbooks import write_workbook, write_xlsx

ROOT = REPO_ROOT
AUTH = "/api/Auth/AuthorizeByApplication"
DEBUG_ELT = (
    "import logging, sys; logging.basicConfig(level=logging.DEBUG); "
    "sys.argv = ['elt', *sys.argv[1:]]; from elt.cli import main; main()"
)
"""`elt` with every Python logger (urllib3, requests, tenacity, dlt, ...) at DEBUG on stderr (with `-vv`, which
keeps elt's own logging setup at DEBUG too)."""
FAULTS = (
    "auth#1=503,GetStockItemsFull#2=expire,GetStockLevel_Batch#1=500,SearchProcessedOrders#2=drop,"
    "GetOrdersById#1=truncate,GetStockLocations#1=nonjson,GetLocation#1=401,GetOpenOrderIds#1=429:1,"
    "GetStockItemsFullByIds#1=quota"
)


# -- secrets -------------------------------------------------------------------------------------------------
def _elt_debug(sandbox: Sandbox, target: Target, *args: str, **overrides: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **{f"SOURCES__LINNWORKS__{name.upper()}": value for name, value in sandbox.credentials.items()},
        "SOURCES__LINNWORKS__AUTH_URL": sandbox.url,
        "SOURCES__LINNWORKS__RATE_LIMIT_WINDOW_SECONDS": "2",
        "SOURCES__LINNWORKS__RETRY_BACKOFF_SECONDS": "0.05",
        "RUNTIME__LOG_LEVEL": "DEBUG",
        **overrides,
    }
    command = [sys.executable, "-c", DEBUG_ELT, "-vv", "--duckdb", str(target.duckdb_path), "load", "linnworks", *args]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def _file_texts(folder: Path) -> dict[str, str]:
    """Every file under `folder` as text: parquet tables as their values, gzip files decompressed."""
    texts = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".parquet":
            texts[str(path)] = repr(pq.read_table(path).to_pylist())
            continue
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        texts[str(path)] = data.decode("utf-8", "replace")
    return texts


def _warehouse_texts(target: Target) -> dict[str, str]:
    """Every text column of every table in the warehouse, dlt's compressed pipeline state unpacked."""
    texts = {}
    with target.connect() as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_schema not in ('information_schema', 'pg_catalog')"
        ).fetchall()
        for schema, table, column in columns:  # names from the catalog
            values = [v for (v,) in con.execute(f'select "{column}" from {schema}."{table}"').fetchall() if v]
            if table == "_dlt_pipeline_state" and column == "state":
                values = [repr(decompress_state(value)) for value in values]
            texts[f"{schema}.{table}.{column}"] = "\n".join(map(str, values))
    return texts


def test_no_secret_or_session_token_appears_in_debug_output_state_files_or_warehouse_text_of_faulted_and_failed_runs(
    tmp_path: Path,
) -> None:
    secrets = {name: str(uuid.uuid4()) for name in ("application_id", "application_secret", "token")}
    wrong_secret = str(uuid.uuid4())
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")
    with running_sandbox(items=120, orders=250, rate_window_seconds=2, faults=FAULTS, **secrets) as sandbox:
        faulted = _elt_debug(sandbox, target)
        assert faulted.returncode == 0, faulted.stderr[-3000:]
        assert sandbox.stats()["faults"] == 9
        sandbox.set_faults("GetStockLevel_Batch#1+=401")
        denied = _elt_debug(sandbox, target, "--resources", "stock_levels")
        sandbox.clear_faults()
        refused = _elt_debug(
            sandbox, target, "-r", "stock_locations", SOURCES__LINNWORKS__APPLICATION_SECRET=wrong_secret
        )
        tokens = sandbox.issued_tokens()

        assert_lands_exactly(target, sandbox)

    assert denied.returncode == 1
    assert "Linnworks Stock/GetStockLevel_Batch failed: HTTP 401" in denied.stderr
    assert refused.returncode == 1
    assert "Linnworks Auth/AuthorizeByApplication failed: HTTP 400 Invalid application id" in refused.stderr
    assert len(tokens) >= 4, "sessions were opened, renewed after the expiry and the 401s"
    assert "DEBUG" in faulted.stderr and "urllib3" in faulted.stderr, "the output really is at DEBUG"
    places = {
        **{
            f"{name} {stream}": getattr(run, stream)
            for name, run in [("faulted", faulted), ("denied", denied), ("refused", refused)]
            for stream in ("stdout", "stderr")
        },
        **_file_texts(target.state_dir),
        **_warehouse_texts(target),
    }
    assert any(path.endswith(".parquet") for path in places), "the loaded packages' files were read"
    assert any(".stock_items." in place for place in places), "the warehouse's tables were read"
    for secret in [*secrets.values(), wrong_secret, *tokens]:
        leaks = [place for place, text in places.items() if secret.lower() in text.lower()]
        assert not leaks, f"a secret appears in {leaks}"


# -- names that look like SQL ------------------------------------------------------------------------------
DAY = dt.date(2026, 11, 20)
_today = fixed_today(DAY)
NAUGHTY = [
    "O'NEIL",
    "'; DROP TABLE raw_supplier_stock.products; --",
    'Robert"); DELETE FROM raw_supplier_stock.store_listings; --',
    "x' OR '1'='1",
    "\\'; select 1; --",
]
"""Cell values that would break (or rewrite) string-built SQL."""


def _supplier_tables(target: Target) -> list[tuple]:
    return query(
        target,
        "select table_name from information_schema.tables where table_schema = 'raw_supplier_stock' order by 1",
    )


EVERY_COMMAND = [
    ["run", "--date", "2026-11-01"],
    ["transform"],
    ["dbt", "debug"],
    ["dbt", "parse"],
    ["export", "ebay-revise", "--out", "{tmp}/out"],
    ["doctor"],
    ["status"],
    ["status", "--json"],
    ["load", "products", "{tmp}/missing.xlsx"],
    ["load", "supplier-stock", "{tmp}"],
    ["load", "linnworks", "--resources", "stock_locations"],
    ["load", "wdn"],
    ["load", "badapi"],
    ["--target", "bigquery", "demo"],
]
"""Every `elt` command a user runs, each told a secret in every setting that holds one."""


JSON_TOO = {"run", "doctor", "linnworks", "wdn"}
"""Commands also run with LOG_FORMAT=json (the ones whose records carry settings or HTTP calls)."""
CASES = [(args, "text") for args in EVERY_COMMAND] + [(args, "json") for args in EVERY_COMMAND if JSON_TOO & set(args)]


@pytest.mark.parametrize(("args", "log_format"), CASES, ids=[f"{' '.join(a)} ({f})" for a, f in CASES])
def test_no_command_prints_a_secret_at_debug_level_in_text_or_json_logs(
    tmp_path: Path, args: list[str], log_format: str
) -> None:
    secrets = {
        "SOURCES__LINNWORKS__APPLICATION_SECRET": str(uuid.uuid4()),
        "SOURCES__LINNWORKS__TOKEN": str(uuid.uuid4()),
        "SOURCES__WDN__API_KEY": str(uuid.uuid4()),
        "SOURCES__BADAPI__API_KEY": str(uuid.uuid4()),
        "SOURCES__EBAY__CLIENT_SECRET": str(uuid.uuid4()),
        "ELT_WEB_PASSWORD": str(uuid.uuid4()),
    }
    closed = f"http://127.0.0.1:{_closed_port()}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")},
        **secrets,
        "SOURCES__LINNWORKS__APPLICATION_ID": "app",
        "SOURCES__LINNWORKS__AUTH_URL": closed,
        "SOURCES__LINNWORKS__RETRY_BACKOFF_SECONDS": "0.01",
        "SOURCES__WDN__BASE_URL": closed,
        "SOURCES__WDN__RETRY_MAX_ATTEMPTS": "1",
        "SOURCES__BADAPI__HTTP_MAX_ATTEMPTS": "1",
        "SOURCES__BADAPI__ERROR_MODE_ATTEMPTS": "1",
        "SOURCES__LINNWORKS__MAX_ATTEMPTS": "1",
        "SOURCES__BADAPI__BASE_URL": closed,
        "GOOGLE_CLOUD_PROJECT": "shop-prod",
        "ELT_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
        "RUNTIME__LOG_LEVEL": "DEBUG",
        "LOG_FORMAT": log_format,
    }
    command = [sys.executable, "-m", "elt.cli", "-vv", *(a.replace("{tmp}", str(tmp_path)) for a in args)]
    run = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    printed = run.stdout + run.stderr
    assert printed.strip(), "the command said nothing at all"
    for name, value in secrets.items():
        assert value not in printed, f"{name}'s value in the output of elt {' '.join(args)}"


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Target:
    """A warehouse holding a product master, an eBay store's listings and one clean feed (each test below
    adds its own files to it, and checks what was there stays as it was)."""
    tmp_path = tmp_path_factory.mktemp("injection")
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")
    header = ["Custom Label", "Part Number", "Supplier", "Quantity"]
    master = write_workbook(tmp_path / "master.xlsx", {"Direct": [header, ["L-1", "P1", "APE", 1]], "FPS": [header]})
    assert load_products(target, str(master)).ok
    store = ["Item ID", "Brand", "Custom Label", "Qty", "Title", "Price", "Prefix", "UK/RTG"]
    workbook = write_workbook(tmp_path / "AMS Database SpeedSheet.xlsx", {"S": [store, [9001, "b", "L-1", 1, "t", 1]]})
    assert load_stores(target, [str(workbook)]).ok
    assert load_supplier_stock(
        target, [str(write_xlsx(tmp_path / "APE_SF.xlsx", [["Part", "Stock"], ["P1", "YES"]]))], DAY
    ).ok
    return target


def test_supplier_codes_and_file_names_holding_quotes_or_sql_land_verbatim_and_leave_the_warehouse_intact(
    warehouse: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables, products = _supplier_tables(warehouse), query(warehouse, "select * from raw_supplier_stock.products")
    layouts = {**feed_layouts(), "O'NEIL": FeedLayout("O'NEIL", 1, 2, 1, "numeric")}
    monkeypatch.setattr(supplier_pipeline, "feed_layouts", lambda: layouts)  # a supplier whose code has a quote
    day = tmp_path / "day"
    known = write_xlsx(day / "O'NEIL_stock.xlsx", [["Part", "Qty"], *[[value, i] for i, value in enumerate(NAUGHTY)]])
    codes = {"X'; DROP TABLE raw_supplier_stock.products; --.xlsx": "X';", 'Z"; DELETE FROM x; --_stock.xlsx': 'Z";'}
    for name in codes:
        write_xlsx(day / name, [["Part", "Qty"], ["P1", 1]])
    sql_named = write_xlsx(
        day / "APE_'); DELETE FROM raw_supplier_stock.stock_feed_rows; --.xlsx", [["Part", "Stock"], ["P1", "no"]]
    )

    for _ in range(2):  # the second load of the day replaces the first, keyed on the quoted supplier code
        report = load_supplier_stock(warehouse, [str(day)], DAY)

    assert sorted((r.file_name, r.code) for r in report.rejected) == sorted(codes.items())
    landed = query(
        warehouse,
        "select supplier, file_name, part_number, stock_value from raw_supplier_stock.stock_feed_rows "
        "where feed_date = ? order by supplier, row_number",
        [DAY],
    )
    assert landed == [("APE", sql_named.name, "P1", "no")] + [
        ("O'NEIL", known.name, value, str(i)) for i, value in enumerate(NAUGHTY)
    ]
    errors = query(warehouse, "select file_name, code from raw_supplier_stock.load_errors order by all")
    assert errors == sorted([*codes.items()] * 2), "each load recorded both rejections"
    assert set(_supplier_tables(warehouse)) == {*tables, ("load_errors",)}, "no table dropped, only the errors one made"
    assert query(warehouse, "select * from raw_supplier_stock.products") == products


def test_a_store_workbook_named_with_a_quote_lands_its_store_code_and_cells_verbatim_and_a_reload_upserts_them(
    warehouse: Target, tmp_path: Path
) -> None:
    tables, products = _supplier_tables(warehouse), query(warehouse, "select * from raw_supplier_stock.products")
    store = ["Item ID", "Brand", "Custom Label", "Qty", "Title", "Price", "Prefix", "UK/RTG"]
    rows = [[1000 + i, value, value, i, value, 9.99, f"A'B-{i}"] for i, value in enumerate(NAUGHTY)]
    workbook = write_workbook(tmp_path / "A'B Database SpeedSheet.xlsx", {"Sheet'1": [store, *rows]})

    for _ in range(2):  # the reload upserts on (ebay_store, item_id) with a quoted store code
        assert load_stores(warehouse, [str(workbook)]).ok

    landed = query(
        warehouse,
        "select ebay_store, file_name, sheet_name, item_id, brand, custom_label, title from "
        "raw_supplier_stock.store_listings where ebay_store <> 'AMS' order by item_id",
    )
    assert landed == [
        ("A'B", workbook.name, "Sheet'1", str(1000 + i), value, value, value) for i, value in enumerate(NAUGHTY)
    ]
    assert query(warehouse, "select count(*) from raw_supplier_stock.store_listings where ebay_store = 'AMS'") == [(1,)]
    assert _supplier_tables(warehouse) == tables
    assert query(warehouse, "select * from raw_supplier_stock.products") == products


# -- elt sandbox binds loopback only -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["sandbox", "--host", "0.0.0.0"],
        ["sandbox", "--host", "::"],
        ["sandbox", "--host", "192.168.1.10"],
        ["sandbox", "--host", "example.com"],
        ["sandbox", "--host", "localhost.example.com"],
        ["sandbox", "--host", "127.0.0.1", "--auth-host", "example.com"],
        ["sandbox", "wdn", "--host", "0.0.0.0"],
        ["sandbox", "badapi", "--host", "0.0.0.0"],
    ],
    ids=lambda args: " ".join(args),
)
def test_elt_sandbox_refuses_to_bind_a_host_that_is_not_loopback(args: list[str]) -> None:
    result = CliRunner().invoke(elt, args)

    assert result.exit_code == 2, result.output
    assert "not a loopback address" in result.output


def test_elt_sandbox_on_localhost_binds_the_loopback_address_it_resolves_to_and_can_split_auth_and_data_hosts() -> None:
    command = [sys.executable, "-m", "elt.cli", "sandbox", "--host", "localhost", "--port", "0", "--items", "3"]
    process = subprocess.Popen(
        [*command, "--orders", "1", "--auth-host", "localhost"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(6)]
        data_url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", lines[0])
        assert data_url, lines
        port = data_url.group(1).rsplit(":", 1)[1]
        assert f"auth URL:           http://localhost:{port}{AUTH}" in lines[1]
        fields = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in lines if ":" in line}
        form = {
            "ApplicationId": fields["application id"],
            "ApplicationSecret": fields["application secret"],
            "Token": fields["token"],
        }
        session = requests.post(f"http://localhost:{port}{AUTH}", data=form, timeout=10).json()
        headers = {"Authorization": session["Token"]}
        on_server = requests.get(f"{session['Server']}/api/Inventory/GetStockLocations", headers=headers, timeout=10)
        on_auth = requests.get(f"http://localhost:{port}/api/Inventory/GetStockLocations", headers=headers, timeout=10)
        assert session["Server"] == data_url.group(1)
        assert (on_server.status_code, on_auth.status_code) == (200, 404)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)  # a deadline on a loaded machine, not a timing check
    assert process.returncode == 0
