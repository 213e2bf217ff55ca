"""Raw load throughput: the same nested Linnworks records through dlt with our settings (parquet) vs dlt's
default for DuckDB (insert_values)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import dlt


def stock_item_records(items: int) -> list[dict[str, Any]]:
    """StockItemFull records as the sandbox serves them (every sub-collection populated)."""
    from sandboxes.linnworks import generate_dataset

    return [item.record for item in generate_dataset(seed=3, items=items, orders=0).items]


def load_once(records: list[dict[str, Any]], loader_file_format: str | None) -> tuple[float, int]:
    """Extract, normalize and load the records into a fresh DuckDB; (seconds, rows landed in all tables)."""
    import time

    folder = Path(tempfile.mkdtemp(prefix="bench-raw-"))
    try:
        pipeline = dlt.pipeline(
            pipeline_name="bench_raw",
            pipelines_dir=str(folder / "pipelines"),
            destination=dlt.destinations.duckdb(str(folder / "bench.duckdb")),
            dataset_name="raw_linnworks",
        )
        started = time.perf_counter()
        info = pipeline.run(
            records, table_name="stock_items", primary_key="StockItemId", loader_file_format=loader_file_format
        )
        seconds = time.perf_counter() - started
        info.raise_on_failed_jobs()
        rows = sum(pipeline.last_trace.last_normalize_info.row_counts.values())
        return seconds, rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)
