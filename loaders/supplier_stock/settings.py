"""Constants for the supplier-stock loaders: dataset, batch size, workbook layouts not set per supplier."""

from pathlib import Path

PIPELINE_NAME = "supplier_stock"
DATASET_NAME = "raw_supplier_stock"

# One row per supplier: feed layout (read here) and quantity rule (applied by dbt). Shared with dbt as a seed.
SUPPLIERS_CSV = Path(__file__).resolve().parents[2] / "seeds" / "suppliers.csv"

FEED_SUFFIXES = (".xlsx", ".xlsm")
ROWS_PER_BATCH = 20_000

PRODUCT_SHEETS = ("Direct", "FPS")
PRODUCT_COLUMNS = ("custom_label", "part_number", "supplier", "quantity")

# In a folder, store workbooks are the files named like "<STORE> Database SpeedSheet.xlsx".
STORE_WORKBOOK_MARK = "speedsheet"
STORE_COLUMNS = (
    "item_id",
    "brand",
    "custom_label",
    "current_quantity",
    "title",
    "current_price",
    "prefix",
    "uk_rtg",
    "fps_wds_dir",
    "payment_profile_name",
    "shipping_profile_name",
    "return_profile_name",
)
