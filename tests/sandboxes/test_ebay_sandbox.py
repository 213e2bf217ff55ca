"""The eBay sandbox answers as eBay's documentation says (docs/sources/ebay.md), and the client
(loaders/ebay/client.py) gets through its errors, limits and faults."""

from __future__ import annotations

import base64
import datetime as dt
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from loaders.ebay.client import (
    EbayError,
    EbaySettings,
    TokenRejected,
    TradingClient,
    TradingResponse,
    element,
    parse_response,
    select_stores,
    text_of,
)
from sandboxes.ebay import EbaySandbox, serving
from sandboxes.ebay.cli import sandbox as sandbox_command
from sandboxes.ebay.data import AUCTION, COMPLETED
from sandboxes.samples import generate

NS = "urn:ebay:apis:eBLBaseComponents"
ROWS = {
    "AMS": [[110_000_000_000 + n, "Brand", f"AMS-SKU-{n}", 5, f"AMS part {n}", 19.99] for n in range(1, 451)],
    "CPO": [[120_000_000_000 + n, "Brand", f"CPO-SKU-{n}", 3, f"CPO part {n}", 9.99] for n in range(1, 31)],
}


@pytest.fixture
def ebay() -> Iterator[EbaySandbox]:
    with serving(rows=ROWS) as sandbox:
        yield sandbox


def settings_for(sandbox: EbaySandbox, **overrides: object) -> EbaySettings:
    values: dict[str, object] = {
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "api_url": sandbox.url,
        "refresh_tokens": sandbox.refresh_tokens,
        "retry_backoff_seconds": 0.01,
        "retry_max_delay_seconds": 0.05,
        "request_timeout_seconds": 2.0,
    } | overrides
    return EbaySettings(**values)  # type: ignore[arg-type]


def token(sandbox: EbaySandbox, store: str = "AMS", **form: str) -> requests.Response:
    basic = base64.b64encode(f"{sandbox.client_id}:{sandbox.client_secret}".encode()).decode()
    data = {
        "grant_type": "refresh_token",
        "refresh_token": sandbox.refresh_tokens[store],
        "scope": "https://api.ebay.com/oauth/api_scope",
    } | form
    return requests.post(
        f"{sandbox.url}/identity/v1/oauth2/token", data=data, headers={"Authorization": f"Basic {basic}"}, timeout=5
    )


def trading(sandbox: EbaySandbox, call: str, body: str, store: str = "AMS", **headers: str) -> requests.Response:
    sent = {
        "X-EBAY-API-CALL-NAME": call,
        "X-EBAY-API-SITEID": "3",
        "X-EBAY-API-COMPATIBILITY-LEVEL": "1451",
        "X-EBAY-API-IAF-TOKEN": token(sandbox, store).json()["access_token"],
        "Content-Type": "text/xml",
    } | headers
    sent = {name: value for name, value in sent.items() if value != ""}
    document = f'<?xml version="1.0" encoding="utf-8"?><{call}Request xmlns="{NS}">{body}</{call}Request>'
    return requests.post(f"{sandbox.url}/ws/api.dll", data=document.encode(), headers=sent, timeout=5)


def ask(sandbox: EbaySandbox, call: str, body: str, store: str = "AMS", **headers: str) -> TradingResponse:
    """`trading(...)`'s answer parsed."""
    return parse_response(call, trading(sandbox, call, body, store, **headers).content)


def page_body(page: int, entries: int = 200) -> str:
    pagination = element("Pagination", children=[element("EntriesPerPage", entries), element("PageNumber", page)])
    return element("ActiveList", children=[element("Include", "true"), pagination])


def revise_body(*items: tuple[str, int]) -> str:
    return "".join(
        element("InventoryStatus", children=[element("ItemID", item_id), element("Quantity", quantity)])
        for item_id, quantity in items
    )


# -- the token endpoint ---------------------------------------------------------------------------------------
def test_a_refresh_token_grant_answers_an_access_token_and_its_lifetime(ebay: EbaySandbox) -> None:
    answer = token(ebay)
    assert answer.status_code == 200
    body = answer.json()
    assert body["expires_in"] == 7200 and body["access_token"].startswith("v^1.1#")
    assert "refresh_token" not in body


