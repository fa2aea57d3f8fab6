"""Dagster resources: the settings, the warehouse and the file source, chosen by configuration."""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Iterator, Mapping, Optional

from dagster import ConfigurableResource
from sqlalchemy import Engine

from dpgf_assets.settings import Settings, load_settings
from dpgf_assets.sources.base import FileSource
from dpgf_assets.sources.local import LocalFolderSource
from dpgf_assets.warehouse.db import open_warehouse


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return open_warehouse(url)


class SettingsResource(ConfigurableResource):
    """Settings from defaults, the workflow file and DPGF_* variables; run config refines them."""

    config_file: Optional[str] = None

    def get(self, overrides: Mapping[str, Any] | None = None) -> Settings:
        return load_settings(self.config_file, overrides=overrides)


class WarehouseResource(ConfigurableResource):
    """The price database; migrations are applied the first time a process opens it."""

    url: str

    def engine(self) -> Engine:
        return _engine(self.url)


class SourceResource(ConfigurableResource):
    """Where files come from: ``local`` (a folder) or ``sharepoint`` (Microsoft Graph)."""

    kind: str = "local"
    path: str = ""

    @property
    def key(self) -> str:
        return self.kind

    def open(self, settings: Settings) -> FileSource:
        if self.kind == "sharepoint":
            from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource

            config = SharePointConfig.from_env(timeout_seconds=settings.download.timeout_seconds,
                                               retry_count=settings.download.retry_count)
            return SharePointSource(config)
        return LocalFolderSource(self.path or settings.source_path, key=self.key)

    @contextmanager
    def opened(self, settings: Settings) -> Iterator[FileSource]:
        """The source, closed when the block ends (SharePoint keeps an HTTP session open)."""
        source = self.open(settings)
        try:
            yield source
        finally:
            source.close()
