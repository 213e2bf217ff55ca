"""The Linnworks loader against the local sandbox: row counts, reruns, incremental orders, sessions,
rate limits, retries, failures and secrets. No network beyond 127.0.0.1."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from click.testing import CliRunner

from elt.cli import main as elt
from elt.targets import Target
from loaders.linnworks.client import Credentials, LinnworksClient, LinnworksError
from loaders.linnworks.pipeline import LinnworksLoad, load_linnworks
from loaders.linnworks.records import flat_table, parse_timestamp, type_order, type_stock_item
from loaders.linnworks.source import RESOURCES, _stock_table, select_resources
from sandboxes.linnworks import Sandbox, running_sandbox
from tests.support.linnworks import WINDOW, assert_lands_exactly, configure, element_counts, table_counts
from tests.support.warehouse import query

"""Seconds of the sandbox's (and the loader's) rate-limit window: a shortened minute."""
SMALL = {"items": 450, "orders": 600, "rate_window_seconds": WINDOW}
DATASET = "raw_linnworks"
ORDERS = ["processed_orders", "order_details"]
ALL_BUT_STOCK_LEVELS = [
    "Pricing",
    "Supplier",
    "ShippingInformation",
    "ChannelTitle",
    "ChannelDescription",
    "ChannelPrice",
    "ExtendedProperties",
    "Images",
]
ENUMS = {
    "UpdateStatus": ["NoChange", "Pending", "SentNotConfirmed", "Success", "Error"],
    "StockAllocationType": ["NotAllocated", "Insuffient", "Partial", "Full", "OverAllocated"],
}


@dataclass
class Request:
    """One API call as the sandbox received it (for asserting what the loader asked for)."""

    method: str
    number: int
    at: float
    status: int
    params: dict[str, Any]


def new_sandbox(**options: Any) -> AbstractContextManager[Sandbox]:
    """A sandbox with fresh random credentials, so a leak of them is unmistakable."""
    credentials = {"application_id": str(uuid.uuid4()), "application_secret": str(uuid.uuid4())}
    return running_sandbox(**{**SMALL, **credentials, "token": str(uuid.uuid4()), **options})


def record_requests(sandbox: Sandbox, rewrite: Callable[[str, Any], Any] | None = None) -> list[Request]:
    """Log every API call's parameters (JSON body or query) as the sandbox answers it.

    `rewrite(method, payload)` may replace a successful answer's JSON, to play a server that words
    things differently from the sandbox.
    """
    log: list[Request] = []
    answer = sandbox.handle_api

    def handle(endpoint: Any, query_string: str, headers: Any, body: bytes, client: str) -> Any:
        at = time.time()
        reply, number, fault = answer(endpoint, query_string, headers, body, client)
        try:
            params = json.loads(body) if body.strip().startswith(b"{") else {}
        except ValueError:
            params = {}
        params.update(dict(part.split("=", 1) for part in query_string.split("&") if "=" in part))
        log.append(Request(endpoint.name, number, at, reply.status, params))
        if rewrite is not None and reply.status == 200 and reply.raw is None:
            reply.payload = rewrite(endpoint.name, reply.payload)
        return reply, number, fault

    sandbox.handle_api = handle  # type: ignore[method-assign]
    return log


def as_other_servers_answer(value: Any) -> Any:
    """`value` as some live servers write it: enums as ordinals, null members left out."""
    if isinstance(value, dict):
        return {
            key: ENUMS[key].index(member) if key in ENUMS else as_other_servers_answer(member)
            for key, member in value.items()
            if member is not None
        }
    if isinstance(value, list):
        return [as_other_servers_answer(member) for member in value]
    return value


UPDATE_STATUSES = (
    f"select distinct element ->> '$.UpdateStatus' from {DATASET}.stock_items "
    "cross join unnest(cast(item_channel_prices as json[])) as prices (element)"
)
"""The channel prices' UpdateStatus values (stock items' sub-collections land as JSON text)."""


def warehouse_text(target: Target) -> list[str]:
    """Every distinct text value in raw_linnworks."""
    with target.connect() as con:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = ? and data_type = 'VARCHAR'",
            [DATASET],
        ).fetchall()
        return [
            str(value)
            for table, column in columns
            for (value,) in con.execute(f'select distinct "{column}" from {DATASET}.{table}').fetchall()
        ]


def expected_counts(sandbox: Sandbox) -> dict[str, int]:
    """The sandbox's own counts, keyed by the tables they must land in."""
    c = sandbox.data.counts()
    return {
        "stock_items": c["items"],
        "stock_items__suppliers": c["item_suppliers"],
        "stock_items__item_channel_titles": c["channel_titles"],
        "stock_items__item_channel_descriptions": c["channel_descriptions"],
        "stock_items__item_channel_prices": c["channel_prices"],
        "stock_items__item_extended_properties": c["extended_properties"],
        "stock_items__images": c["images"],
        "stock_levels": c["stock_levels"],
        "stock_item_details": c["items"],
        "stock_locations": c["locations"],
        "stock_location_details": c["locations"],
        "processed_orders": c["processed_orders"],
        "order_details": c["processed_orders"],
        "order_details__items": c["order_items"],
        "order_details__items__composite_sub_items": c["order_item_components"],
        "open_orders": c["open_orders"],
        "open_orders__items": c["open_order_items"],
    }


