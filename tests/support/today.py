"""Fix "today" for a test module whose feeds carry fixed dates: the loader accepts, and the models keep, feed
dates in a window counted from today (loaders/supplier_feeds/window.py, ELT_TODAY), so such a module sets
ELT_TODAY to its own day and stays true whatever the date it runs on.

    _today = fixed_today(DAY)  # at module level: an autouse fixture for the whole module
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest


def fixed_today(day: dt.date) -> Callable[[], Iterator[None]]:
    """An autouse, module-scoped fixture setting ELT_TODAY to `day` (subprocesses inherit it)."""

    @pytest.fixture(autouse=True, scope="module")
    def _fixed_today() -> Iterator[None]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("ELT_TODAY", day.isoformat())
            yield

    return _fixed_today
