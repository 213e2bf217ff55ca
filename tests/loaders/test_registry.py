"""The source registry: each source declared once, and everything that lists sources reads it."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from elt.cli import hoist_common_options, main
from elt.dbt import PROJECT_DIR, unloaded_sources
from elt.targets import Target
from loaders.contract import Source, resolve
from loaders.registry import SOURCES, dbt_sources, source
from tests.support import REPO_ROOT


def test_every_source_has_a_unique_name_a_raw_dataset_and_its_dbt_staging_folder() -> None:
    names = [s.name for s in SOURCES]

    assert len(names) == len(set(names))
    for declared in SOURCES:
        assert declared.dataset.startswith("raw_"), declared.name
        assert (PROJECT_DIR / "models" / "staging" / declared.dbt_source).is_dir(), declared.name
        assert isinstance(declared.command, click.Command) and declared.command.name == declared.name
    staged = {path.name for path in (PROJECT_DIR / "models" / "staging").iterdir() if path.is_dir()}
    assert staged == set(dbt_sources()), "every staging folder belongs to a declared source, and back"


def test_elt_load_has_one_command_per_source_with_the_sources_own_options() -> None:
    load = main.commands["load"]
    assert isinstance(load, click.Group)

    assert sorted(load.commands) == sorted(s.name for s in SOURCES)
    for declared in SOURCES:
        options = {opt for param in load.commands[declared.name].params for opt in getattr(param, "opts", [])}
        declared_options = {opt for param in declared.command.params for opt in getattr(param, "opts", [])}
        assert declared_options <= options
        assert {"--every", "--build"} <= options
        # --target and --duckdb are the root's, taken after the subcommand too (elt.cli.hoist_common_options)
        hoisted = hoist_common_options(["load", declared.name, "--target", "duckdb", "--duckdb", "w.duckdb"])
        assert hoisted == ["--target", "duckdb", "--duckdb", "w.duckdb", "load", declared.name]


def test_sandboxed_sources_name_an_importable_sandbox_command_and_demo_settings() -> None:
    sandboxed = [s for s in SOURCES if s.sandbox]

    assert {s.name for s in sandboxed} >= {"linnworks", "wdn", "badapi"}
    for declared in sandboxed:
        assert isinstance(resolve(str(declared.sandbox)), click.Command), declared.name
        assert callable(resolve(str(declared.demo))), declared.name


def test_an_unknown_source_names_the_known_ones() -> None:
    with pytest.raises(LookupError, match="unknown source 'nope': one of products, stores"):
        source("nope")


def test_a_source_whose_settings_are_missing_says_which_and_is_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in __import__("os").environ if name.startswith("SOURCES__")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SOURCES__WDN__BASE_URL", "http://127.0.0.1:1/api/v1")

    assert source("wdn").is_configured() and source("wdn").missing() == []
    assert source("badapi").missing() == ["SOURCES__BADAPI__BASE_URL"]
    assert set(source("linnworks").missing()) == {
        "SOURCES__LINNWORKS__APPLICATION_ID",
        "SOURCES__LINNWORKS__APPLICATION_SECRET",
        "SOURCES__LINNWORKS__TOKEN",
    }
    assert source("products").missing() == ["SOURCES__SUPPLIER_STOCK__PRODUCTS_URL"]


def test_dbt_leaves_out_the_models_of_every_source_whose_raw_dataset_is_not_loaded(target: Target) -> None:
    assert unloaded_sources(target) == sorted(dbt_sources())  # an empty warehouse: no source loaded yet
    with target.connect() if target.exists() else _created(target) as con:
        con.execute("create schema raw_wdn; create table raw_wdn.brands (id varchar)")

    assert unloaded_sources(target) == sorted(set(dbt_sources()) - {"wdn"})


def _created(target: Target):  # type: ignore[no-untyped-def]
    import duckdb

    target.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(target.duckdb_path))


def test_the_registry_and_the_command_line_load_without_dlt_or_dbt() -> None:
    """`elt --help` must be quick: the declarations import neither dlt nor dbt."""
    probe = "import sys, loaders.registry, elt.cli; print(sorted(m for m in ('dlt', 'dbt') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO_ROOT)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_source_is_a_frozen_declaration() -> None:
    declared: Source = SOURCES[0]
    with pytest.raises(AttributeError):
        declared.name = "x"  # type: ignore[misc]
