"""Run dbt in-process on this project with the profile in profiles.example.yml and the chosen target, and keep
the outcome of the last complete `dbt build`: the guard of the eBay Revise export (CLI and web page alike)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from loaders.warehouse import Target

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROFILE_TEMPLATE = PROJECT_DIR / "profiles.example.yml"


@dataclass
class DbtOutcome:
    """What a dbt invocation did: success, and counts of node results by status."""

    success: bool
    statuses: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _profiles_dir(target: Target) -> Path:
    """A profiles directory holding this project's profile (profiles.example.yml, as it is)."""
    path = target.state_dir / "profiles"
    path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROFILE_TEMPLATE, path / "profiles.yml")
    return path


def dbt_target_path(target: Target) -> Path:
    return target.state_dir / "dbt"


SELECTING_COMMANDS = {"build", "run", "test", "compile", "ls", "list"}
STAGING_DIR = PROJECT_DIR / "models" / "staging"


def unloaded_sources(target: Target) -> list[str]:
    """dbt sources whose raw dataset (`raw_<source>`, one folder per source under models/staging) is not in
    the warehouse yet: a seller who does not use a source never has its models built."""
    sources = sorted(p.name for p in STAGING_DIR.iterdir() if p.is_dir())
    try:
        present = _schemas(target)
    except Exception:  # no warehouse yet, or it cannot be listed: build what there is and let dbt say
        return []
    return [name for name in sources if f"raw_{name}" not in present]


def _schemas(target: Target) -> set[str]:
    if target.name == "duckdb":
        if not target.duckdb_path.exists():
            return set()
        with target.connect() as con:
            return {name for (name,) in con.execute("select schema_name from information_schema.schemata").fetchall()}
    from google.cloud import bigquery

    # Raw datasets may be created empty up front (deploy/setup.sh): present means holding a table.
    client = bigquery.Client(project=target.bigquery_project, location=target.bigquery_location)
    raw = [dataset.dataset_id for dataset in client.list_datasets() if dataset.dataset_id.startswith("raw_")]
    return {name for name in raw if next(iter(client.list_tables(name, max_results=1)), None) is not None}


def run_dbt(
    args: Sequence[str],
    target: Target,
    quiet: bool = False,
    on_event: Callable[[str, str], None] | None = None,
) -> DbtOutcome:
    """`dbt ARGS` on the project, with the project's profile and target; results kept per warehouse.

    `quiet` keeps dbt to errors only (the caller prints its own summary). `on_event(level, message)` takes
    over dbt's console output entirely: it receives every info, warn and error message instead.
    """
    from dbt.cli.main import dbtRunner

    os.environ.update(target.environment())
    console = ["--log-level", "none"] if on_event else ["--quiet"] if quiet else []
    subcommand = next((a for a in args if not a.startswith("-")), "")
    excluded = unloaded_sources(target) if subcommand in SELECTING_COMMANDS else []
    command = [
        *console,
        *args,
        *(["--exclude", *(f"source:{name}+" for name in excluded)] if excluded else []),
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(_profiles_dir(target)),
        "--target",
        target.name,
        "--target-path",
        str(dbt_target_path(target)),
        "--log-path",
        str(target.state_dir / "dbt-logs"),
    ]
    full_build = is_full_build(args)
    if full_build:  # written before dbt starts: a build that crashes or is killed leaves "running" behind
        _write_build_record(target, BuildRecord(status="running", command=_command_text(args)))
    callbacks = []
    if on_event is not None:

        def forward(event: Any) -> None:
            if event.info.level in {"info", "warn", "error"}:
                on_event(event.info.level, event.info.msg)

        callbacks.append(forward)
    try:
        result = dbtRunner(callbacks=callbacks).invoke(command)
    except BaseException as exc:  # dbtRunner catches almost everything; a KeyboardInterrupt may still get here
        if full_build:
            _finish_build_record(target, args, False, [f"dbt {' '.join(args)} stopped: {type(exc).__name__}: {exc}"])
        raise
    outcome = DbtOutcome(success=bool(result.success))
    if result.exception is not None:
        outcome.failures.append(f"dbt {' '.join(args)}: {result.exception}")
    for node in getattr(result.result, "results", None) or []:
        status = str(getattr(node.status, "value", node.status))
        outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
        if status in FAILED_STATUSES:
            outcome.failures.append(f"{node.node.unique_id}: {node.message}")
    if full_build:
        built = bool(getattr(result.result, "results", None))  # a build that selected nothing vouches for nothing
        failures = outcome.failures or ([] if built else [f"dbt {' '.join(args)} built nothing"])
        _finish_build_record(target, args, outcome.success and built, failures)
    elif subcommand in MODEL_WRITING_COMMANDS and any(
        _is_ebay_mart(node.node.unique_id) and str(getattr(node.status, "value", node.status)) != "skipped"
        for node in getattr(result.result, "results", None) or []
    ):
        _supersede_build_record(target, args)
    return outcome


