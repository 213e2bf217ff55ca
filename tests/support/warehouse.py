"""Reading a test warehouse."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from elt.targets import Target


def query(target: Target, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    with target.connect() as con:
        return con.execute(sql, list(params)).fetchall()


def shared_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Target:
    """The session's temp warehouse that test_wdn and test_badapi both load (raw_wdn, raw_badapi) and build in:
    one path, so the second `dbt build` reuses the first one's parse instead of parsing the project again."""
    return Target.from_options("duckdb", tmp_path_factory.getbasetemp() / "sources" / "warehouse.duckdb")
