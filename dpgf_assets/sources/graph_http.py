"""HTTP plumbing for the SharePoint source: a counting session, and retries that honour Retry-After.

The office365 client sends every Graph request through the ``requests.Session`` built here, so one
place counts requests, points graph.microsoft.com at an emulator when asked, and bounds each request
with a timeout. ``Retrying`` turns failures into ``SourceError``s a person can read: transient ones
(throttling, 5xx, resets, timeouts, bodies cut short) are retried, the rest are not. No message ever
carries a URL: download URLs hold a short-lived credential.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable, TypeVar
from urllib.parse import urlsplit

import requests
from office365.runtime.client_request_exception import ClientRequestException
from requests.adapters import HTTPAdapter

from dpgf_assets.sources.base import SourceError

log = logging.getLogger(__name__)
GRAPH_ROOT = "https://graph.microsoft.com"
T = TypeVar("T")


class Traffic:
    """Requests sent (every hop, redirects included), those to Graph, and file bytes received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.graph_requests = 0
        self.bytes_read = 0

    def count_request(self, graph: bool) -> None:
        with self._lock:
            self.requests += 1
            self.graph_requests += graph

    def count_bytes(self, n: int) -> None:
        with self._lock:
            self.bytes_read += n


class GraphAdapter(HTTPAdapter):
    """Counts each request; with ``graph_url`` set, sends https://graph.microsoft.com there instead."""

    def __init__(self, traffic: Traffic, graph_url: str | None = None, pool_maxsize: int = 32) -> None:
        super().__init__(pool_connections=4, pool_maxsize=pool_maxsize)
        self.traffic = traffic
        self.graph_url = graph_url

    def send(self, request: requests.PreparedRequest, **kwargs):  # noqa: ANN003, ANN201 - HTTPAdapter's API
        url = request.url or ""
        is_graph = url.startswith(GRAPH_ROOT + "/")
        if is_graph and self.graph_url:
            request.url = self.graph_url + url[len(GRAPH_ROOT):]
        self.traffic.count_request(is_graph)
        return super().send(request, **kwargs)