# The eBay Revise export's guard. Only a complete `dbt build` (no selection) vouches for marts.ebay, so only its
# outcome is kept: written as "running" before dbt starts and replaced by "passed" or "failed" when it ends, in
# a small JSON file in the warehouse's state folder. target/run_results.json is not the guard: every later dbt
# command (`test -s x`, `compile`, a selective build) overwrites it. A later command that rebuilds marts.ebay
# without the complete build (`run`, `build -s marts.ebay`) marks a passed record "superseded".

FAILED_STATUSES = {"error", "fail", "runtime error"}
MODEL_WRITING_COMMANDS = {"build", "run", "clone", "retry"}
# Flags that make a build less than complete: selections, sampling, and builds of empty or inline SQL.
NARROWING_FLAGS = {
    "-s", "--select", "-m", "--models", "--model", "--exclude", "--selector", "--inline",
    "--resource-type", "--resource-types", "--exclude-resource-type", "--exclude-resource-types",
    "--empty", "--sample", "--sample-window", "--event-time-start", "--event-time-end",
}  # fmt: skip
NOT_RUNNING_FLAGS = {"-h", "--help", "--version"}
BuildStatus = Literal["running", "passed", "failed", "superseded"]


@dataclass
class BuildRecord:
    """The last complete `dbt build` on a warehouse: its status, when, and what failed."""

    status: BuildStatus
    command: str
    started_at: str = field(default_factory=lambda: _now())
    finished_at: str | None = None
    failures: list[str] = field(default_factory=list)
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)
    invocation_id: str | None = None
    superseded_by: str | None = None


UNIT_TESTS_ONLY = ("--exclude-resource-type", "unit_test")
"""Leaving out unit tests (they test the SQL on fixtures, not the data) keeps a build complete: `elt run`'s."""


def is_full_build(args: Sequence[str]) -> bool:
    """`dbt build` of the whole project: the only command whose outcome decides the export guard.

    A build that only leaves out unit tests (`--exclude-resource-type unit_test`) still counts."""
    args = list(args)
    for index in range(len(args) - 1):
        if tuple(args[index : index + 2]) == UNIT_TESTS_ONLY:
            args = args[:index] + args[index + 2 :]
            break
    subcommand = next((a for a in args if not a.startswith("-")), "")
    flags = {a.split("=", 1)[0] for a in args if a.startswith("-")}
    return subcommand == "build" and not flags & (NARROWING_FLAGS | NOT_RUNNING_FLAGS)


def build_record_path(target: Target) -> Path:
    return target.state_dir / "last-complete-build.json"


def last_build(target: Target) -> BuildRecord | None:
    """The record of the last complete `dbt build` on this warehouse; None when none was recorded."""
    path = build_record_path(target)
    if not path.exists():
        return None
    return BuildRecord(**json.loads(path.read_text()))


