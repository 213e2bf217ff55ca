"""Feed parsing: our calamine reader vs openpyxl's normal load on an FPS-layout feed; peak memory by size."""

from __future__ import annotations

import sys
from pathlib import Path

import xlsxwriter

FPS_HEADER = ["Product Code", "Short Description", "MFG Code", "Free Stock Available Flag", "Price", "Brand"]


def write_fps_feed(path: Path, rows: int) -> Path:
    """An FPS-layout feed: shared strings like Excel writes them, a numeric stock column."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, FPS_HEADER)
    brands = ["Febi", "Bosch", "TRW", "Mintex", "Sachs", "Lemforder"]
    for i in range(1, rows + 1):
        sheet.write_row(i, 0, [f"FP{i:07d}", f"Brake pad set {i % 5000}", f"M{i % 997}", i % 23, 12.5, brands[i % 6]])
    workbook.close()
    return path


def read_with_calamine(path: Path) -> int:
    """What the loader does per feed: open, check the layout, read part and stock cells of every row."""
    from loaders.supplier_stock.checks import check_feed_sheet
    from loaders.supplier_stock.layouts import feed_layouts
    from loaders.supplier_stock.workbook import cell_at, first_sheet, open_workbook

    layout = feed_layouts()["FPS"]
    sheet = first_sheet(open_workbook(path.read_bytes()))
    check_feed_sheet(sheet, layout)
    rows = 0
    for _, cells in sheet.rows(first_row=2):
        cell_at(cells, layout.part_number_column)
        cell_at(cells, layout.stock_column)
        rows += 1
    return rows


def read_with_openpyxl(path: Path) -> int:
    """openpyxl's normal (not read-only) load, then every row's values."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, data_only=True)
    return sum(1 for _ in workbook.worksheets[0].iter_rows(min_row=2, values_only=True))


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def peak_growth_mb(path: Path) -> float:
    """Peak memory a calamine read adds on top of the process after its imports (Linux: VmHWM reset)."""
    import loaders.supplier_stock.checks
    import loaders.supplier_stock.workbook  # noqa: F401

    Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current RSS
    before = _status_kb("VmRSS")
    read_with_calamine(path)
    return (_status_kb("VmHWM") - before) / 1024


if __name__ == "__main__":  # `python -m bench.feeds PATH`: peak memory growth of one read, in MB
    print(peak_growth_mb(Path(sys.argv[1])))