def assert_complete(target: Target, sandbox: Sandbox, tables: list[str] | None = None) -> None:
    landed = table_counts(target) | element_counts(target)
    expected = expected_counts(sandbox)
    for table in tables or list(expected):
        assert landed.get(table) == expected[table], table


def run(target: Target, resources: list[str] | None = None, **options: Any) -> LinnworksLoad:
    result = load_linnworks(target, resources, echo=lambda line: None, **options)
    assert result.ok, result.error
    return result


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with new_sandbox() as started:
        configure(monkeypatch, started)
        yield started


# -- whole loads ----------------------------------------------------------------------------------------
def test_a_full_load_lands_the_sandbox_row_counts_and_a_rerun_adds_nothing_however_the_server_words_it(
    sandbox: Sandbox, target: Target
) -> None:
    requests = record_requests(sandbox)

    result = run(target)

    assert_complete(target, sandbox)
    assert "stock_items__images" not in result.row_counts, "a stock item's images land as JSON text, in its row"
    assert element_counts(target)["stock_items__images"] == sandbox.data.counts()["images"]
    kits = query(target, f"select count(*) from {DATASET}.stock_item_details where is_composite_parent")
    assert kits[0][0] == sandbox.data.counts()["kits"]
    assert sandbox.stats()["status_429"] == 0
    listed = [r for r in requests if r.method == "GetStockItemsFull" and r.status == 200]
    assert sorted(r.params["pageNumber"] for r in listed) == [1, 2, 3], "levels and details reuse the item pages"
    assert all(sorted(r.params["dataRequirements"]) == sorted(ALL_BUT_STOCK_LEVELS) for r in listed)
    by_ids = [r.params["request"] for r in requests if r.method == "GetStockItemsFullByIds"]
    assert sorted(i for request in by_ids for i in request["StockItemIds"]) == sorted(sandbox.data.items_by_id)
    assert all(len(r.params["pkOrderIds"]) <= 200 for r in requests if r.method == "GetOrdersById")

    counts = table_counts(target)
    columns = query(target, "select table_name, column_name from information_schema.columns order by 1, 2")
    keys = {
        "stock_items": "stock_item_id",
        "stock_levels": "stock_item_id || location__stock_location_id",
        "processed_orders": "pk_order_id",
        "order_details": "order_id",
        "open_orders": "order_id",
    }
    before = {t: sorted(query(target, f"select {k} from {DATASET}.{t}")) for t, k in keys.items()}
    # the rerun meets a server that sends enums as ordinals and leaves null members out
    record_requests(sandbox, rewrite=lambda method, payload: as_other_servers_answer(payload))

    run(target)

    assert table_counts(target) == counts
    assert {t: sorted(query(target, f"select {k} from {DATASET}.{t}")) for t, k in keys.items()} == before
    for table, key in keys.items():
        assert query(target, f"select count(distinct {key}) = count(*) from {DATASET}.{table}") == [(True,)]
    assert query(target, "select table_name, column_name from information_schema.columns order by 1, 2") == columns
    statuses = query(target, UPDATE_STATUSES)
    assert {s for (s,) in statuses} <= set(ENUMS["UpdateStatus"])
    allocations = query(target, f"select distinct general_info__stock_allocation_type from {DATASET}.open_orders")
    assert allocations == [("Full",)]


