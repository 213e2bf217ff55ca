"""`make bench` / `make bench-quick`: run every benchmark, print a table, write bench/RESULTS.md.

Each figure is min / median / max over at least 3 runs; every comparison is a ratio of runs made side by side
in the same process, so machine noise cancels.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.measure import Stat, run_child

RESULTS = Path(__file__).with_name("RESULTS.md")


@dataclass(frozen=True)
class Figure:
    benchmark: str
    figure: str
    stat: Stat
    unit: str
    goal: str = ""
    digits: int = 2


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, "
        f"Python {platform.python_version()}"
    )


def bench_feeds(quick: bool, runs: int, folder: Path) -> list[Figure]:
    from bench.feeds import read_with_calamine, read_with_openpyxl, write_fps_feed
    from bench.measure import timed

    big = 50_000 if quick else 236_000
    small = 10_000 if quick else 50_000
    big_feed = write_fps_feed(folder / f"FPS_{big}.xlsx", big)
    small_feed = write_fps_feed(folder / f"FPS_{small}.xlsx", small)
    read_with_calamine(small_feed)  # warm up: imports and first-use costs are not parsing
    ours, theirs, ratios = [], [], []
    for _ in range(runs):
        t_ours = timed(lambda: read_with_calamine(big_feed))
        t_theirs = timed(lambda: read_with_openpyxl(big_feed))
        ours.append(big / t_ours)
        theirs.append(big / t_theirs)
        ratios.append(t_theirs / t_ours)

    def growth_mb(feed: Path) -> float:
        out = subprocess.run([sys.executable, "-m", "bench.feeds", str(feed)], capture_output=True, text=True)
        return float(out.stdout.strip())

    rss = {
        rows: Stat(tuple(growth_mb(feed) for _ in range(runs))) for rows, feed in ((small, small_feed), (big, big_feed))
    }
    name = f"feed parsing ({big:,}-row FPS feed)"
    return [
        Figure(name, "our reader (calamine)", Stat(tuple(ours)), "rows/s", digits=0),
        Figure(name, "openpyxl normal load", Stat(tuple(theirs)), "rows/s", digits=0),
        Figure(name, "speed-up ours ÷ openpyxl", Stat(tuple(ratios)), "×", "≥ 5×"),
        Figure(name, f"peak memory of the read, {small:,} rows", rss[small], "MB", digits=0),
        Figure(name, f"peak memory of the read, {big:,} rows", rss[big], "MB", "no growth with rows", digits=0),
    ]


def bench_raw_load(quick: bool, runs: int, folder: Path) -> list[Figure]:
    from bench.raw_load import load_once, stock_item_records

    records = stock_item_records(2_000 if quick else 9_000)
    ours, theirs, ratios, rows = [], [], [], 0
    for _ in range(runs):
        t_ours, rows = load_once(records, "parquet")
        t_theirs, _ = load_once(records, None)
        ours.append(rows / t_ours)
        theirs.append(rows / t_theirs)
        ratios.append(t_theirs / t_ours)
    name = f"raw load ({len(records):,} stock items = {rows:,} rows incl. child tables)"
    return [
        Figure(name, "our settings (parquet)", Stat(tuple(ours)), "rows/s", digits=0),
        Figure(name, "dlt default (insert_values)", Stat(tuple(theirs)), "rows/s", digits=0),
        Figure(name, "speed-up", Stat(tuple(ratios)), "×", "≥ 10×"),
    ]


def bench_demo(quick: bool, runs: int, folder: Path) -> list[Figure]:
    seconds, rss = [], []
    for i in range(runs):
        env = {**os.environ, "ELT_DUCKDB_PATH": str(folder / f"demo{i}.duckdb")}
        args = [sys.executable, "-m", "loaders.cli", "demo", "--workdir", str(folder / f"demo{i}"),
                "--out", str(folder / f"out{i}")]  # fmt: skip
        wall, peak = run_child(args, env)
        seconds.append(wall)
        rss.append(peak)
    return [
        Figure("`elt demo` end to end", "wall time", Stat(tuple(seconds)), "s"),
        Figure("`elt demo` end to end", "peak RSS", Stat(tuple(rss)), "MB", digits=0),
    ]


BENCHMARKS: dict[str, Callable[[bool, int, Path], list[Figure]]] = {
    "feeds": bench_feeds,
    "raw-load": bench_raw_load,
    "demo": bench_demo,
}


def _table(figures: list[Figure]) -> list[str]:
    lines = ["| benchmark | figure | min / median / max | unit | goal |", "|---|---|---|---|---|"]
    for f in figures:
        lines.append(f"| {f.benchmark} | {f.figure} | {f.stat.fmt(f.digits)} | {f.unit} | {f.goal} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI-sized machines (minutes)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append")
    options = parser.parse_args()
    runs = max(3, options.runs)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="elt-bench-") as tmp:
        for name in options.only or BENCHMARKS:
            print(f"running {name} …", flush=True)
            folder = Path(tmp) / name
            folder.mkdir()
            figures.extend(BENCHMARKS[name](options.quick, runs, folder))
            print("\n".join(_table(figures)), flush=True)
    mode = "quick" if options.quick else "full"
    report = [
        "# Benchmark results",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; mode: {mode}; runs per figure: {runs}",
        f"- machine: {_machine()}",
        "- command: `make bench`" + (" (quick: `make bench-quick`)" if options.quick else ""),
        "",
        *_table(figures),
        "",
    ]
    RESULTS.write_text("\n".join(report))
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
