"""The two warehouses behind one interface: each target says where it is, what dbt and dlt need, and how it locks."""

from __future__ import annotations

from pathlib import Path

import pytest

from elt.lock import WarehouseBusy, warehouse_lock
from elt.targets import BigQueryTarget, DuckDBTarget, Target, TargetError


def test_the_options_pick_the_target_and_the_environment_its_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ELT_TARGET", raising=False)
    monkeypatch.setenv("ELT_DUCKDB_PATH", str(tmp_path / "env.duckdb"))
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "shop-data")

    duckdb = Target.from_options()
    named = Target.from_options("duckdb", tmp_path / "named.duckdb")
    bigquery = Target.from_options("bigquery")

    assert isinstance(duckdb, DuckDBTarget) and duckdb.duckdb_path == (tmp_path / "env.duckdb").resolve()
    assert isinstance(named, DuckDBTarget) and named.duckdb_path == (tmp_path / "named.duckdb").resolve()
    assert isinstance(bigquery, BigQueryTarget) and bigquery.bigquery_project == "shop-data"
    with pytest.raises(TargetError, match="unknown target 'postgres'"):
        Target.from_options("postgres")


def test_each_target_describes_itself_with_where_it_is(tmp_path: Path) -> None:
    duckdb = DuckDBTarget((tmp_path / "w.duckdb").resolve())
    bigquery = BigQueryTarget("shop-data", "europe-west2")

    assert duckdb.describe() == f"duckdb {tmp_path.resolve() / 'w.duckdb'}"
    assert bigquery.describe() == "bigquery project shop-data (europe-west2)"
    assert duckdb.environment() == {"ELT_TARGET": "duckdb", "ELT_DUCKDB_PATH": str(duckdb.duckdb_path)}
    assert bigquery.environment()["GOOGLE_CLOUD_PROJECT"] == "shop-data"
    assert duckdb.state_dir == Path(f"{duckdb.duckdb_path}.state") and duckdb.dbt_path == duckdb.state_dir / "dbt"


def test_a_missing_duckdb_file_is_not_there_to_read_and_says_what_to_run(tmp_path: Path) -> None:
    target = DuckDBTarget((tmp_path / "none.duckdb").resolve())

    assert not target.exists() and target.datasets_with_tables() == set()
    with pytest.raises(TargetError, match="run `elt demo` or the loaders first"), target.connect():
        pass


def test_the_duckdb_lock_lets_one_writer_in_and_names_the_holder_to_the_next(tmp_path: Path) -> None:
    target = DuckDBTarget((tmp_path / "w.duckdb").resolve())
    waits: list[str] = []

    busy = pytest.raises(WarehouseBusy, match=r"in use by elt \(pid \d+\)")
    with warehouse_lock(target, wait_seconds=0), busy, warehouse_lock(target, wait_seconds=0.6, on_wait=waits.append):
        pass

    assert waits and str(target.duckdb_path) in waits[0]
    with warehouse_lock(target, wait_seconds=0):  # released
        pass