def build_refusal(target: Target) -> str | None:
    """Why marts.ebay must not be exported now, or None when the last complete dbt build passed and nothing
    rebuilt the mart since. The CLI export and the web page both ask this."""
    record = last_build(target)
    if record is None:
        return (
            "no dbt build has run on this warehouse yet: run `elt transform` first "
            "(a complete build; `-s` selections do not count)"
        )
    if record.status == "running":
        alive = record.host == socket.gethostname() and _pid_alive(record.pid)
        state = "is still running" if alive else "did not finish (it crashed or was stopped)"
        return f"the last dbt build (started {record.started_at}) {state}: run `elt transform` and let it pass"
    if record.status == "superseded":
        return (
            f"marts.ebay was rebuilt by `{record.superseded_by}` after the last complete dbt build, so no "
            "complete build vouches for its quantities: run `elt transform`"
        )
    failures = record.failures if record.status == "failed" else _failures_in_run_results(target, record)
    if record.status == "failed" or failures:
        shown = "\n  ".join((failures or ["dbt reported no details"])[:5])
        more = f"\n  … and {len(failures) - 5} more" if len(failures) > 5 else ""
        return f"the last dbt build failed, so its quantities are not trusted:\n  {shown}{more}"
    return None


def _failures_in_run_results(target: Target, record: BuildRecord) -> list[str]:
    """Failures in run_results.json while that file is still the recorded build's own (same invocation id):
    the record and dbt's results must agree, and the stricter one wins."""
    path = dbt_target_path(target) / "run_results.json"
    if record.invocation_id is None or not path.exists():
        return []
    results = json.loads(path.read_text())
    if results.get("metadata", {}).get("invocation_id") != record.invocation_id:
        return []
    return [
        f"{r['unique_id']}: {r.get('message')}"
        for r in results.get("results", [])
        if r.get("status") in FAILED_STATUSES
    ]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _command_text(args: Sequence[str]) -> str:
    return " ".join(["dbt", *args])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, and someone else's
        return True
    return True


def _write_build_record(target: Target, record: BuildRecord) -> None:
    """Replace the record atomically: a reader never sees half a file."""
    path = build_record_path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(asdict(record), indent=2))
    os.replace(partial, path)


def _finish_build_record(target: Target, args: Sequence[str], passed: bool, failures: list[str]) -> None:
    started = last_build(target)
    record = BuildRecord(
        status="passed" if passed else "failed",
        command=_command_text(args),
        started_at=started.started_at if started and started.status == "running" else _now(),
        finished_at=_now(),
        failures=[] if passed else failures or ["dbt reported no details"],
        invocation_id=_invocation_id(),
    )
    _write_build_record(target, record)


def _supersede_build_record(target: Target, args: Sequence[str]) -> None:
    record = last_build(target)
    if record is not None and record.status == "passed":
        record.status, record.superseded_by = "superseded", _command_text(args)
        _write_build_record(target, record)


def _invocation_id() -> str | None:
    """dbt's id of the invocation that just ended: the one in the run_results.json it wrote."""
    try:
        from dbt_common.invocation import get_invocation_id
    except ImportError:  # pragma: no cover - depends on dbt-common's layout
        return None
    return str(get_invocation_id())


def _is_ebay_mart(unique_id: str) -> bool:
    parts = unique_id.split(".")
    return len(parts) >= 3 and parts[0] == "model" and parts[2] == "ebay"


# -- the daily build ---------------------------------------------------------------------------------------------
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


def daily_build_args(target: Target) -> list[str]:
    """`elt run`'s dbt build: everything but unit tests (they test the SQL in CI, not the day's data), with the
    data tests of the feed-date tables on the feed dates this build rebuilds (var test_feed_dates_since)."""
    args = ["build", *UNIT_TESTS_ONLY]
    since = untested_feed_dates_since(target)
    if since is not None:
        args += ["--vars", json.dumps({"test_feed_dates_since": since.isoformat()})]
    return args
