"""Each kind of API fault, injected by the sandbox: the Linnworks load either completes with every row the
sandbox holds (row counts and keys compared table by table), or fails with a message naming the endpoint,
lands nothing, and a rerun completes. Never a silent partial load."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from elt.targets import Target
from loaders.linnworks import settings
from loaders.linnworks.pipeline import load_linnworks
from sandboxes.linnworks import Sandbox, running_sandbox
from tests.support.linnworks import DATASET, assert_lands_exactly, configure, table_counts

WINDOW = 2.0
TIMEOUT = 2.0
"""The client's timeout in these tests; `slow` faults answer well after it."""
STOCK = ["stock_levels"]
"""Pages GetStockItemsFull (3 pages, no data requirements) and batches GetStockLevel_Batch: one table."""
ORDERS = ["processed_orders"]
"""Pages SearchProcessedOrders (3 pages): one table, merged."""
LOCATIONS = ["stock_locations", "stock_location_details"]
"""GetStockLocations, then GetLocation per location."""
ORDER_DETAILS = ["processed_orders", "order_details"]
"""SearchProcessedOrders pages feeding GetOrdersById batches."""


@dataclass(frozen=True)
class Fault:
    """A fault spec (faults.py syntax), the resources the load asks for, and what must show it fired."""

    spec: str
    resources: list[str]
    fired: str = "faults"
    """The sandbox stats counter that proves the fault was met (faults, status_401, status_429, dropped)."""
    stats: dict[str, int] = field(default_factory=dict)
    """Sandbox stats the run must end with exactly (e.g. two sessions after an expiry)."""


PASSING = {
    "a burst of three 429s with Retry-After on GetStockItemsFull": Fault(
        "GetStockItemsFull#2-4=429:1", STOCK, fired="status_429", stats={"status_429": 3}
    ),
    "HTTP 500 on GetStockLevel_Batch": Fault("GetStockLevel_Batch#1-2=500", STOCK),
    "HTTP 502 on SearchProcessedOrders": Fault("SearchProcessedOrders#1=502", ORDERS),
    "HTTP 503 twice on GetLocation": Fault("GetLocation#1-2=503", LOCATIONS),
    "dropped connections on GetStockLevel_Batch": Fault("GetStockLevel_Batch#1-3=drop", STOCK, fired="dropped"),
    "an answer slower than the client timeout on SearchProcessedOrders": Fault(
        "SearchProcessedOrders#2=slow:5", ORDERS
    ),
    "a body cut short of its Content-Length on GetOrdersById": Fault("GetOrdersById#1=truncate", ORDER_DETAILS),
    "a non-JSON maintenance page on GetStockLocations": Fault("GetStockLocations#1=nonjson", LOCATIONS),
    "the session expiring in the middle of paging GetStockItemsFull": Fault(
        "GetStockItemsFull#2=expire", ["stock_items", "stock_levels"], fired="status_401", stats={"sessions": 2}
    ),
    "the session expiring in the middle of paging SearchProcessedOrders": Fault(
        "SearchProcessedOrders#2=expire", ORDERS, fired="status_401", stats={"sessions": 2}
    ),
    "the auth endpoint failing twice": Fault("auth#1-2=503", LOCATIONS, stats={"sessions": 1}),
    "the quota message on a 400 on SearchProcessedOrders": Fault("SearchProcessedOrders#2-3=quota", ORDERS),
}

FAILING = {
    "a 401 that persists after re-authorising on GetStockLevel_Batch": (
        Fault("GetStockLevel_Batch#1+=401", STOCK, fired="status_401"),
        "Linnworks Stock/GetStockLevel_Batch failed: HTTP 401 Authorization has been denied for this request. "
        "(even after re-authorising)",
    ),
    "the auth endpoint failing every time": (
        Fault("auth#1+=503", LOCATIONS),
        "Linnworks Auth/AuthorizeByApplication failed after 3 attempts: HTTP 503",
    ),
    "every GetLocation connection dropped": (
        Fault("GetLocation#1+=drop", LOCATIONS, fired="dropped"),
        "Linnworks Locations/GetLocation failed after 3 attempts: connection failed or dropped",
    ),
    "every GetStockLevel_Batch answer slower than the timeout": (
        Fault("GetStockLevel_Batch#1+=slow:3", STOCK),
        f"Linnworks Stock/GetStockLevel_Batch failed after 3 attempts: no answer within {TIMEOUT:g} s",
    ),
    "every GetStockLocations answer a non-JSON page": (
        Fault("GetStockLocations#1+=nonjson", LOCATIONS),
        "Linnworks Inventory/GetStockLocations failed after 3 attempts: HTTP 200 with a body that is not JSON",
    ),
}


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[Sandbox]:
    """3 pages of stock items and of processed orders, fresh credentials, a 2 s rate-limit window."""
    secrets = {name: str(uuid.uuid4()) for name in ("application_id", "application_secret", "token")}
    with running_sandbox(items=450, orders=450, rate_window_seconds=WINDOW, **secrets) as started:
        yield started


