"""The single Definitions of the platform: assets with their checks, jobs, the sensor, resources."""

from __future__ import annotations

import logging
import os

from dagster import (AssetSelection, Backoff, Definitions, EnvVar, Jitter, RetryPolicy, define_asset_job,
                     in_process_executor)
from sqlalchemy.engine import make_url

from dpgf_assets.assets.content import build_content_assets
from dpgf_assets.assets.ml import build_ml_assets
from dpgf_assets.assets.sharepoint import build_sharepoint_assets
from dpgf_assets.sensors import build_new_files_sensor
from dpgf_assets.resources import SettingsResource, SourceResource, WarehouseResource
from dpgf_assets.settings import SPEC_BY_KEY, Settings, load_settings


RESOLVED_URL_VARIABLE = "DPGF_WAREHOUSE_URL_RESOLVED"


def warehouse_url(settings: Settings) -> str | EnvVar:
    """The warehouse URL as Dagster gets it: one holding a password is always an EnvVar, so no
    configuration the UI shows has the password, whatever the setting's source. A URL from a workflow
    file or an option is put in this process's environment under RESOLVED_URL_VARIABLE first (the
    code server's run workers inherit it, and set it again when they load these definitions)."""
    spec = SPEC_BY_KEY["warehouse.url"]
    url = settings.warehouse_url
    if not settings["warehouse.url"] or make_url(url).password is None:
        return url
    if os.environ.get(spec.env) == url:
        return EnvVar(spec.env)
    os.environ[RESOLVED_URL_VARIABLE] = url
    return EnvVar(RESOLVED_URL_VARIABLE)


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
    price_reference, pregenerated_content, content_automation = build_content_assets(settings["content.automation"])
    price_reference_job = define_asset_job("price_reference_job", selection=[price_reference],
                                           description="Rebuild the price reference from the warehouse.")
    content_job = define_asset_job("content_job", selection=[pregenerated_content],
                                   description="Write the briefs of the selected projects.")
    ml_assets, ml_automation = build_ml_assets(settings["ml.automation"])
    ml_job = define_asset_job("ml_job", selection=AssetSelection.groups("ml"),
                              description="The trade model of one mode: `dpgf ml --mode dev|prod [--steps …]`.")
    return Definitions(
        assets=[sharepoint_inventory, imported_batches, price_reference, pregenerated_content, *ml_assets],
        jobs=[inventory_job, import_job, price_reference_job, content_job, ml_job],
        sensors=[new_files, content_automation, ml_automation],
        # one step per run (a run is a range of batches): run in the run worker itself, so a run costs
        # one process and a killed worker takes its work with it (each run is a pod on Kubernetes)
        executor=in_process_executor,
        resources={
            "settings": SettingsResource.of(settings),
            "warehouse": WarehouseResource(url=warehouse_url(settings)),
            "source": source,
        },
    )


defs = build_definitions(load_settings())
