"""Every source, in the order `elt run` loads them: the one list the CLI, the daily run, the demo and dbt's
"skip the models of unloaded sources" read. A new source is a package with a `spec.py` and one line here."""

from __future__ import annotations

from loaders.badapi.spec import SOURCE as BADAPI
from loaders.contract import Source
from loaders.ebay.spec import SOURCE as EBAY
from loaders.linnworks.spec import SOURCE as LINNWORKS
from loaders.product_master.spec import SOURCE as PRODUCTS
from loaders.store_listings.spec import SOURCE as STORES
from loaders.supplier_feeds.spec import SOURCE as SUPPLIER_STOCK
from loaders.wdn.spec import SOURCE as WDN

# The product master and store listings first: the day's feeds are read against them (and eBay's stores are
# the store workbooks' stores).
SOURCES: tuple[Source, ...] = (PRODUCTS, STORES, SUPPLIER_STOCK, LINNWORKS, WDN, BADAPI, EBAY)


def source(name: str) -> Source:
    """The source called `name`; LookupError naming the known ones otherwise."""
    for candidate in SOURCES:
        if candidate.name == name:
            return candidate
    raise LookupError(f"unknown source {name!r}: one of {', '.join(s.name for s in SOURCES)}")


def dbt_sources() -> dict[str, str]:
    """dbt source name -> the raw dataset its models read."""
    return {s.dbt_source: s.dataset for s in SOURCES}


def dbt_sources_built_empty() -> set[str]:
    """dbt sources whose models build (empty) before their raw dataset exists (Source.builds_empty)."""
    return {s.dbt_source for s in SOURCES if s.builds_empty}
