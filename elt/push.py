"""`elt push ebay`: send the quantities of marts.ebay_revisions to eBay (Trading API ReviseInventoryStatus) and
record what eBay did with every listing in `raw_ebay.revisions`.

The rules (docs/operations.md, "Pushing quantities to eBay"; eBay's facts in docs/sources/ebay.md):

- Only after a complete, passing `dbt build` (elt.guard.build_refusal, the export's guard).
- Up to 4 listings a call (eBay's maximum), by ItemID, with the available quantity (an integer >= 0). Each
  store is its own seller: its own access token, its own burst limit (6000 ReviseInventoryStatus calls per 15
  seconds), its calls in parallel within it. A store whose refresh token eBay rejects fails by name; the
  others go on.
- Write-ahead records: a `sending` row for every listing of a wave of calls is written before the wave is sent,
  and each listing's outcome after eBay answered. A listing is confirmed when eBay echoed its InventoryStatus
  (`revised`) or warned that the revision was redundant (21917091, `unchanged`). A rerun for the same build sends
  only what is not confirmed: a listing left `sending` by a crash is sent again, which cannot revise it twice
  because the quantity sent is absolute: eBay answers the repeat as redundant and changes nothing.
- Outcomes are decided per listing from the echoed InventoryStatus and the errors' ErrorParameters, never from
  Ack alone (eBay does not document the Ack of a mixed answer).
- Refusals a retry cannot mend (not found or not this seller's, ended, not fixed-price, invalid input) are
  recorded `failed` with `is_permanent`; they are reported again, but not resent, until a new build or a newer
  read of eBay. Transient failures (5xx, dropped connections, slow answers, 10007, timeouts, 518 call limit)
  are retried with backoff, a bounded number of times; an expired or refused access token is refreshed once.
- At most 250 revisions of a listing per calendar day (UTC, as the sandbox counts; eBay does not say which
  zone): a listing that reached it is `skipped` and reported.
- `--dry-run` prints what would be sent and sends and records nothing.

Hand-written pieces, and why: the per-seller burst limiter (`BurstLimiter`: a window per store that no
dependency we ship offers), and the outcome rules (eBay's per-item semantics). Retries use tenacity; the HTTP
session is loaders.http's (retries of 5xx, dropped connections and timeouts with backoff).
"""

from __future__ import annotations

import base64
import datetime as dt
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from elt.guard import build_refusal, last_build
from elt.targets import Target

NS = "urn:ebay:apis:eBLBaseComponents"
MAX_PER_CALL = 4
BURST_LIMIT = 6000
BURST_WINDOW_SECONDS = 15.0
REVISIONS_PER_DAY = 250
COMPATIBILITY_LEVEL = "1451"
SCOPES = ("https://api.ebay.com/oauth/api_scope", "https://api.ebay.com/oauth/api_scope/sell.inventory")
DEFAULT_API_URL = "https://api.ebay.com"
DEFAULT_SITE_ID = "3"
CALLS_PER_WAVE = 64
"""Calls whose listings are recorded `sending` together before they go (one insert per wave, not per call)."""

REVISIONS_TABLE = ("raw_ebay", "revisions")
REVISION_COLUMNS = {
    "push_id": "string",
    "build_id": "string",
    "ebay_store": "string",
    "item_id": "bigint",
    "sku": "string",
    "quantity_sent": "bigint",
    "outcome": "string",
    "error_code": "string",
    "error_message": "string",
    "is_permanent": "boolean",
    "attempted_at": "timestamp",
    "recorded_at": "timestamp",
}

REDUNDANT = "21917091"
PERMANENT_CODES = {
    "17": "not found, or not this seller's listing",
    "37": "input eBay refused",
    "291": "the listing has ended",
    "21916286": "not a fixed-price listing",
    "21919474": "an Inventory API listing",
    "21916635": "a multi-variation listing",
    "21916735": "a multi-variation listing",
    "21916799": "the variation no longer exists",
    "21916583": "the listing needs a variation",
}
TRANSIENT_CODES = {"10007", "219255", "21359", "518"}
TOKEN_CODES = {"930", "931", "932", "21916013", "21916984", "21917053"}
DAILY_LIMIT_CODES = {"21919250"}
"""eBay documents no code for the 250-a-day limit; 21919250 is the sandbox's (sandboxes/ebay)."""

