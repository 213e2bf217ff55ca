"""Hostile workbooks (issue 14) and the reader's fuzz pass: seconds to read or refuse each, at two sizes eight
times apart (linear: the ratio stays near 8; the old reader's concatenation made it ~64), and the fuzz pass of
tests/loaders/workbooks/test_xlsx_fuzz.py timed whole (inputs read or refused)."""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from pathlib import Path

from bench.measure import Figure, Stat
from loaders.workbooks.reader import WorkbookError, open_workbook
from tests.support import hostile_xlsx


def _seconds(data: bytes) -> float:
    started = time.perf_counter()
    try:
        with open_workbook(io.BytesIO(data)) as workbook:
            for _ in workbook.first_visible_sheet().rows():
                pass
    except WorkbookError:
        pass
    return time.perf_counter() - started


def figures(quick: bool, runs: int, folder: Path) -> list[Figure]:
    base = 250_000 if quick else 1_000_000
    cases: list[tuple[str, Callable[[int], bytes]]] = [
        ("newlines between tags", hostile_xlsx.newlines_between_tags),
        ("newlines between shared strings", hostile_xlsx.newlines_between_shared_strings),
        ("elements nested (refused)", hostile_xlsx.nested),
    ]
    out = []
    for label, build in cases:
        small, large = build(base), build(8 * base)
        small_s = [_seconds(small) for _ in range(runs)]
        large_s = [_seconds(large) for _ in range(runs)]
        name = f"hostile xlsx: {label}"
        out.append(Figure(name, f"{base:,} ({len(small):,} bytes)", Stat(tuple(small_s)), "s"))
        out.append(Figure(name, f"{8 * base:,} ({len(large):,} bytes)", Stat(tuple(large_s)), "s"))
        ratios = tuple(b / max(a, 1e-6) for a, b in zip(sorted(small_s), sorted(large_s), strict=True))
        out.append(Figure(name, "8x the input: time ratio", Stat(ratios), "x", goal="linear: about 8, not 64"))

    from tests.loaders.workbooks import test_xlsx_fuzz as fuzz

    seconds, counts = [], {"read": 0, "refused": 0}
    for _ in range(runs):
        rng = random.Random(fuzz.SEED)
        inputs = []
        for _name, data in fuzz._seeds(folder):
            inputs.append(data)
            inputs += [fuzz._mutant(rng, data) for _ in range(fuzz.MUTANTS_PER_SEED)]
        counts = {"read": 0, "refused": 0}
        started = time.perf_counter()
        for data in inputs:
            counts[fuzz._read(data).split(":")[0]] += 1
        seconds.append(time.perf_counter() - started)
    name = f"xlsx fuzz pass ({len(inputs)} inputs: {counts['read']} read, {counts['refused']} refused)"
    out.append(Figure(name, "whole pass", Stat(tuple(seconds)), "s", goal="every input read or refused"))
    return out