def test_the_token_endpoint_refuses_as_eBay_does(ebay: EbaySandbox) -> None:
    assert token(ebay, refresh_token="v^1.1#nope").json()["error"] == "invalid_grant"
    assert token(ebay, refresh_token="v^1.1#nope").status_code == 400
    assert token(ebay, grant_type="client_credentials").json()["error"] == "unsupported_grant_type"
    assert token(ebay, scope="").json()["error"] == "invalid_request"
    assert token(ebay, scope="https://api.ebay.com/oauth/api_scope/sell.finances").json()["error"] == "invalid_scope"
    wrong = requests.post(
        f"{ebay.url}/identity/v1/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": ebay.refresh_tokens["AMS"], "scope": "x"},
        headers={"Authorization": "Basic " + base64.b64encode(b"someone:else").decode()},
        timeout=5,
    )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    ebay.revoke("CPO")
    assert token(ebay, "CPO").json() == {
        "error": "invalid_grant",
        "error_description": "the provided authorization refresh token is invalid or was issued to another client",
    }
    assert token(ebay, "AMS").status_code == 200


# -- Trading: headers, tokens, GetMyeBaySelling ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "code"),
    [("X-EBAY-API-SITEID", "37"), ("X-EBAY-API-COMPATIBILITY-LEVEL", "37"), ("X-EBAY-API-IAF-TOKEN", "930")],
)
def test_every_trading_header_is_required(ebay: EbaySandbox, header: str, code: str) -> None:
    answer = ask(ebay, "GetMyeBaySelling", page_body(1), **{header: ""})
    assert answer.ack == "Failure" and [e.code for e in answer.errors] == [code]


def test_an_unknown_call_or_an_unparsable_body_is_refused(ebay: EbaySandbox) -> None:
    unknown = trading(ebay, "GetItemTransactions", "")
    assert unknown.status_code == 400 and parse_response("x", unknown.content).errors[0].code == "2"
    headers = {"X-EBAY-API-CALL-NAME": "GetMyeBaySelling", "X-EBAY-API-SITEID": "3"}
    headers |= {"X-EBAY-API-COMPATIBILITY-LEVEL": "1451", "X-EBAY-API-IAF-TOKEN": token(ebay).json()["access_token"]}
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><GetMyeBaySellingRequest>&a;</GetMyeBaySellingRequest>'
    )
    answer = requests.post(f"{ebay.url}/ws/api.dll", data=bomb, headers=headers, timeout=5)
    assert answer.status_code == 400 and parse_response("x", answer.content).errors[0].code == "5"


def test_an_expired_or_unknown_access_token_gets_eBays_token_errors(ebay: EbaySandbox) -> None:
    assert (
        ask(ebay, "GetMyeBaySelling", page_body(1), **{"X-EBAY-API-IAF-TOKEN": "v^1.1#x"}).errors[0].code == "21916984"
    )
    access = token(ebay).json()["access_token"]
    ebay.expire_tokens("AMS")
    answer = trading(ebay, "GetMyeBaySelling", page_body(1), **{"X-EBAY-API-IAF-TOKEN": access})
    assert answer.status_code == 200
    parsed = parse_response("x", answer.content)
    assert (parsed.ack, parsed.errors[0].code, parsed.errors[0].short_message) == (
        "Failure",
        "21917053",
        "Expired IAF token.",
    )


