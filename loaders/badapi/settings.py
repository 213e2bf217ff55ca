"""Constants for the Reaktor "bad API" loader: names, base URL, categories, retries, the error mode, the cadence.

Facts from docs/sources/badapi.md. Values marked (config) are the defaults of
`BadApiOptions` and can be set under `sources.badapi` in dlt config (`SOURCES__BADAPI__BASE_URL`, …).
"""

PIPELINE_NAME = "badapi"
DATASET_NAME = "raw_badapi"
SOURCE_NAME = "badapi"

BASE_URL = "https://bad-api-assignment.reaktor.com"
"""(config) Calls go to `{base_url}/v2/products/{category}` and `{base_url}/v2/availability/{manufacturer}`."""
CATEGORIES = ("gloves", "facemasks", "beanies")

ERROR_MODES_HEADER = "x-error-modes-active"
"""Names the active error modes (`availability-empty`); empty when the answer is healthy."""
FORCE_ERROR_MODE_HEADER = "x-force-error-mode"
"""Request header that forces the error mode (`all`), for drills."""

ERROR_MODE_ATTEMPTS = 10
"""(config) Calls per manufacturer while availability answers in error mode, before giving up on it."""
ERROR_MODE_BACKOFF_SECONDS = 0.5
"""(config) Wait before the first error-mode retry; doubles each time, at most ERROR_MODE_MAX_DELAY_SECONDS."""
ERROR_MODE_MAX_DELAY_SECONDS = 8.0

REQUEST_TIMEOUT_SECONDS = 120.0
"""(config) The listings are large and slow."""
HTTP_MAX_ATTEMPTS = 5
"""(config) Attempts per call for 429, 5xx, timeouts and dropped connections (the run's loaders.http session)."""
HTTP_BACKOFF_SECONDS = 1.0
HTTP_MAX_RETRY_DELAY_SECONDS = 30.0
"""The longest wait between those attempts (a Retry-After's included)."""
WORKERS = 4
"""Listings fetched at once (the three categories; then the manufacturers)."""

EVERY_DEFAULT = "5m"
"""The old app's refresh cadence, for `elt load badapi --every 5m`."""

MODELS_BUILD = ("build", "-s", f"source:{SOURCE_NAME}+")
"""The dbt command that rebuilds the bad-API models after a load (`elt load badapi --build`, `elt serve`)."""
