"""Run the What Drops Now sources through a dlt pipeline into `raw_wdn` on the chosen target.

First the catalogue (the brands due, their products: one load), then the offers of every product whose offers
are not fresh, in batches of `offers_batch_size` products, each batch with the retailers it names in a load
of its own. A failure stops the run with an error naming the call; what was loaded stays loaded and its
freshness stamps with it, so the next run resumes where this one stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from dlt.common.pipeline import SupportsPipeline
from dlt.extract import DltSource

from loaders import pipeline as runs
from loaders.contract import Warehouse
from loaders.wdn import settings
from loaders.wdn.freshness import listed_brands, stale_product_ids, stamp, utc_now
from loaders.wdn.options import WdnOptions
from loaders.wdn.source import wdn_catalogue, wdn_offers

Echo = Callable[[str], None]


@dataclass
class WdnLoad:
    """What `load_wdn` did: rows landed per table, what it skipped as fresh, any error."""

    brands: list[str]
    ok: bool = False
    error: str | None = None
    row_counts: dict[str, int] = field(default_factory=dict)
    brands_listed: list[str] = field(default_factory=list)
    brands_fresh: list[str] = field(default_factory=list)
    products_due: int = 0
    products_fresh: int = 0
    offer_batches: int = 0
    loads: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.row_counts.values())


class BrandNotFound(LookupError):
    """A brand the search does not know by exactly that name."""


def select_brands(names: Sequence[str] | None) -> list[str]:
    """Brand names from options (`Nike,Vans` or repeated), without duplicates (any casing); default BRANDS."""
    chosen: dict[str, str] = {}
    for value in names or ():
        for name in value.split(","):
            if name.strip():
                chosen.setdefault(name.strip().lower(), name.strip())
    return list(chosen.values()) or list(settings.BRANDS)


def _source_state(pipeline: SupportsPipeline) -> dict[str, Any]:
    return dict(pipeline.state.get("sources", {}).get(settings.SOURCE_NAME, {}))


def _load(pipeline: Any, source: DltSource, result: WdnLoad, echo: Echo) -> None:
    """One load of `source` (extract workers: the bound on requests at once), a line per resource; its rows
    added to `result`."""
    landed = runs.load(pipeline, source, echo, workers=settings.MAX_CONCURRENT_REQUESTS)
    result.loads += 1
    runs.add_rows(result.row_counts, landed.row_counts)


FAILED_CALLS = (requests.HTTPError, requests.ConnectionError, requests.Timeout, BrandNotFound)
"""What a failed run's message names, when it is in the error's chain: the failed API call, the unknown brand."""


def load_wdn(
    target: Warehouse,
    brands: Sequence[str] | None = None,
    options: WdnOptions | None = None,
    now: datetime | None = None,
    echo: Echo = print,
) -> WdnLoad:
    """Load `brands` (default Converse, Vans, Nike, Adidas, Jordan) into `raw_wdn` on `target`.

    Skips brand listings, product offers and retailers fetched less than `options.fresh_for_hours` before
    `now`. Never raises for API or warehouse failures: the result says `ok=False` and why.
    """
    started = time.monotonic()
    names = select_brands(brands)
    options = options or WdnOptions.from_config()
    moment = now or utc_now()
    result = WdnLoad(brands=names)
    pipeline = target.pipeline(settings.PIPELINE_NAME, settings.DATASET_NAME)
    session = options.session()
    run: dict[str, Any] = {
        "base_url": options.base_url,
        "session": session,
        "fresh_for": options.fresh_for,
        "now": moment,
    }
    echo(f"wdn: {', '.join(names)} -> {settings.DATASET_NAME} ({options.base_url})")
    try:
        _load(pipeline, wdn_catalogue(names, **run), result, echo)
        state = _source_state(pipeline)
        listed = listed_brands(state, names)
        result.brands_listed = [n for n in names if listed.get(n.lower(), {}).get("listed_at") == stamp(moment)]
        result.brands_fresh = [n for n in names if n.lower() in listed and n not in result.brands_listed]
        due, result.products_fresh = stale_product_ids(state, names, moment, options.fresh_for)
        result.products_due = len(due)
        echo(
            f"wdn: brands listed {len(result.brands_listed)}, fresh {len(result.brands_fresh)}; "
            f"offers due for {len(due):,} products, fresh for {result.products_fresh:,}"
        )
        size = options.offers_batch_size
        for start in range(0, len(due), size):
            _load(pipeline, wdn_offers(due[start : start + size], **run), result, echo)
            result.offer_batches += 1
        missing = [name for name in names if name.lower() not in listed]
        if missing:
            raise BrandNotFound(
                f"brand(s) {', '.join(map(repr, missing))} not found: GET {options.base_url}/searches/brand_search "
                "lists no brand of exactly that name (any casing); check the spelling"
            )
        result.ok = True
    except Exception as error:
        result.error = runs.error_message(error, FAILED_CALLS)
        echo(f"wdn: failed: {result.error}")
        echo("wdn: what was loaded stays loaded; run again to resume with what is not fresh yet")
    finally:
        session.close()
    result.seconds = time.monotonic() - started
    echo(f"wdn: loaded {result.rows:,} rows in {result.loads} loads in {result.seconds:.1f} s")
    for table, rows in sorted(result.row_counts.items()):
        echo(f"    {table:<24} {rows:>9,}")
    return result
