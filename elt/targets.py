"""Where data lands: the chosen target (a DuckDB file, or BigQuery) and dlt pipelines bound to it.

BigQuery settings come from the environment (or dlt config), never from code:
  GOOGLE_CLOUD_PROJECT            the project holding the datasets (or dlt's `destination.bigquery.project_id`)
  ELT_BIGQUERY_LOCATION           dataset location, default EU (or dlt's `destination.bigquery.location`)
  GOOGLE_APPLICATION_CREDENTIALS  a key file; else Application Default Credentials (gcloud login, Cloud Run's
                                  service account); dlt's `destination.bigquery.credentials` also works
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elt.lock import file_lock

TARGETS = ("duckdb", "bigquery")
PROJECT_DIR = Path(__file__).resolve().parent.parent
"""The repository root (the dbt project): the default DuckDB file and `.dlt/` config live here, wherever `elt`
is run from."""
DEFAULT_DUCKDB_PATH = "warehouse.duckdb"
DEFAULT_BIGQUERY_LOCATION = "EU"
# `?` outside quoted text and comments: DuckDB's placeholders, rewritten for BigQuery's DB-API (`%s`).
_QMARK_OR_QUOTED = re.compile(r"('(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|--[^\n]*|\?|%)")


class TargetError(RuntimeError):
    """The target is misconfigured; the message says what to set."""


class Target:
    """A warehouse the loaders write to and dbt builds in: `DuckDBTarget` or `BigQueryTarget`.

    Everything that differs between the two lives in these classes; callers never branch on the name.
    """

    name: str = ""

    @staticmethod
    def from_options(
        name: str | None = None,
        duckdb_path: str | os.PathLike[str] | None = None,
        bigquery_project: str | None = None,
        bigquery_location: str | None = None,
    ) -> Target:
        """The target named by the options, else by ELT_TARGET (default duckdb); TargetError when misconfigured."""
        name = name or os.environ.get("ELT_TARGET") or "duckdb"
        if name == "duckdb":
            # a path the user gives is relative to the current folder; the default is the project's own file
            path = Path(duckdb_path or os.environ.get("ELT_DUCKDB_PATH") or PROJECT_DIR / DEFAULT_DUCKDB_PATH)
            return DuckDBTarget(path.expanduser().resolve())
        if name == "bigquery":
            return BigQueryTarget.from_settings(bigquery_project, bigquery_location)
        raise TargetError(f"unknown target {name!r}: choose one of {', '.join(TARGETS)}")

    # -- what each target says about itself ---------------------------------------------------------------
    def describe(self) -> str:
        """The target and where it is, for messages: `duckdb /abs/warehouse.duckdb`, `bigquery project p (EU)`."""
        raise NotImplementedError

    @property
    def state_dir(self) -> Path:
        """Local working files of this warehouse: dlt pipeline state, dbt's target folder and logs."""
        raise NotImplementedError

    @property
    def dbt_path(self) -> Path:
        """dbt's target folder for this warehouse (manifest, run_results.json)."""
        return self.state_dir / "dbt"

    def environment(self) -> dict[str, str]:
        """Environment variables the dbt profile reads for this target."""
        raise NotImplementedError

    def destination(self) -> Any:
        """The dlt destination writing to this warehouse."""
        raise NotImplementedError

    def exists(self) -> bool:
        """Whether the warehouse is there to read (a DuckDB file that was created; a BigQuery project always)."""
        return True

    def datasets_with_tables(self) -> set[str]:
        """Datasets (schemas) that hold at least one table."""
        raise NotImplementedError

    def has_table(self, dataset: str, table: str) -> bool:
        """Whether `dataset.table` (a table or view) is in the warehouse."""
        raise NotImplementedError

    def lock(self, wait_seconds: float, on_wait: Callable[[str], None] | None = None) -> AbstractContextManager[None]:
        """Held by every command that writes this warehouse (elt.lock.warehouse_lock)."""
        raise NotImplementedError

    def read_lock(self, wait_seconds: float) -> AbstractContextManager[None]:
        """Held by readers that must not meet a writer (the web pages): the lock itself where a reader would
        collide with a writing process (DuckDB), nothing where reads are isolated (BigQuery)."""
        return self.lock(wait_seconds)

    @property
    def state_in_warehouse(self) -> bool:
        """Whether the application's state (the export guard's build record, elt.guard) lives in the warehouse's
        `raw_elt` dataset, shared by every machine (BigQuery), or in the state folder beside it (a DuckDB file:
        one machine by nature, and DuckDB lets no second process read the file while a build writes it, when the
        guard must still answer)."""
        return True

    @contextmanager
    def connect(self, create: bool = False) -> Iterator[Any]:
        """A DB-API connection for reading marts (exports, summaries) and the application's state (elt.state): both
        targets take `con.execute(sql, params)` (DuckDB's shortcut) with `?` placeholders and plain
        `dataset.table` names. `create`: make the warehouse when it is not there yet (a DuckDB file)."""
        raise NotImplementedError
        yield

    def pipeline(self, pipeline_name: str, dataset_name: str) -> Any:
        """A dlt pipeline writing `dataset_name` on this target, its local state kept per warehouse (interrupted
        packages put right first: loaders.recovery)."""
        import dlt

        from elt.logs import progress_collector
        from loaders.recovery import recover_interrupted_packages

        pipelines_dir = self.state_dir / "pipelines"
        pipelines_dir.mkdir(parents=True, exist_ok=True)
        pipeline = dlt.pipeline(
            pipeline_name=pipeline_name,
            pipelines_dir=str(pipelines_dir),
            destination=self.destination(),
            dataset_name=dataset_name,
            progress=progress_collector() if os.environ.get("ELT_PROGRESS") else None,
        )
        recover_interrupted_packages(pipeline)
        return pipeline


