"""Constants for the eBay loader and client: names, endpoints, the Trading API's limits (docs/sources/ebay.md)."""

PIPELINE_NAME = "ebay"
DATASET_NAME = "raw_ebay"
SOURCE_NAME = "ebay"

API_URL = "https://api.ebay.com"
"""`sources.ebay.api_url`: the Trading API is `{API_URL}/ws/api.dll`, the OAuth token endpoint
`{API_URL}/identity/v1/oauth2/token` (the sandbox's URL in tests and the demo)."""
TRADING_PATH = "/ws/api.dll"
TOKEN_PATH = "/identity/v1/oauth2/token"
SITE_ID = 3
"""eBay UK (EBAY-GB); 0 = US, 77 = DE."""
COMPATIBILITY_LEVEL = 1451
"""X-EBAY-API-COMPATIBILITY-LEVEL, required on every Trading call; eBay's docs are at 1451-1455."""
SCOPES = ("https://api.ebay.com/oauth/api_scope", "https://api.ebay.com/oauth/api_scope/sell.inventory")
"""Requested on every refresh (eBay's own clients always send `scope`; no Trading scope is documented)."""
NAMESPACE = "urn:ebay:apis:eBLBaseComponents"

ENTRIES_PER_PAGE = 200
"""GetMyeBaySelling's ActiveList page size: the most the Trading API allows."""
MAX_INVENTORY_STATUS = 4
"""ReviseInventoryStatus takes 1-4 InventoryStatus per call."""
REVISIONS_PER_DAY = 250
"""An active listing can be revised at most 250 times a calendar day."""

REQUEST_TIMEOUT_SECONDS = 60.0
RETRY_MAX_ATTEMPTS = 6
RETRY_BACKOFF_SECONDS = 1.0
RETRY_MAX_DELAY_SECONDS = 30.0
TOKEN_EXPIRY_MARGIN_SECONDS = 120.0
"""An access token is refreshed this long before its `expires_in` runs out."""
