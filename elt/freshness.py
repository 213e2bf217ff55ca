"""Suppliers whose newest feed is older than their expected cadence (marts.supplier_freshness): the warning in
`elt run`'s summary and alert, and on the web page. Their listings keep their last quantity (marked `is_stale`
in marts.ebay) unless the stale policy seed says to set them to 0."""

from __future__ import annotations

from typing import Any

from elt.targets import Target

STALE_SQL = (
    "select supplier, newest_feed_date, feed_age_days, expected_cadence_days, stale_policy, is_stale_to_zero "
    "from marts.supplier_freshness where is_stale order by supplier"
)


def stale_suppliers(target: Target) -> list[dict[str, Any]]:
    """The stale suppliers as the last build saw them; empty when the mart is not there (no build yet)."""
    try:
        with target.connect() as con:
            cursor = con.execute(STALE_SQL)
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
    except Exception:  # no warehouse or no build yet: nothing to warn about
        return []
    return [dict(zip(columns, row, strict=True)) for row in rows]


def stale_message(stale: dict[str, Any]) -> str:
    """One line a person reads: which supplier, how old its newest feed is, what happens to its listings."""
    cadence = int(stale["expected_cadence_days"])
    expected = "daily" if cadence == 1 else f"every {cadence} days"
    if stale["newest_feed_date"] is None:
        age = "has sent no feed in the retention window"
    else:
        age = f"newest feed {stale['newest_feed_date']} is {stale['feed_age_days']} days old"
    outcome = "its listings go to 0" if stale["is_stale_to_zero"] else "its listings keep their last quantity"
    return f"supplier {stale['supplier']} is stale: {age} (expected {expected}); {outcome}"