@dataclass(frozen=True)
class DuckDBTarget(Target):
    """A DuckDB file (one writing process at a time: the `elt.lock` file lock queues the others)."""

    duckdb_path: Path
    name: str = "duckdb"

    def describe(self) -> str:
        return f"duckdb {self.duckdb_path}"

    @property
    def state_dir(self) -> Path:
        return Path(f"{self.duckdb_path}.state")

    def environment(self) -> dict[str, str]:
        return {"ELT_TARGET": self.name, "ELT_DUCKDB_PATH": str(self.duckdb_path)}

    def destination(self) -> Any:
        import dlt

        self.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        return dlt.destinations.duckdb(str(self.duckdb_path))

    def exists(self) -> bool:
        return self.duckdb_path.exists()

    @property
    def state_in_warehouse(self) -> bool:
        return False

    def lock(self, wait_seconds: float, on_wait: Callable[[str], None] | None = None) -> AbstractContextManager[None]:
        return file_lock(self.state_dir / "elt.lock", str(self.duckdb_path), wait_seconds, on_wait)

    def datasets_with_tables(self) -> set[str]:
        if not self.exists():
            return set()
        with self.connect() as con:
            rows = con.execute("select distinct table_schema from information_schema.tables").fetchall()
        return {name for (name,) in rows}

    def has_table(self, dataset: str, table: str) -> bool:
        if not self.exists():
            return False
        with self.connect() as con:
            sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
            (count,) = con.execute(sql, [dataset, table]).fetchone()
        return bool(count)

    @contextmanager
    def connect(self, create: bool = False) -> Iterator[Any]:
        import duckdb

        if create:
            self.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.exists():
            raise TargetError(f"no warehouse at {self.duckdb_path}: run `elt demo` or the loaders first")
        # Same configuration as dbt-duckdb's own connection, which may still be open in this process.
        con = duckdb.connect(str(self.duckdb_path))
        try:
            yield con
        finally:
            con.close()