def test_every_data_call_goes_to_the_server_the_auth_call_returns_and_none_to_the_auth_host(
    monkeypatch: pytest.MonkeyPatch, target: Target
) -> None:
    with new_sandbox(auth_host="localhost") as sandbox:
        configure(monkeypatch, sandbox, auth_url=sandbox.auth_url)

        run(target)

        calls = sandbox.calls()
        auth = [call for call in calls if call.method == "AuthorizeByApplication"]
        data = [call for call in calls if call.method != "AuthorizeByApplication"]
        assert {call.host for call in auth} == {"localhost"}
        assert {call.method for call in data} >= {"GetStockItemsFull", "SearchProcessedOrders", "GetOrdersById"}
        assert {call.host for call in data} == {"127.0.0.1"}, "the data host is the session's Server"
        assert not [call for call in calls if call.status == 404]
        assert_lands_exactly(target, sandbox)


def test_a_first_load_from_a_server_sending_enum_ordinals_and_leaving_null_members_out_lands_the_same_tables(
    sandbox: Sandbox, target: Target, tmp_path: Path
) -> None:
    rewritten = record_requests(sandbox, rewrite=lambda method, payload: as_other_servers_answer(payload))

    run(target)

    assert any(r.method == "GetStockItemsFull" for r in rewritten), "the first load met the rewritten answers"
    assert_lands_exactly(target, sandbox)
    statuses = {s for (s,) in query(target, UPDATE_STATUSES)}
    assert statuses and statuses <= set(ENUMS["UpdateStatus"])
    allocations = query(target, f"select distinct general_info__stock_allocation_type from {DATASET}.open_orders")
    assert allocations == [("Full",)]
    del sandbox.handle_api  # the sandbox's own wording again: enums as names, null members present
    plain = Target.from_options("duckdb", tmp_path / "plain.duckdb")
    run(plain)
    columns = (
        "select table_name, column_name, data_type from information_schema.columns "
        f"where table_schema = '{DATASET}' and table_name not like '_dlt%' order by all"
    )
    assert query(target, columns) == query(plain, columns), "the same columns and types, whichever wording"


