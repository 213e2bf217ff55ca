"""Run options of the bad-API loader, read from dlt config (`sources.badapi.*`) over the settings' defaults.

    SOURCES__BADAPI__BASE_URL                      the API (default https://bad-api-assignment.reaktor.com)
    SOURCES__BADAPI__ERROR_MODE_ATTEMPTS           calls per manufacturer while in error mode (10)
    SOURCES__BADAPI__ERROR_MODE_BACKOFF_SECONDS    first wait between them, doubling (0.5)
    SOURCES__BADAPI__ERROR_MODE_MAX_DELAY_SECONDS  longest wait between them (8)
    SOURCES__BADAPI__REQUEST_TIMEOUT_SECONDS       per attempt (120)
    SOURCES__BADAPI__HTTP_MAX_ATTEMPTS             attempts for 429/5xx/timeouts (5)
    SOURCES__BADAPI__HTTP_BACKOFF_SECONDS          first wait for those, doubling (1)

or the same names under `[sources.badapi]` in .dlt/config.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import requests

from loaders import http
from loaders.badapi import settings
from loaders.options import SourceOptions


@dataclass(frozen=True)
class BadApiOptions(SourceOptions):
    SECTION: ClassVar[str] = settings.SOURCE_NAME
    AT_LEAST_ONE: ClassVar[tuple[str, ...]] = ("error_mode_attempts", "http_max_attempts")

    base_url: str = settings.BASE_URL
    error_mode_attempts: int = settings.ERROR_MODE_ATTEMPTS
    error_mode_backoff_seconds: float = settings.ERROR_MODE_BACKOFF_SECONDS
    error_mode_max_delay_seconds: float = settings.ERROR_MODE_MAX_DELAY_SECONDS
    request_timeout_seconds: float = settings.REQUEST_TIMEOUT_SECONDS
    http_max_attempts: int = settings.HTTP_MAX_ATTEMPTS
    http_backoff_seconds: float = settings.HTTP_BACKOFF_SECONDS

    def http_client(self) -> requests.Session:
        """The run's session (every listing thread shares it): 429, 5xx, timeouts and dropped connections
        retried; never a raise for a status (a 304 is an answer)."""
        retry = http.Retry(
            attempts=self.http_max_attempts,
            backoff=self.http_backoff_seconds,
            max_delay=settings.HTTP_MAX_RETRY_DELAY_SECONDS,
        )
        return http.session(self.request_timeout_seconds, retry)
