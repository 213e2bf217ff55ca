"""The export guard: only quantities a complete, passing `dbt build` vouches for leave the warehouse.

The outcome of the last complete `dbt build` (no selection) is kept: written as "running" before dbt starts and
replaced by "passed" or "failed" when it ends. On BigQuery it lives in the warehouse itself (table
`raw_elt.build_record`, one row, replaced by one MERGE), so that every Cloud Run job and the web service see the
same record; a record left in the old local file (`<state dir>/last-complete-build.json`) moves into the table the
first time it is read. On DuckDB it stays in that small JSON file beside the warehouse (Target.state_in_warehouse
says why). target/run_results.json is not the guard: every later dbt command (`test -s x`, `compile`, a selective
build) overwrites it. A later command that rebuilds the guarded marts without the complete build (`run`,
`build -s marts.ebay`) marks a passed record "superseded". The CLI export and the web page both ask
`build_refusal`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from elt import state
from elt.targets import Target

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
RECORD_TABLE = "build_record"
RECORD_KEY = "last_complete_build"
RECORD_COLUMNS = (("record_key", "string"), ("status", "string"), ("record", "string"), ("written_at", "string"))


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
    """The record's file on DuckDB; on BigQuery, where it was kept before it moved into the warehouse."""
    return target.state_dir / "last-complete-build.json"


def last_build(target: Target) -> BuildRecord | None:
    """The record of the last complete `dbt build` on this warehouse; None when none was recorded."""
    if not target.state_in_warehouse:
        path = build_record_path(target)
        return BuildRecord(**json.loads(path.read_text())) if path.exists() else None
    row = state.read_row(target, RECORD_TABLE, "record_key", RECORD_KEY)
    if row is not None:
        return BuildRecord(**json.loads(row["record"]))
    return _migrate_local_record(target)


def _migrate_local_record(target: Target) -> BuildRecord | None:
    """The old local file's record, moved into the warehouse (once: the file is renamed `.migrated`)."""
    path = build_record_path(target)
    if not path.exists():
        return None
    record = BuildRecord(**json.loads(path.read_text()))
    _write_build_record(target, record)
    path.rename(path.with_name(path.name + ".migrated"))
    return record


def build_refusal(target: Target) -> str | None:
    """Why marts.ebay must not be exported now, or None when the last complete dbt build passed and nothing
    rebuilt the mart since. The CLI export and the web page both ask this."""
    try:
        record = last_build(target)
    except Exception as exc:  # a BigQuery that does not answer, a record that does not parse: refuse
        return (
            f"the build record in raw_elt.{RECORD_TABLE} on {target.describe()} could not be read "
            f"({type(exc).__name__}: {exc}): try again"
        )
    if record is None:
        return (
            f"no dbt build has run on {target.describe()} yet: run `elt transform` first "
            "(a complete build; `-s` selections do not count)"
        )
    if record.status == "running":
        if record.host != socket.gethostname():  # another Cloud Run task or machine: its process is not visible here
            where = f"is running on {record.host} (pid {record.pid}) or did not finish there"
        elif _pid_alive(record.pid):
            where = "is still running"
        else:
            where = "did not finish (it crashed or was stopped)"
        return (
            f"the last dbt build on {target.describe()} (started {record.started_at}) {where}: "
            "run `elt transform` and let it pass"
        )
    if record.status == "superseded":
        return (
            f"marts.ebay was rebuilt by `{record.superseded_by}` after the last complete dbt build on "
            f"{target.describe()}, so no complete build vouches for its quantities: run `elt transform`"
        )
    failures = record.failures if record.status == "failed" else _failures_in_run_results(target, record)
    if record.status == "failed" or failures:
        shown = "\n  ".join((failures or ["dbt reported no details"])[:5])
        more = f"\n  … and {len(failures) - 5} more" if len(failures) > 5 else ""
        return f"the last dbt build failed on {target.describe()}, so its quantities are not trusted:\n  {shown}{more}"
    return None


def _failures_in_run_results(target: Target, record: BuildRecord) -> list[str]:
    """Failures in run_results.json while that file is still the recorded build's own (same invocation id):
    the record and dbt's results must agree, and the stricter one wins."""
    path = target.dbt_path / "run_results.json"
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
    """Full precision (microseconds), as the loaders' `loaded_at`: elt.build_scope compares the two exactly, and
    a load that ends in the same second as the next build starts is not "since" it."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


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


def build_started(target: Target, args: Sequence[str]) -> None:
    """A complete build is starting: until it ends, nothing may be exported."""
    _write_build_record(target, BuildRecord(status="running", command=_command_text(args)))


def _write_build_record(target: Target, record: BuildRecord) -> None:
    """Replace the record at once: a reader sees the old record or the new one, never half (a file replaced by
    rename on DuckDB; one MERGE on BigQuery)."""
    if not target.state_in_warehouse:
        path = build_record_path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(json.dumps(asdict(record), indent=2))
        os.replace(partial, path)
        return
    row = {
        "record_key": RECORD_KEY,
        "status": record.status,
        "record": json.dumps(asdict(record)),
        "written_at": _now(),
    }
    with target.connect(create=True) as con:
        state.ensure_table(con, RECORD_TABLE, RECORD_COLUMNS)
        state.upsert(con, RECORD_TABLE, "record_key", row)


def build_finished(target: Target, args: Sequence[str], passed: bool, failures: list[str]) -> None:
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


def superseded(target: Target, args: Sequence[str]) -> None:
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


def is_guarded_mart(unique_id: str) -> bool:
    parts = unique_id.split(".")
    return len(parts) >= 3 and parts[0] == "model" and parts[2] == "ebay"