def test_the_active_list_pages_hold_every_active_listing_once_and_say_how_many_pages(ebay: EbaySandbox) -> None:
    active = {x.item_id: x for x in ebay.active_listings("AMS")}
    assert len(active) < 450 and any(x.listing_status == COMPLETED for x in ebay.listings("AMS"))
    seen: list[str] = []
    for page in range(1, 4):
        answer = ask(ebay, "GetMyeBaySelling", page_body(page))
        assert answer.ack == "Success"
        assert answer.text("ActiveList/PaginationResult/TotalNumberOfPages") == str(-(-len(active) // 200))
        assert answer.text("ActiveList/PaginationResult/TotalNumberOfEntries") == str(len(active))
        for item in answer.findall("ActiveList/ItemArray/Item"):
            listing = active[text_of(item, "ItemID") or ""]
            assert text_of(item, "SKU") == listing.sku
            assert int(text_of(item, "Quantity") or -1) == listing.quantity
            assert int(text_of(item, "SellingStatus/QuantitySold") or -1) == listing.quantity_sold
            assert int(text_of(item, "QuantityAvailable") or -1) == listing.quantity - listing.quantity_sold
            assert text_of(item, "SellingStatus/ListingStatus") == "Active"
            seen.append(listing.item_id)
    assert sorted(seen) == sorted(active) and len(seen) == len(set(seen))
    past = ask(ebay, "GetMyeBaySelling", page_body(9))
    assert past.find("ActiveList/ItemArray") is None and past.text("ActiveList/PaginationResult/TotalNumberOfEntries")


def test_more_than_200_entries_per_page_is_refused_not_capped(ebay: EbaySandbox) -> None:
    answer = ask(ebay, "GetMyeBaySelling", page_body(1, entries=201))
    assert answer.ack == "Failure" and answer.errors[0].code == "37"
    assert "EntriesPerPage" in answer.errors[0].long_message


def test_each_seller_sees_only_its_own_listings(ebay: EbaySandbox) -> None:
    answer = ask(ebay, "GetMyeBaySelling", page_body(1), store="CPO")
    ids = {text_of(item, "ItemID") for item in answer.findall("ActiveList/ItemArray/Item")}
    assert ids == {x.item_id for x in ebay.active_listings("CPO")}
    assert all(i.startswith("12") for i in ids if i)


# -- Trading: ReviseInventoryStatus ----------------------------------------------------------------------------
def _fixed_price(ebay: EbaySandbox, store: str = "AMS", n: int = 3) -> list[str]:
    return [x.item_id for x in ebay.active_listings(store) if x.listing_type != AUCTION][:n]


def test_a_revision_sets_what_is_for_sale_and_echoes_the_revised_items_with_fees(ebay: EbaySandbox) -> None:
    first, second = _fixed_price(ebay, n=2)
    sold = ebay.listing("AMS", first).quantity_sold
    answer = ask(ebay, "ReviseInventoryStatus", revise_body((first, 11), (second, 0)))
    assert answer.ack == "Success" and not answer.errors
    assert [text_of(s, "ItemID") for s in answer.findall("InventoryStatus")] == [first, second]
    assert [text_of(s, "Quantity") for s in answer.findall("InventoryStatus")] == ["11", "0"]
    assert [text_of(f, "ItemID") for f in answer.findall("Fees")] == [first, second]
    held = ebay.listing("AMS", first)
    assert (held.quantity_available, held.quantity, ebay.revisions_today("AMS", first)) == (11, 11 + sold, 1)


def test_a_revision_to_the_quantity_held_is_a_redundant_warning_that_changes_nothing(ebay: EbaySandbox) -> None:
    item = _fixed_price(ebay, n=1)[0]
    held = ebay.listing("AMS", item).quantity_available
    answer = ask(ebay, "ReviseInventoryStatus", revise_body((item, held)))
    assert answer.ack == "Warning" and not answer.findall("InventoryStatus")
    warning = answer.errors[0]
    assert (warning.code, warning.severity, warning.item_id) == ("21917091", "Warning", item)
    assert ebay.revisions_today("AMS", item) == 0


def test_one_bad_item_fails_alone_and_the_others_are_revised(ebay: EbaySandbox) -> None:
    good = _fixed_price(ebay, n=1)[0]
    with ebay.data.lock:
        listings = ebay.data.stores["AMS"].listings
        candidates = [x for x in listings.values() if x.item_id != good and x.is_active and x.listing_type != AUCTION]
        ended, auction = candidates[:2]
    ended.listing_status = COMPLETED
    auction.listing_type = AUCTION
    other = _fixed_price(ebay, "CPO", 1)[0]
    body = revise_body((good, 9), (ended.item_id, 9), (auction.item_id, 9), (other, 9))
    answer = ask(ebay, "ReviseInventoryStatus", body)
    assert answer.ack == "Failure"  # the mixed Ack, by default: never read outcomes from Ack alone
    assert [text_of(s, "ItemID") for s in answer.findall("InventoryStatus")] == [good]
    assert {(e.item_id, e.code) for e in answer.errors} == {
        (ended.item_id, "291"),
        (auction.item_id, "21916286"),
        (other, "17"),
    }
    assert ebay.listing("AMS", good).quantity_available == 9
    assert ebay.listing("CPO", other).quantity_available != 9 or ebay.revisions_today("CPO", other) == 0


def test_more_than_four_items_in_one_call_is_refused_whole(ebay: EbaySandbox) -> None:
    items = _fixed_price(ebay, n=5)
    answer = ask(ebay, "ReviseInventoryStatus", revise_body(*[(i, 1) for i in items]))
    assert answer.ack == "Failure" and answer.errors[0].code == "21916254" and not answer.findall("InventoryStatus")


def test_a_listing_named_twice_or_a_bad_quantity_fails_that_item(ebay: EbaySandbox) -> None:
    first, second = _fixed_price(ebay, n=2)
    answer = ask(ebay, "ReviseInventoryStatus", revise_body((first, 4), (first, 5), (second, -1)))
    assert answer.ack == "Failure"
    assert [(e.code, e.item_id) for e in answer.errors] == [("37", first), ("37", second)]
    assert ebay.listing("AMS", first).quantity_available == 4


def test_the_251st_revision_of_a_listing_in_a_day_is_refused(ebay: EbaySandbox) -> None:
    item = _fixed_price(ebay, n=1)[0]
    base = ebay.listing("AMS", item).quantity_available
    with ebay.data.lock:
        ebay.data.stores["AMS"].listings[item].revisions[ebay.today()] = 249
    assert ask(ebay, "ReviseInventoryStatus", revise_body((item, base + 1))).ack == "Success"
    answer = ask(ebay, "ReviseInventoryStatus", revise_body((item, base + 2)))
    assert (answer.ack, answer.errors[0].code, answer.errors[0].item_id) == ("Failure", "21919250", item)
    assert (ebay.listing("AMS", item).quantity_available, ebay.revisions_today("AMS", item)) == (base + 1, 250)


def test_the_per_seller_burst_limit_answers_518(ebay: EbaySandbox) -> None:
    ebay.burst_limits["GetMyeBaySelling"] = 2
    codes = [[e.code for e in ask(ebay, "GetMyeBaySelling", page_body(1)).errors] for _ in range(3)]
    assert codes == [[], [], ["518"]]
    assert not ask(ebay, "GetMyeBaySelling", page_body(1), store="CPO").errors


def test_the_daily_call_quota_per_seller_answers_518_too() -> None:
    with serving(rows=ROWS, daily_call_limit=2) as ebay:
        codes = [[e.code for e in ask(ebay, "GetMyeBaySelling", page_body(1)).errors] for _ in range(3)]
        assert codes == [[], [], ["518"]]
        assert ask(ebay, "GetMyeBaySelling", page_body(1), store="CPO").ack == "Success"


def test_the_ack_of_a_mixed_result_is_configurable() -> None:
    with serving(rows=ROWS, mixed_ack="Warning") as ebay:
        good = _fixed_price(ebay, n=1)[0]
        answer = ask(ebay, "ReviseInventoryStatus", revise_body((good, 13), ("42", 1)))
        assert answer.ack == "Warning" and [(e.code, e.item_id) for e in answer.errors] == [("17", "42")]
    with pytest.raises(ValueError, match="mixed_ack"):
        EbaySandbox(rows=ROWS, mixed_ack="Sometimes")


def test_the_admin_routes_expire_tokens_and_revoke_a_store_for_drills(ebay: EbaySandbox) -> None:
    access = token(ebay).json()["access_token"]
    assert requests.post(f"{ebay.url}/_sandbox/expire-tokens?store=AMS", timeout=5).json() == {"expired": 1}
    assert ask(ebay, "GetMyeBaySelling", page_body(1), **{"X-EBAY-API-IAF-TOKEN": access}).errors[0].code == "21917053"
    assert requests.post(f"{ebay.url}/_sandbox/revoke?store=cpo", timeout=5).json() == {"revoked": "CPO"}
    assert token(ebay, "CPO").json()["error"] == "invalid_grant"
    assert requests.post(f"{ebay.url}/_sandbox/revoke?store=XYZ", timeout=5).status_code == 404
    with serving(rows=ROWS, revoked=["AMS"]) as revoked:
        assert token(revoked, "AMS").json()["error"] == "invalid_grant" and token(revoked, "CPO").status_code == 200


def test_calls_are_recorded_per_store_with_their_time(ebay: EbaySandbox) -> None:
    trading(ebay, "GetMyeBaySelling", page_body(1), store="CPO")
    calls = ebay.calls_by_store("CPO")
    assert [c.endpoint for c in calls] == ["token", "GetMyeBaySelling"]
    assert calls[1].ack == "Success" and calls[1].items == len(ebay.active_listings("CPO"))
    assert calls[0].started_at <= calls[1].started_at
    assert ebay.calls_by_store("AMS") == []


# -- the client ---------------------------------------------------------------------------------------------
def test_the_client_refreshes_an_expired_access_token_and_repeats_the_call(ebay: EbaySandbox) -> None:
    with TradingClient(settings_for(ebay), "AMS") as client:
        assert client.call("GetMyeBaySelling", page_body(1)).ack == "Success"
        ebay.expire_tokens()
        assert client.call("GetMyeBaySelling", page_body(2)).ack == "Success"
        ebay.set_faults("GetMyeBaySelling#4=expire")
        assert client.call("GetMyeBaySelling", page_body(1)).ack == "Success"
        assert client.token_refreshes == 3


@pytest.mark.parametrize(
    "fault",
    ["503", "500", "drop", "truncate", "quota", "slow:3", "badjson", "nonjson", "token#1=502", "token#1=badjson"],
)
def test_the_client_gets_through_every_transient_fault(ebay: EbaySandbox, fault: str) -> None:
    ebay.set_faults(fault if "=" in fault else f"GetMyeBaySelling#1-2={fault}")
    item = _fixed_price(ebay, n=1)[0]
    with TradingClient(settings_for(ebay), "AMS") as client:
        answer = client.call("GetMyeBaySelling", page_body(1))
        assert answer.ack == "Success" and len(answer.findall("ActiveList/ItemArray/Item")) == 200
        revised = client.call("ReviseInventoryStatus", revise_body((item, 17)))
        assert revised.ack == "Success"
    assert ebay.listing("AMS", item).quantity_available == 17
    assert ebay.stats()["faults"] >= 1


def test_a_call_limit_that_outlasts_the_retries_raises_a_transient_error(ebay: EbaySandbox) -> None:
    ebay.set_faults("GetMyeBaySelling#1+=quota")
    with TradingClient(settings_for(ebay, retry_max_attempts=3), "AMS") as client, pytest.raises(EbayError) as raised:
        client.call("GetMyeBaySelling", page_body(1))
    assert (raised.value.code, raised.value.transient, raised.value.store) == ("518", True, "AMS")
    assert len(ebay.calls("GetMyeBaySelling")) == 3


def test_a_token_answer_broken_past_the_retries_fails_without_showing_any_of_it(ebay: EbaySandbox) -> None:
    ebay.set_faults("token#1+=badjson")
    with TradingClient(settings_for(ebay, retry_max_attempts=2), "AMS") as client, pytest.raises(EbayError) as raised:
        client.access_token()
    assert raised.value.transient and raised.value.store == "AMS"
    assert "v^1.1" not in str(raised.value) and "access_token" not in str(raised.value)
    assert len(ebay.calls("token")) == 2


def test_a_rejected_refresh_token_raises_token_rejected_naming_the_store(ebay: EbaySandbox) -> None:
    ebay.revoke("CPO")
    with TradingClient(settings_for(ebay), "CPO") as client, pytest.raises(TokenRejected) as raised:
        client.call("GetMyeBaySelling", page_body(1))
    assert raised.value.store == "CPO" and raised.value.code == "invalid_grant"
    assert "SOURCES__EBAY__CPO__REFRESH_TOKEN" in str(raised.value)
    assert ebay.refresh_tokens["CPO"] not in str(raised.value)
    with TradingClient(settings_for(ebay, client_secret="wrong"), "AMS") as client, pytest.raises(TokenRejected) as bad:
        client.access_token()
    assert bad.value.code == "invalid_client" and "wrong" not in str(bad.value)


def test_a_whole_call_failure_raises_and_per_item_failures_are_returned(ebay: EbaySandbox) -> None:
    with TradingClient(settings_for(ebay), "AMS") as client:
        with pytest.raises(EbayError) as raised:
            client.call("GetMyeBaySelling", page_body(1, entries=500))
        assert raised.value.code == "37" and not raised.value.transient
        answer = client.call("ReviseInventoryStatus", revise_body(("999", 3)))
        assert answer.ack == "Failure" and answer.errors[0].item_id == "999" and answer.errors[0].code == "17"


def test_answers_with_entities_are_refused_as_untrusted_xml() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "x">]>'
        b"<GetMyeBaySellingResponse><Ack>&a;</Ack></GetMyeBaySellingResponse>"
    )
    with pytest.raises(ValueError, match="not well-formed XML"):
        parse_response("GetMyeBaySelling", bomb)


