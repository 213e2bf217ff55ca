"""What the API sources' runs share: one load of a dlt source (extract into parquet files -> normalize -> load,
failed jobs raised), the rows it landed per table, and the error a failed run shows.

The rows are those normalize counted, per table, without dlt's own `_dlt_*` tables (child tables included).
A failure surfaces from dlt wrapped (PipelineStepFailed, ResourceExtractionError, …): `root_error` follows
the chain Python prints (`__cause__`, else `__context__` unless suppressed) to what went wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from loaders.contract import Echo


@dataclass(frozen=True)
class Landed:
    """What one normalize + load landed."""

    row_counts: dict[str, int] = field(default_factory=dict)
    load_ids: list[str] = field(default_factory=list)


def extract(pipeline: Any, source: Any, echo: Echo | None = None, **options: Any) -> dict[str, int]:
    """Extract `source` into parquet loader files (`options`: dlt's `extract` arguments, e.g. `workers`); the
    rows each selected resource yielded, from dlt's extract info, and with `echo` a line per resource
    (`wdn: products: 1,204 rows extracted`) as this extract finishes."""
    info = pipeline.extract(source, loader_file_format="parquet", **options)
    counts = resource_rows(info, source.selected_resources)
    if echo is not None:
        for resource, rows in counts.items():
            echo(f"{pipeline.pipeline_name}: {resource}: {rows:,} row{'' if rows == 1 else 's'} extracted")
    return counts


def resource_rows(info: Any, resources: Iterable[str]) -> dict[str, int]:
    """Rows per resource in a dlt ExtractInfo (its `resource_metrics`' `items_count`), 0 for those that yielded
    none, in `resources`' order (dlt's own `_dlt_*` left out)."""
    counts = dict.fromkeys(resources, 0)
    for metrics in info.metrics.values():
        for step in metrics:
            for resource, writer in step["resource_metrics"].items():
                if not resource.startswith("_dlt"):
                    counts[resource] = counts.get(resource, 0) + writer.items_count
    return counts


def normalize(pipeline: Any) -> dict[str, int]:
    """Normalize what is extracted; the rows per table it normalized (dlt's own `_dlt_*` left out)."""
    normalized = pipeline.normalize()
    counts = normalized.row_counts if normalized else {}
    return {table: rows for table, rows in counts.items() if not table.startswith("_dlt")}


def load_normalized(pipeline: Any, row_counts: Mapping[str, int]) -> Landed:
    """Load what is normalized (`row_counts`: what `normalize` said); raises when a job failed."""
    info = pipeline.load()
    info.raise_on_failed_jobs()
    return Landed(dict(row_counts), list(info.loads_ids))


def normalize_and_load(pipeline: Any) -> Landed:
    """Normalize and load what is extracted; raises when a job failed."""
    return load_normalized(pipeline, normalize(pipeline))


def load(pipeline: Any, source: Any, echo: Echo | None = None, **options: Any) -> Landed:
    """`extract` (with `echo`, its line per resource) then `normalize_and_load`: one load of `source`."""
    extract(pipeline, source, echo, **options)
    return normalize_and_load(pipeline)


def add_rows(into: MutableMapping[str, int], counts: Mapping[str, int]) -> None:
    """Add `counts` to the run's rows per table."""
    for table, rows in counts.items():
        into[table] = into.get(table, 0) + rows


def causes(error: BaseException) -> list[BaseException]:
    """`error`, then what it came from, as Python prints the chain: `__cause__`, else `__context__` unless
    suppressed (`raise … from None`)."""
    chain = [error]
    while True:
        last = chain[-1]
        cause = last.__cause__ or (None if last.__suppress_context__ else last.__context__)
        if cause is None or cause in chain:
            return chain
        chain.append(cause)


def linked_errors(error: BaseException) -> list[BaseException]:
    """`error` and every exception linked to it, each once: its `__cause__` and `__context__` (suppressed or
    not) and the `exception` that dlt's step failures (PipelineStepFailed) carry, followed to the end."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        pending.extend([current.__cause__, current.__context__, getattr(current, "exception", None)])
    return seen


def root_error(error: BaseException, types: tuple[type[BaseException], ...] = ()) -> BaseException:
    """The first exception of `types` in `error`'s chain (e.g. the failed API call), else the innermost."""
    chain = causes(error)
    return next((e for e in chain if isinstance(e, types)), chain[-1])


def error_message(error: BaseException, types: tuple[type[BaseException], ...]) -> str:
    """What a failed run shows: the message of the first exception of `types` in the chain (they name the call
    that failed), else the innermost one's type and message."""
    root = root_error(error, types)
    return str(root) if isinstance(root, types) else f"{type(root).__name__}: {root}"
