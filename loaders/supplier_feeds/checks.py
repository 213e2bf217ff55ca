"""Sanity checks that a feed sheet is laid out as its supplier's layout says, before any row is landed.

They catch the files that would otherwise load quietly and zero listings: a missing header row, columns that
moved, a stock column with nothing in it. Cell values themselves are judged by dbt, not here.

The sheet is streamed once: the checks judge the header row and the first CHECK_ROWS rows under it (the whole
feed when it is shorter), which are held back until they pass; the rest of the rows then follow unjudged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice

from loaders.supplier_feeds.layouts import FeedLayout
from loaders.workbooks.reader import Sheet, WorkbookError, cell_text
from loaders.workbooks.settings import ROWS_PER_BATCH

# Below this share of numbers in a numeric stock column, the columns have most likely moved.
MIN_NUMERIC_SHARE = 0.5
# Fewer rows than this say too little to judge the share.
MIN_ROWS_TO_JUDGE = 5
# Rows under the header row that the checks judge; one batch of rows, so none is landed before they pass.
CHECK_ROWS = ROWS_PER_BATCH

Row = tuple[int, list[object]]


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    try:
        float(str(value).strip())
    except ValueError:
        return False
    return True


def _cell(cells: list[object], column: int | None) -> object:
    if column is None or column > len(cells):
        return None
    value = cells[column - 1]
    return None if value == "" else value


def checked_feed_rows(sheet: Sheet, layout: FeedLayout) -> Iterator[Row]:
    """The rows under the header row of a feed sheet, read once. The first rows are checked against the
    supplier's layout before any row is given: WorkbookError names the problem when they do not fit.

    Only the part-number and stock columns are decoded; rows are (row number, values from column A).
    """
    columns = [layout.part_number_column] + ([layout.stock_column] if layout.stock_column else [])
    rows = sheet.rows(first_row=layout.header_row, columns=columns)
    head = list(islice(rows, CHECK_ROWS + 1))  # the header row, if it has anything in it, and the rows under it
    check_feed_sheet(sheet, layout, head, complete=len(head) <= CHECK_ROWS)
    yield from (row for row in head if row[0] > layout.header_row)
    yield from rows


def check_feed_sheet(sheet: Sheet, layout: FeedLayout, head: Sequence[Row], complete: bool) -> None:
    """Raise WorkbookError naming the problem when the sheet does not fit the supplier's layout.

    `head`: the sheet's first rows from the header row on; `complete`: whether they are all its rows (`sheet`
    then knows its full extent).
    """
    if sheet.last_row == 0:
        raise WorkbookError("the sheet is empty")
    if sheet.last_row <= layout.header_row:
        raise WorkbookError(f"no rows after the header row (row {layout.header_row})")
    if sheet.last_column < layout.columns_needed:
        raise WorkbookError(
            f"sheet {sheet.name!r} has {sheet.last_column} column(s); the {layout.supplier} layout reads "
            f"part numbers from column {layout.part_number_column}"
            + (f" and stock from column {layout.stock_column}" if layout.stock_column else "")
        )
    rows_with_part = stock_values = numbers = 0
    for row_number, cells in head:
        stock = _cell(cells, layout.stock_column)
        if row_number == layout.header_row:
            if layout.stock_column and _is_number(stock) and not isinstance(stock, str):
                raise WorkbookError(
                    f"row {row_number} should be the header but holds data (stock column "
                    f"{layout.stock_column} = {cell_text(stock)}): is the header row missing?"
                )
            continue
        if _cell(cells, layout.part_number_column) is None:
            continue
        rows_with_part += 1
        if stock is not None:
            stock_values += 1
            numbers += _is_number(stock)

    judged = "" if complete else f" (of its first {CHECK_ROWS:,} rows)"
    if rows_with_part == 0:
        raise WorkbookError(f"no part numbers in column {layout.part_number_column} under the header row{judged}")
    if layout.stock_column is None:
        return
    if stock_values == 0:
        raise WorkbookError(
            f"stock column {layout.stock_column} is empty in every row{judged}: have the columns moved?"
        )
    if layout.quantity_rule == "numeric" and rows_with_part >= MIN_ROWS_TO_JUDGE:
        share = numbers / rows_with_part
        if share < MIN_NUMERIC_SHARE:
            raise WorkbookError(
                f"only {share:.0%} of the stock values in column {layout.stock_column}{judged} are numbers "
                f"({layout.supplier} sends quantities there): have the columns moved?"
            )
