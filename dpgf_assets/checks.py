"""Asset checks of ``imported_batches``, with the thresholds users set in ``checks.*``."""

from __future__ import annotations

from typing import Sequence

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey

from dpgf_assets.importing import BatchReport
from dpgf_assets.settings import Settings

BATCH_CHECKS = {
    "failure_rate": "Share of the batch's files that failed, against checks.max_failure_rate.",
    "batch_duration": "Minutes the batch took, against checks.max_batch_minutes.",
    "peak_memory": "Peak memory against checks.max_memory_share of download.max_memory_mb.",
    "free_disk": "Lowest free disk seen, against checks.min_free_disk_mb.",
}


def batch_check_specs(asset_key: AssetKey) -> list[AssetCheckSpec]:
    return [AssetCheckSpec(name, asset=asset_key, description=text) for name, text in BATCH_CHECKS.items()]


def evaluate_batch_checks(reports: Sequence[BatchReport], settings: Settings) -> list[AssetCheckResult]:
    """One result per check over the batches of this run (the worst batch decides)."""
    attempted = sum(r.imported + r.failed for r in reports)
    failed = sum(r.failed for r in reports)
    rate = failed / attempted if attempted else 0.0
    minutes = max((r.seconds for r in reports), default=0.0) / 60
    peak = max((r.peak_rss_mb for r in reports), default=0.0)
    memory_limit = settings.download.max_memory_mb * settings["checks.max_memory_share"]
    free = min((r.min_free_disk_mb for r in reports), default=None)
    warn = AssetCheckSeverity.WARN
    return [
        AssetCheckResult(check_name="failure_rate", passed=rate <= settings["checks.max_failure_rate"],
                         severity=warn, metadata={"failure_rate": round(rate, 4), "failed": failed,
                                                  "threshold": settings["checks.max_failure_rate"]}),
        AssetCheckResult(check_name="batch_duration", passed=minutes <= settings["checks.max_batch_minutes"],
                         severity=warn, metadata={"minutes": round(minutes, 2),
                                                  "threshold": settings["checks.max_batch_minutes"]}),
        AssetCheckResult(check_name="peak_memory", passed=peak <= memory_limit, severity=warn,
                         metadata={"peak_rss_mb": round(peak, 1), "threshold_mb": round(memory_limit, 1)}),
        AssetCheckResult(check_name="free_disk",
                         passed=free is None or free >= settings["checks.min_free_disk_mb"], severity=warn,
                         metadata={"min_free_disk_mb": round(free, 1) if free is not None else "not measured",
                                   "threshold_mb": settings["checks.min_free_disk_mb"]}),
    ]
