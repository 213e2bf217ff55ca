"""Two commands contending for one lock or lease, in threads: how many held it at once, whose turns ran, and any
error a thread met (an exception in a thread is otherwise lost)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

COMMANDS = ("stock-levels", "linnworks")


@dataclass
class Contention:
    most_inside: int = 0
    turns: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def take_turns(hold: Callable[[], AbstractContextManager[None]], rounds: int, pause: float) -> Contention:
    """Each of COMMANDS takes `hold()` `rounds` times at once with the other, staying `pause` s inside."""
    result, inside, guard = Contention(), [0], threading.Lock()

    def command(name: str) -> None:
        try:
            for _ in range(rounds):
                with hold():
                    with guard:
                        inside[0] += 1
                        result.most_inside = max(result.most_inside, inside[0])
                    time.sleep(pause)
                    result.turns.append(name)
                    with guard:
                        inside[0] -= 1
        except Exception as exc:
            result.errors.append(f"{name}: {exc!r}")

    threads = [threading.Thread(target=command, args=(name,)) for name in COMMANDS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return result


def every_turn(rounds: int) -> list[str]:
    """The sorted turns when every command had all of its rounds."""
    return sorted(name for name in COMMANDS for _ in range(rounds))
