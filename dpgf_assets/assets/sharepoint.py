"""Group ``sharepoint``: the inventory of a source and the import of its batches."""


from typing import Iterator, Optional

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
    TableColumn,
    TableSchema,
    asset,
)

from sqlalchemy import Engine

from dpgf_assets.assets.content import register_projects
from dpgf_assets.checks import BATCH_CHECKS, INVENTORY_CHECKS, check_events, check_specs, judge_batch, judge_inventory
from dpgf_assets.ingestion.importing import STAGES, UNCHANGED, BatchReport, TransientImportError, import_batch
from dpgf_assets.ingestion.inventory import InventoryReport, take_inventory
from dpgf_assets.ingestion.report import BatchFigures, batch_figures, inventory_figures, markdown_table
from dpgf_assets.ingestion.spool import spool_of
from dpgf_assets.resources import SettingsResource, SourceResource, WarehouseResource
from dpgf_assets.settings import Settings
from dpgf_assets.warehouse import files as store
from dpgf_assets.warehouse import schema

import_batch_partitions = DynamicPartitionsDefinition(name="import_batch")
IMPORT_POOL = "imports"  # the instance gives this pool imports.parallel_runs slots: import runs at once
OWNERS = ["team:data-platform"]


def table_schema(table) -> TableSchema:  # noqa: ANN001 - a SQLAlchemy Table
    """A warehouse table's columns as the UI shows them (``dagster/column_schema``)."""
    return TableSchema(columns=[TableColumn(c.name, str(c.type).lower(), description=c.comment or "")
                                for c in table.columns])


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
    sources = source_partitions(source_key)

    @asset(
        group_name="sharepoint",
        partitions_def=sources,
        description="Every file of the source, recognised as DPGF/BPU/DQE/OTHER, planned into batches; "
        "registers the new import_batch partitions.",
        check_specs=check_specs(AssetKey("sharepoint_inventory"), INVENTORY_CHECKS, sources),
        kinds={"python", "sql"},
        owners=OWNERS,
        tags={"domain": "pricing", "layer": "source"},
        metadata={"dagster/column_schema": table_schema(schema.source_files), "warehouse_table": "source_files"},
    )
    def sharepoint_inventory(
        context: AssetExecutionContext,
        config: InventoryConfig,
        settings: SettingsResource,
        warehouse: WarehouseResource,
        source: SourceResource,
    ) -> Iterator:
        current = settings.get(config.overrides())
        report, engine, source_key = inventory_step(current, warehouse, source)
        new_keys = register_batches(context.instance, engine, source_key)
        context.log.info(
            f"{report.seen} files listed ({report.new} new, {report.changed} changed, {report.deleted} deleted), "
            f"{len(report.planned)} batches planned, {len(new_keys)} partitions registered"
        )
        yield MaterializeResult(metadata=inventory_metadata(report, len(new_keys)))
        figures = inventory_figures(engine, source_key, current["scanning.min_confidence"])
        yield from check_events(context, {key: judge_inventory(report, figures, current)
                                          for key in context.partition_keys})

    @asset(
        group_name="sharepoint",
        partitions_def=import_batch_partitions,
        deps=[AssetDep(sharepoint_inventory, partition_mapping=AllPartitionMapping())],
        backfill_policy=BackfillPolicy.multi_run(max_partitions_per_run=max_partitions_per_run),
        retry_policy=retry_policy,
        pool=IMPORT_POOL,
        description="Per batch: download, parse, write each file in one transaction, clean up.",
        check_specs=check_specs(AssetKey("imported_batches"), BATCH_CHECKS, import_batch_partitions),
        kinds={"python", "sql"},
        owners=OWNERS,
        tags={"domain": "pricing", "layer": "warehouse"},
        metadata={"dagster/column_schema": table_schema(schema.line_items), "warehouse_table": "line_items"},
    )
    def imported_batches(
        context: AssetExecutionContext,
        config: ImportConfig,
        settings: SettingsResource,
        warehouse: WarehouseResource,
        source: SourceResource,
    ) -> Iterator:
        current = settings.get(config.overrides())
        engine = warehouse.engine()
        runs: dict[str, BatchReport] = {}
        unfinished = []
        spool = spool_of(current)
        with source.opened(current) as src:
            for key in context.partition_keys:
                try:
                    run = import_batch(engine, src, key, current.download, current.batches_dir,
                                       current["projects.depth"], run_id=context.run.run_id, spool=spool)
                except TransientImportError as exc:
                    context.log.warning(str(exc))
                    unfinished.append(str(exc))
                    continue
                context.log.info(
                    f"batch {key}: {run.outcome}, {run.imported}/{run.planned} imported, {run.skipped} skipped, "
                    f"{run.failed} failed, {run.line_items} line items in {run.seconds:.1f}s"
                )
                runs[key] = run
        register_projects(context.instance, engine)  # their briefs become partitions of pregenerated_content
        if unfinished:  # fail the run so a retry or a backfill of failed partitions finishes it
            raise TransientImportError("; ".join(unfinished))
        # each partition carries its own batch's figures, those of the import that did the work
        figures = batch_figures(engine, runs)
        for key, run in runs.items():
            context.add_asset_metadata(batch_metadata(figures[key], run), partition_key=key)
        yield MaterializeResult()
        yield from check_events(context, {key: judge_batch(figures[key], current) for key in runs})

    return sharepoint_inventory, imported_batches


