"""Run the bad-API sources through a dlt pipeline into `raw_badapi` on the chosen target.

Two loads per run: the product listings (whose manufacturers the state keeps), then the availability of
every manufacturer. Unchanged listings answer 304 and land nothing but their `checks` row. A manufacturer
stuck in the error mode is left out (its previous availability stays) and fails the run by name, after
everything else has landed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import requests
from dlt.extract import DltSource

from loaders import pipeline as runs
from loaders.badapi import settings
from loaders.badapi.client import BadApiError
from loaders.badapi.options import BadApiOptions
from loaders.badapi.source import BadApiRunReport, badapi_availability, badapi_products
from loaders.contract import Warehouse

Echo = Callable[[str], None]


@dataclass
class BadApiLoad:
    """What `load_badapi` did: rows landed per table, the listings' outcomes, any error."""

    ok: bool = False
    error: str | None = None
    row_counts: dict[str, int] = field(default_factory=dict)
    report: BadApiRunReport = field(default_factory=BadApiRunReport)
    loads: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Rows landed in products and availability (checks rows excluded)."""
        return sum(rows for table, rows in self.row_counts.items() if table != "checks")


def _load(pipeline: Any, source: DltSource, result: BadApiLoad, echo: Echo) -> None:
    landed = runs.load(pipeline, source, echo)
    result.loads += 1
    runs.add_rows(result.row_counts, landed.row_counts)


def load_badapi(
    target: Warehouse,
    options: BadApiOptions | None = None,
    use_etags: bool = True,
    force_error_mode: Collection[str] = (),
    echo: Echo = print,
) -> BadApiLoad:
    """Load the three product listings and every manufacturer's availability into `raw_badapi` on `target`.

    `use_etags=False` asks for every listing in full. `force_error_mode` names manufacturers whose calls carry
    `x-force-error-mode: all` (drills). Never raises for API or warehouse failures: the result says why.
    """
    started = time.monotonic()
    options = options or BadApiOptions.from_config()
    result = BadApiLoad()
    report = result.report
    pipeline = target.pipeline(settings.PIPELINE_NAME, settings.DATASET_NAME)
    http = options.http_client()
    echo(
        f"badapi: {', '.join(settings.CATEGORIES)} and their manufacturers -> {settings.DATASET_NAME} "
        f"({options.base_url})"
    )
    try:
        _load(pipeline, badapi_products(options.base_url, http, report, use_etags=use_etags), result, echo)
        availability = badapi_availability(
            options.base_url,
            http,
            report,
            use_etags=use_etags,
            error_mode_attempts=options.error_mode_attempts,
            error_mode_backoff_seconds=options.error_mode_backoff_seconds,
            error_mode_max_delay_seconds=options.error_mode_max_delay_seconds,
            force_error_mode=force_error_mode,
        )
        _load(pipeline, availability, result, echo)
        if report.failures:
            result.error = "; ".join(report.failures[name] for name in sorted(report.failures))
        else:
            result.ok = True
    except Exception as error:
        result.error = runs.error_message(error, (BadApiError, requests.RequestException))
    finally:
        http.close()
    result.seconds = time.monotonic() - started
    changed = ", ".join(f"{key} ({rows:,})" for key, rows in sorted(report.changed.items())) or "none"
    echo(f"badapi: changed: {changed}")
    echo(f"badapi: unchanged (304): {len(report.not_modified)}; error-mode retries: {report.error_mode_retries}")
    if result.error:
        echo(f"badapi: failed: {result.error}")
    echo(f"badapi: landed {result.rows:,} rows in {result.loads} loads in {result.seconds:.1f} s")
    return result
