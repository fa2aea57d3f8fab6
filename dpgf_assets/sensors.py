"""Sensor ``sharepoint_new_files``: new or changed files become batches and runs by themselves."""


from dagster import (
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from dpgf_assets.assets.sharepoint import import_batch_partitions, inventory_step, unregistered_batches
from dpgf_assets.resources import SettingsResource, SourceResource, WarehouseResource


def build_new_files_sensor(import_job: JobDefinition, running: bool, interval_seconds: int = 60):
    """One tick: changes since the cursor → source_files → planned batches → partitions and runs."""

    @sensor(
        name="sharepoint_new_files",
        job=import_job,
        minimum_interval_seconds=interval_seconds,
        default_status=DefaultSensorStatus.RUNNING if running else DefaultSensorStatus.STOPPED,
        description="Lists what changed in the source since the last tick and imports it.",
    )
    def sharepoint_new_files(
        context: SensorEvaluationContext,
        settings: SettingsResource,
        warehouse: WarehouseResource,
        source: SourceResource,
    ):
        report, engine, source_key = inventory_step(settings.get(), warehouse, source)
        new_keys = unregistered_batches(context.instance, engine, source_key)
        context.log.info(
            f"{report.new} new, {report.changed} changed, {report.deleted} deleted; "
            f"{len(new_keys)} new batch(es)"
        )
        if not new_keys:  # a skipped tick; the cursor still moves on (it carries the listing's time)
            return SensorResult(skip_reason=f"nothing new in {source_key}", cursor=report.cursor)
        return SensorResult(
            dynamic_partitions_requests=[import_batch_partitions.build_add_request(new_keys)] if new_keys else [],
            run_requests=[RunRequest(run_key=key, partition_key=key) for key in new_keys],
            cursor=report.cursor,
        )

    return sharepoint_new_files