def inventory_metadata(report: InventoryReport, registered: int) -> dict:
    """What one inventory found and did, for the UI (numbers are plotted over time)."""
    return {
        "files_seen": report.seen, "new": report.new, "changed": report.changed,
        "deleted": report.deleted, "unchanged": report.unchanged, "renamed": report.renamed,
        "recognised": MetadataValue.md(markdown_table(("type", "files"), sorted(report.recognised.items()))),
        "files_unread": len(report.unread),
        "files_pending": len(report.pending),
        "recognition_mb": round(report.recognition_bytes / 1e6, 3),
        "batches_planned": len(report.planned), "files_queued": report.files_queued,
        "partitions_registered": registered, "listing_unchanged": report.listing_skipped,
        "seconds": round(report.seconds, 3),
    }


def batch_metadata(fig: BatchFigures, run: BatchReport) -> dict:
    """One batch's own figures for its partition (numbers are plotted over time): those of the
    import that did the work, which a run finding nothing to do keeps and says so."""
    if run.outcome == UNCHANGED:
        this_run = (f"Nothing to import: the batch's {run.planned} file(s) are unchanged since the import "
                    f"that did the work (run `{(fig.work_run_id or '?')[:8]}`), whose figures these are.")
    else:
        this_run = (f"Imported {run.imported} file(s) ({run.line_items} line items), {run.failed} failed, "
                    f"{run.skipped} skipped, in {run.seconds:.1f} s; {run.from_spool} taken from the "
                    "inventory's copies instead of downloaded.")
    return {
        "dagster/row_count": fig.line_items,
        "outcome": run.outcome,
        "this_run": MetadataValue.md(this_run),
        "runs": fig.runs,
        "files_planned": fig.planned,
        "files_imported": fig.imported,
        "files_skipped": fig.skipped,
        "files_failed": fig.failed,
        "mb_downloaded": round(fig.mb, 3),
        "seconds": round(fig.seconds, 3),
        **{f"seconds_{stage}": round(fig.stage_seconds[stage], 3) for stage in STAGES},
        "files_per_s": round(fig.imported / fig.seconds, 2) if fig.seconds else 0.0,
        "mb_per_s": round(fig.mb / fig.seconds, 3) if fig.seconds else 0.0,
        "peak_rss_mb": round(fig.peak_rss_mb, 1),
        "peak_disk_mb": round(fig.peak_disk_mb, 1),
        "min_free_disk_mb": round(fig.min_free_disk_mb, 1),
        "throttled": run.throttled,
        "errors": MetadataValue.md(markdown_table(("file", "stage", "error"),
                                                  ((e["path"], e["stage"], e["message"]) for e in fig.errors))
                                   if fig.errors else "none"),
    }


def inventory_step(current: Settings, warehouse: WarehouseResource,
                   source: SourceResource) -> tuple[InventoryReport, Engine, str]:
    """One inventory of the configured source, shared by the asset and the sensor: its report, the
    warehouse engine and the source's key."""
    engine = warehouse.engine()
    with source.opened(current) as src:
        report = take_inventory(engine, src, current.scanning, current.download, spool=spool_of(current))
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