class _Session(requests.Session):
    """A session that reads the environment (proxies, no_proxy, CA bundle) once per origin.

    requests re-reads os.environ (and looks for ~/.netrc) on every request, which cost a quarter of
    a small range read; Graph authenticates with bearer tokens, so .netrc never applies."""

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False
        self._environment = functools.lru_cache(maxsize=64)(self._origin_environment)

    @staticmethod
    def _origin_environment(origin: str) -> tuple[dict[str, str], str | None]:
        return (requests.utils.get_environ_proxies(origin),
                os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE"))

    def get_direct(self, url: str, headers: dict[str, str], timeout) -> requests.Response:  # noqa: ANN001
        """A streamed GET that skips the session's per-call machinery (cookies, hooks, redirects,
        settings merge), a third of a small read's CPU: pre-authenticated download URLs need none."""
        request = requests.PreparedRequest()
        request.prepare(method="GET", url=url, headers=headers)
        settings = self.merge_environment_settings(url, {}, True, None, None)
        return self.get_adapter(url).send(request, stream=True, timeout=timeout, verify=settings["verify"],
                                          proxies=settings["proxies"], cert=settings["cert"])

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # noqa: ANN001, ANN201
        parts = urlsplit(url)
        env_proxies, env_verify = self._environment(f"{parts.scheme}://{parts.netloc}")
        proxies = {**env_proxies, **(proxies or {})}
        if verify is True or verify is None:
            verify = env_verify or verify
        return super().merge_environment_settings(url, proxies, stream, verify, cert)


def make_session(traffic: Traffic, graph_url: str | None) -> _Session:
    """One session for Graph calls and download URLs; safe to share between threads for GETs."""
    session = _Session()
    adapter = GraphAdapter(traffic, graph_url)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class Truncated(Exception):
    """A body ended before the length its headers promised."""

    def __init__(self, got: int, expected: int) -> None:
        super().__init__(f"the answer was cut short ({got} of {expected} bytes)")


class StatusError(Exception):
    """A non-success answer from a download URL (Graph answers raise the client's exception)."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class GraphError(SourceError):
    """A SourceError that remembers the HTTP status behind it (None for transport failures)."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(message, transient=transient)
        self.status = status


class TokenExpired(SourceError):
    """Graph answered 410 Gone to a delta link: the caller starts a full listing."""

    def __init__(self) -> None:
        super().__init__("the delta token has expired (410 Gone)", transient=False)


@dataclass
class Failure:
    transient: bool
    message: str
    retry_after: float | None = None
    gone: bool = False
    status: int | None = None


PERMANENT_HINTS = {
    401: "authentication refused (401): check DPGF_SHAREPOINT_TENANT_ID, DPGF_SHAREPOINT_CLIENT_ID and the "
         "client secret or certificate",
    403: "access denied (403): the app registration needs the Sites.Read.All or Files.Read.All application "
         "permission, with admin consent",
    404: "not found (404)",
}


def classify(exc: BaseException, timeout: float) -> Failure | None:
    """What a failure means, or None when it is not an HTTP/transport failure (a bug: let it raise)."""
    response = getattr(exc, "response", None)
    if isinstance(exc, (ClientRequestException, StatusError)) and response is not None:
        return _classify_status(response, _error_code(exc))
    if isinstance(exc, ValueError) and exc.args and isinstance(exc.args[0], dict) and "error" in exc.args[0]:
        # MSAL's token answer, re-raised by the client: a refused credential is not worth retrying
        err = exc.args[0]
        description = str(err.get("error_description") or "")
        detail = description.splitlines()[0][:200] if description else ""
        busy = err.get("error") in ("temporarily_unavailable", "server_error")  # Entra ID itself, not us
        return Failure(busy, f"authentication failed ({err.get('error')}): {detail}")
    if isinstance(exc, Truncated):
        return Failure(True, str(exc))
    if isinstance(exc, requests.Timeout):
        return Failure(True, f"no answer within {timeout:g} s")
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return Failure(True, "the answer was cut short")
    if isinstance(exc, requests.ConnectionError):
        return Failure(True, "the connection failed or was reset")
    if isinstance(exc, ValueError):  # a JSON body that does not parse: a proxy or a cut, try again
        return Failure(True, "the answer was not valid JSON")
    return None


def _error_code(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) else ""


def _classify_status(response: requests.Response, code: str) -> Failure:
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    label = f"HTTP {status}" + (f" {code}" if code else "")
    if status == 410:
        return Failure(False, label, gone=True, status=status)
    if status in (408, 429) or status >= 500:
        return Failure(True, label, retry_after, status=status)
    return Failure(False, PERMANENT_HINTS.get(status, f"refused ({label})"), status=status)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class Retrying:
    """Run an attempt up to ``1 + retry_count`` times: Retry-After when given, else backoff with jitter."""

    def __init__(self, retry_count: int, *, timeout: float, backoff: float = 1.0, max_backoff: float = 60.0,
                 max_retry_after: float = 300.0, sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        self.retry_count = retry_count
        self.timeout = timeout
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.retries = 0  # how many attempts were repeated, for reports
        self.waited = 0.0
        self._stats = threading.Lock()

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [backoff/2, backoff * 2**attempt], capped."""
        ceiling = min(self.max_backoff, self.backoff * (2 ** attempt))
        return self.rng.uniform(min(self.backoff / 2, ceiling), ceiling)

    def run(self, what: str, attempt_fn: Callable[[], T]) -> T:
        for attempt in range(self.retry_count + 1):
            try:
                return attempt_fn()
            except SourceError:
                raise
            except Exception as exc:  # noqa: BLE001 - sorted by classify, unknown ones re-raised
                failure = classify(exc, self.timeout)
                if failure is None:
                    raise
            if failure.gone:
                raise TokenExpired() from None
            if not failure.transient:
                raise GraphError(f"{what}: {failure.message}", transient=False,
                                 status=failure.status) from None
            if attempt == self.retry_count:
                raise GraphError(f"{what}: {failure.message}; gave up after {attempt + 1} attempts",
                                 transient=True, status=failure.status) from None
            wait = failure.retry_after if failure.retry_after is not None else self.delay(attempt)
            if wait > self.max_retry_after:
                raise GraphError(f"{what}: {failure.message}; the server asks to wait {wait:.0f} s",
                                 transient=True, status=failure.status) from None
            log.info("%s: %s; retrying in %.2f s (attempt %d of %d)", what, failure.message, wait,
                     attempt + 2, self.retry_count + 1)
            with self._stats:
                self.retries += 1
                self.waited += wait
            self.sleep(wait)
        raise AssertionError("unreachable")
