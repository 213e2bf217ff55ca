"""Run dbt in-process on this project with the profile in profiles.example.yml and the chosen target.

The models of a source whose raw dataset is not in the warehouse yet are left out (the registry says which
dataset each dbt source reads), so a seller who does not use a source never needs it. A complete `dbt build`
records its outcome for the export guard (elt.guard)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elt import guard
from elt.targets import Target

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
    return target.dbt_path


SELECTING_COMMANDS = {"build", "run", "test", "compile", "ls", "list"}


def unloaded_sources(target: Target) -> list[str]:
    """dbt sources whose raw dataset is not in the warehouse yet (loaders.registry names each one's dataset), but
    those whose models build empty without it (Source.builds_empty)."""
    from loaders.registry import dbt_sources, dbt_sources_built_empty

    try:
        present = target.datasets_with_tables()
    except Exception:  # no warehouse yet, or it cannot be listed: build what there is and let dbt say
        return []
    built_empty = dbt_sources_built_empty()
    return sorted(name for name, dataset in dbt_sources().items() if dataset not in present and name not in built_empty)


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
    full_build = guard.is_full_build(args)
    if full_build:  # written before dbt starts: a build that crashes or is killed leaves "running" behind
        guard.build_started(target, args)
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
            guard.build_finished(target, args, False, [f"dbt {' '.join(args)} stopped: {type(exc).__name__}: {exc}"])
        raise
    outcome = DbtOutcome(success=bool(result.success))
    if result.exception is not None:
        outcome.failures.append(f"dbt {' '.join(args)}: {result.exception}")
    for node in getattr(result.result, "results", None) or []:
        status = str(getattr(node.status, "value", node.status))
        outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
        if status in guard.FAILED_STATUSES:
            outcome.failures.append(f"{node.node.unique_id}: {node.message}")
    if full_build:
        built = bool(getattr(result.result, "results", None))  # a build that selected nothing vouches for nothing
        failures = outcome.failures or ([] if built else [f"dbt {' '.join(args)} built nothing"])
        guard.build_finished(target, args, outcome.success and built, failures)
    elif subcommand in guard.MODEL_WRITING_COMMANDS and any(
        guard.is_guarded_mart(node.node.unique_id) and str(getattr(node.status, "value", node.status)) != "skipped"
        for node in getattr(result.result, "results", None) or []
    ):
        guard.superseded(target, args)
    return outcome
