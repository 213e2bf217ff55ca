"""Conventions every `elt` command keeps (issue 13, "Why" case 5 and item 7): `elt --version`; `-q` and `-v`
before or after any command; an example in every --help; PATH and YYYY-MM-DD metavars; no ANSI colour in
redirected output (and never with NO_COLOR); `elt --help` imports neither dlt nor dbt; LOG_FORMAT=json makes
every line a JSON record with a Cloud Logging severity."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from elt.cli import main
from tests.support import REPO_ROOT


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in group.commands.items():
        if name == "sandbox":  # its subcommands live in the development-only sandboxes package
            found.append(((*prefix, name), command))
            continue
        found.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


def test_elt_version_prints_the_package_version() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output == f"elt {version('elt')}\n"


def test_every_command_help_shows_an_example_and_the_common_options() -> None:
    for path, command in [((), main), *_commands(main)]:
        if path == ("dbt",):  # `elt dbt --help` is dbt's own help: its example is in `elt --help`
            text = command.help or ""
            assert "Example:" in text
            continue
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Example:" in result.output, path
        assert "-q/--quiet" in result.output or path == ("sandbox",), path


def test_paths_and_dates_are_named_path_and_yyyy_mm_dd() -> None:
    for path, command in _commands(main):
        for param in command.params:
            if isinstance(param.type, click.Path) or param.name in {"out_dir", "workdir", "path", "paths"}:
                assert (param.metavar or "").startswith("PATH"), (path, param.name)
            if isinstance(param.type, click.DateTime):
                assert param.metavar == "YYYY-MM-DD", (path, param.name)


def test_quiet_and_verbose_are_taken_after_the_command(tmp_path: Path) -> None:
    quiet = CliRunner().invoke(main, ["load", "supplier-stock", str(tmp_path), "-q", "--duckdb", str(tmp_path / "w")])
    assert quiet.exit_code == 1
    assert quiet.output.splitlines() == [
        f"warning: nothing to load: no .xlsx workbook in {tmp_path} (other files are ignored in folders)"
    ]
    verbose = CliRunner().invoke(main, ["--duckdb", str(tmp_path / "w"), "load", "supplier-stock", str(tmp_path), "-v"])
    assert verbose.output.splitlines()[0] == f"target: duckdb {tmp_path / 'w'}"


def _elt(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "elt.cli", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_redirected_output_has_no_colour_codes(tmp_path: Path) -> None:
    result = _elt("--duckdb", str(tmp_path / "w.duckdb"), "dbt", "parse")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Performance info" in result.stdout or "Running with dbt" in result.stdout
    assert "\x1b[" not in result.stdout + result.stderr


def test_help_imports_neither_dlt_nor_dbt() -> None:
    probe = (
        "import sys; from elt.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dlt', 'dbt', 'duckdb', 'pyarrow'}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr


def test_log_format_json_makes_every_line_a_record_with_a_severity(tmp_path: Path) -> None:
    result = _elt("--duckdb", str(tmp_path / "w.duckdb"), "load", "supplier-stock", str(tmp_path), LOG_FORMAT="json")
    assert result.stderr == ""
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["severity"] for r in records] == ["INFO", "INFO", "WARNING"]
    assert records[0]["message"] == f"target: duckdb {tmp_path / 'w.duckdb'}"
    assert records[-1]["message"].startswith("nothing to load: no .xlsx workbook in")
