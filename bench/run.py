"""`make bench` / `make bench-quick`: run every benchmark, print a table, write bench/RESULTS.md.

Each figure is min / median / max over at least 3 runs; every comparison is a ratio of runs made side by side
in the same process, so machine noise cancels.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.measure import Figure, Stat, run_child, table

RESULTS = Path(__file__).with_name("RESULTS.md")


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
    from bench.feeds import figures

    return figures(quick, runs, folder)


def bench_hostile(quick: bool, runs: int, folder: Path) -> list[Figure]:
    from bench.hostile import figures

    return figures(quick, runs, folder)


def bench_raw_load(quick: bool, runs: int, folder: Path) -> list[Figure]:
    from bench.raw_load import MODES, load_once, stock_item_records

    records = stock_item_records(2_000 if quick else 9_000)
    seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
    rows: dict[str, int] = {}
    for _ in range(runs):  # the three side by side in each round
        for mode in MODES:
            elapsed, rows[mode] = load_once(records, mode)
            seconds[mode].append(elapsed)
    ratio = [default / ours for default, ours in zip(seconds["dlt default"], seconds["ours"], strict=True)]
    nested = [nested / ours for nested, ours in zip(seconds["nested parquet"], seconds["ours"], strict=True)]
    name = f"raw load ({len(records):,} nested stock items, extract + normalize + load)"
    return [
        *(
            Figure(
                name,
                f"{mode} ({rows[mode]:,} raw rows)",
                Stat(tuple(len(records) / s for s in seconds[mode])),
                "items/s",
                digits=0,
            )
            for mode in MODES
        ),
        Figure(name, "speed-up ours ÷ dlt default (insert_values)", Stat(tuple(ratio)), "×", "≥ 10×"),
        Figure(name, "speed-up ours ÷ nested parquet", Stat(tuple(nested)), "×"),
    ]


def bench_demo(quick: bool, runs: int, folder: Path) -> list[Figure]:
    seconds, rss = [], []
    for i in range(runs):
        env = {**os.environ, "ELT_DUCKDB_PATH": str(folder / f"demo{i}.duckdb")}
        args = [sys.executable, "-m", "elt.cli", "demo", "--workdir", str(folder / f"demo{i}"),
                "--out", str(folder / f"out{i}")]  # fmt: skip
        wall, peak = run_child(args, env)
        seconds.append(wall)
        rss.append(peak)
    return [
        Figure("`elt demo` end to end", "wall time", Stat(tuple(seconds)), "s"),
        Figure("`elt demo` end to end", "peak RSS", Stat(tuple(rss)), "MB", digits=0),
    ]


def bench_linnworks(quick: bool, runs: int, folder: Path) -> list[Figure]:
    from bench.linnworks import bound_seconds, naive_sync, our_sync, scaled_limits
    from sandboxes.linnworks import running_sandbox

    items, orders, window, divisor = (6_000, 3_000, 2.0, 30) if quick else (20_000, 10_000, 2.0, 10)
    limits = scaled_limits(divisor)
    name = (
        f"Linnworks full sync ({items:,} items, 4 locations, {orders:,} orders; "
        f"{window:g} s window, limits ÷ {divisor})"
    )
    elapsed, bounds, ratios, throttled, totals, naive, speedups = [], [], [], [], [], [], []
    per_method: dict[str, list[float]] = {}  # calls answered with data, per method, and the 429s
    with running_sandbox(items=items, orders=orders, rate_window_seconds=window, rate_limits=limits) as sandbox:
        for _ in range(runs):
            sync = our_sync(sandbox, folder, window, limits)
            bound, _method = bound_seconds(sync.answered(), limits, window)
            for method, count in sync.answered().items():
                per_method.setdefault(f"calls answered with data: {method}", []).append(count)
            per_method.setdefault("calls answered 429 (count)", []).append(
                sum(call.status == 429 for call in sync.calls)
            )
            sandbox.reset_stats()
            baseline = naive_sync(sandbox, window, limits)
            elapsed.append(sync.api_seconds)
            bounds.append(bound)
            ratios.append(sync.api_seconds / bound)
            throttled.append(100 * sync.throttled_share)
            totals.append(sync.total_seconds)
            naive.append(baseline)
            speedups.append(baseline / sync.api_seconds)
    spec_name = f"Linnworks full sync at the spec's limits (150/250 per {window:g} s window)"
    spec_elapsed, spec_bounds = [], []
    with running_sandbox(items=items, orders=orders, rate_window_seconds=window) as sandbox:
        spec_limits = scaled_limits(1)
        for _ in range(runs):
            sync = our_sync(sandbox, folder, window, spec_limits)
            spec_elapsed.append(sync.api_seconds)
            spec_bounds.append(bound_seconds(sync.answered(), spec_limits, window)[0])
    return [
        Figure(name, "API phase: first call to last answer", Stat(tuple(elapsed)), "s"),
        Figure(name, "rate-limit bound (busiest method, calls answered with data)", Stat(tuple(bounds)), "s"),
        Figure(name, "API phase ÷ bound", Stat(tuple(ratios)), "×"),
        Figure(name, "end to end ÷ bound", Stat(tuple(t / b for t, b in zip(totals, bounds, strict=True))), "×"),
        Figure(name, "calls answered 429", Stat(tuple(throttled)), "%", "≤ 1 %"),
        Figure(name, "end to end: `elt load linnworks` process, start to exit", Stat(tuple(totals)), "s"),
        Figure(name, "naive baseline: sequential, full-window sleep between batches", Stat(tuple(naive)), "s"),
        Figure(name, "naive ÷ ours (API phase)", Stat(tuple(speedups)), "×"),
        *(Figure(name, what, Stat(tuple(counts)), "calls", digits=0) for what, counts in sorted(per_method.items())),
        Figure(spec_name, "API phase (limits do not bind: each method fits a window)", Stat(tuple(spec_elapsed)), "s"),
        Figure(spec_name, "rate-limit bound", Stat(tuple(spec_bounds)), "s"),
    ]


def bench_linnworks_real_limits(quick: bool, runs: int, folder: Path) -> list[Figure]:
    """The goal: a full sync at Linnworks' real limits (150/250 calls per method per 60 s) within 1.15 times the
    rate-limit bound, end to end (`elt load linnworks` from process start to exit), at 32,000 and at 100,000 items
    with flat memory (peak RSS of the loader's process). Quick mode: the 32,000 items only."""
    from bench.linnworks import bound_seconds, our_sync, scaled_limits
    from sandboxes.linnworks import running_sandbox

    limits, orders, window = scaled_limits(1), 26_000, 60.0  # fewer than 30,000 items fit one window: no bound
    figures: list[Figure] = []
    for items in (32_000,) if quick else (32_000, 100_000):
        name = (
            f"Linnworks full sync at the real limits ({items:,} items, {orders:,} orders; 60 s window, "
            "150/250 a method)"
        )
        api, totals, bounds, throttled, peaks, startup, after = [], [], [], [], [], [], []
        with running_sandbox(items=items, orders=orders, rate_window_seconds=window) as sandbox:
            for _ in range(runs):
                sync = our_sync(sandbox, folder, window, limits)
                api.append(sync.api_seconds)
                totals.append(sync.total_seconds)
                bounds.append(bound_seconds(sync.answered(), limits, window)[0])
                throttled.append(100 * sync.throttled_share)
                peaks.append(sync.peak_mb)
                startup.append(sync.startup_seconds)
                after.append(sync.after_seconds)
        figures += [
            Figure(name, "rate-limit bound", Stat(tuple(bounds)), "s"),
            Figure(name, "API phase: first call to last answer", Stat(tuple(api)), "s"),
            Figure(name, "process start to the first call (imports, pipelines)", Stat(tuple(startup)), "s"),
            Figure(name, "last answer to exit (normalize and load left over, process exit)", Stat(tuple(after)), "s"),
            Figure(name, "end to end: `elt load linnworks` process, start to exit", Stat(tuple(totals)), "s"),
            Figure(
                name,
                "end to end ÷ bound",
                Stat(tuple(t / b for t, b in zip(totals, bounds, strict=True))),
                "×",
                "≤ 1.15",
            ),
            Figure(name, "calls answered 429", Stat(tuple(throttled)), "%", "≤ 1 %"),
            Figure(
                name, "peak RSS of the loader", Stat(tuple(peaks)), "MB", "flat" if items > 32_000 else "", digits=0
            ),
        ]
    return figures


def bench_daily(quick: bool, runs: int, folder: Path) -> list[Figure]:
    import datetime as dt

    import duckdb

    from bench import daily_scale
    from elt.build_scope import daily_build_args
    from elt.guard import UNIT_TESTS_ONLY
    from elt.targets import Target

    scale = 0.05 if quick else 1.0
    sizes = daily_scale.Sizes.at(scale)
    target = Target.from_options("duckdb", folder / "scale.duckdb")
    daily_scale.bootstrap(target, folder)
    con = duckdb.connect(str(target.duckdb_path))
    started = time.perf_counter()
    first = daily_scale.first_day(next_days=runs)
    daily_scale.generate_raw(con, sizes, first)
    day = first
    for _ in range(daily_scale.HISTORY_DAYS):
        daily_scale.add_feed_day(con, day, first, sizes)
        day += dt.timedelta(days=1)
    generated = time.perf_counter() - started
    raw = {table: daily_scale.text_mb(con, f"raw_supplier_stock.{table}") for table in daily_scale.RAW_TABLES}
    con.close()
    print(f"  generated the raw tables in {generated:.0f} s (xlsx bypassed): "
          + ", ".join(f"{t} {n:,} rows / {mb:,.0f} MB" for t, (n, mb) in raw.items()), flush=True)  # fmt: skip
    full, incremental, ratios, full_rate, incremental_rate = [], [], [], [], []
    whole_nodes: dict[str, list[float]] = {}  # where the next day's build spends its time, node by node
    ebay_rows = 0

    def next_day() -> None:
        nonlocal day
        with duckdb.connect(str(target.duckdb_path)) as con:
            daily_scale.add_feed_day(con, day, first, sizes, loaded_at=dt.datetime.now(dt.UTC))
        day += dt.timedelta(days=1)

    for _ in range(runs):
        whole = daily_scale.build(target, ["build", "--full-refresh", *UNIT_TESTS_ONLY])
        with duckdb.connect(str(target.duckdb_path)) as con:
            ebay_rows, ebay_mb = daily_scale.text_mb(con, "marts.ebay")
        next_day()
        nextday = daily_scale.build(target, daily_build_args(target))  # what `elt run` runs
        full.append(whole.seconds)
        incremental.append(nextday.seconds)
        ratios.append(nextday.seconds / whole.seconds)
        full_rate.append(ebay_mb / whole.model_seconds["ebay"])
        for node, seconds in nextday.model_seconds.items():
            whole_nodes.setdefault(node, []).append(seconds)
        incremental_rate.append(ebay_mb / nextday.model_seconds["ebay"])
    listings, listings_mb = raw["store_listings"]
    feeds, feeds_mb = raw["stock_feed_rows"]
    name = (
        f"daily run at scale ({listings:,} listings / {listings_mb:,.0f} MB, {raw['products'][0]:,} products, "
        f"{feeds // daily_scale.HISTORY_DAYS:,} feed rows / {feeds_mb / daily_scale.HISTORY_DAYS:,.0f} MB a day "
        f"x {daily_scale.HISTORY_DAYS} days; raw tables written directly, xlsx bypassed; {ebay_rows:,} eBay rows)"
    )
    return [
        Figure(name, "full `dbt build` (--full-refresh)", Stat(tuple(full)), "s"),
        Figure(
            name,
            "next day's incremental build, as `elt run` (data tests on rebuilt dates)",
            Stat(tuple(incremental)),
            "s",
        ),
        Figure(name, "incremental ÷ full", Stat(tuple(ratios)), "×", "≤ 0.1"),
        Figure(name, "through the ebay model, full build", Stat(tuple(full_rate)), "MB/s"),
        Figure(name, "through the ebay model, incremental build", Stat(tuple(incremental_rate)), "MB/s"),
    ] + [
        Figure(name, f"next day's build: `{node}`", Stat(tuple(seconds)), "s")
        for node, seconds in sorted(whole_nodes.items(), key=lambda item: -sorted(item[1])[len(item[1]) // 2])[:6]
    ]


def bench_ebay_push(quick: bool, runs: int, folder: Path) -> list[Figure]:
    from bench.ebay_push import figures

    return figures(quick, runs, folder)


BENCHMARKS: dict[str, Callable[[bool, int, Path], list[Figure]]] = {
    "feeds": bench_feeds,
    "hostile": bench_hostile,
    "raw-load": bench_raw_load,
    "linnworks": bench_linnworks,
    "linnworks-real-limits": bench_linnworks_real_limits,
    "daily": bench_daily,
    "demo": bench_demo,
    "ebay-push": bench_ebay_push,
}


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
            print("\n".join(table(figures)), flush=True)
    mode = "quick" if options.quick else "full"
    now = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    rows = table(figures)
    header = [
        f"- date: {now}; mode: {mode}; runs per figure: {runs}",
        f"- machine: {_machine()}",
        "- command: `make bench`" + (" (quick: `make bench-quick`)" if options.quick else ""),
    ]
    if options.only and RESULTS.exists():  # one benchmark re-run: its rows replace theirs, the others stay
        old = RESULTS.read_text().splitlines()
        names = {f"| {figure.benchmark} |" for figure in figures}
        kept = [line for line in old if line.startswith("|") and not any(line.startswith(n) for n in names)]
        header = [line for line in old if line.startswith("- ")]
        header.append(f"- re-run on {now}: `python -m bench.run --only {' --only '.join(options.only)}`")
        rows = kept + rows[2:]  # kept starts with the header rows
    report = ["# Benchmark results", "", *header, "", *rows, ""]
    RESULTS.write_text("\n".join(report))
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
