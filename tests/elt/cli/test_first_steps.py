"""A newcomer's first commands on a fresh warehouse (issue 13, "Why" cases 1-3): the tool's own advice never ends
in a traceback; a build with no source loaded is not a passing build; the export checks marts.ebay exists;
`--target`/`--duckdb` mean the same before or after the subcommand and every command's first line names the
target and the absolute warehouse path; `elt dbt` shows dbt's own output, help, version and errors, honours
the user's `--target-path`, and its read-only commands do not take the writer's lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from elt import guard
from elt.cli import hoist_common_options, main
from elt.lock import warehouse_lock
from elt.targets import Target


def elt(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Target:
    """A path for a warehouse nobody has loaded yet, named by ELT_DUCKDB_PATH as a user's shell would."""
    monkeypatch.delenv("ELT_TARGET", raising=False)
    monkeypatch.setenv("ELT_DUCKDB_PATH", str(tmp_path / "fresh.duckdb"))
    monkeypatch.setenv("ELT_LOCK_WAIT_SECONDS", "0")
    return Target.from_options("duckdb", tmp_path / "fresh.duckdb")


def test_following_the_export_advice_on_an_empty_warehouse_never_ends_in_a_traceback(
    warehouse: Target, tmp_path: Path
) -> None:
    first = elt("export", "ebay-revise", "--out", str(tmp_path / "out"))
    assert first.exit_code == 1 and "run `elt transform` first" in first.output, first.output

    build = elt("transform")
    assert build.exit_code == 1, build.output
    assert "no sources loaded: run `elt demo` or `elt load …` first" in build.output
    assert "Completed successfully" not in build.output
    record = guard.last_build(warehouse)
    assert record is not None and record.status == "failed"

    again = elt("export", "ebay-revise", "--out", str(tmp_path / "out"))
    assert again.exit_code == 1, again.output
    assert "no sources loaded" in again.output and "Traceback" not in again.output
    assert "CatalogException" not in again.output and isinstance(again.exception, SystemExit)


def test_the_export_refuses_with_one_message_when_a_passed_build_left_no_ebay_mart(
    warehouse: Target, tmp_path: Path
) -> None:
    import duckdb

    duckdb.connect(str(warehouse.duckdb_path)).execute("create schema marts; create table marts.other(x int)").close()
    guard.build_finished(warehouse, ["build"], True, [])

    result = elt("export", "ebay-revise", "--out", str(tmp_path / "out"))

    assert result.exit_code == 1, result.output
    assert f"marts.ebay is not in duckdb {warehouse.duckdb_path}" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_an_unexpected_error_is_one_line_with_a_hint_not_a_traceback(
    warehouse: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    import elt.export as export_module

    def broken(*_: object) -> None:
        raise RuntimeError("the disk said no\nsecond line")

    monkeypatch.setattr(export_module, "export_ebay_revise", broken)
    result = elt("export", "ebay-revise", "--out", "x")

    assert result.exit_code == 1
    assert "error: RuntimeError: the disk said no\n" in result.output
    assert "rerun with -vv for the traceback" in result.output and "second line" not in result.output


def test_common_options_after_the_subcommand_move_in_front_of_it() -> None:
    assert hoist_common_options(["dbt", "ls", "-s", "ebay", "--target", "bigquery"]) == [
        "--target",
        "bigquery",
        "dbt",
        "ls",
        "-s",
        "ebay",
    ]
    assert hoist_common_options(["dbt", "ls", "-t", "bigquery", "-q"]) == ["--target", "bigquery", "dbt", "ls", "-q"]
    assert hoist_common_options(["load", "linnworks", "--duckdb=w.duckdb", "-q"]) == [
        "--duckdb=w.duckdb",
        "-q",
        "load",
        "linnworks",
    ]
    assert hoist_common_options(["load", "x", "--", "--target", "y"]) == ["load", "x", "--", "--target", "y"]


def test_target_after_a_dbt_command_is_the_target_dbt_uses(warehouse: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    monkeypatch.delenv("DESTINATION__BIGQUERY__PROJECT_ID", raising=False)
    result = elt("dbt", "ls", "-s", "ebay", "--target", "bigquery")
    assert result.exit_code == 2, result.output
    assert "the bigquery target needs a Google Cloud project" in result.output
    assert "Registered adapter: duckdb" not in result.output


def test_target_and_duckdb_after_a_load_command_are_taken_and_the_first_line_names_the_warehouse(
    warehouse: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("APPLICATION_ID", "APPLICATION_SECRET", "TOKEN"):
        monkeypatch.delenv(f"SOURCES__LINNWORKS__{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    result = elt("load", "linnworks", "--target", "duckdb", "--duckdb", "other.duckdb")
    assert "No such option" not in result.output
    assert result.output.splitlines()[0] == f"target: duckdb {tmp_path / 'other.duckdb'}"
    assert result.exit_code == 1 and "Linnworks is not configured" in result.output


def test_elt_dbt_debug_shows_dbts_own_output_and_passes(warehouse: Target) -> None:
    result = elt("dbt", "debug")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"target: duckdb {warehouse.duckdb_path}"
    assert "All checks passed!" in result.output


def test_elt_dbt_shows_dbts_error_for_an_unknown_command(warehouse: Target) -> None:
    result = elt("dbt", "frob")
    assert result.exit_code == 1
    assert "error: dbt: No such command 'frob'." in result.output


def test_elt_dbt_help_and_version_reach_dbt(warehouse: Target, capfd: pytest.CaptureFixture[str]) -> None:
    build_help = elt("dbt", "build", "--help")
    version = elt("dbt", "--version", env={"DBT_VERSION_CHECK": "false"})
    printed = build_help.output + version.output + capfd.readouterr().out  # dbt writes to the real stdout
    assert build_help.exit_code == 0 and version.exit_code == 0, printed
    assert "--target-path PATH" in printed and "Configure the 'target-path'" in printed
    assert "installed: 1.11." in printed


def test_a_users_own_target_path_is_honoured(warehouse: Target, tmp_path: Path) -> None:
    result = elt("dbt", "parse", "--target-path", str(tmp_path / "mine"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mine" / "manifest.json").exists()
    assert not (warehouse.dbt_path / "manifest.json").exists()


def test_read_only_dbt_commands_run_while_another_command_holds_the_warehouse(warehouse: Target) -> None:
    with warehouse_lock(warehouse, wait_seconds=0):
        parse = elt("dbt", "parse")
        build = elt("transform")
    assert parse.exit_code == 0, parse.output
    assert build.exit_code == 1 and "is in use by elt (pid" in build.output, build.output
