"""Constants for the What Drops Now loader: names, the API's base URL, paging, concurrency, retries, freshness.

Facts from docs/sources/wdn.md §3, §4 (the old job: 5 calls in parallel, retries 1 s doubling to
60 s, 10 tries, 40 s timeout, skip what was fetched in the last day). The retry and freshness values are the
defaults of `load_wdn`'s arguments and can be set under `sources.wdn` in dlt config
(`SOURCES__WDN__RETRY_MAX_ATTEMPTS`, …), like `sources.wdn.base_url`.
"""

PIPELINE_NAME = "wdn"
DATASET_NAME = "raw_wdn"
SOURCE_NAME = "wdn"

BASE_URL = "https://www.whatdropsnow.com/api/v1"
"""The public API, named in the "set SOURCES__WDN__BASE_URL" message: `elt load wdn` and `elt run` read What Drops
Now only when `sources.wdn.base_url` is set (spec.py), to this or the sandbox's `…/api/v1`."""

BRANDS = ("Converse", "Vans", "Nike", "Adidas", "Jordan")
"""Brands loaded when none are named."""

PAGE_SIZE = 100
"""`page_size` of every listing. No maximum is documented (docs/sources/wdn.md); the public ETL used 20, and 2000
for products."""
MAX_CONCURRENT_REQUESTS = 5
"""The API throttles above 5 requests at once: a hard bound for every call of a run."""

REQUEST_TIMEOUT_SECONDS = 40.0
RETRY_MAX_ATTEMPTS = 10
"""Attempts per call for 429, 5xx, timeouts and dropped connections."""
RETRY_BACKOFF_SECONDS = 1.0
"""First retry delay; doubles each attempt (a 429's Retry-After wins)."""
RETRY_MAX_DELAY_SECONDS = 60.0

FRESH_FOR_HOURS = 24.0
"""A brand's product listing, a product's offers or a retailer fetched this recently is not fetched again."""
OFFERS_BATCH_SIZE = 100
"""Products whose offers are fetched (with their new retailers) and loaded per load: a crash loses at most one
batch, and the next run resumes with the products whose offers are not fresh yet."""
