"""Feed parsing: our streaming reader vs openpyxl's normal load (and python-calamine) on an FPS-layout feed;
peak memory of a read by feed size.

`python -m bench.feeds PATH [--reader ours|calamine]` prints the peak memory (MB) one read adds to the process;
`python -m bench.feeds --figures [--quick]` prints the whole comparison (what `figures` returns).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import xlsxwriter

if TYPE_CHECKING:
    from bench.measure import Figure

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


def read_with_ours(path: Path) -> int:
    """What the loader does per feed: open, check the layout on the first rows, stream part and stock cells."""
    from loaders.supplier_feeds.checks import checked_feed_rows
    from loaders.supplier_feeds.layouts import feed_layouts
    from loaders.workbooks.reader import cell_text, open_workbook

    layout = feed_layouts()["FPS"]
    part, stock = layout.part_number_column - 1, (layout.stock_column or 1) - 1
    rows = 0
    with open_workbook(path) as workbook:
        for _, cells in checked_feed_rows(workbook.first_visible_sheet(), layout):
            cell_text(cells[part])
            cell_text(cells[stock])
            rows += 1
    return rows


# bench/run.py (owned by the benchmarks) imports this name for "our reader": it is our reader now.
read_with_calamine = read_with_ours


def read_with_python_calamine(path: Path) -> int:
    """python-calamine (the reader the loaders used before): load the first sheet, then every row's part and
    stock cells as text."""
    import python_calamine

    from loaders.workbooks.reader import cell_text

    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = 0
    for index, cells in enumerate(sheet.iter_rows()):
        if index:
            cell_text(cells[0])
            cell_text(cells[3])
            rows += 1
    return rows


def read_with_openpyxl(path: Path) -> int:
    """openpyxl's normal (not read-only) load, then every row's values."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, data_only=True)
    return sum(1 for _ in workbook.worksheets[0].iter_rows(min_row=2, values_only=True))


READERS = {"ours": read_with_ours, "calamine": read_with_python_calamine, "openpyxl": read_with_openpyxl}


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def peak_growth_mb(path: Path, reader: str = "ours") -> float:
    """Peak memory one read adds on top of the process after its imports (Linux: VmHWM reset)."""
    import python_calamine  # noqa: F401

    import loaders.supplier_feeds.checks
    import loaders.supplier_feeds.layouts
    import loaders.workbooks.reader

    loaders.supplier_feeds.layouts.feed_layouts()
    Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current RSS
    before = _status_kb("VmRSS")
    READERS[reader](path)
    return (_status_kb("VmHWM") - before) / 1024


def figures(quick: bool, runs: int, folder: Path) -> list[Figure]:
    """The feed-parsing figures for bench/RESULTS.md: rows/s of ours, openpyxl's normal load and calamine in
    the same runs, the ratios, and the peak memory a read adds for a small and a big feed."""
    import subprocess

    from bench.measure import Figure, Stat, timed

    big = 50_000 if quick else 236_000
    small = 10_000 if quick else 50_000
    big_feed = write_fps_feed(folder / f"FPS_{big}.xlsx", big)
    small_feed = write_fps_feed(folder / f"FPS_{small}.xlsx", small)
    read_with_ours(small_feed)  # warm up: imports and first-use costs are not parsing
    read_with_python_calamine(small_feed)
    seconds: dict[str, list[float]] = {name: [] for name in READERS}
    for _ in range(runs):
        for name, read in READERS.items():
            seconds[name].append(timed(lambda read=read: read(big_feed)))

    def growth_mb(feed: Path, reader: str) -> float:
        args = [sys.executable, "-m", "bench.feeds", str(feed), "--reader", reader]
        return float(subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip())

    name = f"feed parsing ({big:,}-row FPS feed)"
    ours, theirs, calamine = seconds["ours"], seconds["openpyxl"], seconds["calamine"]
    rows_per_s = {reader: Stat(tuple(big / s for s in seconds[reader])) for reader in READERS}
    out = [
        Figure(name, "our reader (streaming, stdlib)", rows_per_s["ours"], "rows/s", digits=0),
        Figure(name, "openpyxl normal load", rows_per_s["openpyxl"], "rows/s", digits=0),
        Figure(name, "python-calamine (whole sheet)", rows_per_s["calamine"], "rows/s", digits=0),
        Figure(
            name, "speed-up ours ÷ openpyxl", Stat(tuple(t / o for t, o in zip(theirs, ours, strict=True))), "×", "≥ 5×"
        ),
        Figure(name, "speed ours ÷ calamine", Stat(tuple(c / o for c, o in zip(calamine, ours, strict=True))), "×"),
    ]
    for reader, label in (("ours", "our reader"), ("calamine", "calamine")):
        for rows, feed in ((small, small_feed), (big, big_feed)):
            stat = Stat(tuple(growth_mb(feed, reader) for _ in range(runs)))
            goal = "no growth with rows" if reader == "ours" and rows == big else ""
            out.append(Figure(name, f"peak memory of a read, {label}, {rows:,} rows", stat, "MB", goal, digits=0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, help="a feed: print the peak memory (MB) one read adds")
    parser.add_argument("--reader", choices=sorted(READERS), default="ours")
    parser.add_argument("--figures", action="store_true", help="run the whole feed-parsing comparison")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    if options.figures:
        from bench.measure import table

        with tempfile.TemporaryDirectory(prefix="elt-bench-feeds-") as tmp:
            print("\n".join(table(figures(options.quick, max(3, options.runs), Path(tmp)))))
    elif options.path:
        print(peak_growth_mb(options.path, options.reader))
    else:
        parser.error("give a feed PATH or --figures")


if __name__ == "__main__":
    main()
