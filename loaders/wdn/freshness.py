"""What a What Drops Now run may skip: fetch stamps kept in the dlt source state, and how old they may get.

The source state (`wdn`) holds, as ISO-8601 UTC text:

    brands                {lower-case name: {"id", "listed_at", "product_ids"}}  per listed brand
    offers_fetched_at     {product id: stamp}                                     per product whose offers landed
    retailers_fetched_at  {retailer id: stamp}                                    per retailer looked up (404s too)

Stamps are written while extracting, so they are committed with the load package that carries the rows:
a run that fails part-way keeps the stamps of the batches it loaded, and the next run skips exactly those.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def is_fresh(stamped: str | None, now: datetime, fresh_for: timedelta) -> bool:
    """Whether something stamped `stamped` was fetched less than `fresh_for` before `now`."""
    if not stamped or fresh_for <= timedelta(0):
        return False
    return now - datetime.fromisoformat(stamped) < fresh_for


def prune(stamps: MutableMapping[str, str], now: datetime, fresh_for: timedelta) -> None:
    """Forget stamps that are no longer fresh (keeps the state small; they would be refetched anyway)."""
    for key in [key for key, stamped in stamps.items() if not is_fresh(stamped, now, fresh_for)]:
        del stamps[key]


def listed_brands(state: Mapping[str, Any], names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The state's entries for the brands in `names` that were ever listed, by lower-case name."""
    brands = state.get("brands", {})
    return {name.lower(): brands[name.lower()] for name in names if name.lower() in brands}


def stale_product_ids(
    state: Mapping[str, Any], names: Iterable[str], now: datetime, fresh_for: timedelta
) -> tuple[list[str], int]:
    """(ids of the brands' products whose offers are not fresh, in listing order; how many are fresh)."""
    fetched = state.get("offers_fetched_at", {})
    stale, fresh, seen = [], 0, set()
    for brand in listed_brands(state, names).values():
        for product_id in brand.get("product_ids", []):
            if product_id in seen:
                continue
            seen.add(product_id)
            if is_fresh(fetched.get(product_id), now, fresh_for):
                fresh += 1
            else:
                stale.append(product_id)
    return stale, fresh
