"""Shared pytest fixtures: temporary warehouses and the production image. Helpers the suites share live in
tests/support/ (workbooks, warehouse queries, the Linnworks ground truth, the crash harness, the image, the
BigQuery emulator)."""

from __future__ import annotations

from pathlib import Path

import pytest

from elt.targets import Target
from tests.support.image import Image, build_image


@pytest.fixture
def target(tmp_path: Path) -> Target:
    """An empty DuckDB warehouse in a temp folder."""
    return Target.from_options("duckdb", tmp_path / "warehouse.duckdb")


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    """The production image's /app and Python environment, built here as the Dockerfile builds them."""
    return build_image(tmp_path_factory.mktemp("image"))
