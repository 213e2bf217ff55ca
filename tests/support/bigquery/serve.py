"""Start local-bigquery with the fixes dbt-bigquery and a whole `dbt build` need; run by the emulator's own venv.

Usage: python serve.py serve --host 127.0.0.1 --port N --grpc-port M --project P --data-dir DIR
(the arguments of `local-bigquery`). It imports nothing from this project.

1. CTAS shim: real BigQuery gives a CREATE TABLE AS SELECT query job a `configuration.query.destinationTable`
   equal to its `statistics.query.ddlTargetTable`; local-bigquery 0.4.0 leaves it empty, and dbt-bigquery reads
   it to report the rows of every table it builds. After each query job, copy the DDL target into the destination.
2. Anonymous result tables expire RESULTS_KEPT_SECONDS after their job ends (BigQuery keeps them 24 hours).
   local-bigquery keeps every one, and it lists every table of every dataset (`duckdb_tables()`,
   `duckdb_columns()`) several times per API call, so a build's thousands of queries made each call slower than
   the last: a full `dbt build` of the project's ~350 nodes took minutes more. Clients read a result as soon as
   its job is done (dbt, dlt and google-cloud-bigquery all do); one read later gets BigQuery's own 404.
3. The lookups the emulator makes for one table (is it a table or a view, its rows, its NOT NULL columns, does it
   have the hidden `_PARTITIONTIME`) ask about that table alone instead of listing every table or column of every
   dataset; same answers, for the lower-case names dlt and dbt use (DuckDB resolves names case-insensitively).
4. DuckDB looks for pandas on every query with parameters; the venv has none, and a failed import is not
   remembered, so each query scanned the whole sys.path again. pandas is recorded as absent once.
"""

from __future__ import annotations

import collections
import sys
import threading
import time
from typing import Any

import duckdb
from local_bigquery.catalog import tabledata, tables
from local_bigquery.cli import main
from local_bigquery.engine import database, types
from local_bigquery.jobs import runner
from local_bigquery.sql.rules import partitions

try:
    import pandas  # noqa: F401
except ImportError:
    sys.modules["pandas"] = None  # type: ignore[assignment]  # `import pandas` now fails at once

RESULTS_KEPT_SECONDS = 60.0

_run_query = runner._query
_list_objects = database.objects
_finished: collections.deque[tuple[float, str, str]] = collections.deque()  # (ended, project, job) of results
_finished_lock = threading.Lock()


def _query_with_ctas_destination(job: Any, session: Any, running: Any) -> Any:
    statistics = _run_query(job, session, running)
    query = statistics.query
    config = job.configuration.query
    if (
        query is not None
        and query.statementType == "CREATE_TABLE_AS_SELECT"
        and query.ddlTargetTable is not None
        and config.destinationTable is None
    ):
        config.destinationTable = query.ddlTargetTable
    destination = config.destinationTable
    if destination is not None and destination.datasetId == tables.RESULTS:
        with _finished_lock:
            _finished.append((time.monotonic(), destination.projectId, destination.tableId))
    _expire_results()
    return statistics


def _expire_results() -> None:
    """Drop the result tables of jobs that ended more than RESULTS_KEPT_SECONDS ago."""
    cutoff = time.monotonic() - RESULTS_KEPT_SECONDS
    expired = []
    with _finished_lock:
        while _finished and _finished[0][0] < cutoff:
            expired.append(_finished.popleft())
    for _, project_id, job_id in expired:
        try:
            database.execute(f"DROP TABLE IF EXISTS {tables.name(project_id, tables.RESULTS, job_id)}")
            tables.forget(project_id, tables.RESULTS, job_id)
        except duckdb.Error:  # a concurrent writer: the next expiry pass drops it
            with _finished_lock:
                _finished.appendleft((cutoff, project_id, job_id))
            return


def _objects(project_id: str, dataset_id: str, table_id: str | None = None) -> list[tuple[str, str, int]]:
    """database.objects: [(name, 'TABLE' or 'VIEW', rows)] of one table or view by name, or of a whole dataset."""
    if table_id is None:
        return _list_objects(project_id, dataset_id, table_id)
    with database.cursor() as cur:
        views = cur.execute(
            "SELECT view_name FROM duckdb_views() WHERE database_name = ? AND schema_name = ? AND view_name = ? "
            "AND NOT internal",
            [project_id, dataset_id, table_id],
        ).fetchall()
        if views:
            return [(views[0][0], "VIEW", 0)]
        try:
            (rows,) = cur.execute(f"SELECT count(*) FROM {database.quote(project_id, dataset_id, table_id)}").fetchone()
        except duckdb.CatalogException:
            return []
        return [(table_id, "TABLE", int(rows))]


def _columns(project_id: str, dataset_id: str, table_id: str) -> list[Any]:
    """tables.columns, reading the table's own pragma_table_info for NOT NULL."""
    table = tables.name(project_id, dataset_id, table_id)
    with database.cursor() as cur:
        try:
            info = cur.execute('SELECT name, "notnull" FROM pragma_table_info(?)', [table]).fetchall()
            relation = cur.sql(f"SELECT * FROM {table} LIMIT 0")
        except duckdb.CatalogException:
            raise tables.not_found("Table", tables.names.label(project_id, dataset_id, table_id)) from None
        required = {name for name, notnull in info if notnull}
        return [
            types.field(column, kind, column in required)
            for column, kind in zip(relation.columns, relation.types, strict=True)
            if column != tables.INGESTION_TIME or dataset_id == tables.RESULTS
        ]


def _hidden(table: Any) -> bool:
    """partitions._hidden (does the table have the hidden ingestion-time column?), from its pragma_table_info."""
    if not (table.catalog and table.db) or not isinstance(table.this, partitions.exp.Identifier):
        return False
    name = database.quote(table.catalog, table.db, table.name)
    try:
        return bool(database.fetch("SELECT 1 FROM pragma_table_info(?) WHERE name = ?", [name, tables.INGESTION_TIME]))
    except duckdb.CatalogException:
        return False


runner._query = _query_with_ctas_destination
database.objects = _objects
tables.columns = _columns
tabledata.columns = _columns
partitions._hidden = _hidden

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
