"""``dpgf monitor``: a live view of an import, read from the Dagster instance and the warehouse."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import psutil
from dagster import AssetPartitionStatus, DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.execution.backfill import BulkActionStatus  # no public name for a backfill's state
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from sqlalchemy import Engine, func, select

from dpgf_assets.assets.sharepoint import import_batch_partitions
from dpgf_assets.cli.runs import IMPORTED_BATCHES
from dpgf_assets.warehouse.schema import batch_runs, source_files

RATE_WINDOW = timedelta(minutes=10)
UNDER_WAY = [DagsterRunStatus.QUEUED, DagsterRunStatus.STARTING,
             DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


@dataclass
class Snapshot:
    batches_total: int = 0
    batches_done: int = 0
    batches_failed: int = 0
    batches_running: int = 0
    files_in_batches: int = 0
    files_imported: int = 0
    files_failed: int = 0
    files_waiting: int = 0
    mb_downloaded: float = 0.0
    files_per_s: float = 0.0
    mb_per_s: float = 0.0
    last_peak_rss_mb: float = 0.0
    system_memory_percent: float = 0.0
    runs_under_way: int = 0  # queued or running, in this instance
    backfills_under_way: int = 0
    latest: list[dict] = field(default_factory=list)

    @property
    def under_way(self) -> bool:
        """Whether anything may still change the figures: a run queued or running, a backfill
        with runs still to launch, or a batch in progress."""
        return bool(self.runs_under_way or self.backfills_under_way or self.batches_running)

    @property
    def success_rate(self) -> float:
        attempted = self.files_imported + self.files_failed
        return self.files_imported / attempted if attempted else 1.0

    @property
    def remaining_seconds(self) -> float | None:
        return self.files_waiting / self.files_per_s if self.files_per_s else None


def take_snapshot(instance: DagsterInstance, engine: Engine, latest: int = 8) -> Snapshot:
    snap = Snapshot()
    keys = instance.get_dynamic_partitions(import_batch_partitions.name)
    snap.batches_total = len(keys)
    if keys:
        status = instance.get_status_by_partition(IMPORTED_BATCHES, keys, import_batch_partitions) or {}
        values = list(status.values())
        snap.batches_done = values.count(AssetPartitionStatus.MATERIALIZED)
        snap.batches_failed = values.count(AssetPartitionStatus.FAILED)
        snap.batches_running = values.count(AssetPartitionStatus.IN_PROGRESS)
    snap.runs_under_way = instance.get_runs_count(RunsFilter(statuses=UNDER_WAY))
    snap.backfills_under_way = len(instance.get_backfills(status=BulkActionStatus.REQUESTED))
    since = datetime.now(timezone.utc) - RATE_WINDOW
    with engine.connect() as conn:
        counts = dict(conn.execute(select(source_files.c.status, func.count())
                                   .where(source_files.c.batch_key.is_not(None))
                                   .group_by(source_files.c.status)).all())
        snap.files_in_batches = sum(counts.values())
        snap.files_imported = counts.get("imported", 0)
        snap.files_failed = counts.get("failed", 0)
        snap.files_waiting = counts.get("queued", 0)
        snap.mb_downloaded = (conn.execute(select(func.sum(batch_runs.c.bytes_downloaded))).scalar() or 0) / 1e6
        recent = conn.execute(select(func.sum(batch_runs.c.imported), func.sum(batch_runs.c.bytes_downloaded),
                                     func.min(batch_runs.c.finished), func.max(batch_runs.c.finished),
                                     func.sum(batch_runs.c.seconds))
                              .where(batch_runs.c.finished >= since)).one()
        rows = conn.execute(select(batch_runs).order_by(batch_runs.c.id.desc()).limit(latest)).mappings().all()
    if recent[0]:
        first, last = (_aware(recent[2]), _aware(recent[3]))
        span = max((last - first).total_seconds(), recent[4] or 0.0, 1e-6)
        snap.files_per_s = recent[0] / span
        snap.mb_per_s = (recent[1] or 0) / 1e6 / span
    snap.latest = [dict(r) for r in rows]
    snap.last_peak_rss_mb = rows[0]["peak_rss_mb"] if rows else 0.0
    snap.system_memory_percent = psutil.virtual_memory().percent
    return snap


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return str(timedelta(seconds=int(seconds)))


def plain_line(snap: Snapshot, elapsed: float) -> str:
    return (f"batches {snap.batches_done}/{snap.batches_total} (failed {snap.batches_failed}, running "
            f"{snap.batches_running}) | files {snap.files_imported}/{snap.files_in_batches} imported, "
            f"{snap.files_failed} failed, success {snap.success_rate:.1%} | {snap.mb_downloaded:.1f} MB | "
            f"elapsed {_duration(elapsed)} | remaining {_duration(snap.remaining_seconds)} | "
            f"{snap.files_per_s:.2f} files/s {snap.mb_per_s:.2f} MB/s | memory {snap.last_peak_rss_mb:.0f} MB "
            f"(system {snap.system_memory_percent:.0f}%) | {_state(snap)}")


def _state(snap: Snapshot) -> str:
    if not snap.under_way:
        return "nothing under way"
    return f"under way: {snap.runs_under_way} run(s), {snap.backfills_under_way} backfill(s)"


def render(snap: Snapshot, elapsed: float) -> Group:
    figures = Table.grid(padding=(0, 2))
    figures.add_column(style="bold")
    figures.add_column()
    for label, value in (
        ("Batches", f"{snap.batches_done}/{snap.batches_total} done, {snap.batches_failed} failed, "
                    f"{snap.batches_running} running"),
        ("Files", f"{snap.files_imported}/{snap.files_in_batches} imported, {snap.files_failed} failed, "
                  f"{snap.files_waiting} waiting"),
        ("Success rate", f"{snap.success_rate:.1%}"),
        ("Downloaded", f"{snap.mb_downloaded:.1f} MB"),
        ("Elapsed / remaining", f"{_duration(elapsed)} / {_duration(snap.remaining_seconds)}"),
        ("Throughput", f"{snap.files_per_s:.2f} files/s, {snap.mb_per_s:.2f} MB/s"),
        ("Memory", f"{snap.last_peak_rss_mb:.0f} MB peak in the last batch, system {snap.system_memory_percent:.0f}%"),
        ("State", _state(snap)),
    ):
        figures.add_row(label, value)
    latest = Table(title="Latest batches", expand=True)
    for column in ("batch", "outcome", "files", "imported", "failed", "line items", "MB", "seconds"):
        latest.add_column(column)
    for r in snap.latest:
        latest.add_row(r["batch_key"], r["outcome"], str(r["planned"]), str(r["imported"]), str(r["failed"]),
                       str(r["line_items"]), f"{r['bytes_downloaded'] / 1e6:.1f}", f"{r['seconds']:.1f}")
    return Group(figures, latest)


def run_monitor(instance: DagsterInstance, engine: Engine, console: Console, refresh_rate: float,
                iterations: int | None = None, follow: bool = False) -> Snapshot:
    """Refresh every ``refresh_rate`` seconds while an import is under way, then stop on the last
    picture (with ``follow``, keep watching until interrupted; at most ``iterations`` refreshes)."""
    started = time.monotonic()
    count = 0

    def go_on(snap: Snapshot) -> bool:
        nonlocal count
        count += 1
        if iterations is not None and count >= iterations:
            return False
        if follow or snap.under_way:
            time.sleep(refresh_rate)
            return True
        return False

    if console.is_terminal:
        with Live(console=console, auto_refresh=False) as live:
            while True:
                snap = take_snapshot(instance, engine)
                live.update(render(snap, time.monotonic() - started), refresh=True)
                if not go_on(snap):
                    return snap
    while True:
        snap = take_snapshot(instance, engine)
        console.print(plain_line(snap, time.monotonic() - started))
        if not go_on(snap):
            return snap
