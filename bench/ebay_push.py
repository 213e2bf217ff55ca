"""`elt push ebay` against the eBay sandbox at scale: N revisions over 3 stores (10,000 each in full mode).

The warehouse holds only what the push reads (marts.ebay_revisions, every listing to send, and a passing
build record written through elt.guard): the benchmark measures the push, not the build. Every listing is an
active fixed-price listing of the sandbox, so every one must end at its target. The push runs as its own
process (`elt push ebay`), so its wall time and peak RSS are its own; the sandbox runs in this process.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.measure import Figure, Stat, run_child

STORES = ("AMS", "CPO", "RTG")


@dataclass(frozen=True)
class PushRun:
    sent: dict[str, int]
    calls: dict[str, int]
    throttled: int
    wall_seconds: float
    api_seconds: float
    peak_mb: float
    at_target: float


def _rows(store: str, count: int) -> list[list[object]]:
    base = {"AMS": 510_000_000_000, "CPO": 520_000_000_000, "RTG": 530_000_000_000}[store]
    return [[base + n, "Brand", f"{store}-SKU-{n}", 5, f"{store} part {n}", 9.99] for n in range(1, count + 1)]


def _warehouse(path: Path, targets: list[tuple[str, int, int, int]]) -> None:
    import duckdb

    from elt.guard import build_finished, build_started
    from elt.targets import Target

    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.ebay_revisions (ebay_store varchar, item_id bigint, target_quantity bigint, "
        "ebay_quantity bigint, reason varchar, ebay_quantity_at timestamp, must_send boolean)"
    )
    con.executemany(
        "insert into marts.ebay_revisions values (?, ?, ?, ?, 'benchmark', null, true)", [list(t) for t in targets]
    )
    con.close()
    target = Target.from_options("duckdb", path)
    build_started(target, ["build"])
    build_finished(target, ["build"], True, [])


def push_once(per_store: int, folder: Path, run: int) -> PushRun:
    from sandboxes.ebay import serving
    from sandboxes.ebay.data import FIXED_PRICE

    rows = {store: _rows(store, per_store + per_store // 10) for store in STORES}  # room for ended and auctions
    with serving(rows=rows) as ebay:
        targets = []
        for store in STORES:
            live = [x for x in ebay.active_listings(store) if x.listing_type == FIXED_PRICE][:per_store]
            assert len(live) == per_store, f"{store}: only {len(live)} active fixed-price listings"
            targets += [(store, int(x.item_id), x.quantity_available + 3, x.quantity_available) for x in live]
        path = folder / f"push{run}.duckdb"
        _warehouse(path, targets)
        env = {**os.environ, **ebay.settings(), "ELT_DUCKDB_PATH": str(path)}
        wall, peak = run_child([sys.executable, "-m", "elt.cli", "push", "ebay"], env)
        revise = ebay.calls("ReviseInventoryStatus")
        held = sum(ebay.listing(s, i).quantity_available == q for s, i, q, _ in targets)
        starts = [c.started_at for c in revise]
        return PushRun(
            sent={s: sum(t[0] == s for t in targets) for s in STORES},
            calls={s: len(ebay.calls_by_store(s, "ReviseInventoryStatus")) for s in STORES},
            throttled=sum("518" in (getattr(c, "error_codes", ()) or ()) for c in revise),
            wall_seconds=wall,
            api_seconds=max(starts) - min(starts),
            peak_mb=peak,
            at_target=100 * held / len(targets),
        )


def burst_bound(calls: int, limit: int = 6000, window: float = 15.0) -> float:
    """The least time eBay's burst limit allows for `calls` calls of one seller: full windows before the last."""
    return (math.ceil(calls / limit) - 1) * window


def figures(quick: bool, runs: int, folder: Path) -> list[Figure]:
    per_store = 1_000 if quick else 10_000
    results = [push_once(per_store, folder, run) for run in range(runs)]
    total = per_store * len(STORES)
    name = f"`elt push ebay`: {total:,} revisions over {len(STORES)} stores (sandbox, eBay's 6000 calls per 15 s)"

    def stat(values: list[float]) -> Stat:
        return Stat(tuple(values))

    out = []
    for store in STORES:
        calls = [float(r.calls[store]) for r in results]
        ideal = math.ceil(results[0].sent[store] / 4)
        out.append(Figure(name, f"{store}: ReviseInventoryStatus calls (ceil(n/4) = {ideal:,})", stat(calls), "calls",
                          digits=0))  # fmt: skip
        out.append(Figure(name, f"{store}: calls ÷ ceil(n/4)", stat([c / ideal for c in calls]), "×", "= 1.00"))
    bounds = [max(burst_bound(c) for c in r.calls.values()) for r in results]
    out += [
        Figure(
            name, "calls answered 518 (call limit)", stat([float(r.throttled) for r in results]), "calls", "0", digits=0
        ),
        Figure(name, "`elt push ebay` process, start to exit", stat([r.wall_seconds for r in results]), "s"),
        Figure(name, "API phase: first call to last call", stat([r.api_seconds for r in results]), "s"),
        Figure(name, "burst-limit bound (busiest store: full 15 s windows before its last call)", stat(bounds), "s"),
        Figure(
            name,
            "calls per second, all stores",
            stat([sum(r.calls.values()) / r.api_seconds for r in results]),
            "calls/s",
            digits=0,
        ),
        Figure(name, "peak RSS of the push process", stat([r.peak_mb for r in results]), "MB", digits=0),
        Figure(name, "listings at their target afterwards", stat([r.at_target for r in results]), "%", "100 %"),
    ]
    return out
