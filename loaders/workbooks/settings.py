"""Constants shared by the seller's workbook loaders (supplier feeds, product master, store listings)."""

PIPELINE_NAME = "supplier_stock"
DATASET_NAME = "raw_supplier_stock"

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
ROWS_PER_BATCH = 20_000
