"""Fetching the pages of one listing concurrently while handing them on in order."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from itertools import islice
from typing import TypeVar

from loaders.linnworks.client import LinnworksClient

K = TypeVar("K")
T = TypeVar("T")


def prefetch(
    client: LinnworksClient,
    fetch: Callable[[K], T],
    keys: Iterable[K],
    in_flight: int,
    is_last: Callable[[T], bool] = lambda _: False,
    start: int | None = None,
) -> Iterator[T]:
    """`fetch(key)` for each key in order, up to `in_flight` calls at once on the client's threads.

    The first `start` calls (default `in_flight`) start right away, not when the iterator is first read;
    each result handed on allows one more call at once, up to `in_flight` (a slow start, so a listing of
    unknown length that turns out short wastes few calls past its end). Stops after the first result
    `is_last` says ends the listing (a short or empty page); calls already started for later keys are
    dropped. An error in any fetch is raised when its turn comes.
    """
    remaining = iter(keys)
    width = min(in_flight, start or in_flight)
    pending: deque[Future[T]] = deque(client.submit(fetch, key) for key in islice(remaining, width))
    return _in_order(client, fetch, remaining, pending, is_last, width, in_flight)


def _in_order(
    client: LinnworksClient,
    fetch: Callable[[K], T],
    remaining: Iterator[K],
    pending: deque[Future[T]],
    is_last: Callable[[T], bool],
    width: int,
    in_flight: int,
) -> Iterator[T]:
    try:
        while pending:
            result = pending.popleft().result()
            if is_last(result):
                yield result
                return
            width = min(in_flight, width + 1)
            pending.extend(client.submit(fetch, key) for key in islice(remaining, width - len(pending)))
            yield result
    finally:
        for future in pending:
            future.cancel()
