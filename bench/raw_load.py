"""Raw load throughput: the same nested Linnworks records (StockItemFull, every sub-collection populated) through
dlt three ways, end to end (extract + normalize + load into a fresh DuckDB):

- ours: as the loader lands them (`records.type_stock_item`: sub-collections as JSON text in the item's row,
  unnested by dbt staging), parquet loader files;
- nested parquet: dlt unnesting every sub-collection into child tables, parquet loader files (the loader's way
  before the JSON landing);
- dlt's default for DuckDB: child tables and insert_values.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import dlt

from loaders.linnworks.records import type_stock_item

MODES = ("ours", "nested parquet", "dlt default")


def stock_item_records(items: int) -> list[dict[str, Any]]:
    """StockItemFull records as the sandbox serves them (every sub-collection populated)."""
    from sandboxes.linnworks import generate_dataset

    return [item.record for item in generate_dataset(seed=3, items=items, orders=0).items]


def load_once(records: list[dict[str, Any]], mode: str) -> tuple[float, int]:
    """Extract, normalize and load the records into a fresh DuckDB the `mode` way (MODES); (seconds, rows landed
    in all tables)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-raw-"))
    try:
        pipeline = dlt.pipeline(
            pipeline_name="bench_raw",
            pipelines_dir=str(folder / "pipelines"),
            destination=dlt.destinations.duckdb(str(folder / "bench.duckdb")),
            dataset_name="raw_linnworks",
        )

        @dlt.resource(name="stock_items", primary_key="StockItemId")
        def stock_items() -> Any:
            if mode == "ours":  # what the loader's stock_items resource does to each page
                yield [type_stock_item(dict(record)) for record in records]
            else:
                yield records

        started = time.perf_counter()
        info = pipeline.run(stock_items(), loader_file_format=None if mode == "dlt default" else "parquet")
        seconds = time.perf_counter() - started
        info.raise_on_failed_jobs()
        rows = sum(pipeline.last_trace.last_normalize_info.row_counts.values())
        return seconds, rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)
