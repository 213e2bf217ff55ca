"""Where data lands: the chosen target (a DuckDB file, or BigQuery) and dlt pipelines bound to it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt

TARGETS = ("duckdb", "bigquery")
DEFAULT_DUCKDB_PATH = "warehouse.duckdb"


class TargetError(RuntimeError):
    """The target is misconfigured; the message says what to set."""


@dataclass(frozen=True)
class Target:
    """A warehouse the loaders write to and dbt builds in."""

    name: str
    duckdb_path: Path

    @classmethod
    def from_options(cls, name: str | None = None, duckdb_path: str | os.PathLike[str] | None = None) -> Target:
        name = name or os.environ.get("ELT_TARGET") or "duckdb"
        if name not in TARGETS:
            raise TargetError(f"unknown target {name!r}: choose one of {', '.join(TARGETS)}")
        path = Path(duckdb_path or os.environ.get("ELT_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH)
        return cls(name=name, duckdb_path=path.expanduser().resolve())

    @property
    def state_dir(self) -> Path:
        """Local working files of this warehouse: dlt pipeline state, dbt target and logs."""
        if self.name == "duckdb":
            return Path(f"{self.duckdb_path}.state")
        return Path(os.environ.get("ELT_STATE_DIR", Path.home() / ".elt" / self.name))

    def environment(self) -> dict[str, str]:
        """Environment variables the dbt profile reads for this target."""
        return {"ELT_TARGET": self.name, "ELT_DUCKDB_PATH": str(self.duckdb_path)}

    def destination(self) -> Any:
        if self.name == "duckdb":
            self.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
            return dlt.destinations.duckdb(str(self.duckdb_path))
        raise TargetError("the bigquery target is not wired into the loaders yet; use --target duckdb")

    def pipeline(self, pipeline_name: str, dataset_name: str) -> dlt.Pipeline:
        """A dlt pipeline writing `dataset_name` on this target, its local state kept per warehouse."""
        pipelines_dir = self.state_dir / "pipelines"
        pipelines_dir.mkdir(parents=True, exist_ok=True)
        return dlt.pipeline(
            pipeline_name=pipeline_name,
            pipelines_dir=str(pipelines_dir),
            destination=self.destination(),
            dataset_name=dataset_name,
            progress="log" if os.environ.get("ELT_PROGRESS") else None,
        )

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A DB-API connection to the warehouse for reading marts (exports, summaries)."""
        if self.name != "duckdb":
            raise TargetError("reading marts back is only wired for the duckdb target so far")
        import duckdb

        if not self.duckdb_path.exists():
            raise TargetError(f"no warehouse at {self.duckdb_path}: run `elt demo` or the loaders first")
        # Same configuration as dbt-duckdb's own connection, which may still be open in this process.
        con = duckdb.connect(str(self.duckdb_path))
        try:
            yield con
        finally:
            con.close()
