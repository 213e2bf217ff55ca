"""The application's own small state tables in the warehouse's `raw_elt` dataset (DuckDB and BigQuery alike), so
that every Cloud Run job and the web service see the same: the export guard's build record (elt.guard) and the
warehouse lease (elt.lease). Run history is there too (`raw_elt.runs`, written by dlt: elt.runs).

Hand-written SQL rather than a dlt pipeline: these rows are read and replaced around every dbt build and lock, in
one statement each (a MERGE, or a conditional UPDATE whose row count says who won), which dlt's load packages
cannot do atomically. Every column is a non-null string or integer, as BigQuery's DB-API cannot type a NULL
parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from elt.targets import Target

DATASET = "raw_elt"


def ensure_table(con: Any, table: str, columns: Sequence[tuple[str, str]]) -> None:
    """Create `raw_elt.<table>` (and the dataset) when missing; `columns` are (name, type) in types both
    warehouses name the same way (`string`, `bigint`)."""
    con.execute(f"create schema if not exists {DATASET}")
    spec = ", ".join(f"{name} {kind}" for name, kind in columns)
    con.execute(f"create table if not exists {DATASET}.{table} ({spec})")


def upsert(con: Any, table: str, key: str, row: dict[str, Any]) -> None:
    """Insert or replace the row whose `key` column equals row[key], in one atomic MERGE."""
    names = list(row)
    source = ", ".join(f"? as {name}" for name in names)
    updates = ", ".join(f"{name} = incoming.{name}" for name in names if name != key)
    con.execute(
        f"merge into {DATASET}.{table} as current_row using (select {source}) as incoming "
        f"on current_row.{key} = incoming.{key} "
        f"when matched then update set {updates} "
        f"when not matched then insert ({', '.join(names)}) values ({', '.join(f'incoming.{n}' for n in names)})",
        [row[name] for name in names],
    )
    commit(con)


def fetch_row(con: Any, table: str, key: str, value: str) -> dict[str, Any] | None:
    cursor = con.execute(f"select * from {DATASET}.{table} where {key} = ?", [value])
    columns = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    return None if row is None else dict(zip(columns, row, strict=True))


def commit(con: Any) -> None:
    """DuckDB autocommits; BigQuery's DB-API commit is a no-op; both have the method."""
    commit_method = getattr(con, "commit", None)
    if commit_method is not None:
        commit_method()


def is_missing(exc: BaseException) -> bool:
    """A `raw_elt` table (or the dataset) not created yet."""
    text = str(exc).lower()
    return "does not exist" in text or "not found" in text


def read_row(target: Target, table: str, key: str, value: str) -> dict[str, Any] | None:
    """The row, or None when the warehouse, the dataset or the table is not there yet."""
    if not target.exists():
        return None
    try:
        with target.connect() as con:
            return fetch_row(con, table, key, value)
    except Exception as exc:
        if is_missing(exc):
            return None
        raise
