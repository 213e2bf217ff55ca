"""Constants for the Linnworks loader: names, hosts, rate limits, page sizes and the API's enums.

Facts come from docs/sources/linnworks.md (its section numbers in the comments: §4.1 etc.).
"""

PIPELINE_NAME = "linnworks"
"""The orders' dlt pipeline: it keeps the processed-orders cursor, under the name it always had."""
STOCK_PIPELINE_NAME = "linnworks_stock"
"""The stock's dlt pipeline (its own schema of the same name in the same dataset)."""
DATASET_NAME = "raw_linnworks"

AUTH_URL = "https://api.linnworks.net"
"""Global auth host; every data call goes to the `Server` its answer names (§1.1, §1.4)."""

RESOURCES = (
    "stock_items",
    "stock_levels",
    "stock_item_details",
    "stock_locations",
    "stock_location_details",
    "processed_orders",
    "order_details",
    "open_orders",
)
"""Every resource (= root table) of the source, in the order they are listed to the user."""

PIPELINES = {
    PIPELINE_NAME: ("processed_orders", "order_details", "open_orders"),
    STOCK_PIPELINE_NAME: (
        "stock_items",
        "stock_levels",
        "stock_item_details",
        "stock_locations",
        "stock_location_details",
    ),
}
"""The resources each pipeline extracts, normalizes and loads: the orders' calls fit one rate-limit window and are
done long before the stock's last page, so the orders are normalized while the stock still waits on the limits
(loaders/linnworks/pipeline.py). Every resource is in exactly one; a transformer is with its parent."""

FED_BY = {"stock_item_details": "stock_items", "order_details": "processed_orders"}
"""Transformers that only run on their parent's pages (order_details shares its parent's cursor)."""

# -- rate limits (§3 table, §4.1) ---------------------------------------------------
RATE_LIMIT_WINDOW_SECONDS = 60.0
"""Linnworks counts calls per method per minute."""
RATE_LIMITS = {
    "Auth/AuthorizeByApplication": 150,
    "Stock/GetStockItemsFull": 150,
    "Stock/GetStockItemsFullByIds": 250,
    "Stock/GetStockLevel_Batch": 250,
    "Inventory/GetStockLocations": 150,
    "Locations/GetLocation": 150,
    "ProcessedOrders/SearchProcessedOrders": 150,
    "Orders/GetOrdersById": 250,
    "OpenOrders/GetOpenOrderIds": 150,
}
"""Calls per window for each method we call (GetOpenOrderIds is not in the specs: 150 per a peer's note)."""
DEFAULT_RATE_LIMIT = 150
"""For a method missing above: the lower of the two limits the specs use."""

# -- HTTP ------------------------------------------------------------------------------------------
REQUEST_TIMEOUT_SECONDS = 60.0
MAX_ATTEMPTS = 5
"""Attempts per call for 429, 5xx, timeouts, dropped connections and broken bodies."""
RATE_LIMITED_ATTEMPTS = 12
"""Attempts while the answer is a 429: each waits its Retry-After, so a busy account slows the run down
rather than failing it."""
RETRY_BACKOFF_SECONDS = 1.0
"""First retry delay; doubles each attempt, plus up to as much again of random jitter."""
MAX_RETRY_DELAY_SECONDS = 60.0
SESSION_REFRESH_MARGIN_SECONDS = 60.0
"""Re-authorise this long before the session's TTL runs out (at most a tenth of the TTL)."""
DEFAULT_SESSION_TTL_SECONDS = 1800
"""When the auth answer has no TTL (the SDK types it `int?`)."""
THREADS = 32
"""HTTP worker threads (and pooled connections) shared by every resource of a run."""
PAGES_IN_FLIGHT = 6
"""Pages of one listing fetched at once. GetStockItemsFull has no total, so a few calls land past its
last page (each a cheap 400 "No items found"): 1 to 3 for a short catalogue, up to this many for a long one."""
EXTRACT_WORKERS = 16
"""dlt extract threads for the parallelized resources and transformers."""

# -- paging (§3.1-§3.8, §3.10) ------------------------------------------------------------------------
STOCK_PAGE_SIZE = 200
"""GetStockItemsFull `entriesPerPage`: "Maximum 200"."""
IDS_PER_CALL = 200
"""GetStockItemsFullByIds / GetStockLevel_Batch / GetOrdersById: undocumented; peers chunk at 200."""
ORDERS_PAGE_SIZE = 200
"""SearchProcessedOrders `ResultsPerPage` (max undocumented; 200 is what peers use safely)."""
OPEN_ORDERS_PAGE_SIZE = 200
OPEN_ORDERS_VIEW_ID = 4
"""GetOpenOrderIds needs a view; 4 is the public PHP client's default view (docs/sources/linnworks.md §3.10)."""
NO_ITEMS_MESSAGE = "No items found with given filter."
"""GetStockItemsFull's 400 past the last page (§3.1, §4.3)."""
QUOTA_MESSAGE = "calls quota exceeded"
"""Text of the rate-limit answer, seen on non-429 statuses too (§4.2): retried like a 429."""

# -- processed orders ------------------------------------------------------------------------------
START_DAYS_BACK = 365
"""The first load of processed orders starts this many days back unless `start_date` is set."""
ORDERS_LOOKBACK_SECONDS = 3600.0
"""Later loads re-read from the cursor minus this much (merge makes the re-read a no-op)."""
ORDERS_TO_DATE_AHEAD_DAYS = 1
"""`ToDate` of the search: now plus this much, so server clock skew cannot hide fresh orders."""

# -- enums (§3.1, §3.2, §3.9): ordinal = position --------------------------------------------------
STOCK_INFORMATION_DATA_REQUIREMENTS = (
    "StockLevels",
    "Pricing",
    "Supplier",
    "ShippingInformation",
    "ChannelTitle",
    "ChannelDescription",
    "ChannelPrice",
    "ExtendedProperties",
    "Images",
)
"""`StockInformationDataRequirement`, GetStockItemsFull's `dataRequirements`."""
STOCK_ITEM_FULL_EXTENDED_DATA_REQUIREMENTS = (
    "StockLevels",
    "Supplier",
    "ChannelTitle",
    "ChannelDescription",
    "ChannelPrice",
    "ExtendedProperties",
    "Images",
)
"""`StockItemFullExtendedDataRequirement`, GetStockItemsFullByIds' OWN enum (1 = Supplier here)."""
STOCK_INFORMATION_SEARCH_TYPES = ("SKU", "Title", "Barcode")

STOCK_ITEMS_DATA_REQUIREMENTS = tuple(r for r in STOCK_INFORMATION_DATA_REQUIREMENTS if r != "StockLevels")
"""What stock_items asks for: everything but StockLevels, which stock_levels reads in batches."""

UPDATE_STATUS = ("NoChange", "Pending", "SentNotConfirmed", "Success", "Error")
STOCK_ALLOCATION_TYPE = ("NotAllocated", "Insuffient", "Partial", "Full", "OverAllocated")
"""Spelt as the API spells it."""