def test_stores_without_a_refresh_token_are_left_out_saying_so() -> None:
    settings = EbaySettings(client_id="a", client_secret="b", refresh_tokens={"AMS": "t1", "CPO": "t2"})
    assert select_stores(settings, ["ams,RTG"]) == (
        ["AMS"],
        ["store RTG skipped: no refresh token (set SOURCES__EBAY__RTG__REFRESH_TOKEN)"],
    )
    assert select_stores(settings, None, known=["rtg"])[0] == ["AMS", "CPO"]


# -- seeding, parallel use, the command ------------------------------------------------------------------------
def test_the_listings_come_from_the_store_workbooks_some_drifted_some_ended(tmp_path: Path) -> None:
    sample = generate(tmp_path, last_day=dt.date(2026, 11, 23), days=1)
    with serving(workbooks=sample.store_workbooks) as from_files, serving() as from_samples:
        assert from_files.stores == from_samples.stores == ["AMS", "CPO", "RTG"]
        for store in from_files.stores:
            files = [(x.item_id, x.sku, x.workbook_quantity) for x in from_files.listings(store)]
            assert files == [(x.item_id, x.sku, x.workbook_quantity) for x in from_samples.listings(store)]
            # every listing of the workbook with an item id (the row without one is left out)
            assert len(files) == sample.listings_per_store[store] - (store != "RTG")
        counts = from_files.data.counts()
    assert all(c["drifted"] > 0 and c["ended"] > 0 for c in counts.values()), counts
    assert counts["AMS"]["auctions"] > 0