Echo = Callable[[str], None]


class PushRefused(RuntimeError):
    """The push would send quantities that the last build did not vouch for."""


class StoreFailed(RuntimeError):
    """A store cannot be pushed at all (its refresh token was rejected, the token endpoint is down)."""


class Transient(RuntimeError):
    """A failure worth retrying (the call, or some of its listings)."""


@dataclass(frozen=True)
class Settings:
    """SOURCES__EBAY__* (dlt config names: environment, or .dlt/secrets.toml)."""

    client_id: str
    client_secret: str
    api_url: str = DEFAULT_API_URL
    site_id: str = DEFAULT_SITE_ID
    refresh_tokens: dict[str, str] = field(default_factory=dict, repr=False)
    burst_limit: int = BURST_LIMIT
    burst_window_seconds: float = BURST_WINDOW_SECONDS
    workers: int = 8
    attempts: int = 5
    backoff_seconds: float = 0.5
    timeout_seconds: float = 30.0

    def __repr__(self) -> str:  # secrets never printed
        return f"Settings(api_url={self.api_url!r}, site_id={self.site_id!r}, stores={sorted(self.refresh_tokens)})"

    @classmethod
    def from_config(cls, stores: Iterable[str]) -> Settings:
        import dlt

        def value(name: str, default: Any = None) -> Any:
            found = dlt.secrets.get(f"sources.ebay.{name}")
            return default if found in (None, "") else found

        client_id, client_secret = value("client_id"), value("client_secret")
        if not client_id or not client_secret:
            raise StoreFailed(
                "eBay is not configured: set SOURCES__EBAY__CLIENT_ID and SOURCES__EBAY__CLIENT_SECRET "
                "(the App ID and Cert ID of the eBay developer keyset)"
            )
        tokens = {}
        for store in stores:
            token = value(f"{store.lower()}.refresh_token")
            if token:
                tokens[store] = str(token)
        return cls(
            client_id=str(client_id),
            client_secret=str(client_secret),
            api_url=str(value("api_url", DEFAULT_API_URL)).rstrip("/"),
            site_id=str(value("site_id", DEFAULT_SITE_ID)),
            refresh_tokens=tokens,
            burst_limit=int(value("burst_limit", BURST_LIMIT)),
            burst_window_seconds=float(value("burst_window_seconds", BURST_WINDOW_SECONDS)),
            workers=int(value("push_workers", 8)),
            attempts=int(value("push_attempts", 5)),
            backoff_seconds=float(value("push_backoff_seconds", 0.5)),
        )


@dataclass(frozen=True)
class Listing:
    """One listing to send: marts.ebay_revisions' row."""

    ebay_store: str
    item_id: int
    target_quantity: int
    ebay_quantity: int | None
    reason: str
    ebay_quantity_at: dt.datetime | None


@dataclass
class Outcome:
    """What became of one listing in this push."""

    listing: Listing
    outcome: str  # revised | unchanged | failed | skipped
    error_code: str | None = None
    error_message: str | None = None
    is_permanent: bool = False


