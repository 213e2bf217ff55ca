"""Timing and memory helpers: repeated runs summarised as min / median / max, peak RSS of child processes."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Stat:
    """min / median / max of a figure over repeated runs."""

    values: tuple[float, ...]

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    def fmt(self, digits: int = 2) -> str:
        return f"{self.min:,.{digits}f} / {self.median:,.{digits}f} / {self.max:,.{digits}f}"


def repeat(runs: int, fn: Callable[[], float]) -> Stat:
    """Call `fn` `runs` times; each call returns its own figure."""
    return Stat(tuple(fn() for _ in range(runs)))


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# Runs a command and prints its wall seconds and peak RSS (KB). A child forked from a large process starts with that
# process's pages as its peak RSS (Linux counts the high-water mark from the fork), so the command is started from
# this small interpreter instead of from the benchmark process.
_MEASURE = """
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - started
if os.waitstatus_to_exitcode(status) != 0:
    sys.stderr.write(child.stderr.read().decode()[-2000:])
    sys.exit(1)
print(seconds, usage.ru_maxrss)
"""


def run_child(args: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MB) of that command alone."""
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args], env=env, capture_output=True, text=True, check=False
    )
    if measured.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {measured.stderr[-2000:]}")
    seconds, peak_kb = measured.stdout.split()
    return float(seconds), float(peak_kb) / 1024


@dataclass(frozen=True)
class Figure:
    """One measured figure of a benchmark: min / median / max of its runs, the unit, the goal it is judged by."""

    benchmark: str
    figure: str
    stat: Stat
    unit: str
    goal: str = ""
    digits: int = 2


def table(figures: list[Figure]) -> list[str]:
    """The figures as a Markdown table (bench/RESULTS.md, the console)."""
    lines = ["| benchmark | figure | min / median / max | unit | goal |", "|---|---|---|---|---|"]
    for f in figures:
        lines.append(f"| {f.benchmark} | {f.figure} | {f.stat.fmt(f.digits)} | {f.unit} | {f.goal} |")
    return lines