@dataclass(frozen=True)
class BigQueryTarget(Target):
    """A Google Cloud project's BigQuery datasets (settings from the environment or dlt config)."""

    bigquery_project: str
    bigquery_location: str = DEFAULT_BIGQUERY_LOCATION
    name: str = "bigquery"

    @classmethod
    def from_settings(cls, project: str | None = None, location: str | None = None) -> BigQueryTarget:
        project = project or os.environ.get("GOOGLE_CLOUD_PROJECT") or _dlt_setting("project_id")
        if not project:
            raise TargetError(
                "the bigquery target needs a Google Cloud project: set GOOGLE_CLOUD_PROJECT (or dlt's "
                "DESTINATION__BIGQUERY__PROJECT_ID), e.g. `export GOOGLE_CLOUD_PROJECT=my-project`"
            )
        location = (
            location or os.environ.get("ELT_BIGQUERY_LOCATION") or _dlt_setting("location") or DEFAULT_BIGQUERY_LOCATION
        )
        return cls(bigquery_project=project, bigquery_location=location)

    def describe(self) -> str:
        return f"bigquery project {self.bigquery_project} ({self.bigquery_location})"

    @property
    def state_dir(self) -> Path:
        base = Path(os.environ.get("ELT_STATE_DIR") or Path.home() / ".elt" / self.name)
        return base / self.bigquery_project

    def environment(self) -> dict[str, str]:
        return {
            "ELT_TARGET": self.name,
            "GOOGLE_CLOUD_PROJECT": self.bigquery_project,
            "ELT_BIGQUERY_LOCATION": self.bigquery_location,
        }

    def destination(self) -> Any:
        import dlt

        # Credentials: dlt's config (DESTINATION__BIGQUERY__CREDENTIALS__*) when given, else Application Default
        # Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's login, the Cloud Run service account).
        return dlt.destinations.bigquery(location=self.bigquery_location, project_id=self.bigquery_project)

    def lock(self, wait_seconds: float, on_wait: Callable[[str], None] | None = None) -> AbstractContextManager[None]:
        """The warehouse-level lease in `raw_elt.lease` (elt.lease): one writing command at a time across every
        Cloud Run job and machine."""
        from elt.lease import warehouse_lease

        return warehouse_lease(self.connect, self.describe(), wait_seconds, on_wait)

    def read_lock(self, wait_seconds: float) -> AbstractContextManager[None]:
        return nullcontext()  # each query reads a consistent snapshot; a table is replaced in one atomic job

    def client(self) -> Any:
        from google.cloud import bigquery

        return bigquery.Client(project=self.bigquery_project, location=self.bigquery_location)

    def datasets_with_tables(self) -> set[str]:
        # Datasets may be created empty up front (deploy/setup.sh): present means holding a table.
        client = self.client()
        names = [dataset.dataset_id for dataset in client.list_datasets()]
        return {name for name in names if next(iter(client.list_tables(name, max_results=1)), None) is not None}

    def has_table(self, dataset: str, table: str) -> bool:
        from google.api_core.exceptions import NotFound

        try:
            self.client().get_table(f"{self.bigquery_project}.{dataset}.{table}")
        except NotFound:
            return False
        return True

    @contextmanager
    def connect(self, create: bool = False) -> Iterator[Any]:
        with _bigquery_connection(self) as bigquery_con:
            yield bigquery_con


def dlt_config_dir() -> Path:
    """The `.dlt/` folder dlt reads config and secrets from: DLT_PROJECT_DIR's, else the current folder's when it
    has one, else the project's (set in DLT_PROJECT_DIR so that dlt reads it, wherever `elt` runs)."""
    if not os.environ.get("DLT_PROJECT_DIR") and not Path(".dlt").is_dir():
        os.environ["DLT_PROJECT_DIR"] = str(PROJECT_DIR)
    return Path(os.environ.get("DLT_PROJECT_DIR") or ".").resolve() / ".dlt"


def _dlt_setting(name: str) -> str | None:
    """`destination.bigquery.<name>` from dlt's config (env DESTINATION__BIGQUERY__<NAME> or .dlt/*.toml)."""
    import dlt

    value = dlt.config.get(f"destination.bigquery.{name}", str)
    return value or None


class BigQueryCursor:
    """A BigQuery DB-API cursor whose rows are plain tuples, as DuckDB's are (so results compare equal)."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    @property
    def description(self) -> Any:
        return self.cursor.description

    @property
    def rowcount(self) -> int:
        return int(self.cursor.rowcount)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> BigQueryCursor:
        """Run one statement; `?` placeholders take `params` in order."""
        if params:
            self.cursor.execute(pyformat(sql), list(params))
        else:
            self.cursor.execute(sql)
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self.cursor.fetchone()
        return None if row is None else tuple(row)

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.cursor.fetchmany(size)]

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.cursor.fetchall()]

    def close(self) -> None:
        self.cursor.close()


class BigQueryConnection:
    """google.cloud.bigquery.dbapi's connection with DuckDB's `execute` shortcut, `?` placeholders, tuple rows."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def cursor(self) -> BigQueryCursor:
        return BigQueryCursor(self.connection.cursor())

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> BigQueryCursor:
        """Run one statement; the cursor, ready to fetch."""
        return self.cursor().execute(sql, params)

    def commit(self) -> None:
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


def pyformat(sql: str) -> str:
    """`?` placeholders outside quoted text as DB-API pyformat (`%s`); every literal `%` doubled."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        return "%s" if token == "?" else token.replace("%", "%%")

    return _QMARK_OR_QUOTED.sub(replace, sql)


@contextmanager
def _bigquery_connection(target: BigQueryTarget) -> Iterator[BigQueryConnection]:
    try:
        from google.cloud import bigquery
        from google.cloud.bigquery import dbapi
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise TargetError(
            f"the bigquery target needs google-cloud-bigquery ({exc}): pip install 'dlt[bigquery]'"
        ) from exc
    # Unqualified `marts.ebay` resolves in the client's default project, so plain SQL runs on both targets.
    client = bigquery.Client(project=target.bigquery_project, location=target.bigquery_location)
    # Marts are small: the REST API reads them (no BigQuery Storage API client needed).
    con = BigQueryConnection(dbapi.connect(client=client, prefer_bqstorage_client=False))
    try:
        yield con
    finally:
        con.close()
