"""The single Definitions of the platform: assets with their checks, jobs, the sensor, resources."""

from __future__ import annotations

import logging
import os

from dagster import Backoff, Definitions, EnvVar, Jitter, RetryPolicy, define_asset_job

from dpgf_assets.assets.sharepoint import build_sharepoint_assets
from dpgf_assets.sensors import build_new_files_sensor
from dpgf_assets.resources import SettingsResource, SourceResource, WarehouseResource
from dpgf_assets.settings import SPEC_BY_KEY, Settings, load_settings


def warehouse_url(settings: Settings) -> str | EnvVar:
    """A URL from the environment stays an EnvVar, so the UI never shows its password."""
    spec = SPEC_BY_KEY["warehouse.url"]
    if settings["warehouse.url"] and os.environ.get(spec.env) == settings["warehouse.url"]:
        return EnvVar(spec.env)
    return settings.warehouse_url


def build_definitions(settings: Settings) -> Definitions:
    """Everything Dagster loads, wired from validated settings (an invalid one stops loading)."""
    logging.getLogger("dpgf_assets").setLevel(logging.DEBUG if settings.debug else logging.INFO)
    source = SourceResource(kind=settings.source_kind, path=str(settings.source_path))
    sharepoint_inventory, imported_batches = build_sharepoint_assets(
        source.key,
        retry_policy=RetryPolicy(max_retries=settings["imports.step_retries"],
                                 delay=settings["imports.retry_delay_seconds"],
                                 backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS),
        max_partitions_per_run=settings["imports.max_partitions_per_run"],
    )
    inventory_job = define_asset_job("inventory_job", selection=[sharepoint_inventory],
                                     description="Take stock of the source and plan import batches.")
    import_job = define_asset_job("import_job", selection=[imported_batches],
                                  description="Import batches; `dagster job backfill -j import_job` runs many.")
    new_files = build_new_files_sensor(import_job, running=settings["sensor.running"],
                                       interval_seconds=settings["sensor.interval_seconds"])
    return Definitions(
        assets=[sharepoint_inventory, imported_batches],
        jobs=[inventory_job, import_job],
        sensors=[new_files],
        resources={
            "settings": SettingsResource.of(settings),
            "warehouse": WarehouseResource(url=warehouse_url(settings)),
            "source": source,
        },
    )


defs = build_definitions(load_settings())
