"""Group ``sharepoint``: the inventory of a source and the import of its batches."""


from typing import Optional

from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    Config,
    DynamicPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    StaticPartitionsDefinition,
    asset,
)

from sqlalchemy import Engine

from dpgf_assets.checks import batch_check_specs, evaluate_batch_checks
from dpgf_assets.importing import BatchReport, TransientImportError, import_batch
from dpgf_assets.inventory import InventoryReport, take_inventory
from dpgf_assets.resources import SettingsResource, SourceResource, WarehouseResource
from dpgf_assets.settings import Settings
from dpgf_assets.warehouse import files as store

import_batch_partitions = DynamicPartitionsDefinition(name="import_batch")


def source_partitions(source_key: str) -> StaticPartitionsDefinition:
    """One partition per configured library, so each keeps its own listing and cursor."""
    return StaticPartitionsDefinition([source_key])


class InventoryConfig(Config):
    """Run-config refinements of the scanning and batching settings (unset: keep the settings)."""

    min_confidence: Optional[float] = None
    max_files: Optional[int] = None
    deep_scan: Optional[bool] = None
    batch_size: Optional[int] = None
    max_batch_size_mb: Optional[float] = None

    def overrides(self) -> dict:
        return {"scanning.min_confidence": self.min_confidence, "scanning.max_files": self.max_files,
                "scanning.deep_scan": self.deep_scan, "download.batch_size": self.batch_size,
                "download.max_batch_size_mb": self.max_batch_size_mb}


class ImportConfig(Config):
    """Run-config refinements of the download settings (unset: keep the settings)."""

    max_memory_mb: Optional[int] = None
    max_disk_mb: Optional[int] = None
    auto_cleanup: Optional[bool] = None

    def overrides(self) -> dict:
        return {"download.max_memory_mb": self.max_memory_mb, "download.max_disk_mb": self.max_disk_mb,
                "download.auto_cleanup": self.auto_cleanup}


def build_sharepoint_assets(source_key: str, retry_policy: RetryPolicy, max_partitions_per_run: int):  # noqa: ANN201
    """The two assets, with the inventory partitioned by the configured source."""

    @asset(
        group_name="sharepoint",
        partitions_def=source_partitions(source_key),
        description="Every file of the source, recognised as DPGF/BPU/DQE/OTHER, planned into batches; "
        "registers the new import_batch partitions.",
        kinds={"python", "sql"},
    )
    def sharepoint_inventory(
        context: AssetExecutionContext,
        config: InventoryConfig,
        settings: SettingsResource,
        warehouse: WarehouseResource,
        source: SourceResource,
    ) -> MaterializeResult:
        report, engine, source_key = inventory_step(settings.get(config.overrides()), warehouse, source)
        new_keys = register_batches(context.instance, engine, source_key)
        context.log.info(
            f"{report.seen} files listed ({report.new} new, {report.changed} changed, {report.deleted} deleted), "
            f"{len(report.planned)} batches planned, {len(new_keys)} partitions registered"
        )
        return MaterializeResult(metadata={
            "files_seen": report.seen, "new": report.new, "changed": report.changed,
            "deleted": report.deleted, "unchanged": report.unchanged, "renamed": report.renamed,
            "recognised": MetadataValue.json(dict(report.recognised)),
            "recognition_mb": round(report.recognition_bytes / 1e6, 3),
            "batches_planned": len(report.planned), "files_queued": report.files_queued,
            "partitions_registered": len(new_keys), "listing_unchanged": report.listing_skipped,
            "seconds": round(report.seconds, 3),
        })

    @asset(
        group_name="sharepoint",
        partitions_def=import_batch_partitions,
        deps=[AssetDep(sharepoint_inventory, partition_mapping=AllPartitionMapping())],
        backfill_policy=BackfillPolicy.multi_run(max_partitions_per_run=max_partitions_per_run),
        retry_policy=retry_policy,
        description="Per batch: download, parse, write each file in one transaction, clean up.",
        check_specs=batch_check_specs(AssetKey("imported_batches")),
        kinds={"python", "sql"},
    )
    def imported_batches(
        context: AssetExecutionContext,
        config: ImportConfig,
        settings: SettingsResource,
        warehouse: WarehouseResource,
        source: SourceResource,
    ) -> MaterializeResult:
        current = settings.get(config.overrides())
        engine = warehouse.engine()
        reports, unfinished = [], []
        with source.opened(current) as src:
            for key in context.partition_keys:
                try:
                    report = import_batch(engine, src, key, current.download, current.batches_dir,
                                          current["projects.depth"], run_id=context.run.run_id)
                except TransientImportError as exc:
                    context.log.warning(str(exc))
                    unfinished.append(str(exc))
                    continue
                context.log.info(
                    f"batch {key}: {report.imported}/{report.planned} imported, {report.skipped} skipped, "
                    f"{report.failed} failed, {report.line_items} line items in {report.seconds:.1f}s"
                )
                for err in report.errors:
                    context.log.warning(f"{err.path}: {err.stage} failed: {err.message}")
                reports.append(report)
        if unfinished:  # fail the run so a retry or a backfill of failed partitions finishes it
            raise TransientImportError("; ".join(unfinished))
        return MaterializeResult(metadata=batch_metadata(reports),
                                 check_results=evaluate_batch_checks(reports, current))

    return sharepoint_inventory, imported_batches


