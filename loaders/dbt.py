"""Run dbt in-process on this project with the profile in profiles.example.yml and the chosen target."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    callbacks = []
    if on_event is not None:

        def forward(event: Any) -> None:
            if event.info.level in {"info", "warn", "error"}:
                on_event(event.info.level, event.info.msg)

        callbacks.append(forward)
    result = dbtRunner(callbacks=callbacks).invoke(command)
    outcome = DbtOutcome(success=bool(result.success))
    if result.exception is not None:
        outcome.failures.append(f"dbt {' '.join(args)}: {result.exception}")
    for node in getattr(result.result, "results", None) or []:
        status = str(getattr(node.status, "value", node.status))
        outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
        if status in {"error", "fail"}:
            outcome.failures.append(f"{node.node.unique_id}: {node.message}")
    return outcome


def last_build_failures(target: Target) -> list[str] | None:
    """Failures of the last dbt build/run/test on this warehouse; None when dbt never ran here."""
    path = dbt_target_path(target) / "run_results.json"
    if not path.exists():
        return None
    results = json.loads(path.read_text()).get("results", [])
    return [f"{r['unique_id']}: {r.get('message')}" for r in results if r.get("status") in {"error", "fail"}]
