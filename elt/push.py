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

Hand-written pieces, and why: the per-seller burst limiter (`BurstLimiter`: a sliding window per seller, which
no dependency we ship offers, hooked into loaders.http's session), and the outcome rules (eBay's per-item
semantics). The calls go through loaders/ebay/client.py (token refresh, whole-call retries); the retries of
listings left unconfirmed use tenacity.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from elt.guard import build_refusal, last_build
from elt.targets import Target

if TYPE_CHECKING:
    from loaders.ebay.client import EbaySettings, TradingClient, TradingResponse

MAX_PER_CALL = 4
BURST_LIMIT = 6000
BURST_WINDOW_SECONDS = 15.0
REVISIONS_PER_DAY = 250
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
    """Some listings of a call were neither confirmed nor refused: worth another try."""


@dataclass(frozen=True)
class PushOptions:
    """How hard the push drives each seller (dlt config `sources.ebay.push.*`, env SOURCES__EBAY__PUSH__*)."""

    burst_limit: int = BURST_LIMIT
    """ReviseInventoryStatus calls per seller in any `burst_window_seconds` (eBay: 6000 per 15 s)."""
    burst_window_seconds: float = BURST_WINDOW_SECONDS
    workers: int = 8
    """Calls in flight per store."""
    attempts: int = 5
    """Tries of a listing eBay neither confirmed nor refused (the client retries whole calls itself)."""
    backoff_seconds: float = 0.5

    @classmethod
    def from_config(cls) -> PushOptions:
        import dlt

        values: dict[str, Any] = {}
        for name, kind in (("burst_limit", int), ("burst_window_seconds", float), ("workers", int),
                           ("attempts", int), ("backoff_seconds", float)):  # fmt: skip
            found = dlt.config.get(f"sources.ebay.push.{name}")
            if found not in (None, ""):
                try:
                    values[name] = kind(found)
                except ValueError:
                    raise ValueError(f"SOURCES__EBAY__PUSH__{name.upper()} = {found!r} is not a number") from None
        return cls(**values)


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
    finished: bool = False

    @property
    def ok(self) -> bool:
        return all(report.ok for report in self.stores.values())

    def lines(self) -> list[str]:
        """The per-store summary `elt push ebay` prints."""
        out = []
        for store, report in sorted(self.stores.items()):
            before = report.confirmed_before
            if self.dry_run:
                out.append(f"  {store:<5} would send {report.to_send} listings ({before} confirmed before)")
                continue
            out.append(
                f"  {store:<5} {report.to_send:>6} to send: {report.count('revised')} revised, "
                f"{report.count('unchanged')} unchanged, {report.count('failed')} failed, "
                f"{report.count('skipped')} skipped; {report.calls} calls; {before} confirmed before"
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
    """At most `limit` HTTP attempts to one seller in any `window` seconds, across threads: an attempt holds a
    slot from before it is sent until its answer and for one window after, so never earlier than eBay counts
    it from its arrival. Used as loaders.http's `around_attempt` hook, so the client's own retries count."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError(f"burst limit {limit} per {window} s: both must be above 0")
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

    def around(self, request: Any, send: Callable[[], Any]) -> Any:
        with self.slot():
            return send()


def revise_body(listings: Sequence[Listing]) -> str:
    """The InventoryStatus elements of one ReviseInventoryStatus call (1-4 listings, ItemID and Quantity)."""
    from loaders.ebay.client import element

    if not 1 <= len(listings) <= MAX_PER_CALL:
        raise ValueError(f"ReviseInventoryStatus takes 1 to {MAX_PER_CALL} listings, got {len(listings)}")
    parts = []
    for listing in listings:
        quantity = int(listing.target_quantity)
        if quantity < 0:
            raise ValueError(f"listing {listing.item_id}: quantity {quantity} is negative")
        parts.append(
            element(
                "InventoryStatus", children=[element("ItemID", int(listing.item_id)), element("Quantity", quantity)]
            )
        )
    return "".join(parts)


def judge(answer: TradingResponse, listings: Sequence[Listing]) -> tuple[list[Outcome], list[Listing], str | None]:
    """Each listing's outcome from the echo and the errors naming it: (decided, to retry, why retry).

    A listing echoed in an InventoryStatus was revised; a redundant-revision warning naming it means eBay
    already held it; an error naming it decides it (retried when transient). Errors naming no listing are the
    call's: transient or token ones retry every listing not decided, others fail them. A listing neither
    echoed nor named is unconfirmed, and retried."""
    echoed: dict[str, str | None] = {}
    for status in answer.findall("InventoryStatus"):
        echoed[answer.text("ItemID", status) or ""] = answer.text("Quantity", status)
    decided: list[Outcome] = []
    retry: list[Listing] = []
    call_errors = [e for e in answer.errors if e.is_error and not e.parameters]
    why: str | None = None
    for listing in listings:
        key = str(listing.item_id)
        if key in echoed:
            if echoed[key] == str(listing.target_quantity):
                decided.append(Outcome(listing, "revised"))
            else:
                decided.append(
                    Outcome(listing, "failed", None, f"eBay echoed quantity {echoed[key]}, not the one sent")
                )
            continue
        named = [e for e in answer.errors if e.item_id == key]
        errors = [e for e in named if e.is_error]
        if not errors and any(e.code == REDUNDANT for e in named):
            decided.append(Outcome(listing, "unchanged"))
        elif errors:
            error = errors[0]
            message = error.long_message or error.short_message
            if error.code in DAILY_LIMIT_CODES:
                decided.append(Outcome(listing, "skipped", error.code, f"eBay's daily revision limit: {message}"))
            elif error.code in TRANSIENT_CODES or error.code in TOKEN_CODES:
                retry.append(listing)
                why = f"{error.code} {message}"
            else:
                permanent = error.code in PERMANENT_CODES
                decided.append(Outcome(listing, "failed", error.code, message, is_permanent=permanent))
        elif any(e.code in TRANSIENT_CODES | TOKEN_CODES for e in call_errors):
            error = next(e for e in call_errors if e.code in TRANSIENT_CODES | TOKEN_CODES)
            retry.append(listing)
            why = f"{error.code} {error.long_message or error.short_message}"
        elif call_errors:
            error = call_errors[0]
            message = error.long_message or error.short_message
            decided.append(Outcome(listing, "failed", error.code, message, is_permanent=error.code in PERMANENT_CODES))
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

    def __init__(self, client: TradingClient, options: PushOptions, recorder: Recorder, report: StoreReport) -> None:
        self.client, self.options, self.recorder, self.report = client, options, recorder, report
        self._calls_lock = threading.Lock()

    def push(self, listings: Sequence[Listing]) -> None:
        from loaders.ebay.client import EbayError, TokenRejected

        try:
            self.client.access_token()
        except (TokenRejected, EbayError) as exc:
            self.report.error = str(exc)
            self._fail_all(listings, exc.code, str(exc))
            return
        batches = _batches(listings)
        with ThreadPoolExecutor(self.options.workers, thread_name_prefix=f"push-{self.client.store}") as pool:
            for start in range(0, len(batches), CALLS_PER_WAVE):
                wave = batches[start : start + CALLS_PER_WAVE]
                self.recorder.write((x, "sending", None) for batch in wave for x in batch)
                outcomes = [o for result in pool.map(self._send, wave) for o in result]
                self.recorder.write((o.listing, o.outcome, o) for o in outcomes)
                self.report.outcomes.extend(outcomes)
                if self.report.error:  # the store's token was rejected mid-push: the rest fails alike
                    rest = [x for batch in batches[start + CALLS_PER_WAVE :] for x in batch]
                    self._fail_all(rest, "invalid_grant", self.report.error)
                    return

    def _fail_all(self, listings: Sequence[Listing], code: str, message: str) -> None:
        outcomes = [Outcome(x, "failed", code, message) for x in listings]
        self.recorder.write((o.listing, o.outcome, o) for o in outcomes)
        self.report.outcomes.extend(outcomes)

    def _send(self, batch: list[Listing]) -> list[Outcome]:
        """One call's listings to their outcomes. The client retries whole calls (5xx, drops, slow answers,
        518/10007) and refreshes an expired token; here the listings eBay neither confirmed nor refused are
        sent again, with backoff, `attempts` times at most."""
        from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

        from loaders.ebay.client import EbayError, TokenRejected

        decided: list[Outcome] = []
        pending = list(batch)
        last_why = "no answer"
        retrying = Retrying(
            stop=stop_after_attempt(self.options.attempts),
            wait=wait_exponential(multiplier=self.options.backoff_seconds, max=self.options.backoff_seconds * 16),
            retry=retry_if_exception_type(Transient),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    if self.report.error:
                        last_why = self.report.error
                        break
                    with self._calls_lock:
                        self.report.calls += 1
                    answer = self.client.call("ReviseInventoryStatus", revise_body(pending))
                    done, pending, why = judge(answer, pending)
                    decided.extend(done)
                    if pending:
                        last_why = why or last_why
                        raise Transient(last_why)
        except Transient:
            pass
        except TokenRejected as exc:
            self.report.error = last_why = str(exc)
        except EbayError as exc:
            code = exc.code
            decided.extend(
                Outcome(x, "failed", code, exc.message, is_permanent=code in PERMANENT_CODES) for x in pending
            )
            return decided
        tries = f"after {self.options.attempts} tries" if not self.report.error else "the store failed"
        decided.extend(Outcome(x, "failed", None, f"not confirmed ({tries}): {last_why}") for x in pending)
        return decided


def store_client(ebay: EbaySettings, store: str, options: PushOptions) -> TradingClient:
    """The store's Trading client on a session whose every attempt passes the store's burst limiter."""
    from loaders import http
    from loaders.ebay.client import TradingClient

    limiter = BurstLimiter(options.burst_limit, options.burst_window_seconds)
    retry = http.Retry(
        attempts=ebay.retry_max_attempts, backoff=ebay.retry_backoff_seconds, max_delay=ebay.retry_max_delay_seconds
    )
    session = http.session(
        ebay.request_timeout_seconds, retry, around_attempt=limiter.around, connections=max(10, options.workers)
    )
    return TradingClient(ebay, store, session=session)


def push_ebay(
    target: Target,
    store: str | None = None,
    dry_run: bool = False,
    echo: Echo = lambda _: None,
    ebay: EbaySettings | None = None,
    options: PushOptions | None = None,
    started: Callable[[PushReport], None] | None = None,
) -> PushReport:
    """Send marts.ebay_revisions' listings that must be sent (of `store`, or every store) and record each outcome.

    PushRefused unless the last complete dbt build passed. A store with no refresh token is left out, saying so.
    `started(report)` receives the report as soon as the stores are planned, to watch it fill (the web page's
    progress): each store's `outcomes` grow wave by wave."""
    from loaders.ebay.client import EbaySettings

    refusal = build_refusal(target)
    if refusal:
        raise PushRefused(refusal)
    ebay = ebay or EbaySettings.from_config()
    if ebay.missing():
        raise StoreFailed(f"eBay is not configured: set {' and '.join(ebay.missing())}")
    options = options or PushOptions.from_config()
    record = last_build(target)
    build_id = (record.invocation_id or record.started_at) if record else "none"
    began = time.monotonic()
    report = PushReport(push_id=uuid.uuid4().hex, build_id=build_id, dry_run=dry_run)
    by_store: dict[str, list[Listing]] = defaultdict(list)
    for listing in listings_to_send(target, store):
        by_store[listing.ebay_store].append(listing)
    if store:
        by_store.setdefault(store.upper(), [])

    if not dry_run:
        target.ensure_table(*REVISIONS_TABLE, REVISION_COLUMNS)
    today = dt.datetime.now(dt.UTC).date()
    with target.connect() as con:
        history = _history(con, build_id, dt.datetime.combine(today, dt.time(), dt.UTC)) if _has_records(con) else []
        recorder = Recorder(con, report.push_id, build_id)
        pushers: list[tuple[StorePusher, list[Listing]]] = []
        try:
            for name, rows in sorted(by_store.items()):
                chosen = plan(rows, history, build_id, today)
                if name not in ebay.refresh_tokens:
                    report.left_out[name] = (
                        f"no refresh token (set SOURCES__EBAY__{name}__REFRESH_TOKEN): {len(chosen.send)} listings "
                        "not sent"
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
                if chosen.send:
                    client = store_client(ebay, name, options)
                    pushers.append((StorePusher(client, options, recorder, store_report), chosen.send))
            if started is not None:
                started(report)
            if pushers:
                with ThreadPoolExecutor(len(pushers), thread_name_prefix="push-store") as pool:
                    list(pool.map(lambda pair: pair[0].push(pair[1]), pushers))
        finally:
            for pusher, _ in pushers:
                pusher.client.session.close()
    report.elapsed_seconds = time.monotonic() - began
    report.finished = True
    return report


def _has_records(con: Any) -> bool:
    try:
        con.execute(f"select 1 from {'.'.join(REVISIONS_TABLE)} limit 1").fetchall()
    except Exception:  # no push has run yet (a dry run creates nothing)
        return False
    return True