def batch_metadata(reports: list[BatchReport]) -> dict:
    """Figures of the batches of one run, for the UI (numbers are plotted over time)."""
    seconds = sum(r.seconds for r in reports)
    imported = sum(r.imported for r in reports)
    mb = sum(r.bytes_downloaded for r in reports) / 1e6
    return {
        "dagster/row_count": sum(r.line_items for r in reports),
        "batches": len(reports),
        "files_planned": sum(r.planned for r in reports),
        "files_imported": imported,
        "files_skipped": sum(r.skipped for r in reports),
        "files_failed": sum(r.failed for r in reports),
        "mb_downloaded": round(mb, 3),
        "seconds": round(seconds, 3),
        **{f"seconds_{stage}": round(sum(r.stage_seconds[stage] for r in reports), 3)
           for stage in ("download", "parse", "load", "cleanup")},
        "files_per_s": round(imported / seconds, 2) if seconds else 0.0,
        "mb_per_s": round(mb / seconds, 3) if seconds else 0.0,
        "peak_rss_mb": round(max((r.peak_rss_mb for r in reports), default=0.0), 1),
        "peak_disk_mb": round(max((r.peak_disk_mb for r in reports), default=0.0), 1),
        "min_free_disk_mb": round(min((r.min_free_disk_mb for r in reports), default=0.0), 1),
        "throttled": any(r.throttled for r in reports),
        "errors": MetadataValue.md(
            "\n".join(f"- `{e.path}` ({e.stage}): {e.message}" for r in reports for e in r.errors) or "none"
        ),
    }


def inventory_step(current: Settings, warehouse: WarehouseResource,
                   source: SourceResource) -> tuple[InventoryReport, Engine, str]:
    """One inventory of the configured source, shared by the asset and the sensor: its report, the
    warehouse engine and the source's key."""
    engine = warehouse.engine()
    with source.opened(current) as src:
        report = take_inventory(engine, src, current.scanning, current.download)
    return report, engine, src.key


def unregistered_batches(instance, engine, source_key: str) -> list[str]:  # noqa: ANN001 - DagsterInstance
    """Planned batches the instance does not know yet as ``import_batch`` partitions."""
    with engine.connect() as conn:
        planned = store.batch_keys(conn, source_key)
    existing = set(instance.get_dynamic_partitions(import_batch_partitions.name))
    return [k for k in planned if k not in existing]


def register_batches(instance, engine, source_key: str) -> list[str]:  # noqa: ANN001 - DagsterInstance
    """Add every planned batch the instance does not know yet as an ``import_batch`` partition."""
    new_keys = unregistered_batches(instance, engine, source_key)
    if new_keys:
        instance.add_dynamic_partitions(import_batch_partitions.name, new_keys)
    return new_keys