def test_the_first_orders_load_starts_at_start_date_and_loads_no_order_processed_before_it(
    sandbox: Sandbox, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = (datetime.now(UTC) - timedelta(days=30)).date()
    monkeypatch.setenv("SOURCES__LINNWORKS__START_DATE", start.isoformat())
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    processed = [parse_timestamp(order.header["dProcessedOn"]) for order in sandbox.data.processed_orders]  # type: ignore[index]
    assert min(processed) < since < max(processed), "the sandbox holds orders on both sides of the start date"
    requests = record_requests(sandbox)

    run(target, ORDERS)

    assert_lands_exactly(target, sandbox, ORDERS, processed_since=since)
    assert query(target, f"select min(d_processed_on) >= ? from {DATASET}.processed_orders", [since]) == [(True,)]
    searches = [r.params["request"] for r in requests if r.method == "SearchProcessedOrders"]
    assert {parse_timestamp(search["FromDate"]) for search in searches} == {since}


def test_incremental_runs_load_only_new_processed_orders_asking_from_the_cursor_minus_the_lookback(
    sandbox: Sandbox, target: Target
) -> None:
    run(target, ORDERS)
    cursor = query(target, f"select max(d_processed_on) from {DATASET}.processed_orders")[0][0]
    requests = record_requests(sandbox)

    sandbox.add_processed_orders(7)
    second = run(target, ORDERS)

    assert query(target, f"select count(*) from {DATASET}.processed_orders")[0][0] == 600 + 7
    assert query(target, f"select count(*) from {DATASET}.order_details")[0][0] == 600 + 7
    assert_complete(target, sandbox, ["processed_orders", "order_details", "order_details__items"])
    searches = [r.params["request"] for r in requests if r.method == "SearchProcessedOrders"]
    assert {parse_timestamp(search["FromDate"]) for search in searches} == {cursor - timedelta(hours=1)}
    assert {search["DateField"] for search in searches} == {"processed"}
    assert second.row_counts["processed_orders"] < 50, "only the lookback hour is read again"

    requests.clear()
    again = run(target, ["processed_orders"], full_refresh=True)

    assert again.row_counts["processed_orders"] == 607
    assert query(target, f"select count(*) from {DATASET}.processed_orders")[0][0] == 607
    search = next(r.params["request"] for r in requests if r.method == "SearchProcessedOrders")
    assert parse_timestamp(search["FromDate"]) < datetime.now(UTC) - timedelta(days=364)


def test_a_stock_levels_only_run_touches_only_stock_levels_and_pages_items_without_data_requirements(
    sandbox: Sandbox, target: Target
) -> None:
    requests = record_requests(sandbox)

    result = run(target, ["stock_levels"])

    assert set(result.row_counts) == {"stock_levels"}
    assert table_counts(target) == {"stock_levels": sandbox.data.counts()["stock_levels"]}
    assert {r.method for r in requests} == {"AuthorizeByApplication", "GetStockItemsFull", "GetStockLevel_Batch"}
    listings = [r.params for r in requests if r.method == "GetStockItemsFull"]
    assert all(params["dataRequirements"] == [] for params in listings)
    assert all(len(r.params["request"]["StockItemIds"]) <= 200 for r in requests if r.method == "GetStockLevel_Batch")


# -- sessions, rate limits, retries -------------------------------------------------------------------------
def test_a_session_that_expires_mid_run_is_renewed_and_the_call_repeated(sandbox: Sandbox, target: Target) -> None:
    sandbox.set_faults("GetStockLevel_Batch#2=expire")

    run(target, ["stock_levels", "processed_orders"])

    stats = sandbox.stats()
    assert stats["status_401"] >= 1
    assert stats["sessions"] == 2
    assert_complete(target, sandbox, ["stock_levels", "processed_orders"])


def test_the_session_is_renewed_before_its_ttl_runs_out() -> None:
    with new_sandbox(items=5, orders=0, ttl_seconds=1) as sandbox:
        c = sandbox.credentials
        credentials = Credentials(c["application_id"], c["application_secret"], c["token"])
        with LinnworksClient(credentials, auth_url=sandbox.url, rate_limit_window_seconds=WINDOW) as client:
            client.get("Inventory/GetStockLocations")
            time.sleep(1.0)
            client.get("Inventory/GetStockLocations")

        assert sandbox.stats()["status_401"] == 0
        assert client.sessions_opened == 2


def test_a_429_is_retried_no_sooner_than_its_retry_after(sandbox: Sandbox, target: Target) -> None:
    sandbox.set_faults("GetStockItemsFull#2=429:1")
    requests = record_requests(sandbox)

    run(target, ["stock_levels"])

    throttled = next(r for r in requests if r.method == "GetStockItemsFull" and r.status == 429)
    page = throttled.params["pageNumber"]
    retry = next(
        r
        for r in requests
        if r.method == "GetStockItemsFull" and r.at > throttled.at and r.params["pageNumber"] == page
    )
    assert retry.at - throttled.at >= 1.0
    assert retry.status == 200
    assert_complete(target, sandbox, ["stock_levels"])


def test_server_errors_timeouts_dropped_connections_and_broken_bodies_are_retried(
    sandbox: Sandbox, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, sandbox, request_timeout_seconds=1.5)
    sandbox.set_faults(
        "auth#1=503,GetStockItemsFull#1=500,GetStockLevel_Batch#1=502,GetStockItemsFullByIds#1=drop,"
        "SearchProcessedOrders#1=slow:3,GetOrdersById#1=truncate,GetStockLocations#1=nonjson,"
        "GetLocation#1=badjson,GetOpenOrderIds#1-2=504"
    )

    result = run(target)

    assert sandbox.stats()["faults"] == 10
    assert_complete(target, sandbox)
    assert result.calls["Stock/GetStockItemsFullByIds"] >= 4


def test_the_client_side_limiter_keeps_a_run_under_a_tiny_per_method_limit_without_any_429(
    monkeypatch: pytest.MonkeyPatch, target: Target
) -> None:
    limit, window = 2, 1.0
    with new_sandbox(items=1000, rate_window_seconds=window, rate_limits={"GetStockLevel_Batch": limit}) as sandbox:
        configure(monkeypatch, sandbox, rate_limit_window_seconds=window, rate_limits={"GetStockLevel_Batch": limit})
        requests = record_requests(sandbox)

        result = run(target, ["stock_levels"])

        assert sandbox.stats()["status_429"] == 0
        batches = sorted(r.at for r in requests if r.method == "GetStockLevel_Batch")
        assert len(batches) == 5
        assert all(later - earlier >= window for earlier, later in zip(batches, batches[limit:], strict=False))
        assert result.row_counts["stock_levels"] == sandbox.data.counts()["stock_levels"]


def test_a_fault_that_never_clears_fails_naming_the_endpoint_exits_1_and_a_clean_rerun_loads_everything(
    sandbox: Sandbox, target: Target
) -> None:
    resources = ["--resources", "stock_levels,stock_locations", "--resources", "processed_orders"]
    load = ["--target", "duckdb", "--duckdb", str(target.duckdb_path), "load", "linnworks", *resources]
    runner = CliRunner()
    assert runner.invoke(elt, load).exit_code == 0
    landed = table_counts(target)
    loads = query(target, f"select load_id from {DATASET}._dlt_loads order by 1")

    sandbox.add_processed_orders(3)
    sandbox.set_faults("GetStockLevel_Batch#1+=503")
    failed = runner.invoke(elt, load)

    assert failed.exit_code == 1
    assert "Linnworks Stock/GetStockLevel_Batch failed after 5 attempts: HTTP 503" in failed.stderr
    assert table_counts(target) == landed, "nothing of the failed run was loaded"
    assert query(target, f"select load_id from {DATASET}._dlt_loads order by 1") == loads

    sandbox.set_faults(None)
    assert runner.invoke(elt, load).exit_code == 0
    assert_complete(target, sandbox, ["stock_levels", "stock_locations", "processed_orders"])


def test_an_unknown_resource_is_a_usage_error(target: Target) -> None:
    load = ["--target", "duckdb", "--duckdb", str(target.duckdb_path), "load", "linnworks"]

    result = CliRunner().invoke(elt, [*load, "--resources", "stock_items,orders"])

    assert result.exit_code == 2
    assert "unknown Linnworks resource(s) orders" in result.output


# -- secrets -----------------------------------------------------------------------------------------------
def test_secrets_and_session_tokens_never_appear_in_output_errors_or_the_warehouse(
    sandbox: Sandbox,
    target: Target,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    lines: list[str] = []
    ok = load_linnworks(target, ["stock_locations", "stock_location_details", "open_orders"], echo=lines.append)
    wrong_secret = str(uuid.uuid4())
    monkeypatch.setenv("SOURCES__LINNWORKS__APPLICATION_SECRET", wrong_secret)
    refused = load_linnworks(target, ["stock_locations"], echo=lines.append)

    assert ok.ok
    assert not refused.ok
    assert refused.error is not None and "Auth/AuthorizeByApplication" in refused.error
    secrets = {*sandbox.credentials.values(), wrong_secret}
    secrets |= {call.session for call in sandbox.calls() if call.session}
    captured = capfd.readouterr()
    text = "\n".join([*lines, refused.error, captured.out, captured.err, caplog.text])
    warehouse = warehouse_text(target)
    state_files = [
        p.read_bytes().decode("utf-8", "replace") for p in Path(f"{target.duckdb_path}.state").rglob("*") if p.is_file()
    ]
    for secret in secrets:
        assert secret not in text
        assert not any(secret in value for value in warehouse)
        assert not any(secret in content for content in state_files)


# -- pure functions ----------------------------------------------------------------------------------------
def test_linnworks_timestamps_with_0_to_7_fractional_digits_parse_to_the_instants_they_name() -> None:
    texts = [
        "2022-05-23T07:25:47Z",
        "2022-05-23T07:25:47.1Z",
        "2022-05-23T07:25:47.19Z",
        "2022-05-23T07:25:47.103Z",
        "2022-05-23T07:25:47.1039999Z",
        "2022-05-23T08:25:47.5+01:00",
    ]
    parsed = [parse_timestamp(text) for text in texts]

    assert parsed[0] == datetime(2022, 5, 23, 7, 25, 47, tzinfo=UTC)
    assert parsed[4] == datetime(2022, 5, 23, 7, 25, 47, 103999, tzinfo=UTC)
    assert parsed[5] == datetime(2022, 5, 23, 7, 25, 47, 500000, tzinfo=UTC)
    assert sorted(parsed) == [parsed[0], parsed[1], parsed[3], parsed[4], parsed[2], parsed[5]]
    assert max(texts[:5]) == texts[0], "as strings, the whole second sorts after its fractions"
    assert parse_timestamp("0001-01-01T00:00:00Z") == datetime(1, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a Linnworks timestamp"):
        parse_timestamp("23/05/2022")


def test_enum_ordinals_become_their_names_and_missing_members_are_left_alone() -> None:
    item = type_stock_item({"ItemChannelPrices": [{"UpdateStatus": 0}, {"UpdateStatus": "Error"}, {}]})
    order = type_order({"GeneralInfo": {"StockAllocationType": 3}})

    prices = json.loads(item["ItemChannelPrices"])  # a sub-collection lands as JSON text
    assert [price.get("UpdateStatus") for price in prices] == ["NoChange", "Error", None]
    assert order["GeneralInfo"]["StockAllocationType"] == "Full"
    assert type_order({"GeneralInfo": None}) == {"GeneralInfo": None}
    assert type_stock_item({}) == {}


STOCK_ROWS = [
    {
        "StockItemId": "a",
        "Location": {"StockLocationId": "L1", "BinRack": None, "IsWarehouseManaged": False},
        "StockValue": 3,
        "LastUpdateDate": "2022-05-23T07:25:47.1039999Z",
        "StockLevel": 4,
        "Jit": True,
        "Suppliers": [],
        "Note": None,
    },
    {
        "StockItemId": "b",
        "Location": {"StockLocationId": "L2", "BinRack": "B-1", "IsWarehouseManaged": True},
        "StockValue": 2.5,
        "LastUpdateDate": "0001-01-01T00:00:00Z",
        "StockLevel": -1,
        "Jit": False,
        "Suppliers": [],
        "Note": None,
    },
]
STOCK_HINTS: Any = {
    "stock_item_id": {"data_type": "text", "nullable": False},
    "stock_value": {"data_type": "double"},
    "last_update_date": {"data_type": "timestamp"},
    "location__bin_rack": {"data_type": "text"},
}


def test_stock_rows_as_arrow_land_the_columns_types_and_values_dlt_gives_the_same_records(tmp_path: Path) -> None:
    database = tmp_path / "shape.duckdb"
    for dataset, items in (
        ("as_rows", json.loads(json.dumps(STOCK_ROWS))),
        ("as_arrow", flat_table(STOCK_ROWS, STOCK_HINTS)),
    ):
        pipeline = dlt.pipeline(
            pipeline_name=f"shape_{dataset}",
            pipelines_dir=str(tmp_path / "pipelines"),
            destination=dlt.destinations.duckdb(str(database)),
            dataset_name=dataset,
        )
        resource = dlt.resource(items, name="stock_levels", columns=STOCK_HINTS)
        pipeline.run(resource, loader_file_format="parquet").raise_on_failed_jobs()

    def landed(dataset: str) -> tuple[dict[str, str], list[tuple[Any, ...]]]:
        with duckdb.connect(str(database), read_only=True) as con:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns where table_schema = ? "
                "and table_name = 'stock_levels' and column_name not like '\\_dlt%' escape '\\'",
                [dataset],
            ).fetchall()
            names = sorted(name for name, _ in columns)  # a new table's columns come in another order
            rows = con.execute(
                f"select {', '.join(names)} from {dataset}.stock_levels order by stock_item_id"
            ).fetchall()
        return dict(columns), rows

    as_rows, as_arrow = landed("as_rows"), landed("as_arrow")
    assert as_arrow == as_rows
    assert as_arrow[0] == {
        "stock_item_id": "VARCHAR",
        "location__stock_location_id": "VARCHAR",
        "location__bin_rack": "VARCHAR",
        "location__is_warehouse_managed": "BOOLEAN",
        "stock_value": "DOUBLE",
        "last_update_date": "TIMESTAMP WITH TIME ZONE",
        "stock_level": "BIGINT",
        "jit": "BOOLEAN",
    }, "no column for the empty list or the member that is always null"
    assert [row[1] for row in as_arrow[1]] == [
        datetime(2022, 5, 23, 7, 25, 47, 103999, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
    ]


def test_a_stock_table_keeps_a_non_empty_list_as_json_text_and_an_empty_timestamp_as_null() -> None:
    table = flat_table([{"StockItemId": "a", "Tags": ["x", {"y": 1}], "LastUpdateDate": " "}], STOCK_HINTS)

    assert table.column_names == ["stock_item_id", "tags", "last_update_date"]
    assert json.loads(table.column("tags")[0].as_py()) == ["x", {"y": 1}]
    assert table.column("last_update_date")[0].as_py() is None


def test_a_stock_value_that_fits_no_column_fails_the_run_naming_the_method_and_the_column() -> None:
    client = LinnworksClient(Credentials("app", "secret", "token"), auth_url="http://127.0.0.1:9")
    bad = [{"StockItemId": "a", "StockValue": "lots"}]

    with pytest.raises(LinnworksError, match=r"Stock/GetStockLevel_Batch .*column stock_value \(double\)") as failed:
        _stock_table(client, "Stock/GetStockLevel_Batch", bad, STOCK_HINTS)
    assert client.first_error is failed.value
    with pytest.raises(ValueError, match=r"column stock_level \(one type in every row\)"):
        flat_table([{"StockLevel": 1}, {"StockLevel": "many"}], {})
    assert _stock_table(client, "Stock/GetStockLevel_Batch", [], STOCK_HINTS) == []


def test_resources_are_chosen_by_name_and_transformers_need_the_resource_that_feeds_them() -> None:
    assert select_resources(None) == list(RESOURCES)
    assert select_resources(["stock_levels"]) == ["stock_levels"]
    assert select_resources(["open_orders", "stock_items"]) == ["stock_items", "open_orders"]
    with pytest.raises(ValueError, match="unknown Linnworks resource"):
        select_resources(["stock"])
    with pytest.raises(ValueError, match="order_details is fed by the pages of processed_orders"):
        select_resources(["order_details"])
    with pytest.raises(ValueError, match="stock_item_details is fed by the pages of stock_items"):
        select_resources(["stock_item_details", "stock_levels"])
