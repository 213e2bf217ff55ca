"""What Drops Now: dlt sources for its sneaker API (brands, products, retailer offers, retailers), and a sandbox.

Mostly declarative (dlt's `rest_api`); plain resources only where it cannot express what we need: which
brands and products are due (freshness.py) and retailer lookups whose 404 is an answer to keep. Tables in
`raw_wdn`, JSON:API `attributes` flattened into columns, `fetched_at` on every row:

    brands     GET /searches/brand_search?q=NAME, the exact-name match only        merge on id
    products   GET /brands/{id}/products, paged; brand_id = the listing's brand     merge on id
    offers     GET /products/{id}/offers, paged, in parallel                        merge on id, a product's
                                                                                    offers replaced together
    retailers  GET /retailers/{id} per retailer the offers name; http_status 200,    merge on id
               or 404 (kept as a row without name: the API does not know it)

A run is two sources named `wdn` (they share one state): `wdn_catalogue(brands)` lists the brands that are
due, and `wdn_offers(product_ids)` fetches offers and their new retailers for one batch of products.
`pipeline.load_wdn` drives them; `sandbox.running_wdn_sandbox` serves a local copy of the API.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import dlt
import requests
from dlt.extract import DltResource
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.rest_api import rest_api_resources

from loaders.wdn import settings
from loaders.wdn.freshness import is_fresh, prune, stamp, utc_now
from loaders.wdn.paging import TotalCountPaginator

Row = dict[str, Any]


def _timestamp(nullable: bool = True) -> dict[str, Any]:
    return {"data_type": "timestamp", "timezone": False, "nullable": nullable}


BRAND_COLUMNS: Any = {
    "id": {"data_type": "text", "nullable": False},
    "name": {"data_type": "text"},
    "description": {"data_type": "text"},
    "website": {"data_type": "text"},
    "fetched_at": _timestamp(False),
}
PRODUCT_COLUMNS: Any = {
    "id": {"data_type": "text", "nullable": False},
    "brand_id": {"data_type": "text", "nullable": False},
    "name": {"data_type": "text"},
    "description": {"data_type": "text"},
    "release_at": _timestamp(),
    "brand_names": {"data_type": "text"},
    "fetched_at": _timestamp(False),
}
OFFER_COLUMNS: Any = {
    "id": {"data_type": "text", "nullable": False},
    "product_id": {"data_type": "bigint", "nullable": False},
    "retailer_id": {"data_type": "bigint"},
    "original_currency": {"data_type": "text"},
    "price_usd": {"data_type": "decimal"},
    "price_gbp": {"data_type": "decimal"},
    "price_eur": {"data_type": "decimal"},
    "fetched_at": _timestamp(False),
}
RETAILER_COLUMNS: Any = {
    "id": {"data_type": "text", "nullable": False},
    "name": {"data_type": "text"},
    "website": {"data_type": "text"},
    "http_status": {"data_type": "bigint", "nullable": False},
    "fetched_at": _timestamp(False),
}


def flatten(resource_object: Row) -> Row:
    """A JSON:API resource object as a row: `id`, its `attributes`, and any `_parent_*` keys rest_api added."""
    row = {key: value for key, value in resource_object.items() if key not in ("type", "attributes", "links")}
    return row | dict(resource_object.get("attributes") or {})


def _source_state() -> dict[str, Any]:
    return dlt.current.source_state()  # type: ignore[no-any-return]


def _client_config(base_url: str, session: requests.Session) -> dict[str, Any]:
    return {"base_url": base_url.rstrip("/") + "/", "session": session}


# -- catalogue: brands and their products -------------------------------------------------------------------
@dlt.source(name=settings.SOURCE_NAME)
def wdn_catalogue(
    brands: Sequence[str],
    base_url: str,
    session: requests.Session,
    fresh_for: timedelta,
    now: datetime | None = None,
) -> list[DltResource]:
    """The brands in `brands` not listed within `fresh_for`, and each one's products (all pages).

    The brand search finds look-alikes too ("Nike SB" for Nike): only the exact name (any casing) is kept.
    """
    moment = now or utc_now()

    @dlt.resource(name="brand_queue", selected=False)
    def brand_queue() -> Iterator[list[Row]]:
        listed = _source_state().get("brands", {})
        due = [
            name for name in brands if not is_fresh(listed.get(name.lower(), {}).get("listed_at"), moment, fresh_for)
        ]
        if due:
            yield [{"name": name} for name in due]

    def is_searched_brand(record: Row) -> bool:
        return str(record["attributes"]["name"]).lower() == str(record["_brand_queue_name"]).lower()

    def brand_row(record: Row) -> Row:
        row = flatten(record)
        del row["_brand_queue_name"]
        entry = {"id": row["id"], "listed_at": stamp(moment), "product_ids": []}
        _source_state().setdefault("brands", {})[str(row["name"]).lower()] = entry
        return row | {"fetched_at": utc_now()}

    def product_row(record: Row) -> Row:
        row = flatten(record)
        row["brand_id"] = row.pop("_brands_id")
        _source_state()["brands"][str(row.pop("_brands_name")).lower()]["product_ids"].append(str(row["id"]))
        return row | {"fetched_at": utc_now()}

    return rest_api_resources(
        {
            "client": _client_config(base_url, session),  # type: ignore[typeddict-item]
            "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
            "resources": [
                brand_queue(),
                {
                    "name": "brands",
                    "columns": BRAND_COLUMNS,
                    "endpoint": {
                        "path": "searches/brand_search",
                        "params": {"q": "{resources.brand_queue.name}"},
                        "data_selector": "data",
                        "paginator": TotalCountPaginator(settings.PAGE_SIZE),
                    },
                    "include_from_parent": ["name"],
                    "processing_steps": [{"filter": is_searched_brand}, {"map": brand_row}],  # type: ignore[typeddict-item]
                },
                {
                    "name": "products",
                    "columns": PRODUCT_COLUMNS,
                    "parallelized": True,
                    "endpoint": {
                        "path": "brands/{resources.brands.id}/products",
                        "data_selector": "data",
                        "paginator": TotalCountPaginator(settings.PAGE_SIZE),
                    },
                    "include_from_parent": ["id", "name"],
                    "processing_steps": [{"map": product_row}],  # type: ignore[typeddict-item]
                },
            ],
        }
    )


# -- offers of a batch of products, and the retailers they name ----------------------------------------------
@dlt.source(name=settings.SOURCE_NAME)
def wdn_offers(
    product_ids: Sequence[str],
    base_url: str,
    session: requests.Session,
    fresh_for: timedelta,
    now: datetime | None = None,
) -> list[DltResource]:
    """Offers of `product_ids` (fetched whatever their freshness: the caller picks the due ones), and every
    retailer they name that was not looked up within `fresh_for`."""
    moment = now or utc_now()

    @dlt.resource(name="product_queue", selected=False)
    def product_queue() -> Iterator[list[Row]]:
        fetched = _source_state().setdefault("offers_fetched_at", {})
        prune(fetched, moment, fresh_for)
        for product_id in product_ids:
            fetched[str(product_id)] = stamp(moment)
        yield [{"id": str(product_id)} for product_id in product_ids]

    def offer_row(record: Row) -> Row:
        return flatten(record) | {"fetched_at": utc_now()}

    offers = next(
        resource
        for resource in rest_api_resources(
            {
                "client": _client_config(base_url, session),  # type: ignore[typeddict-item]
                "resources": [
                    product_queue(),
                    {
                        "name": "offers",
                        "primary_key": "id",
                        "merge_key": "product_id",
                        "write_disposition": {"disposition": "merge", "strategy": "delete-insert"},
                        "columns": OFFER_COLUMNS,
                        "parallelized": True,
                        "endpoint": {
                            "path": "products/{resources.product_queue.id}/offers",
                            "data_selector": "data",
                            "paginator": TotalCountPaginator(settings.PAGE_SIZE),
                        },
                        "processing_steps": [{"map": offer_row}],  # type: ignore[typeddict-item]
                    },
                ],
            }
        )
        if resource.name == "offers"
    )
    client = RESTClient(base_url=base_url.rstrip("/") + "/", session=session)
    return [offers, offers | retailer_queue(now=moment, fresh_for=fresh_for) | retailers(client=client)]


@dlt.transformer(name="retailer_queue", selected=False)
def retailer_queue(offers: list[Row], now: datetime, fresh_for: timedelta) -> Iterator[Row]:
    """Each retailer named by `offers` that was not looked up within `fresh_for` (once per run)."""
    fetched = _source_state().setdefault("retailers_fetched_at", {})
    prune(fetched, now, fresh_for)
    for offer in offers if isinstance(offers, list) else [offers]:
        retailer_id = offer.get("retailer_id")
        if retailer_id is None or is_fresh(fetched.get(str(retailer_id)), now, fresh_for):
            continue
        fetched[str(retailer_id)] = stamp(now)
        yield {"id": str(retailer_id)}


@dlt.transformer(
    name="retailers", primary_key="id", write_disposition="merge", columns=RETAILER_COLUMNS, parallelized=True
)
def retailers(queued: Row, client: RESTClient) -> Row:
    """One retailer; a 404 lands as `{id, http_status: 404}` (tolerated, recorded), anything else raises."""
    response = client.get(f"retailers/{queued['id']}")
    if response.status_code == 404:
        return {"id": queued["id"], "http_status": 404, "fetched_at": utc_now()}
    response.raise_for_status()
    return flatten(response.json()["data"]) | {"http_status": response.status_code, "fetched_at": utc_now()}


__all__ = ["flatten", "wdn_catalogue", "wdn_offers"]
