"""Plans import batches: at most N files and M MB each, a larger file alone, most confident first."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence


@dataclass(frozen=True)
class Candidate:
    """A recognised file waiting to be imported."""

    source: str
    file_id: str
    etag: str
    size: int
    confidence: float
    path: str


@dataclass(frozen=True)
class PlannedBatch:
    key: str
    files: tuple[Candidate, ...]

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)


def select_candidates(
    candidates: Sequence[Candidate], *, min_confidence: float, max_files: int
) -> list[Candidate]:
    """Those at or above ``min_confidence``, most confident first (then by path), at most ``max_files``."""
    chosen = sorted(
        (c for c in candidates if c.confidence >= min_confidence),
        key=lambda c: (-c.confidence, c.path, c.file_id),
    )
    return chosen[:max_files] if max_files else chosen


def batch_key(files: Sequence[Candidate], when: datetime) -> str:
    """A key naming exactly these file versions, so it can never be reused for other files."""
    digest = hashlib.sha1()
    for f in sorted(files, key=lambda f: (f.source, f.file_id)):
        digest.update(f"{f.source}\0{f.file_id}\0{f.etag}\n".encode())
    return f"{when:%Y%m%d}-{digest.hexdigest()[:12]}"


def plan_batches(
    candidates: Sequence[Candidate], *, batch_size: int, max_batch_mb: float, when: datetime
) -> list[PlannedBatch]:
    """Fill batches in the given order until either limit would be passed; a larger file goes alone."""
    limit = max_batch_mb * 1024 * 1024
    groups: list[list[Candidate]] = []
    current: list[Candidate] = []
    current_bytes = 0
    for c in candidates:
        if current and (len(current) >= batch_size or current_bytes + c.size > limit):
            groups.append(current)
            current, current_bytes = [], 0
        current.append(c)
        current_bytes += c.size
    if current:
        groups.append(current)
    return [PlannedBatch(key=batch_key(g, when), files=tuple(g)) for g in groups]
