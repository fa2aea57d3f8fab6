"""Which fault, if any, a request gets: rates drawn from a seeded RNG, or a scripted sequence.

Scripted faults make a test exact ("the next request answers 429 with Retry-After: 1"); rates make a
soak test ("10 % of requests are throttled") reproducible from the seed. A request named by a key (its
method, path and range) draws from the seed, the key and how many times that key was asked before, so
the same requests get the same faults whatever order concurrent clients send them in.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from dataclasses import dataclass

KINDS = ("throttle", "unavailable", "reset", "truncate", "slow")


@dataclass
class FaultPlan:
    """Per-request fault rates (0..1) and how faults behave; ``target`` picks graph, download or all."""

    throttle: float = 0.0  # 429 with Retry-After
    unavailable: float = 0.0  # 503 (with Retry-After when ``retry_after_on_503``)
    reset: float = 0.0  # the connection is reset before any answer
    truncate: float = 0.0  # the body is cut short (Content-Length promises more)
    slow: float = 0.0  # the answer starts after ``slow_seconds``
    retry_after: float = 1.0
    retry_after_on_503: bool = False
    slow_seconds: float = 2.0
    seed: int = 0
    target: str = "all"  # "all", "graph" or "download"

    def __post_init__(self) -> None:
        if self.target not in ("all", "graph", "download"):
            raise ValueError("target must be all, graph or download")
        if sum(getattr(self, k) for k in KINDS) > 1:
            raise ValueError("fault rates add up to more than 1")


class FaultInjector:
    """Draws a fault per request, thread-safely, and counts what it injected."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._lock = threading.Lock()
        self._script: deque[str] = deque()
        self._asked: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.set_plan(plan or FaultPlan())

    def set_plan(self, plan: FaultPlan) -> None:
        with self._lock:
            self.plan = plan
            self._rng = random.Random(plan.seed)
            self._asked.clear()

    def script(self, *kinds: str) -> None:
        """The next requests (of the plan's target) get exactly these faults, in order; "none" skips one."""
        for kind in kinds:
            if kind not in KINDS and kind != "none":
                raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            self._script.extend(kinds)

    def draw(self, endpoint: str, key: str | None = None) -> str | None:
        with self._lock:
            plan = self.plan
            if plan.target != "all" and plan.target != endpoint:
                return None
            if self._script:
                kind = self._script.popleft()
                return None if kind == "none" else kind
            if key is None:
                roll = self._rng.random()
            else:
                self._asked[key] += 1
                roll = random.Random(f"{plan.seed}:{key}:{self._asked[key]}").random()
            for kind in KINDS:
                rate = getattr(plan, kind)
                if roll < rate:
                    return kind
                roll -= rate
            return None

    def count(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] += 1
