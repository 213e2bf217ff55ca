"""`elt load linnworks` killed with SIGKILL in the middle of extracting or of loading: the rerun ends with
exactly the sandbox's rows (keys compared table by table, none twice), and the processed-orders cursor never
gets ahead of the orders that landed, even with no lookback to hide it.

tests/support/crash.py runs `elt` in a subprocess and kills it at an exact point, every time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest

from elt.targets import Target
from loaders.linnworks import settings
from loaders.linnworks.records import parse_timestamp
from sandboxes.linnworks import Sandbox, running_sandbox
from tests.support import REPO_ROOT
from tests.support.linnworks import DATASET, assert_lands_exactly, warehouse_keys
from tests.support.warehouse import query

ROOT = REPO_ROOT
WINDOW = 2.0
RESOURCES = ["stock_levels", "processed_orders", "order_details"]
"""A replace table and merge tables, one with nested tables (order_details): 9 tables (all 28 take long)."""


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """3 pages of stock items and of processed orders (spread over 90 days), fresh credentials."""
    secrets = {name: str(uuid.uuid4()) for name in ("application_id", "application_secret", "token")}
    with running_sandbox(items=450, orders=450, rate_window_seconds=WINDOW, **secrets) as started:
        yield started


def elt_load_linnworks(sandbox: Sandbox, target: Target, kill_at: str | None = None) -> subprocess.CompletedProcess:
    """`elt --duckdb … load linnworks -r RESOURCES` against the sandbox, with no orders lookback; under
    tests/support/crash.py (SIGKILLed at `kill_at`) when given."""
    env = {
        **os.environ,
        **{f"SOURCES__LINNWORKS__{name.upper()}": value for name, value in sandbox.credentials.items()},
        "SOURCES__LINNWORKS__AUTH_URL": sandbox.url,
        "SOURCES__LINNWORKS__RATE_LIMIT_WINDOW_SECONDS": str(WINDOW),
        "SOURCES__LINNWORKS__RETRY_BACKOFF_SECONDS": "0.05",
        "SOURCES__LINNWORKS__ORDERS_LOOKBACK_SECONDS": "0",
    }
    runner = ["-m", "tests.support.crash", kill_at] if kill_at else ["-m", "elt.cli"]
    command = [
        sys.executable,
        *runner,
        "--duckdb",
        str(target.duckdb_path),
        "load",
        "linnworks",
        "-r",
        ",".join(RESOURCES),
    ]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def orders_cursor(target: Target) -> datetime:
    """The processed-orders cursor (dProcessedOn) in the pipeline's local state."""
    state = target.pipeline(settings.PIPELINE_NAME, settings.DATASET_NAME).state
    cursor = state["sources"]["linnworks"]["resources"]["processed_orders"]["incremental"]["dProcessedOn"]
    return parse_timestamp(str(cursor["last_value"]))


KILLS = {
    "extract:5": "in the middle of extraction, five pages in",
    "load:1": "in the middle of loading, after the first load job",
    "load-commit:order_details": "after the destination committed a load job, before dlt recorded it",
}


@pytest.mark.parametrize("kill_at", list(KILLS), ids=list(KILLS.values()))
def test_a_linnworks_load_killed_with_sigkill_is_completed_by_the_rerun_with_exactly_the_sandbox_rows(
    kill_at: str, sandbox: Sandbox, target: Target
) -> None:
    killed = elt_load_linnworks(sandbox, target, kill_at)

    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert warehouse_keys(target, ["processed_orders"]) == {"processed_orders": []}, "killed before orders landed"
    # orders processed after the killed run: a rerun reading only from an advanced cursor would find these alone
    sandbox.add_processed_orders(5)

    rerun = elt_load_linnworks(sandbox, target)

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert_lands_exactly(target, sandbox, RESOURCES)
    newest = max(parse_timestamp(order.header["dProcessedOn"]) for order in sandbox.data.processed_orders)  # type: ignore[index]
    assert query(target, f"select max(d_processed_on) from {DATASET}.processed_orders") == [(newest,)]
    assert orders_cursor(target) == newest, "the cursor is the newest order that landed, not beyond"