@dataclass
class StoreReport:
    """One store's push: outcomes by kind, calls made, what failed."""

    store: str
    to_send: int = 0
    confirmed_before: int = 0
    calls: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    error: str | None = None

    def count(self, outcome: str) -> int:
        return sum(o.outcome == outcome for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return self.error is None and not any(o.outcome in ("failed", "skipped") for o in self.outcomes)


@dataclass
class PushReport:
    push_id: str
    build_id: str
    dry_run: bool
    stores: dict[str, StoreReport] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)
    elapsed_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(report.ok for report in self.stores.values())

    def lines(self) -> list[str]:
        """The per-store summary `elt push ebay` prints."""
        out = []
        verb = "would send" if self.dry_run else "sent"
        for store, report in sorted(self.stores.items()):
            if self.dry_run:
                before = report.confirmed_before
                out.append(f"  {store:<5} {verb} {report.to_send} listings ({before} confirmed before)")
                continue
            out.append(
                f"  {store:<5} {report.to_send:>6} to send: {report.count('revised')} revised, "
                f"{report.count('unchanged')} unchanged, {report.count('failed')} failed, "
                f"{report.count('skipped')} skipped; {report.calls} calls; "
                f"{report.confirmed_before} confirmed before"
            )
            if report.error:
                out.append(f"        store FAILED: {report.error}")
            problems = [o for o in report.outcomes if o.outcome in ("failed", "skipped")]
            for o in problems[:20]:
                code = f" {o.error_code}" if o.error_code else ""
                out.append(f"        item {o.listing.item_id} {o.outcome}{code}: {o.error_message}")
            if len(problems) > 20:
                out.append(f"        … and {len(problems) - 20} more (raw_ebay.revisions, push {self.push_id})")
        for store, why in sorted(self.left_out.items()):
            out.append(f"  {store:<5} left out: {why}")
        return out


class BurstLimiter:
    """At most `limit` calls of one seller in any `window` seconds, across threads: a call holds a slot from
    `acquire` until its answer and for one window after, never earlier than eBay counts it from its arrival."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._cond = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._cond:
            while True:
                now = self._clock()
                while self._done and self._done[0] <= now - self.window:
                    self._done.popleft()
                if len(self._done) + self._in_flight < self.limit:
                    self._in_flight += 1
                    break
                wait = self._done[0] + self.window - now if self._done else 1.0
                self._cond.wait(timeout=max(0.001, min(wait, 1.0)))
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                self._done.append(self._clock())
                self._cond.notify_all()


@dataclass(frozen=True)
class Answer:
    """eBay's answer to one ReviseInventoryStatus call, parsed."""

    ack: str
    echoed: dict[str, int]
    errors: list[tuple[str, str, str, tuple[str, ...]]]  # code, severity, message, ErrorParameters values


class StoreClient:
    """One seller's OAuth access token (refresh-token grant) and its ReviseInventoryStatus calls."""

    def __init__(self, store: str, settings: Settings, http: Any) -> None:
        self.store, self.settings, self.http = store, settings, http
        self.limiter = BurstLimiter(settings.burst_limit, settings.burst_window_seconds)
        self._token: tuple[str, float] | None = None
        self._token_lock = threading.Lock()

    def token(self, refresh: bool = False, stale: str | None = None) -> str:
        """A live access token; `refresh` forces a new one unless another thread already replaced `stale`."""
        with self._token_lock:
            held = self._token
            if held and not refresh and held[1] > time.monotonic() + 60:
                return held[0]
            if held and refresh and stale is not None and held[0] != stale:
                return held[0]
            self._token = self._refresh()
            return self._token[0]

    def _refresh(self) -> tuple[str, float]:
        import requests

        basic = base64.b64encode(f"{self.settings.client_id}:{self.settings.client_secret}".encode()).decode()
        url = f"{self.settings.api_url}/identity/v1/oauth2/token"
        try:
            answer = self.http.post(
                url,
                headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": self.settings.refresh_tokens[self.store],
                    "scope": " ".join(SCOPES),
                },
            )
        except requests.RequestException as exc:
            raise StoreFailed(f"eBay's token endpoint {url} did not answer: {type(exc).__name__}") from None
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if answer.status_code == 200 and body.get("access_token"):
            return str(body["access_token"]), time.monotonic() + float(body.get("expires_in", 7200))
        error = body.get("error") or f"HTTP {answer.status_code}"
        if error == "invalid_grant":
            raise StoreFailed(
                f"eBay rejected store {self.store}'s refresh token (invalid_grant: "
                f"{body.get('error_description', '')}): the seller must consent again and "
                f"SOURCES__EBAY__{self.store.upper()}__REFRESH_TOKEN be replaced"
            )
        detail = body.get("error_description", "")
        raise StoreFailed(f"eBay's token endpoint refused store {self.store}: {error} {detail}")

    def revise(self, listings: Sequence[Listing], token: str) -> Answer:
        """One ReviseInventoryStatus call for up to 4 listings; Transient when eBay's answer is not usable."""
        import requests

        body = revise_request(listings)
        headers = {
            "X-EBAY-API-CALL-NAME": "ReviseInventoryStatus",
            "X-EBAY-API-SITEID": self.settings.site_id,
            "X-EBAY-API-COMPATIBILITY-LEVEL": COMPATIBILITY_LEVEL,
            "X-EBAY-API-IAF-TOKEN": token,
            "Content-Type": "text/xml",
        }
        with self.limiter.slot():
            try:
                answer = self.http.post(f"{self.settings.api_url}/ws/api.dll", data=body, headers=headers)
            except requests.RequestException as exc:
                raise Transient(f"no answer from eBay: {type(exc).__name__}") from None
        if answer.status_code >= 500:
            raise Transient(f"eBay answered HTTP {answer.status_code}")
        return parse_answer(answer.content)


