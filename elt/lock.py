"""One writer at a time per warehouse: every `elt` command that writes holds the target's lock.

On BigQuery the lock is a lease row in `raw_elt.lease` (elt.lease), shared by every Cloud Run job and machine. On
DuckDB it is an advisory file lock beside the warehouse (DuckDB allows one writing process per file, so without it
a second run would fail part-way; with it, it queues or stops before doing anything). A second command waits up
to ELT_LOCK_WAIT_SECONDS (default 300) for the first to finish, then refuses with a message naming the warehouse
and the holder.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

POLL_SECONDS = 0.5


class Lockable(Protocol):
    """A warehouse with a lock (elt.targets.Target)."""

    @property
    def state_dir(self) -> Path: ...

    def lock(
        self, wait_seconds: float, on_wait: Callable[[str], None] | None = None
    ) -> AbstractContextManager[None]: ...

    def read_lock(self, wait_seconds: float) -> AbstractContextManager[None]: ...


class WarehouseBusy(RuntimeError):
    """Another elt command holds the warehouse."""


def wait_seconds_from_env() -> float:
    return float(os.environ.get("ELT_LOCK_WAIT_SECONDS", "300"))


def lock_path(target: Lockable) -> Path:
    return target.state_dir / "elt.lock"


@contextmanager
def warehouse_lock(
    target: Lockable,
    wait_seconds: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    reading: bool = False,
) -> Iterator[None]:
    """Hold `target`'s lock for the duration of the block; WarehouseBusy when it stays held past the wait.
    `reading`: a reader's hold (the web pages), which BigQuery does not need (Target.read_lock)."""
    wait = wait_seconds_from_env() if wait_seconds is None else wait_seconds
    with target.read_lock(wait) if reading else target.lock(wait, on_wait):
        yield


@contextmanager
def file_lock(path: Path, what: str, wait: float, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """An exclusive advisory lock on `path` (its text names the holder); `what` names the warehouse in messages."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        deadline, told = time.monotonic() + wait, False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"{what} is in use by {holder}; waited {wait:.0f} s "
                        "(ELT_LOCK_WAIT_SECONDS). Try again when it has finished."
                    ) from None
                if on_wait and not told:
                    on_wait(f"waiting for {holder} to finish with {what} …")
                    told = True
                time.sleep(POLL_SECONDS)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"elt (pid {os.getpid()})")
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
