"""Asset checks, with the thresholds users set in ``checks.*``.

Every import batch is judged on its own figures (across its runs: a re-run that finds nothing to do
is judged on the import that did the work), and each source's inventory on what it left undecided.
The checks are partitioned like their assets: a run of several batches records one evaluation per
batch, tied to that batch's partition, so the batch over a limit is the one that fails, by name.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetRecordsFilter,
    MetadataValue,
    Output,
    PartitionsDefinition,
    PreviewWarning,
)
from dagster._core.definitions.asset_checks.asset_check_evaluation import (  # no public name in 1.13
    AssetCheckEvaluationTargetMaterializationData,
)

from dpgf_assets.ingestion.inventory import InventoryReport
from dpgf_assets.ingestion.report import BatchFigures, InventoryFigures, markdown_table
from dpgf_assets.settings import Settings

BATCH_CHECKS = {
    "failure_rate": "Share of the batch's files that failed, against checks.max_failure_rate.",
    "batch_duration": "Minutes the batch took, against checks.max_batch_minutes.",
    "peak_memory": "Peak memory against checks.max_memory_share of download.max_memory_mb.",
    "free_disk": "Lowest free disk seen, against checks.min_free_disk_mb.",
}
INVENTORY_CHECKS = {
    "pending_files": "Files left waiting that no batch holds (not recognised, or beyond scanning.max_files), "
                     "against checks.max_pending_files.",
    "unrecognised_spreadsheets": "Share of spreadsheets recognised below scanning.min_confidence (left out, "
                                 "though they may be pricing files), against checks.max_unrecognised_share.",
    "unread_spreadsheets": "Spreadsheets of the inventory whose content could not be read to recognise them "
                           "(judged by their name alone), against checks.max_unread_files.",
}
EXAMPLES = 10  # files listed in a check's metadata at most


@dataclass(frozen=True)
class Verdict:
    """One check's judgement of one partition."""

    check: str
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


def check_specs(asset_key: AssetKey, checks: Mapping[str, str],
                partitions_def: PartitionsDefinition) -> list[AssetCheckSpec]:
    """Checks partitioned like their asset. Dagster 1.13 marks partitioned checks as a preview, and
    says so at every load: known and chosen here (README, asset checks), so not repeated."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)
        return [AssetCheckSpec(name, asset=asset_key, description=text, partitions_def=partitions_def)
                for name, text in checks.items()]


def check_events(context: AssetExecutionContext,
                 verdicts: Mapping[str, list[Verdict]]) -> Iterator[AssetCheckEvaluation | Output]:
    """The selected checks' evaluations, one per partition of the run, then each check's output.

    ``AssetCheckResult`` takes its partition from the run, and a run over a range of partitions has
    none: so the evaluations are built here, each naming its partition (Dagster stores one planned
    execution per partition of the run and each evaluation completes its own)."""
    selected = {key.name: key for key in context.selected_asset_check_keys}
    if not selected:
        return
    for partition, judged in verdicts.items():
        target = _materialization(context, partition)
        for v in judged:
            if v.check in selected:
                yield AssetCheckEvaluation(
                    asset_key=context.asset_key, check_name=v.check, passed=v.passed, metadata=v.metadata,
                    severity=AssetCheckSeverity.WARN, description=v.description, blocking=False,
                    partition=partition, target_materialization_data=target)
    for key in selected.values():
        yield Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(key))


def _materialization(context: AssetExecutionContext,
                     partition: str) -> AssetCheckEvaluationTargetMaterializationData | None:
    """The partition's materialisation this run just recorded: the UI shows a partition's check
    status only while the evaluation targets the partition's latest materialisation."""
    records = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=context.asset_key, asset_partitions=[partition]), limit=1).records
    if not records:
        return None
    return AssetCheckEvaluationTargetMaterializationData(
        storage_id=records[0].storage_id, run_id=records[0].run_id, timestamp=records[0].timestamp)


