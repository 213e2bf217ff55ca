"""Run the Linnworks source through dlt pipelines into `raw_linnworks` on the chosen target.

Two pipelines, one per group of resources (settings.PIPELINES): the orders (`linnworks`, which keeps the
processed-orders cursor) and the stock (`linnworks_stock`). They extract at once, each in its own thread, through
one API client (one session, one rate limiter per method). Each group normalizes as soon as its own extraction is
done, so the orders' rows are normalized while the stock still waits on GetStockItemsFull's limit; the loads start
once every group has extracted, one pipeline after the other.

Measured with `python -m bench.run --only linnworks-real-limits` (32,000 items, 26,000 orders, 60 s window, medians
of 3): with one pipeline the run took 1.61 times the rate-limit bound, 16 s of its normalize the orders' nested rows
after the last API answer; with two, 1.29 times; with the stock as arrow tables too (records.flat_table), 1.16
times: 2.7 s from process start to the first call (imports), 5.75 s from the last answer to exit, most of it the two
loads. They run one after the other: loading both at once (each group's tables created first, one at a time, as
DuckDB refuses two catalog changes at once) took 4.7 s against 4.8 s (one sync each, 2 cores), so it was not kept.

A failure anywhere in extraction stops every call, and no group loads: a group already extracted (or normalized)
drops its package and its cursor goes back where it was (dlt's `abort_packages`), so no table is half-replaced
and no cursor moves; the error names the endpoint that failed. A package that a kill interrupted while it
loaded is loaded again from the start by the next run (loaders/recovery.py), never resumed job by job.
"""

from __future__ import annotations

import importlib
import os
import threading
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
# The stock comes as arrow tables (records.flat_table): dlt gives arrow rows a `_dlt_id` only when asked, and the
# stock's rows have always had one (staging reads it). Scoped to the stock's pipeline.
os.environ.setdefault(f"{settings.STOCK_PIPELINE_NAME.upper()}__NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "true")


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


def _import_what_the_threads_share() -> None:
    """Import, in this thread, the libraries dlt imports lazily as the groups extract, normalize and load.

    dlt tells data frames and arrow tables from rows by looking the module up in `sys.modules` (`is_pandas_frame`,
    `is_arrow_item`): while another thread is still importing pandas or pyarrow, that lookup finds a
    half-initialized module and the extraction fails ("partially initialized module 'pandas' has no attribute
    'DataFrame'"). Both were seen in `bench.run --only linnworks-real-limits` before this import. pandas cannot
    simply be left out: pyarrow imports it the first time `pa.array` runs (records.flat_table, in an extract
    thread; an import hook showed it). Costs about 0.9 s of start-up (`python -X importtime`).
    """
    for module in (
        "pyarrow",
        "pandas",
        "dlt.common.libs.pyarrow",
        "dlt.common.libs.pandas",
        "dlt.normalize",
        "dlt.load",
    ):
        importlib.import_module(module)


class _Group(threading.Thread):
    """One pipeline's part of a run, in its own thread (a dlt pipeline stays in the thread that made it): extract,
    normalize, then wait for `go` and load, or drop the package when another group's extraction failed."""

    def __init__(
        self,
        target: Warehouse,
        name: str,
        resources: list[str],
        client: LinnworksClient,
        full_refresh: bool,
        echo: Echo,
    ) -> None:
        super().__init__(name=f"linnworks-{name}", daemon=True)
        self.target = target
        self.pipeline_name = name
        self.resources = resources
        self.client = client
        self.full_refresh = full_refresh
        self.echo = echo
        self.extracted = threading.Event()
        """Set when extraction ended, with `error` set if it failed."""
        self.error: BaseException | None = None
        self.load_error: BaseException | None = None
        self.landed: runs.Landed | None = None
        self._go = threading.Event()
        self._load = False

    def go(self, load: bool) -> None:
        """Let the group load what it extracted (`load`), or drop it."""
        self._load = load
        self._go.set()

    def run(self) -> None:
        try:
            pipeline = self.target.pipeline(self.pipeline_name, settings.DATASET_NAME)
        except Exception as error:
            self.error = self.client.fail(LinnworksError(f"Linnworks load not started: {error}"))
            self.extracted.set()
            self._go.wait()
            return
        try:
            source = (
                linnworks
                if self.pipeline_name == settings.PIPELINE_NAME
                else linnworks.with_args(name=self.pipeline_name, section="linnworks")
            )
            runs.extract(
                pipeline,
                source(resources=self.resources, client=self.client),
                self.echo,
                workers=settings.EXTRACT_WORKERS,
                max_parallel_items=settings.EXTRACT_WORKERS * 2,
                refresh="drop_resources" if self.full_refresh else None,
            )
        except Exception as error:
            self.error = error
        finally:
            self.extracted.set()
        if self.error is not None:
            self._go.wait()
            return
        try:
            rows = runs.normalize(pipeline)
        except Exception as error:
            self.load_error = error
        self._go.wait()
        try:
            if not self._load:
                pipeline.abort_packages()  # the cursor goes back with the package
            elif self.load_error is None:
                self.landed = runs.load_normalized(pipeline, rows)
        except Exception as error:
            self.load_error = error


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
        client = client_from_config()
    except ConfigFieldMissingException as error:
        result.error = _missing_settings(error)
        return result
    except Exception as error:
        result.error = f"Linnworks load not started: {error}"
        return result

    refresh = " (full refresh)" if full_refresh else ""
    echo(f"linnworks: {', '.join(selected)} -> {settings.DATASET_NAME}{refresh}")
    _import_what_the_threads_share()
    groups = [
        _Group(target, name, [r for r in selected if r in resources], client, full_refresh, echo)
        for name, resources in settings.PIPELINES.items()
        if set(resources) & set(selected)
    ]
    with client, Progress(client, echo) as progress:
        for group in groups:
            group.start()
        for group in groups:
            group.extracted.wait()
        errors = [group.error for group in groups if group.error is not None]
        if errors:
            result.error = _root_error(client, errors[0])
        echo(f"linnworks: extracted in {progress.elapsed:.1f} s, {progress.status()}")
        for line in progress.method_lines():
            echo(line)
    result.calls = {method: stats.calls for method, stats in client.stats.items()}
    row_counts: dict[str, int] = {}
    for group in groups:  # one load at a time, in settings.PIPELINES order
        group.go(load=result.error is None)
        group.join()
        if group.landed is not None:
            runs.add_rows(row_counts, group.landed.row_counts)
            result.load_ids += group.landed.load_ids
        if group.load_error is not None and result.error is None:
            result.error = client.scrub(f"Linnworks load into {settings.DATASET_NAME} failed: {group.load_error}")
    result.seconds = time.monotonic() - started
    result.row_counts = dict(sorted(row_counts.items()))
    if result.error is not None:
        failed_loads = [group.pipeline_name for group in groups if group.load_error is not None]
        if not failed_loads:
            echo("linnworks: failed, nothing loaded")
        else:
            echo(
                f"linnworks: failed at the load step of {', '.join(failed_loads)} "
                "(its package stays pending for the next run)"
            )
        return result

    result.ok = True
    echo(f"linnworks: loaded {result.rows:,} rows into {len(result.row_counts)} tables in {result.seconds:.1f} s")
    for table, rows in result.row_counts.items():
        echo(f"    {table:<52} {rows:>9,}")
    return result
