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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt

from loaders.recovery import recover_interrupted_packages

TARGETS = ("duckdb", "bigquery")
DEFAULT_DUCKDB_PATH = "warehouse.duckdb"
DEFAULT_BIGQUERY_LOCATION = "EU"
# `?` outside quoted text and comments: DuckDB's placeholders, rewritten for BigQuery's DB-API (`%s`).
_QMARK_OR_QUOTED = re.compile(r"('(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|--[^\n]*|\?|%)")


class TargetError(RuntimeError):
    """The target is misconfigured; the message says what to set."""


@dataclass(frozen=True)
class Target:
    """A warehouse the loaders write to and dbt builds in."""

    name: str
    duckdb_path: Path
    bigquery_project: str | None = None
    bigquery_location: str = DEFAULT_BIGQUERY_LOCATION

    @classmethod
    def from_options(
        cls,
        name: str | None = None,
        duckdb_path: str | os.PathLike[str] | None = None,
        bigquery_project: str | None = None,
        bigquery_location: str | None = None,
    ) -> Target:
        name = name or os.environ.get("ELT_TARGET") or "duckdb"
        if name not in TARGETS:
            raise TargetError(f"unknown target {name!r}: choose one of {', '.join(TARGETS)}")
        path = Path(duckdb_path or os.environ.get("ELT_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH)
        if name != "bigquery":
            return cls(name=name, duckdb_path=path.expanduser().resolve())
        project = bigquery_project or os.environ.get("GOOGLE_CLOUD_PROJECT") or _dlt_setting("project_id")
        if not project:
            raise TargetError(
                "the bigquery target needs a Google Cloud project: set GOOGLE_CLOUD_PROJECT (or dlt's "
                "DESTINATION__BIGQUERY__PROJECT_ID), e.g. `export GOOGLE_CLOUD_PROJECT=my-project`"
            )
        location = (
            bigquery_location
            or os.environ.get("ELT_BIGQUERY_LOCATION")
            or _dlt_setting("location")
            or DEFAULT_BIGQUERY_LOCATION
        )
        return cls(
            name=name,
            duckdb_path=path.expanduser().resolve(),
            bigquery_project=project,
            bigquery_location=location,
        )

    @property
    def state_dir(self) -> Path:
        """Local working files of this warehouse: dlt pipeline state, dbt target and logs."""
        if self.name == "duckdb":
            return Path(f"{self.duckdb_path}.state")
        base = Path(os.environ.get("ELT_STATE_DIR") or Path.home() / ".elt" / self.name)
        return base / self.bigquery_project if self.bigquery_project else base

    def environment(self) -> dict[str, str]:
        """Environment variables the dbt profile reads for this target."""
        env = {"ELT_TARGET": self.name, "ELT_DUCKDB_PATH": str(self.duckdb_path)}
        if self.name == "bigquery" and self.bigquery_project:
            env |= {"GOOGLE_CLOUD_PROJECT": self.bigquery_project, "ELT_BIGQUERY_LOCATION": self.bigquery_location}
        return env

    def destination(self) -> Any:
        if self.name == "duckdb":
            self.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
            return dlt.destinations.duckdb(str(self.duckdb_path))
        # Credentials: dlt's config (DESTINATION__BIGQUERY__CREDENTIALS__*) when given, else Application Default
        # Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's login, the Cloud Run service account).
        return dlt.destinations.bigquery(location=self.bigquery_location, project_id=self.bigquery_project)

    def pipeline(self, pipeline_name: str, dataset_name: str) -> dlt.Pipeline:
        """A dlt pipeline writing `dataset_name` on this target, its local state kept per warehouse."""
        pipelines_dir = self.state_dir / "pipelines"
        pipelines_dir.mkdir(parents=True, exist_ok=True)
        pipeline = dlt.pipeline(
            pipeline_name=pipeline_name,
            pipelines_dir=str(pipelines_dir),
            destination=self.destination(),
            dataset_name=dataset_name,
            progress="log" if os.environ.get("ELT_PROGRESS") else None,
        )
        recover_interrupted_packages(pipeline)
        return pipeline

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A DB-API connection to the warehouse for reading marts (exports, summaries).

        Both targets take `con.execute(sql, params)` (DuckDB's shortcut) with `?` placeholders, and plain
        `dataset.table` names such as `marts.ebay`.
        """
        if self.name == "bigquery":
            with _bigquery_connection(self) as bigquery_con:
                yield bigquery_con
            return
        import duckdb

        if not self.duckdb_path.exists():
            raise TargetError(f"no warehouse at {self.duckdb_path}: run `elt demo` or the loaders first")
        # Same configuration as dbt-duckdb's own connection, which may still be open in this process.
        con = duckdb.connect(str(self.duckdb_path))
        try:
            yield con
        finally:
            con.close()


def _dlt_setting(name: str) -> str | None:
    """`destination.bigquery.<name>` from dlt's config (env DESTINATION__BIGQUERY__<NAME> or .dlt/*.toml)."""
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
def _bigquery_connection(target: Target) -> Iterator[BigQueryConnection]:
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
