"""The feed dates a supplier stock feed may carry: the retention window up to today, and a day ahead.

The stock history keeps `supplier_stock_retention_days` days counted back from today, and ignores feed dates
more than `feed_date_days_ahead` days ahead (both dbt vars in dbt_project.yml, read here so the loader and the
models agree). A feed dated outside is refused before anything lands: one upload dated 2099 would otherwise sit
in the history as the newest feed of its supplier for 73 years, and a feed older than the window would be loaded
only to be deleted by the next build.

"Today" is the machine's date, or ELT_TODAY (YYYY-MM-DD) when set: tests and replays of past days fix it, and
dbt reads the same variable (macro `feed_date_today`).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project.yml"


class FeedDateOutOfRange(ValueError):
    """A feed date outside the window; the message gives the date, the window and how to change it."""


@cache
def _project_vars(path: Path = DBT_PROJECT) -> dict[str, object]:
    with path.open(encoding="utf-8") as f:
        return dict(yaml.safe_load(f).get("vars") or {})


def today() -> dt.date:
    """ELT_TODAY (YYYY-MM-DD) when set, else the machine's date."""
    fixed = os.environ.get("ELT_TODAY", "").strip()
    if not fixed:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(fixed)
    except ValueError:
        raise FeedDateOutOfRange(f"ELT_TODAY={fixed!r} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class FeedDateWindow:
    """Feed dates from `first` to `last`, both included."""

    first: dt.date
    last: dt.date
    retention_days: int
    days_ahead: int

    @classmethod
    def current(cls) -> FeedDateWindow:
        """The window as of today (ELT_TODAY) with the retention and days ahead of dbt_project.yml."""
        variables = _project_vars()
        retention = int(str(variables["supplier_stock_retention_days"]))
        ahead = int(str(variables["feed_date_days_ahead"]))
        day = today()
        # The models keep feed_date > today - retention: the first date kept is the day after.
        return cls(day - dt.timedelta(days=retention - 1), day + dt.timedelta(days=ahead), retention, ahead)

    def refusal(self, feed_date: dt.date) -> str | None:
        """Why `feed_date` is refused, or None when it is inside the window."""
        if self.first <= feed_date <= self.last:
            return None
        side = "after" if feed_date > self.last else "before"
        return (
            f"feed date {feed_date.isoformat()} is {side} the accepted window {self.first.isoformat()} … "
            f"{self.last.isoformat()} (the last {self.retention_days} days the stock history keeps, up to "
            f"{self.days_ahead} day(s) ahead): check the date; the window is set by supplier_stock_retention_days "
            "and feed_date_days_ahead in dbt_project.yml"
        )

    def check(self, feed_date: dt.date) -> None:
        """Raise FeedDateOutOfRange when `feed_date` is outside the window."""
        reason = self.refusal(feed_date)
        if reason:
            raise FeedDateOutOfRange(reason)
