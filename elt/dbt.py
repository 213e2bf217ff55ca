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
    error: str | None = None
    """dbt's own error when it did not run (a usage error, a bad profile): shown as dbt said it."""


def _profiles_dir(target: Target) -> Path:
    """A profiles directory holding this project's profile (profiles.example.yml, as it is)."""
    path = target.state_dir / "profiles"
    path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROFILE_TEMPLATE, path / "profiles.yml")
    return path


def dbt_target_path(target: Target) -> Path:
    return target.dbt_path


def colour_allowed() -> bool:
    """ANSI colour only on a terminal, and never with NO_COLOR set (https://no-color.org)."""
    import sys

    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


SELECTING_COMMANDS = {"build", "run", "test", "compile", "ls", "list"}
READ_ONLY_COMMANDS = {("docs", "serve"), ("ls",), ("list",), ("compile",), ("parse",), ("debug",), ("show",)}
"""dbt commands that write nothing to the warehouse: `elt dbt` runs them without the writer's lock."""
HELP_FLAGS = {"-h", "--help", "--version", "-V", "-v"}
NO_SOURCES_LOADED = "no sources loaded: run `elt demo` or `elt load …` first"
OUR_FLAGS = ("--project-dir", "--profiles-dir", "--target", "--target-path", "--log-path")
"""Flags elt adds to a dbt command (each only when that command accepts it and the user did not give it)."""


def dbt_command_path(args: Sequence[str]) -> tuple[str, ...]:
    """The dbt (sub)command words in `args`: `("docs", "serve")`, `("build",)`, `()` for `--version`."""
    import click
    from dbt.cli.main import cli

    words: list[str] = []
    command: click.Command = cli
    for arg in args:
        if arg.startswith("-") or not isinstance(command, click.Group):
            break
        sub = command.commands.get(arg)
        if sub is None:
            break
        words.append(arg)
        command = sub
    return tuple(words)


def is_read_only(args: Sequence[str]) -> bool:
    """Whether `elt dbt ARGS` leaves the warehouse alone (help, version, `docs serve`, `ls`, `compile`, …)."""
    return bool(set(args) & HELP_FLAGS) or dbt_command_path(args) in READ_ONLY_COMMANDS


def accepted_flags(args: Sequence[str]) -> set[str]:
    """The options the dbt command in `args` accepts (read from dbt's own click commands)."""
    from dbt.cli.main import cli

    command = cli
    for word in dbt_command_path(args):
        command = command.commands[word]  # type: ignore[attr-defined]
    return {option for param in command.params for option in param.opts}


def _given(args: Sequence[str], flag: str) -> bool:
    return any(arg == flag or arg.startswith(f"{flag}=") for arg in args)


def never_loaded(target: Target) -> list[str] | None:
    """dbt sources whose raw dataset is not in the warehouse yet (loaders.registry names each one's dataset);
    None when the warehouse cannot be listed (no warehouse yet): then build what there is and let dbt say."""
    from loaders.registry import dbt_sources

    try:
        present = target.datasets_with_tables()
    except Exception:
        return None
    return sorted(name for name, dataset in dbt_sources().items() if dataset not in present)


def unloaded_sources(target: Target) -> list[str]:
    """The sources `dbt build` leaves out: never loaded, but not those whose models build empty without their raw
    dataset (Source.builds_empty)."""
    from loaders.registry import dbt_sources_built_empty

    built_empty = dbt_sources_built_empty()
    return [name for name in never_loaded(target) or [] if name not in built_empty]


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

    from elt import logs
    from loaders.registry import dbt_sources

    if on_event is None and logs.json_wanted():  # LOG_FORMAT=json: dbt's events are JSON lines like ours
        on_event = logs.dbt_event
    os.environ.update(target.environment())
    if not colour_allowed():
        os.environ["DBT_USE_COLORS"] = "false"
    console = ["--log-level", "none"] if on_event else ["--quiet"] if quiet else []
    path = dbt_command_path(args)
    subcommand = path[0] if path else ""
    excluded = unloaded_sources(target) if subcommand in SELECTING_COMMANDS else []
    accepted = accepted_flags(args)
    ours = {
        "--project-dir": str(PROJECT_DIR),
        "--profiles-dir": str(_profiles_dir(target)),
        "--target": target.name,
        "--target-path": str(dbt_target_path(target)),
        "--log-path": str(target.state_dir / "dbt-logs"),
    }
    command = [
        *console,
        *args,
        *(["--exclude", *(f"source:{name}+" for name in excluded)] if excluded else []),
        *(part for flag in OUR_FLAGS if flag in accepted and not _given(args, flag) for part in (flag, ours[flag])),
    ]
    full_build = guard.is_full_build(args)
    missing = never_loaded(target) if full_build else None
    if missing is not None and set(dbt_sources()) <= set(missing):  # nothing to build from: not a passing build
        guard.build_finished(target, args, False, [NO_SOURCES_LOADED])
        return DbtOutcome(success=False, failures=[NO_SOURCES_LOADED])
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
        outcome.error = str(result.exception)
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
