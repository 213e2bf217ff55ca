"""Raw load throughput: the same nested Linnworks records (StockItemFull, every sub-collection populated) through
dlt three ways, end to end (extract + normalize + load into a fresh DuckDB):

- ours: as the loader lands them, a page of 200 at a time (`records.type_stock_item`: sub-collections as JSON text
  in the item's row, unnested by dbt staging; `records.flat_table`: each page an arrow table with the loader's
  column hints, `_dlt_id` and `_dlt_load_id` added by dlt), parquet loader files;
- nested parquet: dlt unnesting every sub-collection into child tables, parquet loader files (the loader's way
  before the JSON landing);
- dlt's default for DuckDB: child tables and insert_values.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import dlt

from loaders.linnworks import settings
from loaders.linnworks.records import flat_table, type_stock_item
from loaders.linnworks.source import STOCK_ITEM_COLUMNS

MODES = ("ours", "nested parquet", "dlt default")
PIPELINE = "bench_raw"
# as the loader asks for its stock pipeline (loaders/linnworks/pipeline.py): arrow rows get a `_dlt_id`
os.environ.setdefault(f"{PIPELINE.upper()}__NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "true")


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
            pipeline_name=PIPELINE,
            pipelines_dir=str(folder / "pipelines"),
            destination=dlt.destinations.duckdb(str(folder / "bench.duckdb")),
            dataset_name="raw_linnworks",
        )

        @dlt.resource(name="stock_items", primary_key="StockItemId")
        def stock_items() -> Any:
            if mode == "ours":  # what the loader's stock_items resource does to each page
                for start in range(0, len(records), settings.STOCK_PAGE_SIZE):
                    page = records[start : start + settings.STOCK_PAGE_SIZE]
                    yield flat_table([type_stock_item(dict(record)) for record in page], STOCK_ITEM_COLUMNS)
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
