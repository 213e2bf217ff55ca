"""A local eBay (OAuth token endpoint + Trading API) on 127.0.0.1: `running_ebay_sandbox()` / `EbaySandbox`.

Three calls, as docs/sources/ebay.md (§1, §2, §3.1; this sandbox: §8.4) describes them from eBay's public documentation:

    POST /identity/v1/oauth2/token   grant_type=refresh_token; Basic client_id:client_secret; JSON answer
    POST /ws/api.dll                 X-EBAY-API-CALL-NAME GetMyeBaySelling (ActiveList, paged) or
                                     ReviseInventoryStatus (1-4 InventoryStatus); XML in, XML out

Each store is its own seller with its own refresh token (data.py); an access token is good for that seller's
listings only, for `token_ttl_seconds` (7200, as eBay's user tokens). What the sandbox holds can be read per
(store, item id) (`listing()`), with the revisions made today and every call made per store with its time.

Where eBay's documentation is silent the sandbox takes the stricter reading (its choice, said here):

- token endpoint: `scope` is required (eBay's own clients always send it) and must be a subset of the scopes
  consented (api_scope, sell.inventory); missing: 400 `invalid_request`, beyond the consent: 400 `invalid_scope`.
  A refresh answer carries `access_token`, `expires_in`, `token_type` and no new refresh token.
- Trading headers: X-EBAY-API-CALL-NAME, X-EBAY-API-SITEID (an integer), X-EBAY-API-COMPATIBILITY-LEVEL (an
  integer) and X-EBAY-API-IAF-TOKEN are all required. No error is documented for a missing header: HTTP 400
  with Ack Failure, ErrorCode 2 for an unknown call, 37 (input "invalid or missing") naming the header.
  A body that is not XML, or whose root is not `<CallName>Request` in eBay's namespace: 400, ErrorCode 5.
- tokens: none: 930; unknown: 21916984; expired: 21917053 ("Expired IAF token."), as HTTP 200 Failure (public
  mocks show application errors with HTTP 200).
- GetMyeBaySelling: `ActiveList/Include` true and `Pagination` with EntriesPerPage 1-200 (docs: at most 200)
  and PageNumber >= 1; anything else is refused (37), never silently capped. Ended listings are not in the
  ActiveList. A page past the last has no ItemArray. `QuantityAvailable` is filled in (UNCONFIRMED on eBay).
- ReviseInventoryStatus: 1-4 InventoryStatus (more: 21916254, the "maximum allowed containers" error); each
  names its listing by ItemID (tracking is by ItemID, eBay's default; SKU alone: 37); Quantity an integer
  >= 0 (the sellers' out-of-stock option is taken as on, so 0 keeps the listing); a listing named twice in
  one call: 37 for the repeats. Per item: unknown or another seller's item 17, ended 291, auction
  21916286, the 250th+1 revision of a listing in one calendar day (UTC) 21919250 (no code is documented:
  the sandbox's own). Quantity and price equal to what the listing holds: warning 21917091, nothing changed,
  no InventoryStatus echoed for it (only revised items are echoed; the warning's ErrorParameters name it).
  Ack: Success; Warning when every item went through but with warnings; Failure when none did; when some
  did and some did not, `mixed_ack` (default Failure: an Ack-only client then gets it wrong, as it must not).
  Fees: one block per revised listing, every fee 0.0.
- call limits: per seller, GetMyeBaySelling 300 and ReviseInventoryStatus 6000 calls per `burst_window_seconds`
  (15); over: ErrorCode 518 "Call usage limit has been reached." (code for the burst block UNCONFIRMED);
  `daily_call_limit` per seller (None: off) answers 518 too.

Faults (faults.py's spec; targets `token`, `GetMyeBaySelling`, `ReviseInventoryStatus`, `*`): a 5xx status
(502/503/504 an HTML gateway page, others eBay's ErrorCode 10007 "Internal error" body on that status),
`drop`, `slow:S`, `truncate`, `quota` (Failure 518), `expire` (the caller's access token expires first, so
the call gets 21917053), `badjson` (a 200 whose body is cut in half: XML that does not parse), `nonjson` (a
200 HTML page instead of the answer). `revoke(store)` rejects a store's refresh token from then on (invalid_grant).

Admin routes: `GET /_sandbox/stats`, `GET /_sandbox/calls`, `POST /_sandbox/expire-tokens[?store=S]` (every
access token, or a store's, expires now), `POST /_sandbox/revoke?store=S` (that store's refresh token is
rejected from now on). The HTTP server, its life cycle and the call log
are sandboxes/server.py's; this module is eBay's part.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from defusedxml import ElementTree as SafeET

from sandboxes.ebay.data import AUCTION, EbayData, Listing, build_stores, sample_rows, workbook_rows
from sandboxes.faults import FaultPlan, FaultRule, method_key, parse_faults
from sandboxes.ratelimit import RateLimiter
from sandboxes.server import Reply, Request, SandboxServer, running

NS = "urn:ebay:apis:eBLBaseComponents"
TOKEN_PATH = "/identity/v1/oauth2/token"
TRADING_PATH = "/ws/api.dll"
CALLS = ("GetMyeBaySelling", "ReviseInventoryStatus")
SCOPES = ("https://api.ebay.com/oauth/api_scope", "https://api.ebay.com/oauth/api_scope/sell.inventory")
DEFAULT_CLIENT_ID = "FastPart-ELT-PRD-5a1b2c3d4-e5f6a7b8"
DEFAULT_CLIENT_SECRET = "PRD-a1b2c3d4e5f6-7a8b-9c0d-1e2f-3a4b"
VERSION, BUILD = "1451", "E1451_CORE_APISIGNIN_SANDBOX_R1"
MAX_ENTRIES_PER_PAGE = 200
MAX_INVENTORY_STATUS = 4
REVISIONS_PER_DAY = 250
BURST_LIMITS = {"GetMyeBaySelling": 300, "ReviseInventoryStatus": 6000}

# Error codes (docs/sources/ebay.md §2.6; 21919250 is the sandbox's own, §8.4)
UNSUPPORTED_CALL = 2
XML_PARSE = 5
INVALID_INPUT = 37
NOT_ACCESSIBLE = 17
ENDED = 291
CALL_LIMIT = 518
TOKEN_MISSING = 930
INTERNAL_ERROR = 10007
TOO_MANY_CONTAINERS = 21916254
UNSUPPORTED_LISTING_TYPE = 21916286
REDUNDANT = 21917091
IAF_EXPIRED = 21917053
IAF_INVALID = 21916984
REVISION_LIMIT = 21919250
_GATEWAY_PAGE = (
    "<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1>"
    "<p>The server is temporarily unable to service your request.</p></body></html>"
)
_FAULTS = ("status", "drop", "slow", "truncate", "quota", "expire", "badjson", "nonjson")


@dataclass(frozen=True)
class EbayCall:
    """One call as the sandbox saw it; `status` None when the connection was dropped."""

    seq: int
    endpoint: str
    """token, GetMyeBaySelling, ReviseInventoryStatus, or the path/call name of an unknown one."""
    status: int | None
    started_at: float
    """Unix time the call arrived."""
    duration_seconds: float
    store: str | None = None
    """The seller the call was for (by its refresh or access token), when known."""
    ack: str | None = None
    items: int = 0
    """InventoryStatus sent (ReviseInventoryStatus) or listings answered (GetMyeBaySelling)."""
    error_codes: tuple[str, ...] = ()
    fault: str | None = None


@dataclass
class _Error:
    code: int
    short: str
    long: str = ""
    severity: str = "Error"
    params: list[tuple[str, str]] = field(default_factory=list)
    classification: str = "RequestError"


class _Refused(Exception):
    """A whole call refused: its error and HTTP status."""

    def __init__(self, error: _Error, status: int = 200) -> None:
        super().__init__(error.short)
        self.error, self.status = error, status


def _sub(parent: ET.Element, tag: str, text: object = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NS}}}{tag}", attrib)
    if text is not None:
        element.text = str(text)
    return element


def _find(element: ET.Element, path: str) -> ET.Element | None:
    return element.find("/".join(f"{{{NS}}}{part}" for part in path.split("/")))


def _text(element: ET.Element, path: str) -> str | None:
    found = _find(element, path)
    return None if found is None or found.text is None else found.text.strip()


class EbaySandbox(SandboxServer[EbayCall]):
    """An eBay token endpoint + Trading API sandbox. Use `serving(...)` / `running_ebay_sandbox(...)`.

    Options: `host`/`port` (127.0.0.1, 0 = any free port), `seed`; the stores' listings from `workbooks`
    (store SpeedSheet paths) or else `rows` ({store: workbook rows}) or else the demo's SpeedSheet rows of
    sandboxes/samples.py (seed `samples_seed`); `client_id`/`client_secret` (the only ones accepted),
    `token_ttl_seconds` (7200), `burst_window_seconds` (15), `burst_limits` (per call), `daily_call_limit`
    (per seller; None: off), `mixed_ack` (Failure), `faults`, `revoked` (stores whose refresh token is
    rejected from the start), `clock` (Unix time, for the calendar day and
    token expiry), `allow_remote`, `log`.
    """

    what = "eBay sandbox"
    thread_name = "ebay-sandbox"
    server_version = "EbaySandbox/1.0"
    http_methods = ("GET", "POST")
    request_queue_size = 64
    call_type = EbayCall

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        workbooks: Iterable[Path] | None = None,
        rows: Mapping[str, Iterable[Any]] | None = None,
        samples_seed: int = 7,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        token_ttl_seconds: float = 7200,
        burst_window_seconds: float = 15.0,
        burst_limits: Mapping[str, int] | None = None,
        daily_call_limit: int | None = None,
        mixed_ack: str = "Failure",
        faults: str | Iterable[FaultRule | str] | None = None,
        revoked: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
        allow_remote: bool = False,
        log: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(host=host, port=port, allow_remote=allow_remote, log=log)
        if mixed_ack not in ("Failure", "Warning", "PartialFailure", "Success"):
            raise ValueError(f"mixed_ack must be Failure, Warning, PartialFailure or Success, got {mixed_ack!r}")
        if workbooks is not None:
            source = workbook_rows(workbooks)
        elif rows is not None:
            source = {store: list(r) for store, r in rows.items()}
        else:
            source = sample_rows(samples_seed)
        self.seed = seed
        self.data: EbayData = build_stores(source, seed=seed)
        self.client_id, self.client_secret = client_id, client_secret
        self.token_ttl_seconds = token_ttl_seconds
        self.mixed_ack = mixed_ack
        self.daily_call_limit = daily_call_limit
        self.burst_limits = {**BURST_LIMITS, **(burst_limits or {})}
        self.limiter = RateLimiter(burst_window_seconds)
        self.faults = FaultPlan(seed=seed)
        self.set_faults(faults)
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        """access token -> (store, expiry as Unix time)"""
        self._revoked: set[str] = {store.upper() for store in revoked}
        self._daily_calls: Counter[tuple[str, str]] = Counter()
        self._faults_fired = 0
        self._token_lock = threading.Lock()

    # -- what tests and users read --------------------------------------------------------------------
    @property
    def refresh_tokens(self) -> dict[str, str]:
        """Store -> the refresh token its seller consented with."""
        return {name: store.refresh_token for name, store in self.data.stores.items()}

    @property
    def stores(self) -> list[str]:
        return list(self.data.stores)

    def settings(self, stores: Iterable[str] | None = None) -> dict[str, str]:
        """The dlt settings (env names) that point the eBay loader at this sandbox, for `stores` (default all)."""
        env = {
            "SOURCES__EBAY__CLIENT_ID": self.client_id,
            "SOURCES__EBAY__CLIENT_SECRET": self.client_secret,
            "SOURCES__EBAY__API_URL": self.url,
            "SOURCES__EBAY__SITE_ID": "3",
        }
        for name in stores if stores is not None else self.stores:
            env[f"SOURCES__EBAY__{name.upper()}__REFRESH_TOKEN"] = self.data.stores[name].refresh_token
        return env

    def listing(self, store: str, item_id: str | int) -> Listing:
        """A copy of what the sandbox holds for (store, item id); KeyError when the store has no such listing."""
        with self.data.lock:
            held = self.data.stores[store].listings[str(item_id)]
            return Listing(**{**asdict(held), "revisions": dict(held.revisions)})

    def listings(self, store: str) -> list[Listing]:
        """Copies of every listing of `store` (ended ones included), by item id."""
        with self.data.lock:
            ids = sorted(self.data.stores[store].listings, key=int)
        return [self.listing(store, item_id) for item_id in ids]

    def active_listings(self, store: str) -> list[Listing]:
        """What GetMyeBaySelling's ActiveList holds for `store`, in its order."""
        with self.data.lock:
            return [self.listing(store, x.item_id) for x in self.data.stores[store].active()]

    def revisions_today(self, store: str, item_id: str | int) -> int:
        return self.listing(store, item_id).revisions.get(self.today(), 0)

    def today(self) -> str:
        return datetime.fromtimestamp(self._clock(), UTC).date().isoformat()

    def calls_by_store(self, store: str, endpoint: str | None = None) -> list[EbayCall]:
        """The calls made for `store` (of `endpoint` when given), oldest first, each with `started_at`."""
        return [call for call in self.calls(endpoint) if call.store == store]

    def stats(self) -> dict[str, Any]:
        calls = self.calls()
        return {
            "calls": len(calls),
            "by_endpoint": self.tally(calls),
            "by_store": dict(Counter(call.store or "-" for call in calls)),
            "faults": self._faults_fired,
            "stores": self.data.counts(),
        }

    def set_faults(self, faults: str | Iterable[FaultRule | str] | None) -> None:
        """Replace the fault rules; ValueError for an action this sandbox does not play."""
        rules = parse_faults(faults)
        for rule in rules:
            if rule.parsed_action()[0] not in _FAULTS:
                raise ValueError(
                    f"fault {rule}: this sandbox plays a 4xx/5xx status, drop, slow, truncate, quota or expire"
                )
        self.faults.replace(rules)

    def clear_faults(self) -> None:
        self.faults.clear()

    def revoke(self, store: str) -> None:
        """Reject `store`'s refresh token from now on (as when the seller revokes the app): invalid_grant."""
        with self._token_lock:
            self._revoked.add(store)

    def expire_tokens(self, store: str | None = None) -> int:
        """Expire every access token (of `store` when given) now; returns how many were live."""
        now = self._clock()
        with self._token_lock:
            live = [t for t, (s, expiry) in self._tokens.items() if expiry > now and store in (None, s)]
            for token in live:
                self._tokens[token] = (self._tokens[token][0], now - 1)
        return len(live)

    # -- request handling ------------------------------------------------------------------------------
    def answer(self, request: Request) -> Reply:
        if request.path == TOKEN_PATH:
            endpoint = "token"
        elif request.path == TRADING_PATH:
            endpoint = request.headers.get("x-ebay-api-call-name", "").strip() or "(no call name)"
        else:
            return _json(404, {"errors": [{"message": f"no resource {request.path}"}]}, request.path)
        if request.method != "POST":
            return _json(405, {"errors": [{"message": f"{request.method} is not allowed; use POST"}]}, endpoint)
        number = self.count_call(endpoint)
        rule = self.faults.pick(endpoint, number) if endpoint == "token" or endpoint in CALLS else None
        if rule is None:
            return self._answer(endpoint, request)
        with self._lock:
            self._faults_fired += 1
        kind, status, seconds = rule.parsed_action()
        store = self._store_of_request(endpoint, request)
        if kind == "drop":
            return Reply(0, mode="drop", call={"endpoint": endpoint, "store": store, "fault": str(rule)})
        if kind == "status":
            assert status is not None
            reply = _status_reply(endpoint, status)
        elif kind == "quota":
            error = _Error(CALL_LIMIT, "Call usage limit has been reached.", classification="RequestError")
            reply = _trading(endpoint, "Failure", [error]) if endpoint != "token" else _status_reply(endpoint, 429)
        else:
            if kind == "slow":
                self.pause(seconds or 0)
            if kind == "expire" and endpoint != "token":
                token = request.headers.get("x-ebay-api-iaf-token", "").strip()
                with self._token_lock:
                    if token in self._tokens:
                        self._tokens[token] = (self._tokens[token][0], self._clock() - 1)
            reply = self._answer(endpoint, request)
            if kind == "truncate":
                reply.mode = "truncate"
            elif kind == "badjson":  # the spec's name: here the XML (or the token's JSON) cut in half, on a 200
                whole = reply.body()
                reply.raw, reply.status = whole[: len(whole) // 2], 200
            elif kind == "nonjson":  # the spec's name: here an HTML page on a 200 instead of XML or JSON
                page = _GATEWAY_PAGE.format(status=200, reason="OK").encode()
                reply = Reply(200, raw=page, content_type="text/html", call=reply.call)
        reply.call = {**reply.call, "endpoint": endpoint, "store": reply.call.get("store", store), "fault": str(rule)}
        return reply

    def internal_error(self, request: Request) -> Reply:
        endpoint = "token" if request.path == TOKEN_PATH else request.headers.get("x-ebay-api-call-name", request.path)
        return _status_reply(endpoint, 500)

    def describe(self, call: EbayCall) -> str:
        fault = f"  fault {call.fault}" if call.fault else ""
        codes = f" errors {','.join(call.error_codes)}" if call.error_codes else ""
        return (
            f"{call.endpoint} [{call.store or '-'}] -> {call.status or 'dropped'} {call.ack or ''} "
            f"({call.items} items, {call.duration_seconds * 1000:.0f} ms){codes}{fault}"
        )

    def handle_admin(self, method: str, route: str, query: str) -> Reply:
        if method == "GET" and route == "stats":
            return _json(200, self.stats(), "admin")
        if method == "GET" and route == "calls":
            return _json(200, {"calls": [asdict(call) for call in self.calls()]}, "admin")
        store = (parse_qs(query).get("store") or [None])[0]
        if store is not None and store.upper() not in self.data.stores:
            return _json(404, {"errors": [{"message": f"no store {store}"}]}, "admin")
        if method == "POST" and route == "expire-tokens":
            return _json(200, {"expired": self.expire_tokens(store.upper() if store else None)}, "admin")
        if method == "POST" and route == "revoke" and store:
            self.revoke(store.upper())
            return _json(200, {"revoked": store.upper()}, "admin")
        return _json(404, {"errors": [{"message": f"no sandbox admin route /_sandbox/{route}"}]}, "admin")

    def _store_of_request(self, endpoint: str, request: Request) -> str | None:
        if endpoint == "token":
            token = (parse_qs(request.body.decode("utf-8", "replace")).get("refresh_token") or [""])[0]
            return next((n for n, s in self.data.stores.items() if s.refresh_token == token), None)
        with self._token_lock:
            held = self._tokens.get(request.headers.get("x-ebay-api-iaf-token", "").strip())
        return held[0] if held else None

    def _answer(self, endpoint: str, request: Request) -> Reply:
        if endpoint == "token":
            return self._token(request)
        try:
            return self._trading(endpoint, request)
        except _Refused as refused:
            reply = _trading(endpoint if endpoint in CALLS else "", "Failure", [refused.error], status=refused.status)
            reply.call["store"] = self._store_of_request(endpoint, request)
            return reply

    # -- OAuth ------------------------------------------------------------------------------------------
    def _token(self, request: Request) -> Reply:
        def error(status: int, code: str, description: str, store: str | None = None) -> Reply:
            reply = _json(status, {"error": code, "error_description": description}, "token")
            reply.call["store"] = store
            return reply

        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization", "").strip() != f"Basic {expected}":
            return error(401, "invalid_client", "client authentication failed")
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return error(400, "invalid_request", "request must be application/x-www-form-urlencoded")
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        grant = (form.get("grant_type") or [""])[0]
        if grant != "refresh_token":
            return error(400, "unsupported_grant_type", f"grant type {grant or '(none)'} is not supported here")
        token = (form.get("refresh_token") or [""])[0]
        store = next((n for n, s in self.data.stores.items() if s.refresh_token == token), None)
        with self._token_lock:
            revoked = store in self._revoked
        if store is None or revoked:
            return error(
                400,
                "invalid_grant",
                "the provided authorization refresh token is invalid or was issued to another client",
                store,
            )
        scope = (form.get("scope") or [""])[0].split()
        if not scope:
            return error(400, "invalid_request", "scope is required", store)
        if any(s not in SCOPES for s in scope):
            return error(
                400,
                "invalid_scope",
                "The requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client",
                store,
            )
        access = f"v^1.1#i^1#p^3#r^1#I^3#f^0#t^{secrets.token_urlsafe(48)}"
        with self._token_lock:
            self._tokens[access] = (store, self._clock() + self.token_ttl_seconds)
        body = {"access_token": access, "expires_in": int(self.token_ttl_seconds), "token_type": "User Access Token"}
        reply = _json(200, body, "token")
        reply.call["store"] = store
        return reply

    # -- Trading ----------------------------------------------------------------------------------------
    def _trading(self, call_name: str, request: Request) -> Reply:
        if call_name not in CALLS:
            raise _Refused(
                _Error(
                    UNSUPPORTED_CALL,
                    "Unsupported API call.",
                    f'The API call "{call_name}" is invalid or not supported in this release.',
                ),
                400,
            )
        for header in ("x-ebay-api-siteid", "x-ebay-api-compatibility-level"):
            value = request.headers.get(header, "").strip()
            if not value.lstrip("-").isdigit():
                raise _Refused(_missing(header.upper()), 400)
        token = request.headers.get("x-ebay-api-iaf-token", "").strip()
        if not token:
            raise _Refused(
                _Error(
                    TOKEN_MISSING, "Auth token is required.", "No token was sent: set the X-EBAY-API-IAF-TOKEN header."
                )
            )
        with self._token_lock:
            held = self._tokens.get(token)
        if held is None:
            raise _Refused(_Error(IAF_INVALID, "IAF token supplied is invalid.", "IAF token supplied is invalid."))
        store, expiry = held
        if expiry <= self._clock():
            raise _Refused(_Error(IAF_EXPIRED, "Expired IAF token.", "IAF token supplied is expired."))
        try:
            root = SafeET.fromstring(request.body)
        except Exception as error:  # defusedxml raises ParseError or its own refusals (entities, DTDs)
            raise _Refused(_Error(XML_PARSE, "XML Parse error.", f"XML Error Text: {error}"), 400) from None
        if root.tag != f"{{{NS}}}{call_name}Request":
            raise _Refused(
                _Error(XML_PARSE, "XML Parse error.", f"the root element must be {call_name}Request in {NS}"), 400
            )
        limited = self._over_limit(store, call_name)
        if limited is not None:
            reply = _trading(call_name, "Failure", [limited])
            reply.call["store"] = store
            return reply
        handler = self._get_my_ebay_selling if call_name == "GetMyeBaySelling" else self._revise
        reply = handler(store, root)
        reply.call["store"] = store
        return reply

    def _over_limit(self, store: str, call_name: str) -> _Error | None:
        if self.limiter.acquire(store, call_name, self.burst_limits[call_name]) is not None:
            return _Error(
                CALL_LIMIT,
                "Call usage limit has been reached.",
                f"{call_name}: more than "
                f"{self.burst_limits[call_name]} calls in {self.limiter.window:g} s for this seller.",
            )
        if self.daily_call_limit is not None:
            with self._lock:
                key = (store, self.today())
                self._daily_calls[key] += 1
                over = self._daily_calls[key] > self.daily_call_limit
            if over:
                return _Error(CALL_LIMIT, "Call usage limit has been reached.", "Daily call limit reached.")
        return None

    def _get_my_ebay_selling(self, store: str, root: ET.Element) -> Reply:
        active = _find(root, "ActiveList")
        if active is None or (_text(active, "Include") or "").lower() != "true":
            raise _Refused(_missing("ActiveList.Include"))
        entries = _int_or_none(_text(active, "Pagination/EntriesPerPage"))
        page = _int_or_none(_text(active, "Pagination/PageNumber"))
        if entries is None or not 1 <= entries <= MAX_ENTRIES_PER_PAGE:
            raise _Refused(_missing("ActiveList.Pagination.EntriesPerPage", f"1-{MAX_ENTRIES_PER_PAGE}"))
        if page is None or page < 1:
            raise _Refused(_missing("ActiveList.Pagination.PageNumber", "1 or more"))
        with self.data.lock:
            listings = self.data.stores[store].active()
            chosen = listings[(page - 1) * entries : page * entries]
            body = _response("GetMyeBaySelling", "Success")
            active_list = _sub(body, "ActiveList")
            if chosen:
                array = _sub(active_list, "ItemArray")
                for listing in chosen:
                    _item(array, listing)
            result = _sub(active_list, "PaginationResult")
            _sub(result, "TotalNumberOfPages", (len(listings) + entries - 1) // entries)
            _sub(result, "TotalNumberOfEntries", len(listings))
        reply = _xml_reply(body)
        reply.call.update(endpoint="GetMyeBaySelling", ack="Success", items=len(chosen))
        return reply

    def _revise(self, store: str, root: ET.Element) -> Reply:
        statuses = root.findall(f"{{{NS}}}InventoryStatus")
        if not statuses:
            raise _Refused(_missing("InventoryStatus"))
        if len(statuses) > MAX_INVENTORY_STATUS:
            raise _Refused(
                _Error(
                    TOO_MANY_CONTAINERS,
                    "You have exceeded the maximum allowed containers.",
                    f"At most {MAX_INVENTORY_STATUS} InventoryStatus per call; {len(statuses)} were sent.",
                )
            )
        errors: list[_Error] = []
        revised: list[Listing] = []
        seen: set[str] = set()
        failed = 0
        today = self.today()
        with self.data.lock:
            for status in statuses:
                item_id = _text(status, "ItemID") or ""
                problem = self._revise_one(store, status, item_id, seen, today, revised)
                if problem is not None:
                    errors.append(problem)
                    failed += problem.severity == "Error"
            if failed == 0:
                ack = "Warning" if errors else "Success"
            elif failed == len(statuses):
                ack = "Failure"
            else:
                ack = self.mixed_ack
            body = _response("ReviseInventoryStatus", ack, errors)
            for listing in revised:
                echo = _sub(body, "InventoryStatus")
                _sub(echo, "SKU", listing.sku or None)
                _sub(echo, "ItemID", listing.item_id)
                _sub(echo, "StartPrice", f"{listing.start_price}", currencyID=listing.currency)
                _sub(echo, "Quantity", listing.quantity_available)
            for listing in revised:
                fees = _sub(body, "Fees")
                _sub(fees, "ItemID", listing.item_id)
                for name in ("AuctionLengthFee", "InsertionFee", "ListingFee", "SubtitleFee"):
                    fee = _sub(fees, "Fee")
                    _sub(fee, "Name", name)
                    _sub(fee, "Fee", "0.0", currencyID=listing.currency)
        reply = _xml_reply(body)
        reply.call.update(
            endpoint="ReviseInventoryStatus", ack=ack, items=len(statuses),
            error_codes=tuple(str(e.code) for e in errors),
        )  # fmt: skip
        return reply

    def _revise_one(
        self, store: str, status: ET.Element, item_id: str, seen: set[str], today: str, revised: list[Listing]
    ) -> _Error | None:
        """Revise one listing (the data lock held); the error or warning it gets, or None."""
        sku = _text(status, "SKU")
        if not item_id:
            return _missing("InventoryStatus.ItemID", "listings track inventory by ItemID", [("SKU", sku or "")])
        params = [("ItemID", item_id)]
        if item_id in seen:
            return _missing("InventoryStatus.ItemID", f"item {item_id} is named more than once in this call", params)
        seen.add(item_id)
        quantity_text, price_text = _text(status, "Quantity"), _text(status, "StartPrice")
        if quantity_text is None and price_text is None:
            return _missing("InventoryStatus.Quantity", "each InventoryStatus needs StartPrice or Quantity", params)
        quantity = _int_or_none(quantity_text) if quantity_text is not None else None
        if quantity_text is not None and (quantity is None or quantity < 0):
            return _missing("InventoryStatus.Quantity", "a whole number of 0 or more", params)
        price: Decimal | None = None
        if price_text is not None:
            try:
                price = Decimal(price_text)
            except InvalidOperation:
                price = None
            if price is None or price <= 0:
                return _missing("InventoryStatus.StartPrice", "a price above 0", params)
        listing = self.data.stores[store].listings.get(item_id)
        if listing is None:
            return _Error(
                NOT_ACCESSIBLE,
                "Item cannot be accessed.",
                f"Item {item_id} cannot be accessed: it does not exist or you are not its seller.",
                params=params,
            )
        if not listing.is_active:
            return _Error(ENDED, "Auction ended.", "You are not allowed to revise ended listings.", params=params)
        if listing.listing_type == AUCTION:
            return _Error(
                UNSUPPORTED_LISTING_TYPE,
                "Unsupported ListingType.",
                "Valid Listing type for fixedprice apis are FixedPriceItem and StoresFixedPrice.",
                params=params,
            )
        new_quantity = listing.quantity_available if quantity is None else quantity
        new_price = listing.start_price if price is None else price
        if new_quantity == listing.quantity_available and new_price == listing.start_price:
            return _Error(
                REDUNDANT,
                "Redundant StartPrice and Quantity revision.",
                "The existing price and "
                "quantity values are identical to those specified in the request and, therefore, have "
                "not been modified.",
                severity="Warning",
                params=params,
            )
        if listing.revisions.get(today, 0) >= REVISIONS_PER_DAY:
            return _Error(
                REVISION_LIMIT,
                "Revision limit reached.",
                f"Item {item_id} has been revised "
                f"{REVISIONS_PER_DAY} times today, the most a listing can be revised in a calendar day.",
                params=params,
            )
        listing.quantity = new_quantity + listing.quantity_sold
        listing.start_price = new_price
        listing.revisions[today] = listing.revisions.get(today, 0) + 1
        revised.append(listing)
        return None


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _missing(tag: str, expected: str = "", params: list[tuple[str, str]] | None = None) -> _Error:
    detail = f" ({expected})" if expected else ""
    return _Error(
        INVALID_INPUT,
        "Input data is invalid.",
        f"Input data for tag <{tag}> is invalid or missing{detail}. Please check API documentation.",
        params=params or [],
    )


def _response(call_name: str, ack: str, errors: Iterable[_Error] = ()) -> ET.Element:
    root = ET.Element(f"{{{NS}}}{call_name or 'Generic'}Response")
    _sub(root, "Timestamp", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
    _sub(root, "Ack", ack)
    for error in errors:
        node = _sub(root, "Errors")
        _sub(node, "ShortMessage", error.short)
        _sub(node, "LongMessage", error.long or error.short)
        _sub(node, "ErrorCode", error.code)
        _sub(node, "SeverityCode", error.severity)
        for param_id, value in error.params:
            param = _sub(node, "ErrorParameters", ParamID=param_id)
            _sub(param, "Value", value)
        _sub(node, "ErrorClassification", error.classification)
    _sub(root, "Version", VERSION)
    _sub(root, "Build", BUILD)
    return root


def _item(parent: ET.Element, listing: Listing) -> None:
    item = _sub(parent, "Item")
    _sub(item, "BuyItNowPrice", "0.0", currencyID=listing.currency)
    _sub(item, "ItemID", listing.item_id)
    _sub(item, "ListingType", listing.listing_type)
    _sub(item, "Quantity", listing.quantity)
    selling = _sub(item, "SellingStatus")
    _sub(selling, "CurrentPrice", f"{listing.start_price}", currencyID=listing.currency)
    _sub(selling, "QuantitySold", listing.quantity_sold)
    _sub(selling, "ListingStatus", listing.listing_status)
    if listing.sku:
        _sub(item, "SKU", listing.sku)
    _sub(item, "Title", listing.title)
    _sub(item, "QuantityAvailable", listing.quantity_available)


def _xml_reply(root: ET.Element, status: int = 200) -> Reply:
    ET.register_namespace("", NS)
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return Reply(status, raw=body, content_type="text/xml;charset=utf-8", call={})


def _trading(call_name: str, ack: str, errors: list[_Error], status: int = 200) -> Reply:
    root = _response(call_name, ack, errors)
    reply = _xml_reply(root, status)
    reply.call.update(endpoint=call_name or "(unknown)", ack=ack, error_codes=tuple(str(e.code) for e in errors))
    return reply


def _json(status: int, payload: Any, endpoint: str) -> Reply:
    return Reply(status, raw=json.dumps(payload).encode(), content_type="application/json", call={"endpoint": endpoint})


def _status_reply(endpoint: str, status: int) -> Reply:
    """An injected HTTP status: a gateway page for 502-504, else eBay's body for that endpoint."""
    if status in (502, 503, 504):
        reason = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}[status]
        page = _GATEWAY_PAGE.format(status=status, reason=reason).encode()
        return Reply(status, raw=page, content_type="text/html", call={"endpoint": endpoint})
    if endpoint == "token":
        return _json(status, {"error": "server_error", "error_description": "internal error"}, endpoint)
    error = _Error(INTERNAL_ERROR, "Internal error to the application.", "Internal error to the application.",
                   classification="SystemError")  # fmt: skip
    return _trading(endpoint if endpoint in CALLS else "", "Failure", [error], status=status)


def running_ebay_sandbox(**options: Any) -> contextlib.AbstractContextManager[EbaySandbox]:
    """Start an EbaySandbox (see its options) on a free loopback port in a background thread; stop it on exit."""
    return running(EbaySandbox, **options)


@contextlib.contextmanager
def serving(**options: Any) -> Iterator[EbaySandbox]:
    """An eBay sandbox on 127.0.0.1 for the length of the block: `.url`, `.client_id`, `.client_secret`,
    `.refresh_tokens`, `.settings()` (the loader's env settings), `.listing(store, item_id)`, `.calls_by_store()`."""
    with running_ebay_sandbox(**options) as sandbox:
        yield sandbox


__all__ = ["EbayCall", "EbaySandbox", "method_key", "running_ebay_sandbox", "serving"]
