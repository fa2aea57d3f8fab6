"""The inventory's copies of the small workbooks it read whole, kept for their import.

Recognition reads a small workbook whole (one request costs less than several range reads), and
its import would download the same bytes again: the inventory keeps them here, named by file and
version, and the import takes the copy of the version it imports instead of downloading it. Each
file then costs the source one request instead of two (SharePoint throttles by requests), and the
import skips a download. A copy of another version, or none, means a download as before: runs on
other machines (pods without a shared volume) simply find nothing. The folder holds at most
``download.spool_mb``; each inventory drops the copies of files no longer waiting for an import.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

from dpgf_assets.settings import Settings

log = logging.getLogger(__name__)


class Spool:
    """Whole copies of source files by (file id, version), within an allowance of disk."""

    def __init__(self, folder: Path, max_mb: float) -> None:
        self.folder = folder
        self.max_bytes = int(max_mb * 1024 * 1024)
        self._lock = threading.Lock()
        self._used: int | None = None  # bytes held, counted on first use

    def _path(self, file_id: str, etag: str) -> Path:
        # a file id or an etag may hold any character: the name is their digest
        return self.folder / hashlib.sha256(f"{file_id}\n{etag}".encode()).hexdigest()

    def _reserve(self, size: int) -> bool:
        with self._lock:
            if self._used is None:
                try:
                    self.folder.mkdir(parents=True, exist_ok=True)
                    self._used = sum(e.stat().st_size for e in os.scandir(self.folder) if e.is_file())
                except OSError as exc:  # no spool here: imports download as they would without one
                    log.warning("no spool in %s: %s", self.folder, exc)
                    self._used = self.max_bytes
                    return False
            if self._used + size > self.max_bytes:
                return False
            self._used += size
            return True

    def keep(self, file_id: str, etag: str, data: bytes) -> bool:
        """Keep ``data`` as this version's copy, unless the allowance is used up. Written under a
        temporary name and renamed: a copy is whole or absent, never half a file."""
        if not self._reserve(len(data)):
            return False
        path = self._path(file_id, etag)
        part = path.with_name(f"{path.name}.part{threading.get_ident()}")
        try:
            part.write_bytes(data)
            os.replace(part, path)
        except OSError as exc:  # a full or read-only disk costs a download later, nothing else
            log.warning("no spooled copy of %s: %s", file_id, exc)
            part.unlink(missing_ok=True)
            self._release(len(data))
            return False
        return True

    def holds(self, file_id: str, etag: str, size: int) -> bool:
        """Whether this version has a whole copy here (``size`` bytes)."""
        try:
            return self._path(file_id, etag).stat().st_size == size
        except OSError:
            return False

    def take(self, file_id: str, etag: str, size: int, dest: Path) -> bool:
        """Move this version's copy to ``dest`` when there is one of ``size`` bytes; False otherwise."""
        if not self.holds(file_id, etag, size):
            return False
        try:
            os.replace(self._path(file_id, etag), dest)
        except OSError:  # absent (another machine's inventory, taken, pruned) or on another disk
            return False
        self._release(size)
        return True

    def prune(self, wanted: set[tuple[str, str]]) -> int:
        """Delete every copy but those of the (file id, etag) versions in ``wanted``; how many went."""
        if not self.folder.is_dir():
            return 0
        keep = {self._path(file_id, etag).name for file_id, etag in wanted}
        removed = 0
        for entry in os.scandir(self.folder):
            if entry.name not in keep:
                try:
                    size = entry.stat().st_size
                    os.unlink(entry.path)
                except OSError:
                    continue
                self._release(size)
                removed += 1
        return removed

    def _release(self, size: int) -> None:
        with self._lock:
            if self._used is not None:
                self._used = max(0, self._used - size)


def spool_of(settings: Settings) -> Spool | None:
    """The data folder's spool, or None when ``download.spool_mb`` is 0."""
    mb = settings["download.spool_mb"]
    return Spool(settings.spool_dir, mb) if mb else None