def revise_request(listings: Sequence[Listing]) -> bytes:
    """The ReviseInventoryStatusRequest XML for 1-4 listings (ItemID and Quantity only)."""
    if not 1 <= len(listings) <= MAX_PER_CALL:
        raise ValueError(f"ReviseInventoryStatus takes 1 to {MAX_PER_CALL} listings, got {len(listings)}")
    root = ET.Element("ReviseInventoryStatusRequest", xmlns=NS)
    ET.SubElement(root, "ErrorLanguage").text = "en_GB"
    ET.SubElement(root, "WarningLevel").text = "High"
    for listing in listings:
        quantity = int(listing.target_quantity)
        if quantity < 0:
            raise ValueError(f"listing {listing.item_id}: quantity {quantity} is negative")
        status = ET.SubElement(root, "InventoryStatus")
        ET.SubElement(status, "ItemID").text = str(int(listing.item_id))
        ET.SubElement(status, "Quantity").text = str(quantity)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def parse_answer(content: bytes) -> Answer:
    """eBay's ReviseInventoryStatusResponse; Transient when it is not one (cut short, an HTML page)."""
    from defusedxml import ElementTree as SafeET

    try:
        root = SafeET.fromstring(content)
    except ET.ParseError:
        raise Transient("eBay's answer is not XML (cut short, or a gateway page)") from None
    if root.tag != f"{{{NS}}}ReviseInventoryStatusResponse":
        raise Transient(f"eBay answered {root.tag}, not a ReviseInventoryStatusResponse")

    def text(node: ET.Element, tag: str) -> str:
        found = node.find(f"{{{NS}}}{tag}")
        return (found.text or "").strip() if found is not None else ""

    echoed = {}
    for status in root.findall(f"{{{NS}}}InventoryStatus"):
        quantity = text(status, "Quantity")
        echoed[text(status, "ItemID")] = int(quantity) if quantity.lstrip("-").isdigit() else -1
    errors = []
    for error in root.findall(f"{{{NS}}}Errors"):
        params = tuple(text(p, "Value") for p in error.findall(f"{{{NS}}}ErrorParameters"))
        message = text(error, "LongMessage") or text(error, "ShortMessage")
        errors.append((text(error, "ErrorCode"), text(error, "SeverityCode") or "Error", message, params))
    return Answer(ack=text(root, "Ack"), echoed=echoed, errors=errors)


