"""Shared pytest fixtures: temporary warehouses and small xlsx files written on the fly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
import xlsxwriter

from elt.targets import Target
from tests.support.image import Image, build_image

DAY = dt.date(2026, 11, 20)


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], sheet: str = "Sheet1", first_row: int = 0) -> Path:
    """A one-sheet workbook with `rows` from row `first_row` (0-based); "#N/A" becomes an error cell."""
    return write_workbook(path, {sheet: rows}, first_row=first_row)


def write_workbook(path: Path, sheets: dict[str, Sequence[Sequence[object]]], first_row: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        worksheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value == "#N/A":
                    worksheet.write_formula(first_row + r, c, "=NA()", None, "#N/A")
                elif value is not None:
                    worksheet.write(first_row + r, c, value)
    workbook.close()
    return path


@pytest.fixture
def target(tmp_path: Path) -> Target:
    """An empty DuckDB warehouse in a temp folder."""
    return Target.from_options("duckdb", tmp_path / "warehouse.duckdb")


def query(target: Target, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    with target.connect() as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    """The production image's /app and Python environment, built here as the Dockerfile builds them."""
    return build_image(tmp_path_factory.mktemp("image"))
