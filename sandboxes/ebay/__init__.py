"""A local eBay: the OAuth token endpoint and the Trading API's GetMyeBaySelling and ReviseInventoryStatus, one
seller per store, seeded from store workbooks (server.py says what it answers and its stricter readings).

    with sandboxes.ebay.serving() as ebay:          # the demo's stores (sandboxes/samples.py)
        os.environ.update(ebay.settings())          # SOURCES__EBAY__* for the loader and the push
        ebay.listing("AMS", item_id).quantity_available

Modules: data.py (stores and listings), server.py (the calls, faults, limits), cli.py (`elt sandbox ebay`).
"""

from sandboxes.ebay.data import Listing, Store
from sandboxes.ebay.server import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    REVISION_LIMIT,
    REVISIONS_PER_DAY,
    EbayCall,
    EbaySandbox,
    running_ebay_sandbox,
    serving,
)

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "REVISIONS_PER_DAY",
    "REVISION_LIMIT",
    "EbayCall",
    "EbaySandbox",
    "Listing",
    "Store",
    "running_ebay_sandbox",
    "serving",
]
