"""Resource guards for imports: the process's memory and the batch folder's disk, watched with psutil."""

from __future__ import annotations

import gc
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

log = logging.getLogger(__name__)
MB = 1024 * 1024
DISK_RESERVE_MB = 100  # never fill the disk past this, whatever the settings say


@dataclass
class ResourceGuard:
    """Says when to slow down: over ``max_memory_mb`` go one file at a time; over the disk limit, wait."""

    max_memory_mb: int
    max_disk_mb: int
    folder: Path
    wait_seconds: float = 0.2
    max_wait_seconds: float = 600.0
    peak_rss_mb: float = 0.0
    peak_disk_mb: float = 0.0
    min_free_disk_mb: float = field(default=float("inf"))
    throttled: bool = False
    disk_waits: int = 0
    bytes_on_disk: int = 0

    def __post_init__(self) -> None:
        self._process = psutil.Process()
        self.check_memory()
        self.free_disk_mb()

    def rss_mb(self) -> float:
        rss = self._process.memory_info().rss / MB
        self.peak_rss_mb = max(self.peak_rss_mb, rss)
        return rss

    def free_disk_mb(self) -> float:
        where = self.folder
        while not where.exists() and where != where.parent:
            where = where.parent  # the disk the folder is (or will be) on
        free = shutil.disk_usage(where).free / MB
        self.min_free_disk_mb = min(self.min_free_disk_mb, free)
        return free

    def check_memory(self) -> bool:
        """True when under the limit; the first time over it, release memory and throttle."""
        rss = self.rss_mb()
        if rss <= self.max_memory_mb:
            return True
        if not self.throttled:
            log.warning("memory %.0f MB is over the %d MB limit: importing one file at a time", rss,
                        self.max_memory_mb)
            self.throttled = True
        gc.collect()
        return False

    def has_room(self, nbytes: int) -> bool:
        """Whether ``nbytes`` more fit in the batch folder's allowance and on the disk."""
        fits_allowance = (self.bytes_on_disk + nbytes) / MB <= self.max_disk_mb
        fits_disk = self.free_disk_mb() - nbytes / MB >= DISK_RESERVE_MB
        return fits_allowance and fits_disk

    def wait_for_disk(self, nbytes: int) -> None:
        """Nothing else is in flight: wait until the disk itself can take the file (alone, a file may
        exceed the batch allowance), rather than fail."""
        if self.free_disk_mb() - nbytes / MB >= DISK_RESERVE_MB:
            return
        self.disk_waits += 1
        log.warning("disk: %.0f MB free, %.1f MB needed: waiting for space", self.free_disk_mb(), nbytes / MB)
        deadline = time.monotonic() + self.max_wait_seconds
        while self.free_disk_mb() - nbytes / MB < DISK_RESERVE_MB and time.monotonic() < deadline:
            time.sleep(self.wait_seconds)

    def added(self, nbytes: int) -> None:
        self.bytes_on_disk += nbytes
        self.peak_disk_mb = max(self.peak_disk_mb, self.bytes_on_disk / MB)

    def removed(self, nbytes: int) -> None:
        self.bytes_on_disk = max(0, self.bytes_on_disk - nbytes)
