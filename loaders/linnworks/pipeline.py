"""Run the Linnworks source through a dlt pipeline into `raw_linnworks` on the chosen target.

Extract (parquet files, every resource at once) -> normalize -> load. A failure anywhere in extraction
stops the run before anything is normalized or loaded, so no table is half-replaced and no cursor
moves; the error names the endpoint that failed. A package that a kill interrupted while it loaded is
loaded again from the start by the next run (loaders/recovery.py), never resumed job by job.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from dlt.common.configuration.exceptions import ConfigFieldMissingException

from loaders import pipeline as runs
from loaders.contract import Warehouse
from loaders.linnworks import settings
from loaders.linnworks.client import LinnworksClient, LinnworksError, client_from_config
from loaders.linnworks.progress import Progress
from loaders.linnworks.source import linnworks, select_resources

Echo = Callable[[str], None]

# Extracted files are read once by normalize moments later: gzipping them costs the single extract thread
# more than it saves. Scoped to this source's config section; the environment may override it.
os.environ.setdefault("SOURCES__LINNWORKS__DATA_WRITER__DISABLE_COMPRESSION", "true")


@dataclass
class LinnworksLoad:
    """What `load_linnworks` did: rows landed per table (child tables included), API calls, any error."""

    resources: list[str]
    ok: bool = False
    row_counts: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    load_ids: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.row_counts.values())


def _describe(client: LinnworksClient, error: BaseException) -> str:
    if isinstance(error, LinnworksError):
        return str(error)
    return client.scrub(f"Linnworks extraction failed: {type(error).__name__}: {error}")


def _root_error(client: LinnworksClient, error: BaseException) -> str:
    """The message to show for a failed extraction: the run's first failure, else the innermost cause."""
    first = client.first_error
    return _describe(client, first if first is not None else runs.root_error(error))


def _missing_settings(error: ConfigFieldMissingException) -> str:
    names = ", ".join(f"SOURCES__LINNWORKS__{name.upper()}" for name in error.fields)
    return f"Linnworks is not configured: set {names} (or [sources.linnworks] in .dlt/secrets.toml)"


def load_linnworks(
    target: Warehouse,
    resources: Sequence[str] | None = None,
    full_refresh: bool = False,
    echo: Echo = print,
) -> LinnworksLoad:
    """Load the chosen Linnworks resources (default all of RESOURCES) into `raw_linnworks` on `target`.

    `full_refresh` drops the chosen resources' tables and cursors first (processed orders are read again
    from `start_date`). Never raises for API or warehouse failures: the result says `ok=False` and why.
    Raises ValueError for unknown or incomplete resource choices (see `select_resources`).
    """
    selected = select_resources(resources)
    result = LinnworksLoad(resources=selected)
    started = time.monotonic()
    try:
        pipeline = target.pipeline(settings.PIPELINE_NAME, settings.DATASET_NAME)
        client = client_from_config()
    except ConfigFieldMissingException as error:
        result.error = _missing_settings(error)
        return result
    except Exception as error:
        result.error = f"Linnworks load not started: {error}"
        return result

    refresh = " (full refresh)" if full_refresh else ""
    echo(f"linnworks: {', '.join(selected)} -> {settings.DATASET_NAME}{refresh}")
    with client, Progress(client, echo) as progress:
        try:
            runs.extract(
                pipeline,
                linnworks(resources=selected, client=client),
                echo,
                workers=settings.EXTRACT_WORKERS,
                max_parallel_items=settings.EXTRACT_WORKERS * 2,
                refresh="drop_resources" if full_refresh else None,
            )
        except Exception as error:
            result.error = _root_error(client, error)
        echo(f"linnworks: extracted in {progress.elapsed:.1f} s, {progress.status()}")
        for line in progress.method_lines():
            echo(line)
    result.calls = {method: stats.calls for method, stats in client.stats.items()}
    if result.error is not None:
        echo("linnworks: failed, nothing loaded")
        result.seconds = time.monotonic() - started
        return result

    try:
        landed = runs.normalize_and_load(pipeline)
    except Exception as error:
        result.error = client.scrub(f"Linnworks load into {settings.DATASET_NAME} failed: {error}")
        echo("linnworks: failed at the load step (the extracted package stays pending for the next run)")
        result.seconds = time.monotonic() - started
        return result

    result.row_counts = dict(sorted(landed.row_counts.items()))
    result.load_ids = landed.load_ids
    result.ok = True
    result.seconds = time.monotonic() - started
    echo(f"linnworks: loaded {result.rows:,} rows into {len(result.row_counts)} tables in {result.seconds:.1f} s")
    for table, rows in result.row_counts.items():
        echo(f"    {table:<52} {rows:>9,}")
    return result