def _listing(header: tuple[str, ...], rows: list[tuple[Any, ...]], total: int) -> MetadataValue:
    """A table of the first files, and how many more there are."""
    shown = rows[:EXAMPLES]
    more = f"\n\n… and {total - len(shown)} more" if total > len(shown) else ""
    return MetadataValue.md(markdown_table(header, shown) + more)


def _files(examples: list[dict[str, Any]], total: int) -> MetadataValue:
    return _listing(("file", "type", "confidence"),
                    [(r["path"], r["doc_type"] or "?", f"{r['confidence'] or 0:.2f}") for r in examples], total)


def judge_batch(fig: BatchFigures, settings: Settings) -> list[Verdict]:
    """The four checks of one batch, on the figures of the import that did its work."""
    name = f"batch {fig.batch_key}"
    max_rate = settings["checks.max_failure_rate"]
    max_minutes = settings["checks.max_batch_minutes"]
    memory_limit = settings.download.max_memory_mb * settings["checks.max_memory_share"]
    min_free = settings["checks.min_free_disk_mb"]
    minutes = fig.seconds / 60
    failures = {"failure_rate": round(fig.failure_rate, 4), "failed": fig.failed, "attempted": fig.attempted,
                "threshold": max_rate}
    if fig.errors:
        failures["failed_files"] = MetadataValue.md(markdown_table(
            ("file", "stage", "error"), ((e["path"], e["stage"], e["message"]) for e in fig.errors)))
    return [
        Verdict("failure_rate", fig.failure_rate <= max_rate,
                f"{name}: {fig.failed} of {fig.attempted} files failed ({fig.failure_rate:.0%}); "
                f"at most {max_rate:.0%} may fail", failures),
        Verdict("batch_duration", minutes <= max_minutes,
                f"{name}: {minutes:.1f} min of import; at most {max_minutes:g} min",
                {"minutes": round(minutes, 2), "threshold": max_minutes}),
        Verdict("peak_memory", fig.peak_rss_mb <= memory_limit,
                f"{name}: {fig.peak_rss_mb:.0f} MB of memory at most; limit {memory_limit:.0f} MB",
                {"peak_rss_mb": round(fig.peak_rss_mb, 1), "threshold_mb": round(memory_limit, 1)}),
        Verdict("free_disk", fig.min_free_disk_mb >= min_free,
                f"{name}: {fig.min_free_disk_mb:.0f} MB of disk left at least; {min_free:g} MB must remain",
                {"min_free_disk_mb": round(fig.min_free_disk_mb, 1), "threshold_mb": min_free}),
    ]


def judge_inventory(report: InventoryReport, figures: InventoryFigures, settings: Settings) -> list[Verdict]:
    """The checks of one source's inventory: what it left waiting, unsure or unread."""
    max_pending = settings["checks.max_pending_files"]
    max_share = settings["checks.max_unrecognised_share"]
    max_unread = settings["checks.max_unread_files"]
    pending = {"files": figures.waiting, "threshold": max_pending}
    if figures.waiting:
        pending["examples"] = _files(figures.waiting_examples, figures.waiting)
    unsure = {"share": round(figures.unsure_share, 4), "files": figures.unsure,
              "spreadsheets": figures.spreadsheets, "threshold": max_share}
    if figures.unsure:
        unsure["examples"] = _files(figures.unsure_examples, figures.unsure)
    unread = {"files": len(report.unread), "threshold": max_unread}
    if report.unread:
        unread["examples"] = _listing(("file", "why"), report.unread, len(report.unread))
    return [
        Verdict("pending_files", figures.waiting <= max_pending,
                f"{figures.waiting} file(s) wait that no batch holds; at most {max_pending}", pending),
        Verdict("unrecognised_spreadsheets", figures.unsure_share <= max_share,
                f"{figures.unsure} of {figures.spreadsheets} spreadsheets ({figures.unsure_share:.0%}) recognised "
                f"below scanning.min_confidence = {settings['scanning.min_confidence']:g}; at most {max_share:.0%}",
                unsure),
        Verdict("unread_spreadsheets", len(report.unread) <= max_unread,
                f"{len(report.unread)} spreadsheet(s) could not be read to be recognised and were judged by their "
                f"name; at most {max_unread}", unread),
    ]
