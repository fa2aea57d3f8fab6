"""A drive's files from the Graph delta feed: one flat paged listing, then only what changed.

Graph's delta items carry no ``parentReference.path`` (documented: "track items by id"), and a renamed
folder comes back alone, without its descendants. So paths are rebuilt from folder ids (folders seen
in the feed, else fetched once and cached), and an existing folder that reappears in an incremental
feed (renamed or moved) is walked so its files come back with their new paths. A walk that would be
larger than a full listing becomes a full listing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Callable, Iterable
from urllib.parse import quote

from dpgf_assets.sources.base import Listing, SourceError, SourceFile
from dpgf_assets.sources.graph_http import GRAPH_ROOT, TokenExpired

log = logging.getLogger(__name__)
SELECT = ("id,name,size,eTag,cTag,createdDateTime,lastModifiedDateTime,parentReference,"
          "file,folder,root,deleted")
MAX_WALKED_FOLDERS = 50  # past this many renamed folders in one sync, a full listing is cheaper
CURSOR_VERSION = 1

# fetch(url, headers) -> (JSON body, HTTP Date header)
Fetch = Callable[[str, dict[str, str]], tuple[dict, str | None]]


@dataclass(frozen=True)
class Scope:
    """The drive, its root item, and the configured folder (path and id) whose files we report."""

    drive_id: str
    root_id: str
    folder: str  # '' for the whole library
    folder_id: str

    @property
    def api(self) -> str:
        return f"{GRAPH_ROOT}/v1.0/drives/{quote(self.drive_id, safe='!')}"


def encode_cursor(scope: Scope, delta_link: str, at: str | None) -> str:
    return json.dumps({"v": CURSOR_VERSION, "drive": scope.drive_id, "scope": scope.folder_id,
                       "delta": delta_link, "at": at}, separators=(",", ":"), allow_nan=False)


def decode_cursor(cursor: str | None, scope: Scope) -> dict | None:
    """The saved state, or None when it is absent, unreadable or for another drive/folder (full listing)."""
    if not cursor:
        return None
    try:
        state = json.loads(cursor)
    except ValueError:
        return None
    if not isinstance(state, dict) or state.get("v") != CURSOR_VERSION:
        return None
    if state.get("drive") != scope.drive_id or state.get("scope") != scope.folder_id:
        return None
    link = state.get("delta")
    if not isinstance(link, str) or not link.startswith(scope.api + "/"):
        return None  # never send our token to a host a cursor names
    return state


class ItemVanished(Exception):
    """A folder looked up by id no longer exists."""


class FolderTree:
    """Folder id -> (name, parent id), kept across listings; paths are rebuilt from it."""

    def __init__(self, fetch_item: Callable[[str], dict]) -> None:
        self._fetch_item = fetch_item
        self.folders: dict[str, tuple[str, str | None]] = {}
        self._paths: dict[str, str] = {}

    def add(self, item: dict) -> None:
        parent = (item.get("parentReference") or {}).get("id")
        entry = ("", None) if "root" in item else (item.get("name") or "", parent)
        if self.folders.get(item["id"]) != entry:
            self.folders[item["id"]] = entry
            self._paths.clear()

    def forget(self, item_id: str) -> None:
        if self.folders.pop(item_id, None) is not None:
            self._paths.clear()

    def path(self, folder_id: str) -> str:
        """Library-relative path of a folder ('' for the root), fetching unknown ancestors once."""
        chain: list[str] = []
        node: str | None = folder_id
        while node is not None and node not in self._paths:
            if node not in self.folders:
                self.add(self._fetch_item(node))
            chain.append(node)
            node = self.folders[node][1]
            if len(chain) > 1000:
                raise ValueError("folder hierarchy loops")
        base = self._paths.get(node, "") if node is not None else ""
        for folder in reversed(chain):
            name = self.folders[folder][0]
            base = f"{base}/{name}" if base and name else (name or base)
            self._paths[folder] = base
        return self._paths[folder_id]


def to_utc(value: str | None) -> datetime:
    return datetime.fromisoformat((value or "1970-01-01T00:00:00Z").replace("Z", "+00:00"))


class DeltaLister:
    """Turns delta pages (and, when needed, folder walks) into ``Listing``s for one scope."""

    def __init__(self, fetch: Fetch, tree: FolderTree, page_size: int) -> None:
        self.fetch = fetch
        self.tree = tree
        self.page_size = page_size
        self.headers = {"Prefer": "deltaExcludeParent"}  # changed items only, not their parent folders

    def list(self, scope: Scope, cursor: str | None) -> Listing:
        state = decode_cursor(cursor, scope)
        if state is None:
            return self.full(scope)
        try:
            return self.incremental(scope, state)
        except TokenExpired:
            log.info("the delta token has expired: listing the whole library again")
            return self.full(scope)

    def _pages(self, url: str) -> tuple[dict[str, dict], str, str | None]:
        """Every item of a delta enumeration (last occurrence wins), its delta link and the server's time."""
        items: dict[str, dict] = {}
        while True:
            data, date = self.fetch(url, self.headers)
            for item in data.get("value") or []:
                items[item["id"]] = _slim(item)
            url = _graph_link(data.get("@odata.nextLink"))
            if not url:
                link = _graph_link(data.get("@odata.deltaLink"))
                if not link:
                    raise SourceError("a delta page has neither @odata.nextLink nor @odata.deltaLink",
                                      transient=True)
                return items, link, date

    def full(self, scope: Scope) -> Listing:
        start = f"{scope.api}/root/delta?$top={self.page_size}&$select={SELECT}"
        try:
            items, link, date = self._pages(start)
        except TokenExpired:  # the enumeration itself expired while we paged through it: once more
            log.info("the delta enumeration expired while paging: starting it again")
            try:
                items, link, date = self._pages(start)
            except TokenExpired:
                raise SourceError("the delta enumeration keeps expiring while paging",
                                  transient=True) from None
        live = [i for i in items.values() if "deleted" not in i]
        for item in live:
            if "folder" in item or "root" in item:
                self.tree.add(item)
        files, _ = self._place(scope, (i for i in live if "file" in i))
        return Listing(files=files, cursor=encode_cursor(scope, link, date), complete=True)

    def incremental(self, scope: Scope, state: dict) -> Listing:
        items, link, date = self._pages(state["delta"])
        last_sync = _http_date(state.get("at"))
        deleted: list[str] = []
        moved_folders: list[dict] = []
        changed_files: list[dict] = []
        for item in items.values():
            if "deleted" in item:
                deleted.append(item["id"])
                self.tree.forget(item["id"])
            elif "root" in item or "folder" in item:
                self.tree.add(item)
                existed = last_sync is None or to_utc(item.get("createdDateTime")) <= last_sync
                if "folder" in item and existed and "root" not in item:
                    moved_folders.append(item)
            elif "file" in item:
                changed_files.append(item)
        if moved_folders:
            walked = self._walk_plan(scope, moved_folders)
            if walked is None:
                log.info("%d existing folders changed: a full listing is cheaper than walking them",
                         len(moved_folders))
                return self.full(scope)
            known = {f["id"] for f in changed_files}
            changed_files.extend(f for f in self._walk(scope, walked) if f["id"] not in known)
        files, outside = self._place(scope, changed_files)
        # a file that left the folder is gone from this source's point of view
        return Listing(files=files, cursor=encode_cursor(scope, link, date), complete=False,
                       deleted_ids=deleted + outside)

    def _walk_plan(self, scope: Scope, folders: list[dict]) -> list[str] | None:
        """Ids of the renamed/moved folders worth walking (not nested in each other), None: list all."""
        ids = {f["id"] for f in folders}
        keep = []
        for folder in folders:
            if folder["id"] == scope.folder_id or folder["id"] in self._ancestors(scope.folder_id):
                return None  # the scope itself moved or was renamed above: everything changed
            ancestors = self._ancestors(folder["id"])
            if not ids.intersection(ancestors):
                keep.append(folder["id"])
        return keep if len(keep) <= MAX_WALKED_FOLDERS else None

    def _ancestors(self, folder_id: str) -> set[str]:
        out, node = set(), self.tree.folders.get(folder_id, ("", None))[1]
        while node is not None and node not in out:
            out.add(node)
            if node not in self.tree.folders:
                self.tree.path(node)
            node = self.tree.folders[node][1]
        return out

    def _walk(self, scope: Scope, folder_ids: list[str]) -> Iterable[dict]:
        """Every file under the given folders, through the children endpoint (one request per folder page)."""
        queue = list(folder_ids)
        while queue:
            folder_id = queue.pop()
            url = f"{scope.api}/items/{folder_id}/children?$top={self.page_size}&$select={SELECT}"
            while url:
                data, _ = self.fetch(url, {})
                for child in data.get("value") or []:
                    if "folder" in child:
                        self.tree.add(child)
                        queue.append(child["id"])
                    elif "file" in child:
                        yield child
                url = _graph_link(data.get("@odata.nextLink"))

    def _place(self, scope: Scope, items: Iterable[dict]) -> tuple[list[SourceFile], list[str]]:
        """SourceFiles for items inside the scope folder, and the ids of those outside it."""
        inside, outside = [], []
        prefix = scope.folder.lower() + "/" if scope.folder else ""
        for item in items:
            parent = (item.get("parentReference") or {}).get("id") or scope.root_id
            try:
                folder_path = self.tree.path(parent)
            except ItemVanished:  # its folder was deleted since this page was written: so was the file
                outside.append(item["id"])
                continue
            name = item.get("name") or ""
            full = f"{folder_path}/{name}" if folder_path else name
            if not full.lower().startswith(prefix) or name.startswith("~$"):  # Office lock files: never data
                outside.append(item["id"])
                continue
            inside.append(SourceFile(
                file_id=item["id"],
                path=full[len(prefix):],
                size=int(item.get("size") or 0),
                modified=to_utc(item.get("lastModifiedDateTime")),
                etag=item.get("eTag") or item.get("cTag") or "",
            ))
        return inside, outside


_KEPT = ("id", "name", "size", "eTag", "cTag", "createdDateTime", "lastModifiedDateTime")
_FACETS = ("file", "folder", "root", "deleted")


def _slim(item: dict) -> dict:
    """What the listing uses of an item: a whole Graph item weighs kilobytes, times 100,000 files."""
    slim = {key: item[key] for key in _KEPT if key in item}
    parent = (item.get("parentReference") or {}).get("id")
    if parent:
        slim["parentReference"] = {"id": parent}
    for facet in _FACETS:
        if facet in item:
            slim[facet] = True
    return slim


def _graph_link(url: object) -> str | None:
    """A paging link, only if it stays on Graph: our bearer token never goes anywhere else."""
    if not url:
        return None
    if not isinstance(url, str) or not url.startswith(GRAPH_ROOT + "/"):
        raise SourceError("Graph answered with a paging link to another host; refused", transient=False)
    return url


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