def judge(answer: Answer, listings: Sequence[Listing]) -> tuple[list[Outcome], list[Listing], str | None]:
    """Each listing's outcome from the echo and the errors naming it: (decided, to retry, why retry).

    Errors that name no listing are the call's: a token error or a transient one retries every listing not
    decided; any other fails them. A listing neither echoed nor named nor covered by a call error is
    unconfirmed, and retried."""
    decided: list[Outcome] = []
    retry: list[Listing] = []
    call_errors = [e for e in answer.errors if not e[3] and e[1] == "Error"]
    token_error = next((e for e in call_errors if e[0] in TOKEN_CODES), None)
    why: str | None = None
    for listing in listings:
        key = str(listing.item_id)
        if key in answer.echoed:
            if answer.echoed[key] == listing.target_quantity:
                decided.append(Outcome(listing, "revised"))
            else:
                decided.append(
                    Outcome(listing, "failed", None, f"eBay echoed quantity {answer.echoed[key]}, not the one sent")
                )
            continue
        named = [e for e in answer.errors if key in e[3]]
        errors = [e for e in named if e[1] == "Error"]
        if not errors and any(e[0] == REDUNDANT for e in named):
            decided.append(Outcome(listing, "unchanged"))
        elif errors:
            code, _, message, _ = errors[0]
            if code in DAILY_LIMIT_CODES:
                decided.append(Outcome(listing, "skipped", code, f"revised {REVISIONS_PER_DAY} times today: {message}"))
            elif code in TRANSIENT_CODES or code in TOKEN_CODES:
                retry.append(listing)
                why = f"{code} {message}"
            else:
                permanent = code in PERMANENT_CODES
                decided.append(Outcome(listing, "failed", code, message, is_permanent=permanent))
        elif token_error or any(e[0] in TRANSIENT_CODES for e in call_errors):
            retry.append(listing)
            error = token_error or next(e for e in call_errors if e[0] in TRANSIENT_CODES)
            why = f"{error[0]} {error[2]}"
        elif call_errors:
            code, _, message, _ = call_errors[0]
            decided.append(Outcome(listing, "failed", code, message, is_permanent=code in PERMANENT_CODES))
        else:
            retry.append(listing)
            why = f"eBay's answer (Ack {answer.ack}) neither confirmed nor refused the listing"
    return decided, retry, why


class Recorder:
    """Appends rows to raw_ebay.revisions, one insert per wave, from any thread (one connection, a lock)."""

    def __init__(self, con: Any, push_id: str, build_id: str) -> None:
        self.con, self.push_id, self.build_id = con, push_id, build_id
        self._lock = threading.Lock()

    def write(self, rows: Iterable[tuple[Listing, str, Outcome | None]]) -> None:
        now = dt.datetime.now(dt.UTC)
        values: list[str] = []
        params: list[Any] = []
        for listing, outcome, detail in rows:
            row = [
                self.push_id,
                self.build_id,
                listing.ebay_store,
                int(listing.item_id),
                None,
                int(listing.target_quantity),
                outcome,
                detail.error_code if detail else None,
                (detail.error_message or "")[:1000] if detail and detail.error_message else None,
                bool(detail.is_permanent) if detail else False,
                now,
                now,
            ]
            # Nulls as literals: BigQuery's DB-API cannot type a None parameter.
            values.append("(" + ", ".join("null" if v is None else "?" for v in row) + ")")
            params.extend(v for v in row if v is not None)
        if not values:
            return
        sql = f"insert into {'.'.join(REVISIONS_TABLE)} ({', '.join(REVISION_COLUMNS)}) values {', '.join(values)}"
        with self._lock:
            self.con.execute(sql, params)


def listings_to_send(target: Target, store: str | None) -> list[Listing]:
    sql = (
        "select ebay_store, item_id, target_quantity, ebay_quantity, reason, ebay_quantity_at "
        "from marts.ebay_revisions where must_send"
    )
    params: list[Any] = []
    if store:
        sql += " and ebay_store = ?"
        params.append(store.upper())
    with target.connect() as con:
        rows = con.execute(sql + " order by ebay_store, item_id", params).fetchall()
    return [Listing(str(s), int(i), int(t), None if e is None else int(e), str(r), a) for s, i, t, e, r, a in rows]


def _history(con: Any, build_id: str, since: dt.datetime) -> list[tuple[Any, ...]]:
    """The records that decide what is resent: this build's, and every row of today (the daily limit)."""
    sql = (
        "select ebay_store, item_id, push_id, build_id, outcome, quantity_sent, error_code, error_message, "
        f"is_permanent, recorded_at from {'.'.join(REVISIONS_TABLE)} where build_id = ? or recorded_at >= ?"
    )
    return list(con.execute(sql, [build_id, since]).fetchall())


