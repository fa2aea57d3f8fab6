"""Bounded memories of pure functions' results, for the labels and codes that repeat across rows and
workbooks (header labels, units, code cells).

A plain dict looked up in line, where ``functools.lru_cache`` costs a call through its wrapper (and a
key tuple when typed): measured at about a fifth of reading a table row. Emptied whole when full,
which bounds memory without an LRU list to maintain.
"""

from __future__ import annotations


class Memo:
    """``results`` by argument; callers look up ``results`` themselves and ``keep`` what they work out."""

    def __init__(self, limit: int) -> None:
        self.results: dict[object, str | None] = {}
        self.limit = limit

    def keep(self, key: object, result: str | None) -> str | None:
        """Remember ``result`` for ``key`` (forgetting everything first when full) and give it back."""
        if len(self.results) >= self.limit:
            self.results.clear()
        self.results[key] = result
        return result

    def forget(self) -> None:
        self.results.clear()

    def __len__(self) -> int:
        return len(self.results)
