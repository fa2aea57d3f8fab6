"""The embedded default: a local folder laid out like a SharePoint library."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from dpgf_assets.sources.base import Listing, SourceError, SourceFile


class LocalFolderSource:
    """Lists a folder tree; every listing is complete, and its cursor is a digest of the snapshot."""

    def __init__(self, root: Path, key: str = "local") -> None:
        self.root = Path(root).resolve()
        self.key = key

    def _snapshot(self) -> list[SourceFile]:
        if not self.root.is_dir():
            raise SourceError(f"source folder {self.root} does not exist", transient=False)
        files = []
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if name.startswith((".", "~$")):  # hidden files and Office lock files
                    continue
                full = Path(folder, name)
                try:
                    st = full.stat()
                except OSError:  # vanished while listing
                    continue
                rel = full.relative_to(self.root).as_posix()
                files.append(SourceFile(
                    # the inode survives a rename, as a SharePoint item id does
                    file_id=f"{st.st_dev:x}-{st.st_ino:x}",
                    path=rel,
                    size=st.st_size,
                    modified=datetime.fromtimestamp(st.st_mtime, timezone.utc),
                    etag=f"{st.st_mtime_ns:x}-{st.st_size:x}",
                ))
        return files

    def list_changes(self, cursor: str | None) -> Listing:
        files = self._snapshot()
        digest = hashlib.sha1()
        for f in files:
            digest.update(f"{f.file_id}\0{f.path}\0{f.etag}\n".encode())
        return Listing(files=files, cursor=digest.hexdigest(), complete=True)

    def _local_path(self, file: SourceFile) -> Path:
        path = (self.root / file.path).resolve()
        if not path.is_relative_to(self.root):
            raise SourceError(f"{file.path}: path leaves the source folder", transient=False)
        return path

    def download(self, file: SourceFile, dest: Path) -> int:
        try:
            shutil.copyfile(self._local_path(file), dest)
        except FileNotFoundError:
            raise SourceError(f"{file.path}: file no longer exists in the source", transient=False) from None
        except OSError as exc:
            raise SourceError(f"{file.path}: cannot be copied ({exc.strerror})", transient=True) from None
        return dest.stat().st_size

    def read_range(self, file: SourceFile, start: int, length: int) -> bytes:
        try:
            with open(self._local_path(file), "rb") as handle:
                handle.seek(start)
                return handle.read(length)
        except FileNotFoundError:
            raise SourceError(f"{file.path}: file no longer exists in the source", transient=False) from None

    def prepare(self, files: Iterable[SourceFile]) -> int:
        return 0  # nothing to resolve on a local disk

    def close(self) -> None:
        return None
