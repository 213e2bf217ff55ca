"""The Linnworks sandbox behaves like the Linnworks API (docs/sources/linnworks.md), over real HTTP on 127.0.0.1.

Airbyte's own connector is run against the sandbox in tests/airbyte_conformance/ (marker `airbyte`).
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from sandboxes.linnworks import (
    FaultRule,
    Sandbox,
    check_bind_host,
    generate_dataset,
    parse_faults,
    running_sandbox,
    sku_for,
)
from sandboxes.linnworks.binding import Params
from sandboxes.linnworks.endpoints import ENDPOINTS
from sandboxes.linnworks.timefmt import format_ticks, parse_ticks
from tests.support import REPO_ROOT

FIXED_NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
# Bodies and field sets from the reference examples (docs/sources/linnworks.md §9).
AUTH_ERROR_BODY = {"Code": None, "Message": "Invalid application id or application secret"}
NO_ITEMS_BODY = {"Code": None, "Message": "No items found with given filter."}
QUOTA_BODY = {"Message": "API calls quota exceeded! Maximum admitted 150 per Minute."}
BASE_SESSION_FIELDS = {
    "Id", "EntityId", "DatabaseName", "DatabaseServer", "PrivateDatabaseServer", "DatabaseUser",
    "DatabasePassword", "AppName", "sid_registration", "UserName", "Md5Hash", "Locality", "SuperAdmin", "TTL",
    "Token", "AccessToken", "GroupName", "Device", "DeviceType", "UserType", "Status", "UserId", "Properties",
    "Email", "Server", "PushServer",
}  # fmt: skip
STOCK_LOCATION_FIELDS = {
    "StockLocationId", "LocationName", "Address1", "Address2", "City", "County", "Country", "ZipCode",
    "IsNotTrackable", "LocationTag", "IsFulfillmentCenter", "CountInOrderUntilAcknowledgement",
    "FulfilmentCenterDeductStockWhenProcessed", "IsWarehouseManaged", "StockLocationIntId",
}  # fmt: skip
AUTH = "/api/Auth/AuthorizeByApplication"
ITEMS_FULL = "/api/Stock/GetStockItemsFull"
ALL_REQUIREMENTS = "[0,1,2,3,4,5,6,7,8]"


def authorize(sandbox: Sandbox) -> str:
    response = requests.post(sandbox.url + AUTH, data=sandbox.credentials_form(), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["Token"]


def call(sandbox: Sandbox, path: str, token: str | None, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": token} if token else {}
    return requests.post(sandbox.url + path, headers=headers, timeout=kwargs.pop("timeout", 10), **kwargs)


def call_at(base_url: str, path: str, token: str) -> requests.Response:
    return requests.post(base_url + path, headers={"Authorization": token}, timeout=10)


def items_page(sandbox: Sandbox, token: str, page: int, per_page: int = 20, **extra: Any) -> requests.Response:
    params = {"entriesPerPage": per_page, "pageNumber": page, "loadCompositeParents": "true", **extra}
    return call(sandbox, ITEMS_FULL, token, params=params)


@pytest.fixture(scope="module")
def shared() -> Iterator[Sandbox]:
    """A small read-only sandbox shared by the tests that do not change or break it."""
    with running_sandbox(seed=7, items=60, orders=120, now=FIXED_NOW) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def token(shared: Sandbox) -> str:
    return authorize(shared)


# -- authorisation --------------------------------------------------------------------------------------


def test_auth_accepts_a_form_with_the_request_wrapped_as_json(shared: Sandbox) -> None:
    payload = json.dumps(shared.credentials_form())
    response = requests.post(shared.url + AUTH, data={"request": payload}, timeout=10)
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", response.json()["Token"])


def test_auth_accepts_flat_lower_case_form_fields_as_airbyte_sends_them(shared: Sandbox) -> None:
    c = shared.credentials
    form = {"applicationId": c["application_id"], "applicationSecret": c["application_secret"], "token": c["token"]}
    assert requests.post(shared.url + AUTH, data=form, timeout=10).status_code == 200


def test_auth_accepts_a_flat_json_body_and_a_get_query_string(shared: Sandbox) -> None:
    assert requests.post(shared.url + AUTH, json=shared.credentials_form(), timeout=10).status_code == 200
    assert requests.get(shared.url + AUTH, params=shared.credentials_form(), timeout=10).status_code == 200


def test_auth_returns_a_base_session_whose_server_is_the_sandbox_and_a_new_token_each_time(shared: Sandbox) -> None:
    first = requests.post(shared.url + AUTH, data=shared.credentials_form(), timeout=10).json()
    second = requests.post(shared.url + AUTH, data=shared.credentials_form(), timeout=10).json()
    assert first["Server"] == shared.url
    assert first["TTL"] == 1800
    assert first["Token"] != second["Token"]
    assert first["Status"] == {"State": "AVAILABLE", "Reason": "", "Parameters": {}}
    assert set(first) == BASE_SESSION_FIELDS


@pytest.mark.parametrize("wrong", ["ApplicationId", "ApplicationSecret", "Token", None])
def test_auth_with_wrong_or_missing_credentials_answers_400_with_the_linnworks_message(
    shared: Sandbox, wrong: str | None
) -> None:
    form = shared.credentials_form()
    if wrong is None:
        form = {}
    else:
        form[wrong] = "11111111-2222-3333-4444-555555555555"
    response = requests.post(shared.url + AUTH, data=form, timeout=10)
    assert response.status_code == 400
    assert response.json() == AUTH_ERROR_BODY


# -- sessions -------------------------------------------------------------------------------------------


def test_with_an_auth_host_the_session_server_is_another_host_and_the_auth_host_serves_no_data_calls() -> None:
    with running_sandbox(items=5, orders=0, auth_host="localhost") as sandbox:
        assert sandbox.auth_url == f"http://localhost:{sandbox.port}"
        assert sandbox.url == f"http://127.0.0.1:{sandbox.port}"
        session = requests.post(sandbox.auth_url + AUTH, data=sandbox.credentials_form(), timeout=10).json()
        assert session["Server"] == sandbox.url

        on_auth_host = call_at(sandbox.auth_url, "/api/Inventory/GetStockLocations", session["Token"])
        on_server = call_at(session["Server"], "/api/Inventory/GetStockLocations", session["Token"])

        assert on_auth_host.status_code == 404
        assert on_auth_host.json()["Message"] == (
            f"No HTTP resource was found that matches the request URI "
            f"'{sandbox.auth_url}/api/Inventory/GetStockLocations'."
        )
        assert on_server.status_code == 200
        assert [(c.method, c.host, c.status) for c in sandbox.calls()] == [
            ("AuthorizeByApplication", "localhost", 200),
            ("GetStockLocations", "localhost", 404),
            ("GetStockLocations", "127.0.0.1", 200),
        ]


@pytest.mark.parametrize(
    ("auth_host", "reason"),
    [
        ("127.0.0.1", "must be another name for the address the sandbox binds"),
        ("127.0.0.2", "must be another name for the address the sandbox binds"),
        ("example.com", "not a loopback address"),
        ("10.0.0.1", "not a loopback address"),
    ],
)
def test_an_auth_host_must_be_another_loopback_name_for_the_bound_address(auth_host: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Sandbox(items=1, orders=0, auth_host=auth_host)


def test_data_calls_without_a_session_token_are_refused_with_401(shared: Sandbox) -> None:
    response = call(shared, "/api/Inventory/GetStockLocations", None)
    assert response.status_code == 401
    assert "Message" in response.json()


def test_data_calls_with_an_unknown_or_bearer_prefixed_token_are_refused_with_401(shared: Sandbox, token: str) -> None:
    assert call(shared, "/api/Inventory/GetStockLocations", str(ZERO_GUID)).status_code == 401
    assert call(shared, "/api/Inventory/GetStockLocations", f"Bearer {token}").status_code == 401
    assert call(shared, "/api/Inventory/GetStockLocations", token).status_code == 200


def test_a_session_expires_after_its_ttl_and_reauthorising_gets_a_working_one() -> None:
    with running_sandbox(items=5, orders=0, ttl_seconds=1) as sandbox:
        token = authorize(sandbox)
        assert call(sandbox, "/api/Inventory/GetStockLocations", token).status_code == 200
        time.sleep(1.2)
        expired = call(sandbox, "/api/Inventory/GetStockLocations", token)
        assert expired.status_code == 401
        assert "expired" in expired.json()["Message"]
        assert call(sandbox, "/api/Inventory/GetStockLocations", authorize(sandbox)).status_code == 200


def test_expiring_sessions_on_demand_makes_the_next_call_401() -> None:
    with running_sandbox(items=5, orders=0) as sandbox:
        token = authorize(sandbox)
        assert requests.post(sandbox.url + "/_sandbox/expire-sessions", timeout=10).json() == {"expired": 1}
        assert call(sandbox, "/api/Inventory/GetStockLocations", token).status_code == 401


# -- stock items: paging and data requirements ---------------------------------------------------------


def test_stock_items_page_by_page_until_a_400_no_items_found_past_the_end(shared: Sandbox, token: str) -> None:
    seen = []
    for page in range(1, 4):
        response = items_page(shared, token, page)
        assert response.status_code == 200
        assert isinstance(response.json(), list)
        seen += [item["StockItemIntId"] for item in response.json()]
    past_end = items_page(shared, token, 4)
    assert past_end.status_code == 400
    assert past_end.json() == NO_ITEMS_BODY
    assert sorted(seen) == sorted(item.record["StockItemIntId"] for item in shared.data.items)
    assert len(set(seen)) == 60


def test_a_short_last_page_has_the_remaining_items(shared: Sandbox, token: str) -> None:
    assert len(items_page(shared, token, 2, per_page=50).json()) == 10


@pytest.mark.parametrize("per_page", [201, 0])
def test_entries_per_page_outside_1_to_200_is_refused_with_400(shared: Sandbox, token: str, per_page: int) -> None:
    response = items_page(shared, token, 1, per_page=per_page)
    assert response.status_code == 400
    assert "200" in response.json()["Message"]
    assert items_page(shared, token, 1, per_page=200).status_code == 200


def test_kits_are_listed_only_when_load_composite_parents_is_true(shared: Sandbox, token: str) -> None:
    with_kits = items_page(shared, token, 1, per_page=200).json()
    without = call(shared, ITEMS_FULL, token, params={"entriesPerPage": 200, "pageNumber": 1}).json()
    assert len(with_kits) == 60
    assert len(without) == 57
    assert {i["ItemNumber"] for i in with_kits} - {i["ItemNumber"] for i in without} == {
        sku_for(19),
        sku_for(39),
        sku_for(59),
    }


@pytest.mark.parametrize(
    "encoding",
    ["query string with JSON ints", "flat JSON with enum names", "form with comma-separated ints"],
)
def test_sub_collections_are_filled_only_for_the_requested_data_requirements(
    shared: Sandbox, token: str, encoding: str
) -> None:
    base = {"entriesPerPage": 5, "pageNumber": 1}
    if encoding == "query string with JSON ints":
        response = call(shared, ITEMS_FULL, token, params={**base, "dataRequirements": "[0,7]"})
    elif encoding == "flat JSON with enum names":
        response = call(
            shared, ITEMS_FULL, token, json={**base, "DataRequirements": ["StockLevels", "extendedproperties"]}
        )
    else:
        response = call(shared, ITEMS_FULL, token, data={**base, "dataRequirements": "0,7"})
    assert response.status_code == 200, response.text
    for item in response.json():
        assert len(item["StockLevels"]) == 4
        assert item["ItemExtendedProperties"]
        for empty in ("Suppliers", "ItemChannelTitles", "ItemChannelDescriptions", "ItemChannelPrices", "Images"):
            assert item[empty] == []
        assert item["PurchasePrice"] == 0.0  # Pricing (1) not requested
        assert item["Weight"] == 0.0  # ShippingInformation (3) not requested


def test_every_data_requirement_gives_the_full_record(shared: Sandbox, token: str) -> None:
    item = items_page(shared, token, 1, per_page=1, dataRequirements=ALL_REQUIREMENTS).json()[0]
    assert item == shared.data.items[0].record


def test_an_unknown_enum_member_is_a_400(shared: Sandbox, token: str) -> None:
    response = call(shared, ITEMS_FULL, token, params={"entriesPerPage": 5, "dataRequirements": "[9]"})
    assert response.status_code == 400


def test_keyword_search_matches_sku_title_or_barcode_per_search_types(shared: Sandbox, token: str) -> None:
    record = shared.data.items[3].record
    by_sku = call(shared, ITEMS_FULL, token, params={"entriesPerPage": 200, "keyword": record["ItemNumber"]})
    assert [i["StockItemId"] for i in by_sku.json()] == [record["StockItemId"]]
    barcode = record["BarcodeNumber"]
    only_titles = call(
        shared, ITEMS_FULL, token, params={"entriesPerPage": 200, "keyword": barcode, "searchTypes": "[1]"}
    )
    assert only_titles.status_code == 400
    by_barcode = call(
        shared, ITEMS_FULL, token, json={"entriesPerPage": 200, "keyword": barcode, "searchTypes": ["Barcode"]}
    )
    assert [i["StockItemId"] for i in by_barcode.json()] == [record["StockItemId"]]


# -- by-ids and batch methods --------------------------------------------------------------------------


def test_get_stock_items_full_by_ids_uses_its_own_enum_where_1_means_supplier(shared: Sandbox, token: str) -> None:
    ids = [shared.data.items[0].id, shared.data.items[19].id, "12345678-1234-4234-8234-123456789012"]
    response = call(
        shared,
        "/api/Stock/GetStockItemsFullByIds",
        token,
        json={"request": {"StockItemIds": ids, "DataRequirements": [1]}},
    )
    assert response.status_code == 200
    items = response.json()["StockItemsFullExtended"]
    assert [i["StockItemId"] for i in items] == ids[:2]  # unknown id left out
    assert all(i["Suppliers"] and i["StockLevels"] == [] for i in items)
    assert [i["IsCompositeParent"] for i in items] == [False, True]
    assert all("IsVariationParent" not in i for i in items)
    assert items[0]["PurchasePrice"] == shared.data.items[0].record["PurchasePrice"]


def test_get_stock_items_full_by_ids_takes_a_form_request_with_string_enums(shared: Sandbox, token: str) -> None:
    request = {"stockItemIds": [shared.data.items[1].id], "dataRequirements": ["Images", "StockLevels"]}
    response = call(shared, "/api/Stock/GetStockItemsFullByIds", token, data={"request": json.dumps(request)})
    item = response.json()["StockItemsFullExtended"][0]
    assert len(item["StockLevels"]) == 4
    assert item["Images"] == shared.data.items[1].record["Images"]
    assert item["Suppliers"] == []


@pytest.mark.parametrize(
    ("path", "key", "wrapped"),
    [
        ("/api/Stock/GetStockItemsFullByIds", "StockItemIds", True),
        ("/api/Stock/GetStockLevel_Batch", "StockItemIds", True),
        ("/api/Orders/GetOrdersById", "pkOrderIds", False),
    ],
)
def test_batch_methods_take_at_most_200_ids(shared: Sandbox, token: str, path: str, key: str, wrapped: bool) -> None:
    def ids(n: int) -> list[str]:
        return [f"00000000-0000-4000-8000-{i:012d}" for i in range(n)]

    def send(n: int) -> requests.Response:
        body = {"request": {key: ids(n)}} if wrapped else {key: ids(n)}
        return call(shared, path, token, json=body)

    assert send(200).status_code == 200
    too_many = send(201)
    assert too_many.status_code == 400
    assert "200" in too_many.json()["Message"]


def test_stock_level_batch_returns_a_row_per_location_for_each_item(shared: Sandbox, token: str) -> None:
    ids = [item.id for item in shared.data.items[:3]]
    response = call(
        shared, "/api/Stock/GetStockLevel_Batch", token, data={"request": json.dumps({"StockItemIDs": ids})}
    )
    rows = response.json()
    assert [row["pkStockItemId"] for row in rows] == ids
    assert all(len(row["StockItemLevels"]) == 4 for row in rows)
    assert rows[0]["StockItemLevels"][0]["Location"]["StockLocationId"] == ZERO_GUID
    level = rows[0]["StockItemLevels"][0]
    assert level["Available"] == level["StockLevel"] - level["InOrders"]


# -- locations -----------------------------------------------------------------------------------------


def test_stock_locations_start_with_the_zero_guid_default_location(shared: Sandbox, token: str) -> None:
    locations = call(shared, "/api/Inventory/GetStockLocations", token).json()
    assert locations[0]["StockLocationId"] == ZERO_GUID
    assert locations[0]["LocationName"] == "Default"
    assert locations[0]["StockLocationIntId"] == 0
    assert set(locations[0]) == STOCK_LOCATION_FIELDS
    assert (
        requests.get(
            shared.url + "/api/Inventory/GetStockLocations", headers={"Authorization": token}, timeout=10
        ).json()
        == locations
    )


def test_get_location_tolerates_the_trailing_space_key_airbyte_sends(shared: Sandbox, token: str) -> None:
    location = shared.data.locations[2]
    response = call(shared, f"/api/Locations/GetLocation?pkStockLocationId%20={location['StockLocationId']}", token)
    assert response.status_code == 200
    assert response.json() == location
    unknown = call(shared, "/api/Locations/GetLocation", token, params={"pkStockLocationId": str(ZERO_GUID)[:-1] + "1"})
    assert unknown.status_code == 400


# -- orders --------------------------------------------------------------------------------------------


def search(sandbox: Sandbox, token: str, **request: Any) -> dict[str, Any]:
    body = {"DateField": "processed", "PageNumber": 1, "ResultsPerPage": 50, **request}
    response = call(sandbox, "/api/ProcessedOrders/SearchProcessedOrders", token, data={"request": json.dumps(body)})
    assert response.status_code == 200, response.text
    return response.json()["ProcessedOrders"]


def test_processed_orders_come_in_the_paged_envelope_and_pages_cover_every_order(shared: Sandbox, token: str) -> None:
    first = search(shared, token)
    assert {k: first[k] for k in ("PageNumber", "EntriesPerPage", "TotalEntries", "TotalPages")} == {
        "PageNumber": 1,
        "EntriesPerPage": 50,
        "TotalEntries": 120,
        "TotalPages": 3,
    }
    ids = [row["nOrderId"] for page in (1, 2, 3) for row in search(shared, token, PageNumber=page)["Data"]]
    assert sorted(ids) == list(range(100_001, 100_121))
    assert search(shared, token, PageNumber=4)["Data"] == []


def test_processed_orders_are_filtered_inclusively_by_date_field_from_and_to(shared: Sandbox, token: str) -> None:
    rows = search(shared, token, ResultsPerPage=500)["Data"]
    processed = sorted(parse_ticks(row["dProcessedOn"]) for row in rows)
    low, high = processed[10], processed[40]
    window = search(shared, token, ResultsPerPage=500, FromDate=format_ticks(low), ToDate=format_ticks(high))
    assert window["TotalEntries"] == 31
    assert all(low <= parse_ticks(row["dProcessedOn"]) <= high for row in window["Data"])
    received = search(
        shared, token, ResultsPerPage=500, DateField=3, FromDate="2025-05-01T00:00:00+01:00", ToDate="2025-05-08"
    )
    expected = [
        row
        for row in rows
        if parse_ticks("2025-04-30T23:00:00Z") <= parse_ticks(row["dReceivedDate"]) <= parse_ticks("2025-05-08")
    ]
    assert received["TotalEntries"] == len(expected) > 0


def test_processed_orders_are_spread_over_the_90_days_before_now(shared: Sandbox, token: str) -> None:
    rows = search(shared, token, ResultsPerPage=500)["Data"]
    received = [parse_ticks(row["dReceivedDate"]) for row in rows]
    now = parse_ticks("2025-06-01T12:00:00Z")
    assert min(received) >= now - 90 * 86_400 * 10**7
    assert max(received) > now - 5 * 86_400 * 10**7
    assert min(received) < now - 80 * 86_400 * 10**7


def test_processed_orders_are_sorted_as_asked(shared: Sandbox, token: str) -> None:
    ascending = search(shared, token, SearchSorting={"SortField": "dProcessedOn", "SortDirection": "ASC"})["Data"]
    ticks = [parse_ticks(row["dProcessedOn"]) for row in ascending]
    assert ticks == sorted(ticks)
    descending = search(shared, token, SearchSorting={"sortField": "nOrderId", "sortDirection": "DESC"})["Data"]
    assert [row["nOrderId"] for row in descending] == list(range(100_120, 100_070, -1))


def test_results_per_page_must_be_between_1_and_500(shared: Sandbox, token: str) -> None:
    body = {"DateField": "processed", "PageNumber": 1, "ResultsPerPage": 501}
    response = call(shared, "/api/ProcessedOrders/SearchProcessedOrders", token, json={"request": body})
    assert response.status_code == 400


def test_get_orders_by_id_returns_details_with_kit_components_carrying_no_money(shared: Sandbox, token: str) -> None:
    kit_order = next(
        o for o in shared.data.processed_orders if any(line["CompositeSubItems"] for line in o.details["Items"])
    )
    response = call(shared, "/api/Orders/GetOrdersById", token, data={"pkOrderIds": json.dumps([kit_order.id])})
    [details] = response.json()
    assert details["OrderId"] == kit_order.id
    assert details["Processed"] is True
    assert details["TotalsInfo"]["pkOrderId"] == kit_order.id
    kit_line = next(line for line in details["Items"] if line["CompositeSubItems"])
    assert kit_line["SKU"].endswith("-KIT")
    assert kit_line["PricePerUnit"] > 0
    for component in kit_line["CompositeSubItems"]:
        assert component["PricePerUnit"] == 0.0
        assert component["Quantity"] % kit_line["Quantity"] == 0
        assert component["ParentItemId"] == kit_line["RowId"]


def test_open_order_ids_are_paged_per_location_and_resolve_with_get_orders_by_id(shared: Sandbox, token: str) -> None:
    def page(number: int, location: str = ZERO_GUID) -> dict[str, Any]:
        request = {"ViewId": 4, "LocationId": location, "EntriesPerPage": 2, "PageNumber": number}
        response = call(shared, "/api/OpenOrders/GetOpenOrderIds", token, json={"request": request})
        assert response.status_code == 200, response.text
        return response.json()

    first = page(1)
    at_default = [o.id for o in shared.data.open_orders if o.location_id == ZERO_GUID]
    assert first["TotalEntries"] == len(at_default)
    ids = [order_id for n in range(1, first["TotalPages"] + 1) for order_id in page(n)["Data"]]
    assert sorted(ids) == sorted(at_default)
    elsewhere = [o.id for o in shared.data.open_orders if o.location_id != ZERO_GUID]
    for location in {o.location_id for o in shared.data.open_orders} - {ZERO_GUID}:
        ids += page(1, location)["Data"] + page(2, location)["Data"]
    assert sorted(ids) == sorted(at_default + elsewhere)
    details = call(shared, "/api/Orders/GetOrdersById", token, json={"pkOrderIds": ids[:3]}).json()
    assert [d["Processed"] for d in details] == [False, False, False]
    assert [d["ProcessedDateTime"] for d in details] == [None, None, None]


def test_added_processed_orders_show_up_after_the_newest_cursor() -> None:
    with running_sandbox(items=10, orders=20, now=FIXED_NOW) as sandbox:
        token = authorize(sandbox)
        newest = max(parse_ticks(o.header["dProcessedOn"]) for o in sandbox.data.processed_orders if o.header)
        added = sandbox.add_processed_orders(2)
        over_http = requests.post(sandbox.url + "/_sandbox/orders?count=3", timeout=10).json()
        assert over_http["added"] == 3
        assert over_http["dataset"]["processed_orders"] == 25
        later = search(sandbox, token, FromDate=format_ticks(newest + 1), ResultsPerPage=500)
        numbers = [row["nOrderId"] for row in later["Data"]]
        assert sorted(numbers) == sorted(
            [row["nOrderId"] for row in added] + [o["nOrderId"] for o in over_http["orders"]]
        )
        assert sandbox.stats()["dataset"]["processed_orders"] == 25


# -- the data itself -----------------------------------------------------------------------------------


def test_the_same_seed_gives_identical_data_and_another_seed_does_not() -> None:
    def snapshot(seed: int) -> str:
        data = generate_dataset(seed=seed, items=40, orders=60, now=FIXED_NOW)
        orders = [(o.details, o.header) for o in data.processed_orders + data.open_orders]
        return json.dumps([data.locations, [i.record for i in data.items], orders])

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)


def test_sku_for_gives_unique_car_parts_custom_labels_matching_the_items() -> None:
    skus = [sku_for(i) for i in range(12_000)]
    assert len(set(skus)) == len(skus)
    assert all(re.fullmatch(r"[A-Z]{3}-[A-Z]{3}\d{4,6}(-KIT)?", sku) for sku in skus)
    assert sku_for(0) == "FPS-BRK1000"
    data = generate_dataset(seed=99, items=30, orders=0, now=FIXED_NOW)
    assert [item.record["ItemNumber"] for item in data.items] == skus[:30]
    assert [item.is_kit for item in data.items] == [sku.endswith("-KIT") for sku in skus[:30]]


def test_the_data_has_linnworks_quirky_names_and_values(shared: Sandbox) -> None:
    data = shared.data
    item = data.items[0].record
    assert "ProperyName" in item["ItemExtendedProperties"][0]
    assert {"isBatchedStockType", "IsVariationParent"} <= set(item)
    assert "rowid" in item["StockLevels"][0]
    assert "SupplierID" in item["Suppliers"][0]
    image = next(i.record["Images"][0] for i in data.items if i.record["Images"])
    assert image["CheckSumValue"] == image["ChecksumValue"]
    statuses = {p["UpdateStatus"] for i in data.items for p in i.record["ItemChannelPrices"]}
    assert statuses <= {"NoChange", "Pending", "SentNotConfirmed", "Success", "Error"}
    order = data.processed_orders[0]
    assert "pkOrderID" in order.header and "pkOrderId" in order.details["TotalsInfo"]
    assert "isBatchedStockItem" in order.details["Items"][0]
    cancelled = {o.header["dCancelledOn"] for o in data.processed_orders if o.header}
    assert "0001-01-01T00:00:00Z" in cancelled
    stamps = [o.header["dProcessedOn"] for o in data.processed_orders if o.header]
    stamps += [o.header["dReceivedDate"] for o in data.processed_orders if o.header]
    digits = {len(s.rstrip("Z").split(".")[1]) if "." in s else 0 for s in stamps}
    assert {0, 2, 3, 7} <= digits <= set(range(8))
    assert all(s.endswith("Z") for s in stamps)


def test_the_dataset_counts_match_the_records(shared: Sandbox) -> None:
    counts = shared.data.counts()
    assert counts["items"] == 60
    assert counts["kits"] == 3
    assert counts["locations"] == 4
    assert counts["stock_levels"] == 240
    assert counts["processed_orders"] == 120
    assert counts["order_items"] == sum(len(o.details["Items"]) for o in shared.data.processed_orders)
    assert counts["open_orders"] == 6


# -- rate limits ---------------------------------------------------------------------------------------


def test_rate_limits_are_the_specs_150_or_250_calls_per_method() -> None:
    assert {e.name: e.rate_limit for e in ENDPOINTS} == {
        "AuthorizeByApplication": 150,
        "GetStockItemsFull": 150,
        "GetStockItemsFullByIds": 250,
        "GetStockLevel_Batch": 250,
        "GetStockLocations": 150,
        "GetLocation": 150,
        "SearchProcessedOrders": 150,
        "GetOrdersById": 250,
        "GetOpenOrderIds": 150,
    }


def test_the_151st_call_in_a_window_answers_429_with_retry_after_and_other_methods_still_work() -> None:
    with running_sandbox(items=5, orders=0, rate_window_seconds=30) as sandbox:
        token = authorize(sandbox)
        with requests.Session() as session:
            session.headers["Authorization"] = token
            statuses = [
                session.post(sandbox.url + "/api/Inventory/GetStockLocations", timeout=10).status_code
                for _ in range(151)
            ]
        assert statuses[:150] == [200] * 150
        assert statuses[150] == 429
        limited = call(sandbox, "/api/Inventory/GetStockLocations", token)
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 30
        assert limited.json() == QUOTA_BODY
        assert call(sandbox, "/api/Locations/GetLocation", token, params={"pkStockLocationId": ZERO_GUID}).ok
        assert sandbox.stats()["status_429"] == 2


def test_a_rate_limited_method_works_again_after_retry_after_seconds() -> None:
    with running_sandbox(items=5, orders=0, rate_window_seconds=2, rate_limits={"GetStockLocations": 3}) as sandbox:
        token = authorize(sandbox)
        statuses = [call(sandbox, "/api/Inventory/GetStockLocations", token).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = call(sandbox, "/api/Inventory/GetStockLocations", token)
        time.sleep(int(limited.headers["Retry-After"]) + 0.05)
        assert call(sandbox, "/api/Inventory/GetStockLocations", token).status_code == 200


# -- fault injection -----------------------------------------------------------------------------------


def test_the_nth_call_fault_answers_503_once_then_the_method_recovers() -> None:
    with running_sandbox(items=30, orders=0, faults="GetStockItemsFull#2=503") as sandbox:
        token = authorize(sandbox)
        statuses = [items_page(sandbox, token, 1).status_code for _ in range(3)]
        assert statuses == [200, 503, 200]
        assert [c.fault for c in sandbox.calls() if c.method == "GetStockItemsFull"] == [
            None,
            "GetStockItemsFull#2=503",
            None,
        ]


def test_an_injected_500_has_a_json_error_body() -> None:
    with running_sandbox(items=5, orders=0, faults="Inventory/GetStockLocations#1=500") as sandbox:
        response = call(sandbox, "/api/Inventory/GetStockLocations", authorize(sandbox))
        assert response.status_code == 500
        assert response.json()["Message"]


def test_a_dropped_connection_closes_without_a_response() -> None:
    with running_sandbox(items=5, orders=0, faults="GetStockLocations#1=drop") as sandbox:
        token = authorize(sandbox)
        with pytest.raises(requests.ConnectionError):
            call(sandbox, "/api/Inventory/GetStockLocations", token)
        assert call(sandbox, "/api/Inventory/GetStockLocations", token).status_code == 200
        assert sandbox.stats()["dropped"] == 1


def test_a_slow_fault_outlasts_a_client_timeout() -> None:
    with running_sandbox(items=5, orders=0, faults="GetStockLocations#1=slow:1.5") as sandbox:
        token = authorize(sandbox)
        started = time.monotonic()
        with pytest.raises(requests.Timeout):
            call(sandbox, "/api/Inventory/GetStockLocations", token, timeout=0.3)
        assert time.monotonic() - started < 1.4
        assert call(sandbox, "/api/Inventory/GetStockLocations", token).status_code == 200


def test_truncated_bodies_break_the_transfer_and_bad_bodies_break_json_decoding() -> None:
    spec = "GetStockLocations#1=truncate,GetStockLocations#2=badjson,GetStockLocations#3=nonjson"
    with running_sandbox(items=5, orders=0, faults=spec) as sandbox:
        token = authorize(sandbox)
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            call(sandbox, "/api/Inventory/GetStockLocations", token)
        bad = call(sandbox, "/api/Inventory/GetStockLocations", token)
        assert bad.status_code == 200
        with pytest.raises(ValueError):
            bad.json()
        html = call(sandbox, "/api/Inventory/GetStockLocations", token)
        assert html.headers["Content-Type"].startswith("text/html")
        with pytest.raises(ValueError):
            html.json()


def test_an_expire_fault_ends_the_session_mid_paging_until_the_client_reauthorises() -> None:
    with running_sandbox(items=50, orders=0, faults="GetStockItemsFull#2=expire") as sandbox:
        token = authorize(sandbox)
        assert items_page(sandbox, token, 1).status_code == 200
        assert items_page(sandbox, token, 2).status_code == 401
        assert items_page(sandbox, token, 2).status_code == 401
        assert items_page(sandbox, authorize(sandbox), 2).status_code == 200
        assert sandbox.stats()["status_401"] == 2


def test_the_auth_endpoint_can_fail_the_first_n_times() -> None:
    with running_sandbox(items=5, orders=0, faults="auth#1-2=503") as sandbox:
        statuses = [
            requests.post(sandbox.url + AUTH, data=sandbox.credentials_form(), timeout=10).status_code for _ in range(3)
        ]
        assert statuses == [503, 503, 200]


def test_a_429_burst_carries_retry_after() -> None:
    with running_sandbox(items=5, orders=0, faults="GetStockLocations#1-3=429:2") as sandbox:
        token = authorize(sandbox)
        responses = [call(sandbox, "/api/Inventory/GetStockLocations", token) for _ in range(4)]
        assert [r.status_code for r in responses] == [429, 429, 429, 200]
        assert [r.headers.get("Retry-After") for r in responses[:3]] == ["2", "2", "2"]


def test_a_quota_fault_answers_400_with_the_rate_limit_message_and_retry_after_only_when_given() -> None:
    with running_sandbox(items=5, orders=0, faults="GetStockLocations#1=quota,GetStockLocations#2=quota:3") as sandbox:
        token = authorize(sandbox)
        plain, timed, fine = (call(sandbox, "/api/Inventory/GetStockLocations", token) for _ in range(3))
        assert (plain.status_code, plain.json()) == (400, QUOTA_BODY)
        assert "Retry-After" not in plain.headers
        assert (timed.status_code, timed.headers["Retry-After"]) == (400, "3")
        assert fine.status_code == 200
        assert sandbox.stats()["faults"] == 2


def test_random_faults_hit_the_same_calls_for_the_same_seed() -> None:
    def statuses(seed: int) -> list[int]:
        with running_sandbox(seed=seed, items=5, orders=0, faults="GetStockLocations@0.3=500") as sandbox:
            token = authorize(sandbox)
            return [call(sandbox, "/api/Inventory/GetStockLocations", token).status_code for _ in range(40)]

    first = statuses(11)
    assert first == statuses(11)
    assert {200, 500} == set(first)
    assert first != statuses(12)


def test_fault_specs_parse_round_trip_and_reject_nonsense() -> None:
    spec = "GetStockItemsFull#3=503, auth#1-2=502;*@0.05=drop,SearchProcessedOrders#2+=slow:2,GetOrdersById#4=429:7"
    rules = parse_faults(spec)
    assert [str(rule) for rule in rules] == [
        "GetStockItemsFull#3=503",
        "auth#1-2=502",
        "*@0.05=drop",
        "SearchProcessedOrders#2+=slow:2",
        "GetOrdersById#4=429:7",
    ]
    assert rules[1].applies_to("AuthorizeByApplication")
    assert rules[3].parsed_action() == ("slow", None, 2.0)
    assert FaultRule(action="503", method="GetStockItemsFull", first=3, last=3) == rules[0]
    for nonsense in ("GetStockItemsFull=503", "x#0=500", "x#3=200", "x#3=explode", "x@2=500", "x#5-2=500"):
        with pytest.raises(ValueError):
            parse_faults(nonsense)


# -- stats, binding, binding host and the CLI ----------------------------------------------------------


def test_the_stats_endpoint_counts_calls_per_method_401s_429s_and_the_dataset() -> None:
    with running_sandbox(items=5, orders=3, faults="GetStockLocations#2=429") as sandbox:
        token = authorize(sandbox)
        call(sandbox, "/api/Inventory/GetStockLocations", token)
        call(sandbox, "/api/Inventory/GetStockLocations", token)
        call(sandbox, "/api/Inventory/GetStockLocations", None)
        call(sandbox, "/api/Nope/Nothing", token)
        stats = requests.get(sandbox.url + "/_sandbox/stats", timeout=10).json()
        assert stats["by_method"]["GetStockLocations"] == {"calls": 3, "statuses": {"200": 1, "429": 1, "401": 1}}
        assert stats["by_method"]["AuthorizeByApplication"]["calls"] == 1
        assert stats["by_method"]["/api/Nope/Nothing"]["statuses"] == {"404": 1}
        assert (stats["status_401"], stats["status_429"], stats["faults"], stats["calls"]) == (1, 1, 1, 5)
        assert stats["dataset"] == sandbox.data.counts()
        log = requests.get(sandbox.url + "/_sandbox/calls", timeout=10).json()
        assert [entry["status"] for entry in log] == [200, 200, 429, 401, 404]


def test_binding_merges_query_form_and_json_case_insensitively_and_unwraps_request() -> None:
    form = Params.from_request(
        "EntriesPerPage=5&pkStockLocationId%20=x", "application/x-www-form-urlencoded", b"keyword=abc"
    )
    assert (form.get_int("entriesperpage"), form.get("pkStockLocationId"), form.get("KEYWORD")) == (5, "x", "abc")
    wrapped = Params.from_request(
        "", "application/json", b'{"Request": {"StockItemIDs": ["a"], "Nested": {"SortField": "x"}}}'
    )
    assert wrapped.get("stockitemids") == ["a"]
    assert wrapped.get_object("nested") == {"sortfield": "x"}
    in_form = Params.from_request("", None, b"request=%7B%22PageNumber%22%3A2%7D&dataRequirements=%5B0%2C1%5D")
    assert (in_form.get_int("pageNumber"), in_form.get_list("DataRequirements")) == (2, [0, 1])


def test_the_server_refuses_a_non_loopback_host_unless_allowed() -> None:
    for host in ("0.0.0.0", "192.168.1.10", "example.com", "::"):
        with pytest.raises(ValueError, match="not a loopback address"):
            Sandbox(host=host, items=1, orders=0)
        check_bind_host(host, allow_remote=True)
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1"):
        check_bind_host(host)


def test_localhost_is_resolved_and_bound_only_when_every_address_it_names_is_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert check_bind_host("localhost") == "127.0.0.1"
    assert check_bind_host("LOCALHOST.") == "127.0.0.1"
    with running_sandbox(host="localhost", items=1, orders=0) as sandbox:
        assert sandbox.url == f"http://127.0.0.1:{sandbox.port}"
        assert requests.post(sandbox.url + AUTH, data=sandbox.credentials_form(), timeout=10).status_code == 200

    def hijacked(host: str, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.7", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", hijacked)
    with pytest.raises(ValueError, match=r"resolves to 203\.0\.113\.7, which is not a loopback address"):
        Sandbox(host="localhost", items=1, orders=0)
    for name in ("localhost.example.com", "my-laptop", "127.0.0.1.nip.io"):
        with pytest.raises(ValueError, match="not a loopback address"):
            check_bind_host(name)


def test_the_cli_refuses_a_non_loopback_host() -> None:
    from click.testing import CliRunner

    from sandboxes.linnworks.cli import sandbox as command

    result = CliRunner().invoke(command, ["--host", "0.0.0.0", "--items", "1", "--orders", "0"])
    assert result.exit_code == 2
    assert "not a loopback address" in result.output


def test_the_cli_serves_the_api_with_the_given_credentials_until_interrupted() -> None:
    args = ["--port", "0", "--items", "5", "--orders", "2", "--application-id", "11111111-1111-1111-1111-111111111111"]
    process = subprocess.Popen(
        [sys.executable, "-m", "sandboxes.linnworks", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(6)]
        url = re.search(r"http://127\.0\.0\.1:\d+", lines[0])
        assert url, lines
        secret = next(line.split()[-1] for line in lines if "application secret" in line)
        token = next(line.split()[-1] for line in lines if line.strip().startswith("token:"))
        form = {"ApplicationId": "11111111-1111-1111-1111-111111111111", "ApplicationSecret": secret, "Token": token}
        response = requests.post(url.group(0) + AUTH, data=form, timeout=10)
        assert response.status_code == 200
        assert response.json()["Server"] == url.group(0)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)  # a deadline on a loaded machine, not a timing check
    assert process.returncode == 0
