"""Dagster resources: the settings, the warehouse and the file source, chosen by configuration."""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Iterator, Mapping

from dagster import ConfigurableResource
from sqlalchemy import Engine

from dpgf_assets.settings import Settings
from dpgf_assets.sources.base import FileSource
from dpgf_assets.sources.local import LocalFolderSource
from dpgf_assets.warehouse.db import open_warehouse


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return open_warehouse(url)


class SettingsResource(ConfigurableResource):
    """The settings resolved when the definitions loaded (defaults < file < DPGF_*); run config
    refines them per run."""

    resolved_json: str

    @classmethod
    def of(cls, settings: Settings) -> "SettingsResource":
        return cls(resolved_json=settings.to_json())

    def get(self, overrides: Mapping[str, Any] | None = None) -> Settings:
        return Settings.from_json(self.resolved_json).with_overrides(overrides or {})


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
