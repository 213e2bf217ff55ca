"""A faithful local sandbox of the Linnworks REST API, for tests, demos and reliability drills.

It serves `Auth/AuthorizeByApplication`, `Stock/GetStockItemsFull`, `Stock/GetStockItemsFullByIds`,
`Stock/GetStockLevel_Batch`, `Inventory/GetStockLocations`, `Locations/GetLocation`,
`ProcessedOrders/SearchProcessedOrders`, `Orders/GetOrdersById` and `OpenOrders/GetOpenOrderIds` at
`{url}/api/{Controller}/{Method}`, with Linnworks' parameter binding, sessions, per-method rate limits,
error bodies and data quirks (see docs/sources/linnworks.md), over a deterministic
car-parts dataset. Faults can be injected (faults.py). Modules:

    data.py       the dataset generator (`generate_dataset`, `sku_for`)
    binding.py    parameter binding (query + form + JSON, wrapped or flat, any casing)
    endpoints.py  one handler per method, the routing table and rate limits
    server.py     sessions, auth, faults and the call record on the shared server (`Sandbox`, `running_sandbox`)
    cli.py        the `sandbox` click command (`elt sandbox`)

and, shared with the other sandboxes in sandboxes/: faults.py (the fault spec, `--faults`, and its Python
API), ratelimit.py (sliding-window per-method limits), server.py (the HTTP server, its life cycle, the bind
check and the call log) and cli.py (serving until Ctrl-C).
"""

from sandboxes.faults import FaultPlan, FaultRule, parse_faults

from .data import Dataset, Order, StockItem, generate_dataset, is_kit_index, sku_for
from .server import (
    DEFAULT_APPLICATION_ID,
    DEFAULT_APPLICATION_SECRET,
    DEFAULT_TOKEN,
    CallRecord,
    Sandbox,
    check_bind_host,
    running_sandbox,
)

__all__ = [
    "DEFAULT_APPLICATION_ID",
    "DEFAULT_APPLICATION_SECRET",
    "DEFAULT_TOKEN",
    "CallRecord",
    "Dataset",
    "FaultPlan",
    "FaultRule",
    "Order",
    "Sandbox",
    "StockItem",
    "check_bind_host",
    "generate_dataset",
    "is_kit_index",
    "parse_faults",
    "running_sandbox",
    "sku_for",
]
