"""Which supplier a feed file is from, and where its part numbers and stock sit (seeds/suppliers.csv)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

# One row per supplier: feed layout (read here) and quantity rule (applied by dbt). Shared with dbt as a seed.
SUPPLIERS_CSV = Path(__file__).resolve().parents[2] / "seeds" / "suppliers.csv"
_CODE = re.compile(r"[ _]")


@dataclass(frozen=True)
class FeedLayout:
    """Where to read one supplier's feed: 1-based columns and header row."""

    supplier: str
    part_number_column: int
    stock_column: int | None
    header_row: int
    quantity_rule: str

    @property
    def columns_needed(self) -> int:
        return max(self.part_number_column, self.stock_column or 0)


@cache
def feed_layouts(path: Path = SUPPLIERS_CSV) -> dict[str, FeedLayout]:
    with path.open(newline="", encoding="utf-8") as f:
        return {
            row["supplier"]: FeedLayout(
                supplier=row["supplier"],
                part_number_column=int(row["part_number_column"]),
                stock_column=int(row["stock_column"]) if row["stock_column"] else None,
                header_row=int(row["header_row"]),
                quantity_rule=row["quantity_rule"],
            )
            for row in csv.DictReader(f)
        }


def code_from_file_name(file_name: str) -> str:
    """The code a file name starts with, up to the first `_` or space (`APE_SF.xlsx`, `APE SF.xlsx`: APE)."""
    stem = PurePosixPath(file_name).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return _CODE.split(stem.strip(), maxsplit=1)[0].upper()