@dataclass
class _Plan:
    send: list[Listing] = field(default_factory=list)
    confirmed_before: int = 0
    skipped: list[Outcome] = field(default_factory=list)


def plan(listings: Sequence[Listing], history: Sequence[tuple[Any, ...]], build_id: str, today: dt.date) -> _Plan:
    """What a push sends, given what earlier pushes recorded: not what this build already confirmed, not a
    permanent refusal of this build that no newer read of eBay has changed, not a listing at the daily limit."""
    by_listing: dict[tuple[str, int], list[tuple[Any, ...]]] = defaultdict(list)
    for row in history:
        by_listing[(str(row[0]), int(row[1]))].append(row)
    result = _Plan()
    for listing in listings:
        rows = sorted(by_listing.get((listing.ebay_store, listing.item_id), []), key=lambda r: r[9])
        this_build = [
            r for r in rows if r[3] == build_id and r[4] != "sending" and int(r[5]) == listing.target_quantity
        ]
        if any(r[4] in ("revised", "unchanged") for r in this_build):
            result.confirmed_before += 1
            continue
        refused = [r for r in this_build if r[4] == "failed" and r[8]]
        if refused:
            last = refused[-1]
            read_since = listing.ebay_quantity_at is not None and _utc(listing.ebay_quantity_at) > _utc(last[9])
            if not read_since:
                result.skipped.append(
                    Outcome(listing, "skipped", last[6], f"refused before for this build, not resent: {last[7]}", True)
                )
                continue
        outcomes_by_push = {(r[2], r[4]) for r in rows}
        revised_today = sum(
            1
            for r in rows
            if _utc(r[9]).date() == today
            and (r[4] == "revised" or (r[4] == "sending" and not _decided(outcomes_by_push, r[2])))
        )
        if revised_today >= REVISIONS_PER_DAY:
            result.skipped.append(
                Outcome(listing, "skipped", None, f"revised {revised_today} times today, eBay's most a day")
            )
            continue
        result.send.append(listing)
    return result


def _decided(outcomes_by_push: set[tuple[str, str]], push_id: str) -> bool:
    return any((push_id, kind) in outcomes_by_push for kind in ("revised", "unchanged", "failed", "skipped"))


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _batches(listings: Sequence[Listing], size: int = MAX_PER_CALL) -> list[list[Listing]]:
    return [list(listings[i : i + size]) for i in range(0, len(listings), size)]