def test_one_client_serves_parallel_revisions_through_a_token_expiry(ebay: EbaySandbox) -> None:
    items = _fixed_price(ebay, n=40)
    ebay.set_faults("ReviseInventoryStatus#4=expire")
    with TradingClient(settings_for(ebay), "AMS") as client, ThreadPoolExecutor(8) as pool:
        batches = [items[n : n + 4] for n in range(0, len(items), 4)]
        answers = list(
            pool.map(
                lambda batch: client.call("ReviseInventoryStatus", revise_body(*[(i, 50) for i in batch])), batches
            )
        )
        assert client.token_refreshes <= 3
    assert all(answer.ack == "Success" for answer in answers)
    assert {ebay.listing("AMS", item).quantity_available for item in items} == {50}
    assert len(ebay.calls_by_store("AMS", "ReviseInventoryStatus")) >= 10


def test_the_command_serves_until_interrupted_and_prints_the_settings() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "elt.cli", "sandbox", "ebay", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(13)]
        url = re.search(r"http://127\.0\.0\.1:\d+", lines[0])
        assert url, lines
        settings = dict(line.strip().split("=", 1) for line in lines if line.strip().startswith("SOURCES__EBAY__"))
        assert settings["SOURCES__EBAY__API_URL"] == url.group(0)
        assert {"SOURCES__EBAY__AMS__REFRESH_TOKEN", "SOURCES__EBAY__CLIENT_SECRET"} <= set(settings)
        basic = base64.b64encode(
            f"{settings['SOURCES__EBAY__CLIENT_ID']}:{settings['SOURCES__EBAY__CLIENT_SECRET']}".encode()
        ).decode()
        form = {
            "grant_type": "refresh_token",
            "refresh_token": settings["SOURCES__EBAY__CPO__REFRESH_TOKEN"],
            "scope": "https://api.ebay.com/oauth/api_scope",
        }
        answer = requests.post(
            url.group(0) + "/identity/v1/oauth2/token",
            data=form,
            headers={"Authorization": f"Basic {basic}"},
            timeout=10,
        )
        assert answer.status_code == 200 and answer.json()["access_token"]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)  # a deadline on a loaded machine, not a timing check
    assert process.returncode == 0


def test_the_command_refuses_a_non_loopback_host() -> None:
    result = CliRunner().invoke(sandbox_command, ["--host", "0.0.0.0"])
    assert result.exit_code == 2 and "not a loopback address" in result.output