@pytest.fixture
def sandbox(shared_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The shared sandbox with no faults, its call numbers and stats from zero, the loader pointed at it."""
    shared_sandbox.clear_faults()
    shared_sandbox.reset_stats()
    configure(monkeypatch, shared_sandbox, request_timeout_seconds=TIMEOUT, retry_backoff_seconds=0.05)
    return shared_sandbox


@pytest.mark.parametrize("fault", list(PASSING.values()), ids=list(PASSING))
def test_a_load_meeting_a_passing_fault_completes_with_every_row_and_key_of_the_sandbox(
    fault: Fault, sandbox: Sandbox, target: Target
) -> None:
    sandbox.set_faults(fault.spec)

    result = load_linnworks(target, fault.resources, echo=lambda line: None)

    assert result.ok, result.error
    stats = sandbox.stats()
    assert stats[fault.fired] >= 1, f"the fault {fault.spec} never fired"
    assert {name: stats[name] for name in fault.stats} == fault.stats
    assert_lands_exactly(target, sandbox, fault.resources)
    assert result.row_counts == table_counts(target), "the counts reported are the rows landed"


@pytest.mark.parametrize("case", list(FAILING.values()), ids=list(FAILING))
def test_a_load_meeting_a_fault_that_never_clears_fails_naming_the_endpoint_lands_nothing_and_a_rerun_completes(
    case: tuple[Fault, str], sandbox: Sandbox, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    fault, message = case
    configure(monkeypatch, sandbox, request_timeout_seconds=TIMEOUT, retry_backoff_seconds=0.05, max_attempts=3)
    sandbox.set_faults(fault.spec)

    failed = load_linnworks(target, fault.resources, echo=lambda line: None)

    assert not failed.ok
    assert failed.error is not None and failed.error.startswith(message), failed.error
    assert sandbox.stats()[fault.fired] >= 1
    assert not target.duckdb_path.exists() or table_counts(target) == {}, f"nothing lands in {DATASET}"

    sandbox.clear_faults()
    configure(monkeypatch, sandbox, retry_backoff_seconds=0.05, max_attempts=5)  # the usual timeout and attempts
    rerun = load_linnworks(target, fault.resources, echo=lambda line: None)

    assert rerun.ok, rerun.error
    assert_lands_exactly(target, sandbox, fault.resources)


def test_a_stock_fault_that_never_clears_drops_the_orders_already_extracted_and_their_cursor(
    sandbox: Sandbox, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The orders' pipeline extracts and normalizes while the stock's waits on slow answers; when the stock fails,
    the orders' package is dropped unloaded and their cursor goes back, so the rerun reads them all again."""
    resources = STOCK + ORDER_DETAILS
    configure(monkeypatch, sandbox, request_timeout_seconds=TIMEOUT, retry_backoff_seconds=0.05, max_attempts=3)
    sandbox.set_faults("GetStockLevel_Batch#1+=slow:3")

    failed = load_linnworks(target, resources, echo=lambda line: None)

    assert not failed.ok
    assert failed.error is not None and failed.error.startswith("Linnworks Stock/GetStockLevel_Batch failed"), (
        failed.error
    )
    answered = [c.method for c in sandbox.calls() if c.status == 200 and c.method == "GetOrdersById"]
    assert len(answered) == 3, "the orders (450, 200 a call) were all extracted before the stock failed"
    assert not target.duckdb_path.exists() or table_counts(target) == {}, f"nothing lands in {DATASET}"
    orders = target.pipeline(settings.PIPELINE_NAME, DATASET)
    assert orders.list_extracted_load_packages() == [] and orders.list_normalized_load_packages() == []
    assert "linnworks" not in orders.state.get("sources", {}), "the processed-orders cursor is back where it was"

    sandbox.clear_faults()
    configure(monkeypatch, sandbox, retry_backoff_seconds=0.05, max_attempts=5)
    rerun = load_linnworks(target, resources, echo=lambda line: None)

    assert rerun.ok, rerun.error
    assert_lands_exactly(target, sandbox, resources)
