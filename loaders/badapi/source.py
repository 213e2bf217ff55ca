"""Reaktor's "bad API" (warehouse gloves, facemasks, beanies): dlt sources for its listings, and a sandbox.

Tables in `raw_badapi`:

    products       GET /v2/products/{category} for gloves, facemasks, beanies; `category` = the listing
                   (+ products__color, one row per colour)     merge delete-insert on category: a changed
                                                               listing replaces that category's products
    availability   GET /v2/availability/{manufacturer} for every manufacturer the products name; ids UPPER
                   case as the API sends them, DATAPAYLOAD the XML text
                                                               merge delete-insert on manufacturer
    checks         one row per listing asked for: outcome changed | not_modified | failed, HTTP status,
                   ETag, attempts, error modes met, rows      append (freshness is measured here: a 304
                                                               rewrites nothing else)

Each listing is a conditional GET: the ETag of the last answer landed is kept in the dlt source state
(`etags`), so an unchanged listing costs a 304 and lands nothing. The manufacturers come from the products
(state `manufacturers`, per category), so availability is asked for even when the products answered 304.
A run is two sources named `badapi` (one state): `badapi_products()` then `badapi_availability()`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dlt
from dlt.extract import DltResource

from loaders.badapi import settings
from loaders.badapi.client import ErrorModeStuck, HttpClient, Listing, fetch_availability, fetch_products

Row = dict[str, Any]
DELETE_INSERT: Any = {"disposition": "merge", "strategy": "delete-insert"}


def _timestamp(nullable: bool = True) -> dict[str, Any]:
    return {"data_type": "timestamp", "timezone": False, "nullable": nullable}


PRODUCT_COLUMNS: Any = {
    "id": {"data_type": "text", "nullable": False},
    "category": {"data_type": "text", "nullable": False},
    "type": {"data_type": "text"},
    "name": {"data_type": "text"},
    "price": {"data_type": "bigint"},
    "manufacturer": {"data_type": "text"},
    "fetched_at": _timestamp(False),
}
AVAILABILITY_COLUMNS: Any = {
    "id": {"data_type": "text", "nullable": False},
    "manufacturer": {"data_type": "text", "nullable": False},
    "datapayload": {"data_type": "text"},
    "fetched_at": _timestamp(False),
}
CHECK_COLUMNS: Any = {
    "endpoint": {"data_type": "text", "nullable": False},
    "subject": {"data_type": "text", "nullable": False},
    "outcome": {"data_type": "text", "nullable": False},
    "http_status": {"data_type": "bigint"},
    "etag": {"data_type": "text"},
    "attempts": {"data_type": "bigint"},
    "error_modes_seen": {"data_type": "text"},
    "row_count": {"data_type": "bigint"},
    "detail": {"data_type": "text"},
    "checked_at": _timestamp(False),
}


@dataclass
class BadApiRunReport:
    """What the listings of a run did, filled while extracting (keys `products/gloves`, `availability/hennex`)."""

    changed: dict[str, int] = field(default_factory=dict)
    """Listing -> rows landed."""
    not_modified: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    """Manufacturer -> why its availability was not landed."""
    error_mode_retries: int = 0


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _source_state() -> dict[str, Any]:
    return dlt.current.source_state()  # type: ignore[no-any-return]


@dataclass
class Outcome:
    """One listing asked for: what came back (None when it failed), the rows to land, why it failed."""

    endpoint: str
    subject: str
    listing: Listing | None
    rows: list[Row] = field(default_factory=list)
    detail: str | None = None


@dlt.transformer(  # merge, not append: a load a kill cut short is loaded again from the start (loaders/recovery.py)
    name="checks",
    write_disposition={"disposition": "merge", "strategy": "upsert"},
    primary_key=["endpoint", "subject", "checked_at"],
    columns=CHECK_COLUMNS,
)
def checks(outcome: Outcome) -> Row:
    """The `checks` row of one listing."""
    listing = outcome.listing
    return {
        "endpoint": outcome.endpoint,
        "subject": outcome.subject,
        "outcome": "failed" if listing is None else "changed" if listing.changed else "not_modified",
        "http_status": None if listing is None else listing.status,
        "etag": None if listing is None else listing.etag,
        "attempts": None if listing is None else listing.attempts,
        "error_modes_seen": None if listing is None else ", ".join(listing.error_modes_seen) or None,
        "row_count": len(outcome.rows),
        "detail": outcome.detail,
        "checked_at": _utc_now(),
    }


def _rows(outcome: Outcome) -> Iterator[list[Row]]:
    if outcome.rows:
        yield outcome.rows


def _fetch_all(subjects: Sequence[str], fetch: Callable[[str], Listing]) -> Iterator[tuple[str, Future[Listing]]]:
    """Run `fetch` for every subject on a small pool; yield (subject, finished future) as they complete."""
    with ThreadPoolExecutor(settings.WORKERS, thread_name_prefix="badapi") as pool:
        futures = {pool.submit(fetch, subject): subject for subject in subjects}
        for future in as_completed(futures):
            yield futures[future], future


@dlt.source(name=settings.SOURCE_NAME)
def badapi_products(
    base_url: str,
    http: HttpClient,
    report: BadApiRunReport,
    categories: Sequence[str] = settings.CATEGORIES,
    use_etags: bool = True,
) -> list[DltResource]:
    """The product listings of `categories` that changed since their last landed answer (all if not use_etags)."""

    @dlt.resource(name="product_listings", selected=False)
    def product_listings() -> Iterator[Outcome]:
        state = _source_state()
        etags, makers = state.setdefault("etags", {}), state.setdefault("manufacturers", {})

        def fetch(category: str) -> Listing:
            return fetch_products(http, base_url, category, etags.get(f"products/{category}") if use_etags else None)

        for category, future in _fetch_all(categories, fetch):
            listing, key = future.result(), f"products/{category}"
            if not listing.changed:
                report.not_modified.append(key)
                yield Outcome("products", category, listing)
                continue
            fetched_at = _utc_now()
            rows = [{**product, "category": category, "fetched_at": fetched_at} for product in listing.payload]
            etags[key] = listing.etag
            makers[category] = sorted({str(row["manufacturer"]) for row in rows if row.get("manufacturer")})
            report.changed[key] = len(rows)
            yield Outcome("products", category, listing, rows)

    products = dlt.transformer(
        _rows,
        name="products",
        primary_key="id",
        merge_key="category",
        write_disposition=DELETE_INSERT,
        columns=PRODUCT_COLUMNS,
    )
    listings = product_listings()
    return [listings | products, listings | checks]


@dlt.source(name=settings.SOURCE_NAME)
def badapi_availability(
    base_url: str,
    http: HttpClient,
    report: BadApiRunReport,
    use_etags: bool = True,
    error_mode_attempts: int = settings.ERROR_MODE_ATTEMPTS,
    error_mode_backoff_seconds: float = settings.ERROR_MODE_BACKOFF_SECONDS,
    error_mode_max_delay_seconds: float = settings.ERROR_MODE_MAX_DELAY_SECONDS,
    force_error_mode: Collection[str] = (),
) -> list[DltResource]:
    """Availability of every manufacturer the landed products name, where it changed since its last answer.

    A manufacturer whose availability stays in error mode is skipped (its previous rows stay) and reported in
    `report.failures`; `force_error_mode` names manufacturers to ask with `x-force-error-mode: all` (drills).
    """

    @dlt.resource(name="availability_listings", selected=False)
    def availability_listings() -> Iterator[Outcome]:
        state = _source_state()
        etags = state.setdefault("etags", {})
        manufacturers = sorted({m for makers in state.get("manufacturers", {}).values() for m in makers})

        def fetch(manufacturer: str) -> Listing:
            return fetch_availability(
                http,
                base_url,
                manufacturer,
                etags.get(f"availability/{manufacturer}") if use_etags else None,
                attempts=error_mode_attempts,
                backoff=error_mode_backoff_seconds,
                max_delay=error_mode_max_delay_seconds,
                force_error_mode=manufacturer in force_error_mode,
            )

        for manufacturer, future in _fetch_all(manufacturers, fetch):
            key = f"availability/{manufacturer}"
            try:
                listing = future.result()
            except ErrorModeStuck as error:
                report.failures[manufacturer] = str(error)
                report.error_mode_retries += error_mode_attempts - 1
                yield Outcome("availability", manufacturer, None, detail=str(error))
                continue
            report.error_mode_retries += listing.attempts - 1
            if not listing.changed:
                report.not_modified.append(key)
                yield Outcome("availability", manufacturer, listing)
                continue
            fetched_at = _utc_now()
            rows = [{**entry, "manufacturer": manufacturer, "fetched_at": fetched_at} for entry in listing.payload]
            etags[key] = listing.etag
            report.changed[key] = len(rows)
            yield Outcome("availability", manufacturer, listing, rows)

    availability = dlt.transformer(
        _rows,
        name="availability",
        primary_key="id",
        merge_key="manufacturer",
        write_disposition=DELETE_INSERT,
        columns=AVAILABILITY_COLUMNS,
    )
    listings = availability_listings()
    return [listings | availability, listings | checks]


__all__ = ["BadApiRunReport", "badapi_availability", "badapi_products"]
