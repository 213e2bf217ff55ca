"""Run options of the What Drops Now loader, read from dlt config (`sources.wdn.*`) over the settings' defaults.

    SOURCES__WDN__BASE_URL                  the API; required by `elt load wdn` and `elt run` (spec.py)
    SOURCES__WDN__FRESH_FOR_HOURS           skip what was fetched this recently (24)
    SOURCES__WDN__OFFERS_BATCH_SIZE         products per offers load (100)
    SOURCES__WDN__REQUEST_TIMEOUT_SECONDS   per attempt (40)
    SOURCES__WDN__RETRY_MAX_ATTEMPTS        tries per call (10)
    SOURCES__WDN__RETRY_BACKOFF_SECONDS     first retry delay, doubling (1)
    SOURCES__WDN__RETRY_MAX_DELAY_SECONDS   longest retry delay (60)
    SOURCES__WDN__MAX_CONCURRENT_REQUESTS   requests at once, 1-5 (5: the API throttles above that)

or the same names under `[sources.wdn]` in .dlt/config.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

import requests

from loaders import http
from loaders.options import SourceOptions
from loaders.wdn import settings


@dataclass(frozen=True)
class WdnOptions(SourceOptions):
    SECTION: ClassVar[str] = settings.SOURCE_NAME
    AT_LEAST_ONE: ClassVar[tuple[str, ...]] = ("offers_batch_size", "retry_max_attempts")

    base_url: str = settings.BASE_URL
    fresh_for_hours: float = settings.FRESH_FOR_HOURS
    offers_batch_size: int = settings.OFFERS_BATCH_SIZE
    request_timeout_seconds: float = settings.REQUEST_TIMEOUT_SECONDS
    retry_max_attempts: int = settings.RETRY_MAX_ATTEMPTS
    retry_backoff_seconds: float = settings.RETRY_BACKOFF_SECONDS
    retry_max_delay_seconds: float = settings.RETRY_MAX_DELAY_SECONDS
    max_concurrent_requests: int = settings.MAX_CONCURRENT_REQUESTS

    def check(self) -> None:
        super().check()
        if not 1 <= self.max_concurrent_requests <= settings.MAX_CONCURRENT_REQUESTS:
            raise ValueError(
                f"sources.wdn.max_concurrent_requests must be 1-{settings.MAX_CONCURRENT_REQUESTS}: "
                "the API throttles above that"
            )

    @property
    def fresh_for(self) -> timedelta:
        return timedelta(hours=self.fresh_for_hours)

    def session(self) -> requests.Session:
        """The run's session: at most `max_concurrent_requests` at once (every thread shares it), each call
        retried for 429, 5xx, timeouts and dropped connections; the last answer returned as it is."""
        retry = http.Retry(
            attempts=self.retry_max_attempts,
            backoff=self.retry_backoff_seconds,
            max_delay=self.retry_max_delay_seconds,
        )
        limit = self.max_concurrent_requests
        return http.session(self.request_timeout_seconds, retry, max_in_flight=limit, connections=limit * 2)
