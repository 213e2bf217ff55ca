"""Start local-bigquery with the one fix dbt-bigquery needs; run by the emulator's own Python 3.13 venv.

Usage: python serve.py serve --host 127.0.0.1 --port N --grpc-port M --project P --data-dir DIR
(the arguments of `local-bigquery`). It imports nothing from this project.

The fix (CTAS shim): real BigQuery gives a CREATE TABLE AS SELECT query job a `configuration.query.destinationTable`
equal to its `statistics.query.ddlTargetTable`; local-bigquery 0.4.0 leaves it empty, and dbt-bigquery reads it
to report the rows of every table it builds. After each query job, copy the DDL target into the destination.
"""

from __future__ import annotations

import sys
from typing import Any

from local_bigquery.cli import main
from local_bigquery.jobs import runner

_run_query = runner._query


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
    return statistics


runner._query = _query_with_ctas_destination

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
