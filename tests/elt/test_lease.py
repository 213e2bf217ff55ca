"""The warehouse lease (elt.lease) on a DuckDB file, which runs the same SQL as BigQuery: one holder at a time,
the holder named to whoever waits or is refused, an abandoned lease taken over after it expires, a held one kept
alive by its renewals. tests/e2e/test_concurrency.py runs it on the BigQuery emulator with real jobs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from elt import guard, lease, state
from elt.lock import WarehouseBusy
from elt.targets import Target
from tests.support.bigquery.dialect import bigquery_problems
from tests.support.contention import every_turn, take_turns


@pytest.fixture
def target(tmp_path: Path) -> Target:
    return Target.from_options("duckdb", tmp_path / "warehouse.duckdb")


def _hold(
    target: Target, wait: float, seconds: int = 30, on_wait: Callable[[str], None] | None = None
) -> AbstractContextManager[None]:
    return lease.warehouse_lease(lambda: target.connect(create=True), "the test warehouse", wait, on_wait, seconds)


def test_two_commands_taking_the_lease_at_once_never_hold_it_together(target: Target) -> None:
    contention = take_turns(lambda: _hold(target, wait=60), rounds=5, pause=0.05)
    assert contention.errors == []
    assert contention.most_inside == 1
    assert sorted(contention.turns) == every_turn(5)


def test_a_command_that_may_not_wait_is_refused_naming_the_holder(target: Target) -> None:
    with _hold(target, wait=0), pytest.raises(WarehouseBusy) as refused, _hold(target, wait=0):
        pytest.fail("the second command got the lease")
    assert f"the test warehouse is in use by {lease.holder_name()}; waited 0 s (ELT_LOCK_WAIT_SECONDS)" in str(
        refused.value
    )
    with _hold(target, wait=0):  # released: the next one takes it at once
        pass


def test_a_lease_whose_holder_died_is_taken_over_once_it_expires(target: Target) -> None:
    with target.connect(create=True) as con:
        lease._ensure(con)
        assert lease.try_acquire(con, "elt (pid 1, a killed task)", "dead-token", seconds=2)
    told: list[str] = []
    started = time.monotonic()
    with _hold(target, wait=30, on_wait=told.append):
        waited = time.monotonic() - started
    assert told == ["waiting for elt (pid 1, a killed task) to finish with the test warehouse …"]
    assert 1.0 <= waited < 10


def test_a_held_lease_is_renewed_past_its_expiry(target: Target) -> None:
    with _hold(target, wait=0, seconds=2):
        time.sleep(4)  # twice the lease's length: only its renewals keep it
        with pytest.raises(WarehouseBusy), _hold(target, wait=0):
            pass


def test_every_statement_the_lease_and_the_build_record_send_is_bigquery_sql(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []

    class Recording:
        def __init__(self, con: Any) -> None:
            self.con = con

        def execute(self, sql: str, params: Any = None) -> Any:
            sent.append(sql)
            return self.con.execute(sql, params or [])

        def commit(self) -> None:
            self.con.commit()

    @contextmanager
    def recording(create: bool = False) -> Iterator[Recording]:
        with target.connect(create=True) as con:
            yield Recording(con)

    with lease.warehouse_lease(recording, "the test warehouse", 0, None, 30):
        pass
    with recording() as con:
        lease._ensure(con)
        lease.current_holder(con)
        state.ensure_table(con, guard.RECORD_TABLE, guard.RECORD_COLUMNS)
        state.upsert(con, guard.RECORD_TABLE, "record_key", {"record_key": "k", "status": "s", "record": "{}"})
        state.fetch_row(con, guard.RECORD_TABLE, "record_key", "k")
    assert len(set(sent)) >= 9
    assert {sql: bigquery_problems(sql) for sql in sent if bigquery_problems(sql)} == {}
