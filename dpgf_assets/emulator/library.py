"""The emulated document library: a folder tree with a change log, shaped as Graph driveItems.

Every mutation bumps a global sequence number; delta tokens are sequence numbers, so "changes since a
token" is a slice of the log. Listings are frozen into snapshots (lists of pre-serialised JSON
strings) so paging stays consistent while the tree changes and 100,000 items page out quickly.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

Content = bytes | Path

MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".xls": "application/vnd.ms-excel",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class Item:
    id: str
    name: str
    parent: str | None
    is_folder: bool
    guid: str
    created: datetime
    modified: datetime
    content: Content | None = None
    size: int = 0
    version: int = 1
    seq: int = 0
    deleted: bool = False
    children: dict[str, str] = field(default_factory=dict)  # lower-cased name -> id
    cached_json: str | None = None


class LibraryError(Exception):
    """A mutation the library refuses (missing parent, name taken, ...)."""


class Library:
    """A drive's items by id, with the change log and the snapshots delta pages are cut from."""

    def __init__(self, drive_id: str) -> None:
        self.drive_id = drive_id
        self.lock = threading.RLock()
        self.seq = 0
        self.epoch = 1  # bumped to expire every delta token issued before
        self._counter = 0
        self._log: list[tuple[int, str]] = []  # (seq, item id), append-only
        self._full_order: tuple[int, list[str]] | None = None
        self.items: dict[str, Item] = {}
        self.root = self._new_item("root", None, is_folder=True)
        self._snapshots: OrderedDict[str, list[str]] = OrderedDict()

    # ---- identities and time -------------------------------------------------------------------------
    def _next_id(self) -> str:
        self._counter += 1
        digest = hashlib.sha1(f"{self.drive_id}/{self._counter}".encode()).digest()
        return "01" + base64.b32encode(digest).decode()[:32]

    @staticmethod
    def _tick() -> datetime:
        """Wall-clock time, whole seconds: the same clock as the HTTP ``Date`` header clients compare with."""
        return datetime.now(timezone.utc).replace(microsecond=0)

    def _new_item(self, name: str, parent: Item | None, *, is_folder: bool, content: Content | None = None,
                  size: int = 0, modified: datetime | None = None) -> Item:
        now = self._tick()
        guid = uuid.UUID(bytes=hashlib.md5(f"{self.drive_id}{self._counter}".encode()).digest())
        item = Item(id=self._next_id(), name=name, parent=parent.id if parent else None, is_folder=is_folder,
                    guid=str(guid),
                    created=now, modified=modified or now, content=content, size=size)
        self.items[item.id] = item
        if parent is not None:
            parent.children[name.lower()] = item.id
        self._touch(item)
        return item

    def _touch(self, item: Item) -> None:
        self.seq += 1
        item.seq = self.seq
        item.cached_json = None
        self._log.append((self.seq, item.id))
        self._full_order = None

    # ---- paths ---------------------------------------------------------------------------------------
    @staticmethod
    def split(path: str) -> list[str]:
        parts = [p for p in path.replace("\\", "/").split("/") if p]
        if any(p in (".", "..") for p in parts):
            raise LibraryError(f"invalid path {path!r}")
        return parts

    def find(self, path: str) -> Item | None:
        item = self.root
        for part in self.split(path):
            child = item.children.get(part.lower()) if item.is_folder else None
            if child is None:
                return None
            item = self.items[child]
        return item

    def get(self, path: str) -> Item:
        item = self.find(path)
        if item is None:
            raise LibraryError(f"no item at {path!r}")
        return item

    def path_of(self, item: Item) -> str:
        names = []
        while item.parent is not None:
            names.append(item.name)
            item = self.items[item.parent]
        return "/".join(reversed(names))

    def _ensure_folder(self, parts: list[str]) -> Item:
        folder = self.root
        for part in parts:
            child = folder.children.get(part.lower())
            if child is None:
                folder = self._new_item(part, folder, is_folder=True)
            else:
                folder = self.items[child]
                if not folder.is_folder:
                    raise LibraryError(f"{part!r} is a file, not a folder")
        return folder

    # ---- mutations -----------------------------------------------------------------------------------
    def mkdir(self, path: str) -> Item:
        with self.lock:
            return self._ensure_folder(self.split(path))

    def add_file(self, path: str, content: Content, *, size: int | None = None,
                 modified: datetime | None = None) -> Item:
        """Add a file (``content`` is bytes, or a Path read on demand); replaces the content if it exists."""
        with self.lock:
            parts = self.split(path)
            if not parts:
                raise LibraryError("a file needs a name")
            folder = self._ensure_folder(parts[:-1])
            existing = folder.children.get(parts[-1].lower())
            if existing is not None:
                return self.change_file(path, content, size=size, modified=modified)
            return self._new_item(parts[-1], folder, is_folder=False, content=content,
                                  size=_size_of(content) if size is None else size, modified=modified)

    def change_file(self, path: str, content: Content, *, size: int | None = None,
                    modified: datetime | None = None) -> Item:
        with self.lock:
            item = self.get(path)
            if item.is_folder:
                raise LibraryError(f"{path!r} is a folder")
            item.content = content
            item.size = _size_of(content) if size is None else size
            item.version += 1
            item.modified = modified or self._tick()
            self._touch(item)
            return item

    def delete(self, path: str) -> None:
        """Delete a file or a folder (its descendants are reported deleted too)."""
        with self.lock:
            item = self.get(path)
            if item is self.root:
                raise LibraryError("the root cannot be deleted")
            del self.items[item.parent].children[item.name.lower()]
            for victim in self._subtree(item):
                victim.deleted = True
                self._touch(victim)

    def rename(self, path: str, new_path: str) -> Item:
        """Rename or move a file or folder; like Graph, only the moved item itself shows up in delta."""
        with self.lock:
            item = self.get(path)
            if item is self.root:
                raise LibraryError("the root cannot be moved")
            parts = self.split(new_path)
            target = self._ensure_folder(parts[:-1])
            if parts[-1].lower() in target.children and target.children[parts[-1].lower()] != item.id:
                raise LibraryError(f"{new_path!r} already exists")
            node = target
            while node is not None:
                if node is item:
                    raise LibraryError("a folder cannot move into itself")
                node = self.items[node.parent] if node.parent else None
            del self.items[item.parent].children[item.name.lower()]
            item.name, item.parent = parts[-1], target.id
            target.children[item.name.lower()] = item.id
            item.version += 1
            self._touch(item)
            return item

    def _subtree(self, item: Item) -> list[Item]:
        out, stack = [], [item]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(self.items[c] for c in node.children.values())
        return out

    def expire_tokens(self) -> None:
        """Every delta token (and every paging snapshot) issued so far answers 410 Gone from now on."""
        with self.lock:
            self.epoch += 1
            self._snapshots.clear()

    # ---- listings ------------------------------------------------------------------------------------
    def live_order(self) -> list[str]:
        """Every live item, parents before children (depth first), cached until the next mutation."""
        with self.lock:
            if self._full_order is None or self._full_order[0] != self.seq:
                order, stack = [], [self.root]
                while stack:
                    node = stack.pop()
                    order.append(node.id)
                    kids = [self.items[c] for c in node.children.values()]
                    kids.sort(key=lambda k: k.name.lower(), reverse=True)
                    stack.extend(kids)
                self._full_order = (self.seq, order)
            return self._full_order[1]

    def changed_since(self, seq: int, *, include_parents: bool) -> list[str]:
        """Ids changed after ``seq``, each once in the order of its last change, optionally with ancestors."""
        with self.lock:
            start = bisect_right(self._log, (seq, "\uffff"))
            last: dict[str, int] = {}
            for s, item_id in self._log[start:]:
                last[item_id] = s
            ids = sorted(last, key=last.__getitem__)
            if not include_parents:
                return ids
            seen, out = set(ids), []
            for item_id in ids:
                chain, node = [], self.items[item_id]
                while node.parent is not None and node.parent not in seen:
                    seen.add(node.parent)
                    node = self.items[node.parent]
                    chain.append(node.id)
                out.extend(reversed(chain))
                out.append(item_id)
            return out

    def snapshot(self, ids: list[str], render) -> str:  # noqa: ANN001 - render: Item -> str
        """Freeze the JSON of ``ids`` now; the returned key addresses the pages cut from it."""
        with self.lock:
            key = uuid.uuid4().hex[:16]
            self._snapshots[key] = [render(self.items[i]) for i in ids]
            while len(self._snapshots) > 32:
                self._snapshots.popitem(last=False)
            return key

    def snapshot_page(self, key: str, offset: int, count: int) -> tuple[list[str], bool] | None:
        with self.lock:
            rows = self._snapshots.get(key)
        if rows is None:
            return None
        return rows[offset:offset + count], offset + count < len(rows)

    # ---- JSON shapes ---------------------------------------------------------------------------------
    def item_dict(self, item: Item, *, with_path: bool) -> dict:
        etag_guid = "{" + item.guid.upper() + "}"
        if item.deleted:
            parent = {"driveId": self.drive_id, "driveType": "documentLibrary", "id": item.parent}
            data = {"id": item.id, "parentReference": parent,
                    "deleted": {"state": "deleted"}, "lastModifiedDateTime": _iso(item.modified)}
            data["folder" if item.is_folder else "file"] = {"childCount": 0} if item.is_folder else {}
            return data
        data = {
            "id": item.id,
            "name": item.name,
            "eTag": f'"{etag_guid},{item.version}"',
            "cTag": f'"c:{etag_guid},{item.version}"',
            "createdDateTime": _iso(item.created),
            "lastModifiedDateTime": _iso(item.modified),
            "size": item.size,
            "parentReference": {"driveId": self.drive_id, "driveType": "documentLibrary"},
        }
        if item.parent is not None:
            data["parentReference"]["id"] = item.parent
            if with_path:
                parent_path = self.path_of(self.items[item.parent])
                data["parentReference"]["path"] = f"/drives/{self.drive_id}/root:" + (
                    "/" + parent_path if parent_path else "")
        else:
            data["root"] = {}
        if item.is_folder:
            data["folder"] = {"childCount": len(item.children)}
        else:
            suffix = Path(item.name).suffix.lower()
            data["file"] = {"mimeType": MIME.get(suffix, "application/octet-stream"),
                            "hashes": {"quickXorHash": base64.b64encode(
                                hashlib.sha1(f"{item.id}{item.version}".encode()).digest()[:20]).decode()}}
        return data

    def item_json(self, item: Item, *, with_path: bool) -> str:
        if with_path:
            return json.dumps(self.item_dict(item, with_path=True), separators=(",", ":"), allow_nan=False)
        if item.cached_json is None:
            item.cached_json = json.dumps(self.item_dict(item, with_path=False), separators=(",", ":"), allow_nan=False)
        return item.cached_json

    # ---- content -------------------------------------------------------------------------------------
    def read(self, item: Item, start: int, length: int) -> bytes:
        content = item.content
        if isinstance(content, Path):
            with open(content, "rb") as handle:
                handle.seek(start)
                return handle.read(length)
        data = content or b""
        if len(data) < item.size:  # synthetic content: a short pattern repeated up to the declared size
            return _repeat(data or b"\0", start, min(length, item.size - start))
        return data[start:start + length]


def _size_of(content: Content) -> int:
    return content.stat().st_size if isinstance(content, Path) else len(content)


def _repeat(pattern: bytes, start: int, length: int) -> bytes:
    if length <= 0:
        return b""
    n = len(pattern)
    offset = start % n
    reps = (offset + length) // n + 1
    return (pattern * reps)[offset:offset + length]