class StorePusher:
    """One store's push: waves of up to CALLS_PER_WAVE calls, each recorded before it goes and after."""

    def __init__(self, client: StoreClient, recorder: Recorder, report: StoreReport, echo: Echo) -> None:
        self.client, self.recorder, self.report, self.echo = client, recorder, report, echo
        self._calls_lock = threading.Lock()

    def push(self, listings: Sequence[Listing]) -> None:
        try:
            self.client.token()
        except StoreFailed as exc:
            self.report.error = str(exc)
            self._fail_all(listings, "token", str(exc))
            return
        batches = _batches(listings)
        with ThreadPoolExecutor(self.client.settings.workers, thread_name_prefix=f"push-{self.client.store}") as pool:
            for start in range(0, len(batches), CALLS_PER_WAVE):
                wave = batches[start : start + CALLS_PER_WAVE]
                self.recorder.write((x, "sending", None) for batch in wave for x in batch)
                outcomes = [o for result in pool.map(self._send, wave) for o in result]
                self.recorder.write((o.listing, o.outcome, o) for o in outcomes)
                self.report.outcomes.extend(outcomes)
                if self.report.error:  # the store's token went bad mid-push: the rest fails alike
                    rest = [x for batch in batches[start + CALLS_PER_WAVE :] for x in batch]
                    self._fail_all(rest, "token", self.report.error)
                    return

    def _fail_all(self, listings: Sequence[Listing], code: str, message: str) -> None:
        outcomes = [Outcome(x, "failed", code, message) for x in listings]
        self.recorder.write((o.listing, o.outcome, o) for o in outcomes)
        self.report.outcomes.extend(outcomes)

    def _send(self, batch: list[Listing]) -> list[Outcome]:
        """One call's listings to their outcomes: transient failures retried with backoff up to the bound,
        a refused access token refreshed."""
        from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

        settings = self.client.settings
        decided: list[Outcome] = []
        pending = list(batch)
        last_why = "no answer"
        retrying = Retrying(
            stop=stop_after_attempt(settings.attempts),
            wait=wait_exponential(multiplier=settings.backoff_seconds, max=settings.backoff_seconds * 16),
            retry=retry_if_exception_type(Transient),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    if self.report.error:
                        break
                    token = self.client.token()
                    with self._calls_lock:
                        self.report.calls += 1
                    try:
                        answer = self.client.revise(pending, token)
                    except Transient as exc:
                        last_why = str(exc)
                        raise
                    done, pending, why = judge(answer, pending)
                    decided.extend(done)
                    if pending:
                        last_why = why or last_why
                        if any(e[0] in TOKEN_CODES for e in answer.errors):
                            self.client.token(refresh=True, stale=token)
                        raise Transient(last_why)
        except Transient:
            pass
        except StoreFailed as exc:
            self.report.error = str(exc)
            last_why = str(exc)
        decided.extend(
            Outcome(x, "failed", None, f"not confirmed after {settings.attempts} tries: {last_why}") for x in pending
        )
        return decided


def push_ebay(
    target: Target,
    store: str | None = None,
    dry_run: bool = False,
    echo: Echo = lambda _: None,
    settings: Settings | None = None,
) -> PushReport:
    """Send marts.ebay_revisions' listings that must be sent (of `store`, or every store) and record each outcome.

    PushRefused unless the last complete dbt build passed. A store with no refresh token is left out."""
    refusal = build_refusal(target)
    if refusal:
        raise PushRefused(refusal)
    record = last_build(target)
    build_id = (record.invocation_id or record.started_at) if record else "none"
    started = time.monotonic()
    report = PushReport(push_id=uuid.uuid4().hex, build_id=build_id, dry_run=dry_run)
    listings = listings_to_send(target, store)
    by_store: dict[str, list[Listing]] = defaultdict(list)
    for listing in listings:
        by_store[listing.ebay_store].append(listing)
    if store and store.upper() not in by_store:
        by_store[store.upper()] = []
    settings = settings or Settings.from_config(by_store)

    target.ensure_table(*REVISIONS_TABLE, REVISION_COLUMNS)
    today = dt.datetime.now(dt.UTC).date()
    since = dt.datetime.combine(today, dt.time(), dt.UTC)
    with target.connect() as con:
        history = _history(con, build_id, since)
        plans = {name: plan(rows, history, build_id, today) for name, rows in by_store.items()}
        recorder = Recorder(con, report.push_id, build_id)
        pushers: list[tuple[StorePusher, list[Listing]]] = []
        from loaders.http import Retry, session

        http = session(settings.timeout_seconds, Retry(attempts=3, backoff=settings.backoff_seconds, max_delay=4.0))
        try:
            for name, chosen in sorted(plans.items()):
                if name not in settings.refresh_tokens:
                    report.left_out[name] = (
                        f"no refresh token (SOURCES__EBAY__{name}__REFRESH_TOKEN): {len(chosen.send)} listings not sent"
                    )
                    continue
                store_report = StoreReport(name, to_send=len(chosen.send), confirmed_before=chosen.confirmed_before)
                report.stores[name] = store_report
                if dry_run:
                    for listing in chosen.send[:10]:
                        echo(f"  {name} item {listing.item_id}: {listing.reason}")
                    continue
                if chosen.skipped:
                    recorder.write((o.listing, o.outcome, o) for o in chosen.skipped)
                    store_report.outcomes.extend(chosen.skipped)
                client = StoreClient(name, settings, http)
                pushers.append((StorePusher(client, recorder, store_report, echo), chosen.send))
            if pushers:
                with ThreadPoolExecutor(len(pushers), thread_name_prefix="push-store") as pool:
                    list(pool.map(lambda pair: pair[0].push(pair[1]), pushers))
        finally:
            http.close()
    report.elapsed_seconds = time.monotonic() - started
    return report
