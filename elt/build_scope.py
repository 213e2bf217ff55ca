"""What `elt run`'s `dbt build` tests: every node but unit tests (they test the SQL in CI, not the day's data), and
the data tests of the feed-date tables only on the feed dates loaded since the last passing complete build."""

from __future__ import annotations

import datetime as dt
import json

from elt.guard import UNIT_TESTS_ONLY, last_build
from elt.targets import Target

DIMENSION_TABLES = ("raw_supplier_stock.products", "raw_supplier_stock.store_listings")
"""Reloading one of these makes the incremental models rebuild every feed date (see feed_dates_to_rebuild)."""


def untested_feed_dates_since(target: Target) -> dt.date | None:
    """The first feed date that no passing complete build has tested yet, or None when every date needs testing.

    The supplier-stock models rebuild only the feed dates loaded since their last build, so a build that passed
    vouches for every date loaded before it started. None (test everything) when no passing build is recorded,
    or when the product master or store listings were loaded since (every date was rebuilt).
    """
    record = last_build(target)
    if record is None or record.status != "passed":
        return None
    since = dt.datetime.fromisoformat(record.started_at)
    try:
        with target.connect() as con:
            for table in DIMENSION_TABLES:  # names are the constants above
                (newer,) = con.execute(f"select count(*) from {table} where loaded_at >= ?", [since]).fetchone()
                if newer:
                    return None
            (first,) = con.execute(
                "select min(feed_date) from raw_supplier_stock.stock_feed_rows where loaded_at >= ?", [since]
            ).fetchone()
    except Exception:  # a table not there yet, a warehouse not reachable: test everything
        return None
    return first if first is not None else dt.date.today()


def daily_build_args(target: Target, feed_date: dt.date | None = None) -> list[str]:
    """`elt run`'s dbt build: everything but unit tests (they test the SQL in CI, not the day's data), with the
    data tests of the feed-date tables on the feed dates this build rebuilds (var test_feed_dates_since), and
    supplier feed ages counted to the run's feed date (var stale_as_of) when one is given."""
    args = ["build", *UNIT_TESTS_ONLY]
    variables = {}
    since = untested_feed_dates_since(target)
    if since is not None:
        variables["test_feed_dates_since"] = since.isoformat()
    if feed_date is not None:
        variables["stale_as_of"] = feed_date.isoformat()
    if variables:
        args += ["--vars", json.dumps(variables)]
    return args
