"""The warehouse-level lease on BigQuery: one writing `elt` command at a time across every Cloud Run job and machine.

A file lock cannot span machines, so on BigQuery the lock is a row in `raw_elt.lease` (holder, token, expiry).
It is taken by one conditional UPDATE (`… where token = '' or expires_at < current_timestamp`): BigQuery runs
mutating DML on a table one statement at a time, so of two commands that try at once exactly one updates the row
(row count 1) and the other sees it taken (row count 0) and waits, naming the holder, as the DuckDB lock does.
While held, a thread renews the expiry every ELT_LEASE_SECONDS / 4; a holder that dies (a killed Cloud Run task)
stops renewing and its lease expires after ELT_LEASE_SECONDS (default 120), so the next command goes on.
Expiry is computed by the warehouse's own clock, never by the callers' clocks.

Hand-written (no library offers a lease on BigQuery); the SQL is plain enough that DuckDB runs it too
(tests/elt/test_lease.py), and tests/e2e/test_concurrency.py runs it on the BigQuery emulator.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from elt import state
from elt.lock import WarehouseBusy

TABLE = "lease"
KEY = "warehouse"
COLUMNS = (
    ("lease_key", "string"),
    ("holder", "string"),
    ("token", "string"),
    ("acquired_at", "timestamp"),
    ("expires_at", "timestamp"),
)
POLL_SECONDS = 2.0


class LeaseLost(RuntimeError):
    """The lease expired while held (renewals failed) and may have gone to another command."""


def lease_seconds_from_env() -> int:
    return max(10, int(os.environ.get("ELT_LEASE_SECONDS", "120")))


def holder_name() -> str:
    """Who holds the lease, for the others' messages: the Cloud Run execution when there is one."""
    execution = os.environ.get("CLOUD_RUN_EXECUTION")
    where = f"{execution} on {socket.gethostname()}" if execution else socket.gethostname()
    return f"elt (pid {os.getpid()}, {where})"


def _ensure(con: Any) -> None:
    """The table and its one row; a second row from a racing first insert is harmless (every statement below
    updates every row of the key together)."""
    for attempt in range(5):  # two first-ever commands creating the table at once: one create loses, then sees it
        try:
            state.ensure_table(con, TABLE, COLUMNS)
            break
        except Exception as exc:
            if not _is_concurrent_update(exc) or attempt == 4:
                raise
            _rollback(con)
            time.sleep(0.2)
    con.execute(
        f"insert into {state.DATASET}.{TABLE} (lease_key, holder, token, acquired_at, expires_at) "
        "select ?, '', '', timestamp '1970-01-01 00:00:00', timestamp '1970-01-01 00:00:00' "
        f"where not exists (select 1 from {state.DATASET}.{TABLE} where lease_key = ?)",
        [KEY, KEY],
    )
    state.commit(con)


def try_acquire(con: Any, holder: str, token: str, seconds: int) -> bool:
    """Take the lease if it is free or expired; True when this call took it. A statement that lost a race to a
    concurrent update (BigQuery: "Could not serialize access …"; DuckDB: "Conflict on update") did not take it."""
    try:
        cursor = con.execute(
            f"update {state.DATASET}.{TABLE} set holder = ?, token = ?, acquired_at = current_timestamp, "
            f"expires_at = current_timestamp + interval {int(seconds)} second "
            "where lease_key = ? and (token = '' or expires_at < current_timestamp)",
            [holder, token, KEY],
        )
        state.commit(con)
    except Exception as exc:
        if _is_concurrent_update(exc):
            _rollback(con)
            return False
        raise
    return _affected(cursor) > 0 and current_token(con) == token


def _is_concurrent_update(exc: BaseException) -> bool:
    """A statement that lost to a concurrent one: BigQuery says "Could not serialize access … due to concurrent
    update", DuckDB "Conflict on update", the BigQuery emulator (DuckLake underneath) "Failed to commit"."""
    text = str(exc).lower()
    return any(words in text for words in ("concurrent update", "conflict", "serialize", "failed to commit"))


def _rollback(con: Any) -> None:
    rollback = getattr(con, "rollback", None)
    if rollback is not None:
        try:
            rollback()
        except Exception:  # nothing open to roll back (autocommit)
            return


def renew(con: Any, token: str, seconds: int) -> bool:
    """Push the expiry on; False when the lease is no longer ours."""
    cursor = con.execute(
        f"update {state.DATASET}.{TABLE} set expires_at = current_timestamp + interval {int(seconds)} second "
        "where lease_key = ? and token = ?",
        [KEY, token],
    )
    state.commit(con)
    return _affected(cursor) > 0


def release(con: Any, token: str) -> None:
    con.execute(
        f"update {state.DATASET}.{TABLE} set holder = '', token = '', "
        "expires_at = timestamp '1970-01-01 00:00:00' where lease_key = ? and token = ?",
        [KEY, token],
    )
    state.commit(con)


def current_holder(con: Any) -> str:
    row = con.execute(
        f"select holder from {state.DATASET}.{TABLE} where lease_key = ? and token <> '' "
        "and expires_at >= current_timestamp limit 1",
        [KEY],
    ).fetchone()
    return str(row[0]) if row else ""


def current_token(con: Any) -> str:
    row = con.execute(f"select max(token) from {state.DATASET}.{TABLE} where lease_key = ?", [KEY]).fetchone()
    return str(row[0] or "") if row else ""


def _affected(cursor: Any) -> int:
    """Rows a DML statement changed (DuckDB answers with a one-row result; BigQuery's DB-API with rowcount)."""
    rowcount = getattr(cursor, "rowcount", -1)
    if rowcount is not None and rowcount >= 0:
        return int(rowcount)
    row = cursor.fetchone()
    return int(row[0]) if row else 0


@contextmanager
def warehouse_lease(
    connect: Callable[[], Any],
    what: str,
    wait: float,
    on_wait: Callable[[str], None] | None = None,
    seconds: int | None = None,
) -> Iterator[None]:
    """Hold the lease for the block; WarehouseBusy (naming the holder) when it stays taken past `wait` seconds.
    `connect` opens a DB-API connection (a context manager), `what` names the warehouse in messages."""
    seconds = seconds or lease_seconds_from_env()
    holder, token = holder_name(), uuid.uuid4().hex
    with connect() as con:
        _ensure(con)
        deadline, told = time.monotonic() + wait, False
        while not try_acquire(con, holder, token, seconds):
            other = current_holder(con) or "another elt command"
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{what} is in use by {other}; waited {wait:.0f} s (ELT_LOCK_WAIT_SECONDS). "
                    "Try again when it has finished."
                )
            if on_wait and not told:
                on_wait(f"waiting for {other} to finish with {what} …")
                told = True
            time.sleep(POLL_SECONDS)
    stop, lost = threading.Event(), threading.Event()

    def keep_renewing() -> None:
        with connect() as renewing:
            while not stop.wait(seconds / 4):
                try:
                    if not renew(renewing, token, seconds):
                        lost.set()
                        return
                except Exception:  # one failed renewal is not fatal: the next one may pass before expiry
                    continue

    renewer = threading.Thread(target=keep_renewing, name="elt-lease-renewal", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join(timeout=60)
        with connect() as con:
            release(con, token)
    if lost.is_set():
        raise LeaseLost(
            f"the lease on {what} expired while this command held it (renewals failed for {seconds} s): "
            "another command may have written at the same time; rerun this one"
        )
