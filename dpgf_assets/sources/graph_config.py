"""SharePoint source settings from DPGF_SHAREPOINT_* variables, checked early, secrets kept out of repr."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

PREFIX = "DPGF_SHAREPOINT_"
SITE_URL_RE = re.compile(r"https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}/(sites|teams)/[^/?#]+/?")


class SharePointConfigError(ValueError):
    """A DPGF_SHAREPOINT_* variable is missing or wrong; the message names it and never shows a secret."""


@dataclass(frozen=True, repr=False)
class SharePointConfig:
    """Where the library is and how to authenticate. ``timeout_seconds`` and ``retry_count`` come from the
    project settings (``download.*``); the backoff figures are here so tests can shrink them."""

    site_url: str
    library: str = "Documents"
    folder: str = ""
    tenant_id: str = ""
    client_id: str = ""
    client_secret: str | None = field(default=None, compare=False)
    cert_path: str | None = None
    cert_thumbprint: str | None = None
    graph_url: str | None = None  # e.g. http://127.0.0.1:PORT: graph.microsoft.com traffic goes there
    test_token: str | None = field(default=None, compare=False)  # a ready bearer token: no MSAL
    timeout_seconds: float = 60.0
    retry_count: int = 3
    page_size: int = 1000
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 60.0
    max_retry_after_seconds: float = 300.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "folder", normalise_folder(self.folder))
        if not SITE_URL_RE.fullmatch(self.site_url or ""):
            raise SharePointConfigError(
                f"{PREFIX}SITE_URL must look like https://TENANT.sharepoint.com/sites/NAME "
                f"(got {self.site_url!r})")
        object.__setattr__(self, "site_url", self.site_url.rstrip("/"))
        if not self.library.strip():
            raise SharePointConfigError(f"{PREFIX}LIBRARY must not be empty")
        if self.graph_url is not None:
            parts = urlsplit(self.graph_url)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
                raise SharePointConfigError(
                    f"{PREFIX}GRAPH_URL must be a base URL such as http://127.0.0.1:8765 "
                    f"(got {self.graph_url!r})")
            object.__setattr__(self, "graph_url", self.graph_url.rstrip("/"))
        if not self.test_token:
            self._check_credentials()
        if not self.timeout_seconds > 0:
            raise SharePointConfigError("the download timeout must be a number of seconds > 0")
        if self.retry_count < 0:
            raise SharePointConfigError("the download retry count must be ≥ 0")
        if not 1 <= self.page_size <= 5000:
            raise SharePointConfigError("the delta page size must be between 1 and 5000")

    def _check_credentials(self) -> None:
        for name, value in (("TENANT_ID", self.tenant_id), ("CLIENT_ID", self.client_id)):
            if not value:
                raise SharePointConfigError(f"{PREFIX}{name} is not set")
        has_cert = bool(self.cert_path or self.cert_thumbprint)
        if self.client_secret and has_cert:
            raise SharePointConfigError(
                f"set either {PREFIX}CLIENT_SECRET or {PREFIX}CERT_PATH + {PREFIX}CERT_THUMBPRINT, not both")
        if not self.client_secret and not has_cert:
            raise SharePointConfigError(
                f"{PREFIX}CLIENT_SECRET is not set (or set {PREFIX}CERT_PATH and {PREFIX}CERT_THUMBPRINT)")
        if has_cert:
            if not self.cert_path:
                raise SharePointConfigError(f"{PREFIX}CERT_PATH is not set (the private key, PEM)")
            if not self.cert_thumbprint:
                raise SharePointConfigError(f"{PREFIX}CERT_THUMBPRINT is not set")
            if not Path(self.cert_path).is_file():
                raise SharePointConfigError(f"{PREFIX}CERT_PATH: no file at {self.cert_path}")

    @property
    def auth_kind(self) -> str:
        if self.test_token:
            return "bearer token"
        return "client secret" if self.client_secret else "certificate"

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            if f.name in ("client_secret", "test_token"):
                continue
            shown.append(f"{f.name}={getattr(self, f.name)!r}")
        shown.append(f"auth={self.auth_kind!r} (secret hidden)")
        return f"SharePointConfig({', '.join(shown)})"

    __str__ = __repr__

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        timeout_seconds: float = 60.0,
        retry_count: int = 3,
        **overrides: object,
    ) -> "SharePointConfig":
        """Read DPGF_SHAREPOINT_*; ``overrides`` (e.g. ``page_size``, ``backoff_seconds``) win over them."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name)
            return value.strip() if value and value.strip() else None

        site_url = get("SITE_URL")
        if not site_url:
            raise SharePointConfigError(
                f"{PREFIX}SITE_URL is not set (https://TENANT.sharepoint.com/sites/NAME)")
        values: dict[str, object] = {
            "site_url": site_url,
            "library": get("LIBRARY") or "Documents",
            "folder": get("FOLDER") or "",
            "tenant_id": get("TENANT_ID") or "",
            "client_id": get("CLIENT_ID") or "",
            "client_secret": get("CLIENT_SECRET"),
            "cert_path": get("CERT_PATH"),
            "cert_thumbprint": get("CERT_THUMBPRINT"),
            "graph_url": get("GRAPH_URL"),
            "test_token": get("TEST_TOKEN"),
            "timeout_seconds": float(timeout_seconds),
            "retry_count": int(retry_count),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def normalise_folder(folder: str) -> str:
    """'/Projets\\2024/' -> 'Projets/2024': the folder under the library, '' for its root."""
    parts = [p for p in (folder or "").replace("\\", "/").split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise SharePointConfigError(f"{PREFIX}FOLDER must be a plain folder path (got {folder!r})")
    return "/".join(parts)
