"""Where pricing files come from: one protocol for the local folder and SharePoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Protocol, runtime_checkable


class SourceError(Exception):
    """A source failed. ``transient`` says whether trying again later may succeed."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class SourceFile:
    """One file as the source lists it; ``file_id`` stays the same across renames."""

    file_id: str
    path: str  # library-relative, '/'-separated, including the name
    size: int
    modified: datetime
    etag: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


@dataclass
class Listing:
    """What changed since a cursor.

    ``complete`` means ``files`` is every live file (a full listing), so any known file absent from it
    was deleted; otherwise ``files`` holds only new or changed files and ``deleted_ids`` the removals.
    """

    files: list[SourceFile]
    cursor: str
    complete: bool
    deleted_ids: list[str] = field(default_factory=list)


@runtime_checkable
class FileSource(Protocol):
    """A library of files: list changes since a cursor, download, and read byte ranges."""

    key: str  # stable name of this source, e.g. "local" or "sharepoint"

    def list_changes(self, cursor: str | None) -> Listing:
        """Changes since ``cursor`` (None: everything)."""
        ...

    def download(self, file: SourceFile, dest: Path) -> int:
        """Stream the file's content to ``dest``; return the bytes written."""
        ...

    def read_range(self, file: SourceFile, start: int, length: int) -> bytes:
        """Bytes ``start`` to ``start + length - 1`` of the file (for reading a zip without downloading it)."""
        ...

    def prepare(self, files: Iterable[SourceFile]) -> int:
        """Get ready to read many files (SharePoint fetches their download links 20 per request)."""
        ...

    def close(self) -> None:
        ...
