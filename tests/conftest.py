"""Shared pytest fixtures: temporary warehouses and the production image. Helpers the suites share live in
tests/support/ (workbooks, warehouse queries, the Linnworks ground truth, the crash harness, the image, the
BigQuery emulator)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from elt.targets import Target
from tests.support.image import Image, build_image


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """Every test ends with os.environ as it began: commands run in-process set variables for their own process
    (DLT_PROJECT_DIR, ELT_TARGET, the warehouse path), which must not reach the next test on the same worker."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def target(tmp_path: Path) -> Target:
    """An empty DuckDB warehouse in a temp folder."""
    return Target.from_options("duckdb", tmp_path / "warehouse.duckdb")


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    """The production image's /app and Python environment, built here as the Dockerfile builds them."""
    return build_image(tmp_path_factory.mktemp("image"))
