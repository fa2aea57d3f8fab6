"""The single Definitions of the platform: assets with their checks, jobs, the sensor, resources."""

from __future__ import annotations

import logging

from dagster import Backoff, Definitions, Jitter, RetryPolicy, define_asset_job

from dpgf_assets.assets.sharepoint import build_sharepoint_assets, import_batch_partitions
from dpgf_assets.sensors import build_new_files_sensor
from dpgf_assets.resources import SettingsResource, SourceResource, WarehouseResource
from dpgf_assets.settings import Settings, load_settings


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
                                  partitions_def=import_batch_partitions,
                                  description="Import batches; `dagster job backfill -j import_job` runs many.")
    new_files = build_new_files_sensor(import_job, running=settings["sensor.running"],
                                       interval_seconds=settings["sensor.interval_seconds"])
    return Definitions(
        assets=[sharepoint_inventory, imported_batches],
        jobs=[inventory_job, import_job],
        sensors=[new_files],
        resources={
            "settings": SettingsResource(config_file=settings.config_file),
            "warehouse": WarehouseResource(url=settings.warehouse_url),
            "source": source,
        },
    )


defs = build_definitions(load_settings())
