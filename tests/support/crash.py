"""Run `elt` in this process and SIGKILL it at an exact point of a load:
`python -m tests.support.crash POINT elt-args…`.

The crash tests use it to kill a loader where a kill does the most harm, every time, instead of guessing a
moment with a timer. POINT is one of:

    extract:N        after the Nth batch of rows a resource hands to dlt (mid-file, mid-paging)
    normalize        when dlt has normalized the package but not yet committed it
    normalize-commit between dlt's two normalize commit moves (the package is in both folders)
    load:N           after the Nth load job of the package completed (the others not yet loaded)
    load-commit:T    when the destination has committed table T's load job but dlt has not recorded it yet
    push:N           after eBay answered the Nth ReviseInventoryStatus call of `elt push ebay`, before the push
                     records the outcomes of its wave (the listings are revised, the records say `sending`)

The process kills itself with SIGKILL: no handler, no `finally`, no flush runs, exactly as `kill -9` would.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

POINTS = ("extract", "normalize", "normalize-commit", "load", "load-commit", "push")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _after_calls(count: int, original: Callable[..., Any]) -> Callable[..., Any]:
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = original(*args, **kwargs)
        calls += 1
        if calls >= count:
            _die()
        return result

    return wrapper


def _extract_after(batches: int) -> None:
    """Kill once `batches` items (pages, row batches) have left the resources."""
    from dlt.extract.extractors import Extractor

    original = Extractor.write_items
    seen = 0

    def write_items(self: Any, resource: Any, items: Any, meta: Any) -> None:
        nonlocal seen
        original(self, resource, items, meta)
        seen += 1
        if seen >= batches:
            _die()

    Extractor.write_items = write_items  # type: ignore[method-assign]


def _before_recording(table: str) -> None:
    """Kill as dlt is about to record that table's job as done: its rows are committed, dlt does not know it."""
    from dlt.common.storages.load_package import PackageStorage

    original = PackageStorage.save_pending_transition

    def save_pending_transition(self: Any, load_id: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        if file_name.split(".")[0] == table:
            _die()
        original(self, load_id, file_name, *args, **kwargs)

    PackageStorage.save_pending_transition = save_pending_transition  # type: ignore[method-assign]


def install(point: str) -> None:
    name, _, number = point.partition(":")
    if name == "load-commit":
        _before_recording(number)
        return
    count = int(number or 1)
    if name == "extract":
        _extract_after(count)
    elif name == "normalize":
        from dlt.common.storages.load_storage import LoadStorage

        def commit_new_load_package(self: Any, load_id: str) -> None:
            _die()  # every normalized file is written; the package is not committed

        LoadStorage.commit_new_load_package = commit_new_load_package  # type: ignore[method-assign]
    elif name == "normalize-commit":
        from dlt.common.storages.load_storage import LoadStorage

        LoadStorage.commit_new_load_package = _after_calls(1, LoadStorage.commit_new_load_package)  # type: ignore[method-assign]
    elif name == "push":
        from loaders.ebay.client import TradingClient

        TradingClient.call = _after_calls(count, TradingClient.call)  # type: ignore[method-assign]
    elif name == "load":
        from dlt.common.storages.load_package import PackageStorage

        PackageStorage.complete_job = _after_calls(count, PackageStorage.complete_job)  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown kill point {point!r}: choose from {', '.join(POINTS)}")


if __name__ == "__main__":
    install(sys.argv[1])
    from elt.cli import main

    sys.argv = ["elt", *sys.argv[2:]]
    main()
