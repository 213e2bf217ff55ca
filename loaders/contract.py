"""The contract between the sources and the application: what a source declares about itself, the warehouse it
loads into, and what a load reports back.

Each source package holds a light `spec.py` declaring one `Source` (no dlt import at module level, so the
command line starts fast); `loaders.registry.SOURCES` lists them. The CLI (`elt load <name>`, `elt sandbox
<name>`), the daily run (`elt run`), the demo and dbt's "skip the models of unloaded sources" all read that list:
adding a source means adding a package and one line there.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

Echo = Callable[[str], None]


class Warehouse(Protocol):
    """Where a source lands its rows: dlt pipelines bound to the chosen target, and SQL to read back what it
    must know (e.g. which files it loaded). `elt.targets` implements it for DuckDB and BigQuery."""

    @property
    def name(self) -> str: ...

    def pipeline(self, pipeline_name: str, dataset_name: str) -> Any:
        """A dlt pipeline writing `dataset_name` on this warehouse (interrupted packages put right first)."""
        ...

    def connect(self) -> AbstractContextManager[Any]:
        """A DB-API-like connection: `con.execute(sql, params)` with `?` placeholders."""
        ...


class LoadResult(Protocol):
    """What one load did. File loaders return a `LoadReport` (one line per file); API loaders a dataclass with
    the rows per table and the error that stopped them."""

    @property
    def ok(self) -> bool: ...

    @property
    def rows(self) -> int: ...

    @property
    def row_counts(self) -> Mapping[str, int]:
        """Rows landed per raw table (without the dataset)."""
        ...

    @property
    def error(self) -> str | None:
        """Why the load failed, in one message naming the file or endpoint; None when it did not."""
        ...


@dataclass(frozen=True)
class Run:
    """What `elt run` hands every configured source: the day it loads, and where to print progress."""

    feed_date: dt.date
    echo: Echo


@dataclass(frozen=True)
class Source:
    """One source, declared once, in its package's light `spec.py`.

    `name` is its command (`elt load <name>`); `dataset` the raw dataset it writes; `dbt_source` the dbt source
    (models/staging/<dbt_source>) whose models need that dataset.

    - `command`: the click command of `elt load <name>`: its callback takes `(warehouse, echo, **options)` and
      returns a LoadResult; the application adds the warehouse options, the lock and the exit status;
    - `daily`: how `elt run` loads it, `(warehouse, Run) -> LoadResult`;
    - `missing`: `() -> list[str]`, the settings `elt run` still lacks for it (empty: configured);
    - `sandbox`, `demo`: dotted paths (`module:attribute`) into the development-only `sandboxes` package: the
      click command serving its local imitation (`elt sandbox <name>`), and a context manager yielding the
      settings that point the source at a running sandbox (the demo loads through `daily` with them);
    - `builds_empty`: its staging models read every raw table through `source_or_empty`, so dbt builds them
      (empty) before the first load instead of leaving them out: eBay's, which `marts.ebay_revisions` reads
      whether or not eBay was ever read.
    """

    name: str
    dataset: str
    dbt_source: str
    summary: str
    command: Any
    daily: Callable[[Warehouse, Run], LoadResult]
    missing: Callable[[], list[str]]
    sandbox: str | None = None
    demo: str | None = None
    builds_empty: bool = False

    def is_configured(self) -> bool:
        return not self.missing()

    def load_daily(self, warehouse: Warehouse, run: Run) -> LoadResult:
        """Load it as `elt run` does."""
        return self.daily(warehouse, run)


def missing_settings(section: str, names: Iterable[str], secret: bool = False) -> list[str]:
    """A source's `missing`: the env names (`SOURCES__<SECTION>__<NAME>`) of the settings `sources.<section>.<name>`
    that dlt config, or its secrets when `secret`, does not have (or has empty)."""
    import dlt

    settings = dlt.secrets if secret else dlt.config
    return [
        f"SOURCES__{section.upper()}__{name.upper()}"
        for name in names
        if not settings.get(f"sources.{section}.{name}", str)
    ]


def resolve(path: str) -> Any:
    """`package.module:attribute` -> the attribute."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)
