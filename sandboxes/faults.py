"""Fault injection for reliability tests: which call fails, and how.

A fault spec is a comma- (or semicolon-) separated list of rules ``TARGET WHEN = ACTION``:

TARGET
    ``*`` (every method) or a method name, any casing, with or without its controller:
    ``GetStockItemsFull``, ``Stock/GetStockItemsFull``; ``auth`` is short for ``AuthorizeByApplication``.
WHEN
    ``#N`` the Nth call of the method (1-based, counted per method over all sessions, every call that
    reached the sandbox included); ``#N-M`` calls N to M; ``#N+`` call N and every later one;
    ``@P`` each call with probability P (0-1), drawn from an RNG seeded with the sandbox seed, so a
    run that makes the same calls in the same order meets the same faults.
ACTION
    ``500`` / ``502`` / ``503`` / any 4xx-5xx status: that status; 502/503/504 carry an HTML gateway
    page (as a load balancer sends), the others a Linnworks JSON error body ``{"Code", "Message"}``;
    ``429[:S]`` rate-limit answer with ``Retry-After: S`` (default 1); ``quota[:S]`` the same quota
    message on a 400, as Linnworks has been seen to send it (``Retry-After: S`` only when S is given);
    ``drop`` close the connection without answering; ``slow[:S]`` wait S seconds (default 5) and then
    answer normally, to outlast a client timeout; ``truncate`` promise the whole body in
    Content-Length but send half of it and close; ``badjson`` a 200 whose JSON body is cut in half
    (Content-Length matches, the JSON does not parse); ``nonjson`` a 200 HTML page instead of JSON;
    ``expire`` end the caller's session first, so the call (and every later one with that token)
    gets 401 until the client re-authorises.

When several rules select a call, the first one listed wins. Examples::

    GetStockItemsFull#3=503                 the 3rd GetStockItemsFull call answers 503
    auth#1-2=503                            the first two authorisations fail, the third works
    GetStockItemsFull#2=expire              the session ends while paging stock items
    SearchProcessedOrders#2-4=429:2         a burst of three 429s with Retry-After: 2
    GetOrdersById#1=quota                   a 400 whose body is the rate-limit quota message
    *@0.05=500,GetOrdersById@0.1=drop       5% of all calls answer 500, 10% of GetOrdersById drop

In Python: ``FaultRule.parse("GetOrdersById#1=slow:3")``, ``parse_faults(spec)`` or
``FaultRule(action="503", method="GetStockItemsFull", first=3, last=3)``.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

KINDS = ("status", "quota", "drop", "slow", "truncate", "badjson", "nonjson", "expire")
DEFAULT_SLOW_SECONDS = 5.0
_RULE = re.compile(
    r"^\s*(?P<method>\*|[A-Za-z_][\w/]*)\s*"
    r"(?:#\s*(?P<first>\d+)\s*(?:(?P<plus>\+)|-\s*(?P<last>\d+))?|@\s*(?P<rate>[0-9.]+))\s*"
    r"=\s*(?P<action>[A-Za-z0-9.:]+)\s*$"
)


def method_key(name: str) -> str:
    """Canonical, case-insensitive method key: `Stock/GetStockItemsFull` -> `getstockitemsfull`."""
    key = name.strip().rsplit("/", 1)[-1].lower()
    return "authorizebyapplication" if key == "auth" else key


@dataclass(frozen=True)
class FaultRule:
    """One rule: `action` (spec syntax, e.g. "503", "429:2", "slow:3", "drop") for some calls of `method`.

    Select calls either by number (`first`..`last` inclusive, `last=None` meaning every later call) or by
    probability (`rate`).
    """

    action: str
    method: str = "*"
    first: int | None = None
    last: int | None = None
    rate: float | None = None

    def __post_init__(self) -> None:
        if (self.first is None) == (self.rate is None):
            raise ValueError(f"fault rule {self}: give either call numbers (first/last) or a rate")
        if self.first is not None and (self.first < 1 or (self.last is not None and self.last < self.first)):
            raise ValueError(f"fault rule {self}: call numbers start at 1 and last must be >= first")
        if self.rate is not None and not 0 <= self.rate <= 1:
            raise ValueError(f"fault rule {self}: rate must be between 0 and 1")
        self.parsed_action()

    @classmethod
    def parse(cls, text: str) -> FaultRule:
        """A rule from its spec text, e.g. `GetStockItemsFull#3=503` (see the module docstring)."""
        match = _RULE.match(text)
        if not match:
            raise ValueError(
                f"bad fault rule {text!r}: expected TARGET#N=ACTION, TARGET#N-M=ACTION, TARGET#N+=ACTION "
                "or TARGET@RATE=ACTION, e.g. GetStockItemsFull#3=503 or *@0.05=drop"
            )
        if match["rate"] is not None:
            return cls(action=match["action"], method=match["method"], rate=float(match["rate"]))
        first = int(match["first"])
        last = None if match["plus"] else int(match["last"] or first)
        return cls(action=match["action"], method=match["method"], first=first, last=last)

    def parsed_action(self) -> tuple[str, int | None, float | None]:
        """(kind, status, seconds) for the action; kind is one of KINDS."""
        name, _, argument = self.action.strip().lower().partition(":")
        seconds = None
        if argument:
            try:
                seconds = float(argument)
            except ValueError:
                raise ValueError(f"bad fault action {self.action!r}: {argument!r} is not a number") from None
        if name.isdigit():
            status = int(name)
            if not 400 <= status <= 599:
                raise ValueError(f"bad fault action {self.action!r}: status must be 4xx or 5xx")
            return "status", status, seconds
        if name in KINDS and name != "status":
            if name == "slow" and seconds is None:
                seconds = DEFAULT_SLOW_SECONDS
            return name, None, seconds
        raise ValueError(
            f"bad fault action {self.action!r}: use a 4xx/5xx status (429:S for Retry-After), "
            "quota[:S], drop, slow[:S], truncate, badjson, nonjson or expire"
        )

    def applies_to(self, method: str) -> bool:
        return self.method == "*" or method_key(self.method) == method_key(method)

    def __str__(self) -> str:
        if self.rate is not None:
            when = f"@{self.rate:g}"
        elif self.last is None:
            when = f"#{self.first}+"
        elif self.last == self.first:
            when = f"#{self.first}"
        else:
            when = f"#{self.first}-{self.last}"
        return f"{self.method}{when}={self.action}"


def parse_faults(spec: str | Iterable[FaultRule | str] | None) -> list[FaultRule]:
    """Rules from a spec string (or an iterable of rules / rule strings); [] for None or ""."""
    if spec is None:
        return []
    parts: Iterable[FaultRule | str] = re.split(r"[,;]", spec) if isinstance(spec, str) else spec
    rules = []
    for part in parts:
        if isinstance(part, FaultRule):
            rules.append(part)
        elif part.strip():
            rules.append(FaultRule.parse(part))
    return rules


class FaultPlan:
    """The active rules and their seeded random draws; thread-safe."""

    def __init__(self, rules: Sequence[FaultRule] = (), seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._rules: list[tuple[FaultRule, random.Random]] = []
        self.extend(rules)

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return [rule for rule, _ in self._rules]

    def extend(self, rules: Iterable[FaultRule]) -> None:
        with self._lock:
            for rule in rules:
                self._rules.append((rule, random.Random(f"{self._seed}:{len(self._rules)}:{rule}")))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def replace(self, rules: Iterable[FaultRule]) -> None:
        """The rules from now on: `rules` in place of the active ones."""
        self.clear()
        self.extend(rules)

    def pick(self, method: str, call_number: int) -> FaultRule | None:
        """The rule that fires for the `call_number`-th call of `method`, if any.

        Every rate rule for the method draws once per call, whether or not an earlier rule fired, so one
        rule's draws do not depend on the others.
        """
        chosen = None
        with self._lock:
            for rule, rng in self._rules:
                if not rule.applies_to(method):
                    continue
                if rule.rate is not None:
                    hit = rng.random() < rule.rate
                else:
                    assert rule.first is not None
                    hit = call_number >= rule.first and (rule.last is None or call_number <= rule.last)
                if hit and chosen is None:
                    chosen = rule
        return chosen
