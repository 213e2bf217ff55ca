"""Timing and memory helpers: repeated runs summarised as min / median / max, peak RSS of child processes."""

from __future__ import annotations

import os
import statistics
import subprocess
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


def run_child(args: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MB) of that child alone."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed: {process.stderr.read().decode()[-2000:] if process.stderr else ''}"
        )
    return seconds, usage.ru_maxrss / 1024
