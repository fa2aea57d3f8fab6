"""A Microsoft Graph emulator on 127.0.0.1: the drive endpoints the SharePoint source uses, with faults.

It serves one site with one document library (plus an empty second library, so the source has to pick
by name) through: site by path, the site's drives, root delta with paging and tokens, item metadata,
children (the folder walk the old scripts did), item content answering 302 to a pre-authenticated
download URL that honours ``Range``. Bearer tokens are checked; faults are injected per request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from dpgf_assets.emulator.faults import FaultInjector, FaultPlan
from dpgf_assets.emulator.library import Content, Item, Library, LibraryError

GRAPH_ROOT = "https://graph.microsoft.com"
Response = tuple[int, dict[str, str], bytes]


@dataclass
class Stats:
    """What the emulator served: requests per endpoint kind, bytes of bodies, faults injected."""

    requests: Counter = field(default_factory=Counter)  # "graph", "download"
    bytes_sent: int = 0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    emulator: "GraphEmulator"

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001 - socketserver's API
        """Clients hanging up (timeouts, retries, closed pools) are normal here, not worth a traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections end by themselves
    disable_nagle_algorithm = True  # headers and body leave in separate writes: no 40 ms delayed-ACK stalls
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
        self.server.emulator._serve(self)

    def do_POST(self) -> None:  # noqa: N802 - JSON batching ($batch) only
        self.server.emulator._serve(self)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet in tests
        return None


class GraphEmulator:
    """Start with ``with GraphEmulator(folder) as graph:`` or ``start()``/``stop()``; mutate through it."""

    def __init__(
        self,
        root: Path | None = None,
        *,
        tenant: str = "contoso",
        site: str = "dpgf",
        library: str = "Documents",
        token: str = "emulator-token",
        page_size: int = 200,
        max_page_size: int = 1000,
        download_url_seconds: float = 3600.0,
        delta_paths: bool = False,
        faults: FaultPlan | None = None,
        graph_links: str = GRAPH_ROOT,
        latency: float = 0.0,
        bandwidth: float | None = None,
        port: int = 0,
    ) -> None:
        self.host = f"{tenant}.sharepoint.com"
        self.site_name = site
        self.library_name = library
        self.token = token
        self.page_size = page_size
        self.max_page_size = max_page_size
        self.download_url_seconds = download_url_seconds
        self.delta_paths = delta_paths  # Graph documents that delta omits parentReference.path
        self.graph_links = graph_links
        self.latency = latency  # seconds added to every answer: a network round trip
        self.bandwidth = bandwidth  # bytes per second shared by all answers (the site's pipe), None: no cap
        self._pipe_lock = threading.Lock()
        self._pipe_free = 0.0  # when the shared pipe is next free (time.monotonic)
        self.faults = FaultInjector(faults)
        self.stats = Stats()
        self._stats_lock = threading.Lock()
        seed = hashlib.sha1(f"{self.host}/{site}".encode()).hexdigest()
        self.site_id = f"{self.host},{_guid(seed[:32])},{_guid(seed[8:40])}"
        self.drive_id = "b!" + hashlib.sha256(f"{self.site_id}/{library}".encode()).hexdigest()[:62]
        self.other_drive_id = "b!" + hashlib.sha256(f"{self.site_id}/Site Assets".encode()).hexdigest()[:62]
        self.library = Library(self.drive_id)
        self._key = secrets.token_bytes(16)
        self.port = port  # 0: any free port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if root is not None:
            self.load_folder(Path(root))

    # ---- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> "GraphEmulator":
        if self._server is None:
            self._server = _Server(("127.0.0.1", self.port), _Handler)
            self._server.emulator = self
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="graph-emulator", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "GraphEmulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def site_url(self) -> str:
        return f"https://{self.host}/sites/{self.site_name}"

    def env(self, folder: str = "") -> dict[str, str]:
        """The DPGF_SHAREPOINT_* variables that point the SharePoint source at this emulator."""
        return {
            "DPGF_SHAREPOINT_SITE_URL": self.site_url,
            "DPGF_SHAREPOINT_LIBRARY": self.library_name,
            "DPGF_SHAREPOINT_FOLDER": folder,
            "DPGF_SHAREPOINT_GRAPH_URL": self.base_url,
            "DPGF_SHAREPOINT_TEST_TOKEN": self.token,
        }

    # ---- the library, for tests ----------------------------------------------------------------------
    def load_folder(self, root: Path) -> int:
        """Serve every file under ``root`` (read from disk on demand); returns how many were added."""
        count = 0
        for path in sorted(root.rglob("*")):
            if path.is_file():
                self.library.add_file(path.relative_to(root).as_posix(), path)
                count += 1
        return count

    def add_file(self, path: str, content: Content, **kw: object) -> Item:
        return self.library.add_file(path, content, **kw)

    def change_file(self, path: str, content: Content, **kw: object) -> Item:
        return self.library.change_file(path, content, **kw)

    def delete(self, path: str) -> None:
        self.library.delete(path)

    def rename(self, path: str, new_path: str) -> Item:
        return self.library.rename(path, new_path)

    def expire_delta_tokens(self) -> None:
        self.library.expire_tokens()

    def set_faults(self, plan: FaultPlan) -> None:
        self.faults.set_plan(plan)

    def reset_stats(self) -> None:
        with self._stats_lock:
            self.stats = Stats()

    # ---- request handling ----------------------------------------------------------------------------
    def _serve(self, h: _Handler) -> None:
        split = urlsplit(h.path)
        endpoint = "download" if split.path.startswith("/_download/") else "graph"
        with self._stats_lock:
            self.stats.requests[endpoint] += 1
        if self.latency:
            time.sleep(self.latency)
        # read a POST body before any fault answers: left unread, it would garble the next request
        # on the same keep-alive connection
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0)) if h.command == "POST" else b""
        fault = self.faults.draw(endpoint, key=f"{h.command} {split.path} {h.headers.get('Range', '')}")
        if fault == "reset":
            self.faults.count(fault)
            _reset(h)
            return
        if fault == "slow":
            self.faults.count(fault)
            time.sleep(self.faults.plan.slow_seconds)
        if fault in ("throttle", "unavailable"):
            self.faults.count(fault)
            status = 429 if fault == "throttle" else 503
            headers = {}
            if fault == "throttle" or self.faults.plan.retry_after_on_503:
                headers["Retry-After"] = f"{self.faults.plan.retry_after:g}"
            code = "TooManyRequests" if status == 429 else "serviceNotAvailable"
            self._send(h, _error(status, code, "Injected fault.", headers), truncate=False)
            return
        try:
            if endpoint == "download":
                response = self._download(split.path, parse_qs(split.query), h.headers.get("Range"))
            elif h.headers.get("Authorization") != f"Bearer {self.token}":
                response = _error(401, "InvalidAuthenticationToken", "Access token validation failure.",
                                  {"WWW-Authenticate": 'Bearer realm=""'})
            elif h.command == "POST":
                response = self._batch(split.path, body)
            else:
                response = self._graph(split.path, parse_qs(split.query), h.headers)
        except LibraryError as exc:
            response = _error(400, "invalidRequest", str(exc))
        truncate = fault == "truncate" and len(response[2]) > 0
        if truncate:
            self.faults.count(fault)
        self._send(h, response, truncate=truncate)

    def _send(self, h: _Handler, response: Response, *, truncate: bool) -> None:
        status, headers, body = response
        h.send_response(status)
        headers.setdefault("Content-Type", "application/json")
        for name, value in headers.items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        if truncate:
            h.send_header("Connection", "close")
        h.end_headers()
        sent = body[: len(body) // 2] if truncate else body
        try:
            if self.bandwidth:
                step = 64 * 1024
                for offset in range(0, len(sent), step):
                    self._wait_for_pipe(min(step, len(sent) - offset))
                    h.wfile.write(sent[offset:offset + step])
            else:
                h.wfile.write(sent)
            h.wfile.flush()
        except OSError:
            h.close_connection = True
            return
        with self._stats_lock:
            self.stats.bytes_sent += len(sent)
        if truncate:
            h.close_connection = True

    def _wait_for_pipe(self, nbytes: int) -> None:
        """All answers share one pipe of ``bandwidth`` bytes/s: wait until this chunk has gone through."""
        with self._pipe_lock:
            start = max(time.monotonic(), self._pipe_free)
            self._pipe_free = done = start + nbytes / self.bandwidth
        time.sleep(max(0.0, done - time.monotonic()))

    # ---- Graph routes --------------------------------------------------------------------------------
    def _batch(self, path: str, body: bytes) -> Response:
        """JSON batching: up to 20 GET sub-requests in one POST /v1.0/$batch."""
        if unquote(path) != "/v1.0/$batch":
            return _error(405, "invalidRequest", "Only $batch accepts POST.")
        try:
            requests = json.loads(body or b"{}")["requests"]
        except (ValueError, KeyError, TypeError):
            return _error(400, "invalidRequest", "Malformed batch.")
        if not isinstance(requests, list) or len(requests) > 20:
            return _error(400, "invalidRequest", "A batch holds 1 to 20 requests.")
        responses = []
        for sub in requests:
            if sub.get("method", "GET").upper() != "GET":
                status, _, raw = _error(400, "invalidRequest", "Only GET sub-requests are emulated.")
            else:
                split = urlsplit("/v1.0" + str(sub.get("url", "")))
                status, _, raw = self._graph(split.path, parse_qs(split.query), {})
            responses.append({"id": sub.get("id"), "status": status, "body": json.loads(raw or b"{}"),
                              "headers": {"Content-Type": "application/json"}})
        return _json(200, {"responses": responses})

    def _graph(self, path: str, query: dict[str, list[str]], headers) -> Response:  # noqa: ANN001
        path = unquote(path)
        if not path.startswith("/v1.0/"):
            return _error(404, "itemNotFound", "Unknown API version.")
        rest = path[len("/v1.0"):]
        m = re.fullmatch(r"/sites/([^/:]+):(/[^:]*?):?", rest)
        if m:
            host, site_path = m.groups()
            wanted = f"/sites/{self.site_name}".lower()
            if host.lower() == self.host and site_path.rstrip("/").lower() == wanted:
                return _json(200, self._site_json())
            return _error(404, "itemNotFound", "Requested site could not be found.")
        m = re.fullmatch(r"/sites/([^/]+)(/drives|/drive)?", rest)
        if m:
            if m.group(1) != self.site_id:
                return _error(404, "itemNotFound", "Requested site could not be found.")
            if m.group(2) == "/drives":
                return _json(200, {"value": [self._drive_json(self.drive_id, self.library_name),
                                             self._drive_json(self.other_drive_id, "Site Assets")]})
            if m.group(2) == "/drive":
                return _json(200, self._drive_json(self.drive_id, self.library_name))
            return _json(200, self._site_json())
        m = re.fullmatch(r"/drives/([^/]+)(/.*)?", rest)
        if not m:
            return _error(400, "invalidRequest", "Unsupported resource.")
        drive_id, sub = m.group(1), m.group(2) or ""
        if drive_id == self.other_drive_id:
            if sub.endswith("/children"):
                return _json(200, {"value": []})
            return _error(404, "itemNotFound", "The library is empty.")
        if drive_id != self.drive_id:
            return _error(404, "itemNotFound", "The drive could not be found.")
        if sub == "":
            return _json(200, self._drive_json(self.drive_id, self.library_name))
        if sub == "/root/delta":
            return self._delta(query, headers)
        item, action = self._resolve_item(sub)
        if item is None:
            return _error(404, "itemNotFound", "The resource could not be found.")
        if action == "":
            return _json(200, self._item_full(item))
        if action == "/children":
            return self._children(item, query)
        if action == "/content":
            if item.is_folder:
                return _error(400, "invalidRequest", "A folder has no content.")
            return 302, {"Location": self._download_url(item)}, b""
        return _error(400, "invalidRequest", "Unsupported action.")

    def _resolve_item(self, sub: str) -> tuple[Item | None, str]:
        lib = self.library
        m = re.fullmatch(r"/root:/(.*?):?(/children|/content)?", sub)
        if m:
            with lib.lock:
                return lib.find(m.group(1)), m.group(2) or ""
        m = re.fullmatch(r"/(?:root|items/root)(/children|/content)?", sub)
        if m:
            return lib.root, m.group(1) or ""
        m = re.fullmatch(r"/items/([^/]+)(/children|/content)?", sub)
        if m:
            item = lib.items.get(m.group(1))
            return (None if item is None or item.deleted else item), m.group(2) or ""
        return None, ""

    def _delta(self, query: dict[str, list[str]], headers) -> Response:  # noqa: ANN001
        lib = self.library
        token = (query.get("token") or [""])[0]
        prefer = (headers.get("Prefer") or "").lower()
        exclude_parents = "deltaexcludeparent" in prefer or headers.get("deltaExcludeParent") is not None
        size = min(int((query.get("$top") or [self.page_size])[0]), self.max_page_size)
        with_path = self.delta_paths
        render = (lambda it: lib.item_json(it, with_path=True)) if with_path else (
            lambda it: lib.item_json(it, with_path=False))
        if token == "latest":
            return self._delta_page([], None, lib.epoch, lib.seq)
        if token.startswith("p."):  # a page of an enumeration already frozen
            try:
                _, epoch, key, offset, upto, size = token.split(".")
                epoch, offset, upto, size = int(epoch), int(offset), int(upto), int(size)
            except ValueError:
                return _error(400, "invalidRequest", "Malformed token.")
            page = lib.snapshot_page(key, offset, size) if epoch == lib.epoch else None
            if page is None:
                return self._gone()
            rows, more = page
            nxt = f"p.{epoch}.{key}.{offset + size}.{upto}.{size}" if more else None
            return self._delta_page(rows, nxt, epoch, upto)
        with lib.lock:
            epoch, upto = lib.epoch, lib.seq
            if token == "":
                ids = [i for i in lib.live_order()]
            elif token.startswith("d."):
                try:
                    _, tok_epoch, since = token.split(".")
                    tok_epoch, since = int(tok_epoch), int(since)
                except ValueError:
                    return _error(400, "invalidRequest", "Malformed token.")
                if tok_epoch != lib.epoch:
                    return self._gone()
                ids = lib.changed_since(since, include_parents=not exclude_parents)
            else:
                return _error(400, "invalidRequest", "Malformed token.")
            key = lib.snapshot(ids, render)
        page = lib.snapshot_page(key, 0, size)
        assert page is not None
        rows, more = page
        return self._delta_page(rows, f"p.{epoch}.{key}.{size}.{upto}.{size}" if more else None, epoch, upto)

    def _delta_page(self, rows: list[str], next_token: str | None, epoch: int, upto: int) -> Response:
        link = f"{self.graph_links}/v1.0/drives/{self.drive_id}/root/delta?token="
        tail = (f'"@odata.nextLink":"{link}{next_token}"' if next_token
                else f'"@odata.deltaLink":"{link}d.{epoch}.{upto}"')
        body = ('{"@odata.context":"' + self.graph_links + '/v1.0/$metadata#Collection(driveItem)","value":['
                + ",".join(rows) + "]," + tail + "}")
        return 200, {"Content-Type": "application/json; odata.metadata=minimal"}, body.encode()

    def _gone(self) -> Response:
        fresh = f"{self.graph_links}/v1.0/drives/{self.drive_id}/root/delta"
        return _error(410, "resyncChangesApplyDifferences", "The delta token is no longer valid.",
                      {"Location": fresh})

    def _children(self, item: Item, query: dict[str, list[str]]) -> Response:
        if not item.is_folder:
            return _error(400, "invalidRequest", "A file has no children.")
        size = min(int((query.get("$top") or [self.page_size])[0]), self.max_page_size)
        offset = int((query.get("$skiptoken") or ["0"])[0])
        with self.library.lock:
            kids = sorted((self.library.items[c] for c in item.children.values()),
                          key=lambda k: k.name.lower())
            rows = [self._item_full(k) for k in kids[offset:offset + size]]
        body: dict = {"value": rows}
        if offset + size < len(kids):
            base = f"{self.graph_links}/v1.0/drives/{self.drive_id}/items/{item.id}/children"
            body["@odata.nextLink"] = f"{base}?$top={size}&$skiptoken={offset + size}"
        return _json(200, body)

    def _item_full(self, item: Item) -> dict:
        with self.library.lock:
            data = self.library.item_dict(item, with_path=True)
        if not item.is_folder:
            data["@microsoft.graph.downloadUrl"] = self._download_url(item)
        return data

    def _site_json(self) -> dict:
        return {"id": self.site_id, "name": self.site_name, "displayName": self.site_name,
                "webUrl": self.site_url, "siteCollection": {"hostname": self.host}}

    def _drive_json(self, drive_id: str, name: str) -> dict:
        return {"id": drive_id, "name": name, "driveType": "documentLibrary", "description": "",
                "webUrl": f"{self.site_url}/{quote('Shared Documents' if name == 'Documents' else name)}"}

    # ---- download URLs -------------------------------------------------------------------------------
    def _sign(self, item_id: str, expires: int) -> str:
        return hmac.new(self._key, f"{item_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:40]

    def _download_url(self, item: Item) -> str:
        expires = int(time.time() + self.download_url_seconds)
        return (f"{self.base_url}/_download/{item.id}?UniqueId={item.guid}&exp={expires}"
                f"&tempauth={self._sign(item.id, expires)}")

    def _download(self, path: str, query: dict[str, list[str]], range_header: str | None) -> Response:
        item_id = path[len("/_download/"):]
        try:
            expires = int((query.get("exp") or ["0"])[0])
        except ValueError:
            expires = 0
        signature = (query.get("tempauth") or [""])[0]
        if not hmac.compare_digest(signature, self._sign(item_id, expires)) or expires < time.time():
            return _error(401, "unauthenticated", "The download link is not valid or has expired.")
        item = self.library.items.get(item_id)
        if item is None or item.deleted:
            return _error(404, "itemNotFound", "The file no longer exists.")
        size = item.size
        headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes",
                   "ETag": f'"{{{item.guid.upper()}}},{item.version}"'}
        if not range_header:
            return 200, headers, self.library.read(item, 0, size)
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", range_header.strip())
        if not m or (m.group(1) == "" and m.group(2) == ""):
            return 200, headers, self.library.read(item, 0, size)
        if m.group(1) == "":
            start, end = max(0, size - int(m.group(2))), size - 1
        else:
            start = int(m.group(1))
            end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
        if start >= size or start > end:
            headers["Content-Range"] = f"bytes */{size}"
            return 416, headers, b""
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        return 206, headers, self.library.read(item, start, end - start + 1)


def _guid(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:32]}"


def _json(status: int, data: dict, headers: dict[str, str] | None = None) -> Response:
    return status, dict(headers or {}), json.dumps(data, separators=(",", ":"), allow_nan=False).encode()


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return _json(status, {"error": {"code": code, "message": message}}, headers)


def _reset(h: _Handler) -> None:
    """Drop the connection with a TCP reset, before any byte of answer."""
    try:
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()
    except OSError:
        pass
    h.close_connection = True
