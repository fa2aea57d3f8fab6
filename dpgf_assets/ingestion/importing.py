"""Importing one batch: download each file into the batch folder (or take the inventory's copy of
its version from the spool), parse it, write it, clean up.

Downloads run ahead in a small thread pool while the main thread parses one file at a time and a
writer thread writes the previous one, so memory is bounded by a few files, not by the batch; the
guards slow the pipeline down (one file at a time, writes inline) when memory or disk run short.
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
import time
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine, insert
from sqlalchemy.exc import DBAPIError

from dpgf_assets.ingestion.guards import ResourceGuard
from dpgf_assets.ingestion.spool import Spool
from dpgf_assets.parsing.isolation import parse_isolated
from dpgf_assets.parsing.model import ParseError
from dpgf_assets.settings import DownloadSettings
from dpgf_assets.sources.base import FileSource, SourceError, SourceFile
from dpgf_assets.warehouse import files as store
from dpgf_assets.warehouse.documents import FileVersion, project_of, replace_document
from dpgf_assets.warehouse.schema import import_errors

log = logging.getLogger(__name__)
DOWNLOAD_WORKERS = 3
STAGES = ("download", "parse", "load", "cleanup")  # timed per batch
UNCHANGED = "unchanged"  # the outcome of a run that found nothing to import in the batch


class TransientImportError(Exception):
    """Some files of a batch hit transient failures past their retries: run the batch again later."""


@dataclass
class FileError:
    file_id: str
    etag: str
    path: str
    stage: str
    error_class: str
    message: str
    transient: bool = False


@dataclass
class BatchReport:
    batch_key: str
    planned: int = 0
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    line_items: int = 0
    bytes_downloaded: int = 0  # of the files brought to the batch folder, the spool's copies included
    from_spool: int = 0  # files whose inventory copy spared a download
    stage_seconds: Counter = field(default_factory=Counter)
    errors: list[FileError] = field(default_factory=list)
    transient: list[FileError] = field(default_factory=list)
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    peak_disk_mb: float = 0.0
    min_free_disk_mb: float = 0.0
    throttled: bool = False

    @property
    def outcome(self) -> str:
        """What the run did with the batch: ``unchanged`` when it found nothing to import (every file
        already imported, failed for good or superseded), so readers keep the earlier import's figures."""
        if self.transient:
            return "transient_failure"
        return UNCHANGED if self.skipped == self.planned else "succeeded"


def local_copy_path(batch_dir: Path, position: int, name: str) -> Path:
    """Where a download goes: a numbered file in the batch folder, never a path built from the name."""
    suffix = Path(name.replace("\\", "/")).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,5}", suffix):
        suffix = ""
    return batch_dir / f"{position:05d}{suffix}"


def _record_error(engine: Engine, source: str, batch_key: str, err: FileError) -> None:
    """Keep the error for the report; a permanent one also marks the file failed."""
    with engine.begin() as conn:
        conn.execute(insert(import_errors).values(
            source=source, file_id=err.file_id, path=err.path, etag=err.etag, batch_key=batch_key,
            stage=err.stage, error_class=err.error_class, message=err.message,
            occurred_at=datetime.now(timezone.utc),
        ))
        if not err.transient:
            store.set_status(conn, source, err.file_id, "failed")


def _classify(exc: Exception, stage: str) -> tuple[bool, str]:
    """(transient, plain message) for an exception raised while importing one file."""
    if isinstance(exc, SourceError):
        return exc.transient, str(exc)
    if isinstance(exc, ParseError):
        return False, exc.reason
    database = _database_error(exc)
    if database is not None:
        return database
    if stage == "parse":  # the parser should say ParseError; whatever else it raised is about this file
        return False, f"unexpected {type(exc).__name__} while parsing: {exc}"
    if stage == "load" and isinstance(exc, ValueError):  # a value no warehouse takes (strict JSON)
        return False, f"a value of this file cannot be written: {exc}"
    raise exc


_CONNECTION_ERRORS = ("OperationalError", "InterfaceError")  # PEP 249: the database, not the data
_DATA_ERRORS = ("DataError", "IntegrityError", "ProgrammingError", "NotSupportedError", "InternalError")


def _database_error(exc: Exception) -> tuple[bool, str] | None:
    """(transient, message) for a database error, wrapped by SQLAlchemy or raised by the driver (the
    bulk load talks to it directly): the connection failing is transient, the data refused is this
    file's failure, so the batch goes on."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    kinds = {cls.__name__ for cls in type(orig).__mro__}
    message = " ".join(str(orig).split())[:300]
    if kinds & set(_CONNECTION_ERRORS) and not kinds & set(_DATA_ERRORS):
        return True, f"database unavailable: {message}"
    if isinstance(exc, DBAPIError) or kinds & set(_DATA_ERRORS):
        return False, f"the database refused this file: {message}"
    return None


def _to_import(manifest: list[store.ManifestEntry]) -> tuple[list[tuple[int, store.ManifestEntry]], int]:
    """Entries still to import, and how many are skipped: deleted, already imported, superseded by a
    newer version, or failed for good in this version (its error is recorded; a new version retries)."""
    todo = [(i, e) for i, e in enumerate(manifest)
            if e.status not in ("deleted", "failed") and e.imported_etag != e.current_etag
            and e.planned_etag == e.current_etag]
    return todo, len(manifest) - len(todo)


def import_batch(
    engine: Engine,
    source: FileSource,
    batch_key: str,
    download: DownloadSettings,
    batches_dir: Path,
    project_depth: int,
    run_id: str | None = None,
    spool: Spool | None = None,
) -> BatchReport:
    """Import every file of the batch that is not already imported in its current version.

    Permanent errors are recorded and the batch goes on; transient ones (past the source's own
    retries) are raised at the end as ``TransientImportError`` so the partition fails and a
    backfill finishes it, while everything already written stays written.
    """
    started = time.perf_counter()
    report = BatchReport(batch_key)
    with engine.connect() as conn:
        manifest = store.batch_manifest(conn, batch_key)
    report.planned = len(manifest)
    todo, report.skipped = _to_import(manifest)
    files = {e.file_id: SourceFile(e.file_id, e.path, e.size, datetime.now(timezone.utc), e.current_etag)
             for _, e in todo}
    # download links only for the files the inventory kept no copy of
    source.prepare(f for f in files.values() if spool is None or not spool.holds(f.file_id, f.etag, f.size))
    batch_dir = batches_dir / batch_key
    shutil.rmtree(batch_dir, ignore_errors=True)  # leftovers of an attempt that was killed
    batch_dir.mkdir(parents=True, exist_ok=True)
    guard = ResourceGuard(download.max_memory_mb, download.max_disk_mb, batch_dir)
    queue = deque(todo)
    in_flight: deque[tuple[int, store.ManifestEntry, Path, Future]] = deque()
    kept: list[tuple[Path, int]] = []  # parsed copies kept when auto_cleanup is off

    def fetch(entry: store.ManifestEntry, local: Path) -> tuple[int, float, bool]:
        t = time.perf_counter()
        if spool is not None and spool.take(entry.file_id, entry.current_etag, entry.size, local):
            return entry.size, time.perf_counter() - t, True
        return source.download(files[entry.file_id], local), time.perf_counter() - t, False

    def fill(pool: ThreadPoolExecutor) -> None:
        depth = 1 if not guard.check_memory() else DOWNLOAD_WORKERS
        while queue and len(in_flight) < depth:
            position, entry = queue[0]
            if in_flight and not guard.has_room(entry.size):
                return  # wait for the files in flight to be written and cleaned
            if not in_flight:
                if not guard.has_room(entry.size):
                    _clean(kept, guard)
                guard.wait_for_disk(entry.size)
            queue.popleft()
            local = local_copy_path(batch_dir, position, entry.path.rsplit("/", 1)[-1])
            guard.added(entry.size)
            in_flight.append((position, entry, local, pool.submit(fetch, entry, local)))

    def fail(entry: store.ManifestEntry, stage: str, exc: Exception) -> None:
        transient, message = _classify(exc, stage)
        err = FileError(entry.file_id, entry.current_etag, entry.path, stage, type(exc).__name__,
                        message, transient)
        (report.transient if transient else report.errors).append(err)
        report.failed += 0 if transient else 1
        _record_error(engine, source.key, batch_key, err)
        log.warning("[%s] %s: %s failed: %s", batch_key, entry.path, stage, message)

    def written(entry: store.ManifestEntry, items: int, seconds: float) -> None:
        report.stage_seconds["load"] += seconds
        report.imported += 1
        report.line_items += items
        # DEBUG: in a run every line is a row of the instance's event log (one per file would cost
        # more than writing the file itself); a batch's summary and each failure are logged above DEBUG
        log.debug("[%s %d/%d] %s: %d line items", batch_key, report.imported + report.failed,
                  len(todo), entry.path, items)

    # writes overlap the next file's parsing, except on SQLite (one writer) and when memory is short
    writer = _Writer(engine, overlap=engine.dialect.name != "sqlite", written=written, failed=fail)
    pool = _threads("download", DOWNLOAD_WORKERS)
    fill(pool)
    while in_flight:
        position, entry, local, future = in_flight.popleft()
        stage = "download"
        parsed = None
        try:
            nbytes, seconds, spooled = future.result()
            report.bytes_downloaded += nbytes
            report.from_spool += spooled
            report.stage_seconds["download"] += seconds
            stage = "parse"
            t = time.perf_counter()
            parsed = parse_isolated(local, source_path=entry.path)
            report.stage_seconds["parse"] += time.perf_counter() - t
        except Exception as exc:  # noqa: BLE001 - sorted into transient or permanent by fail()
            fail(entry, stage, exc)
        finally:
            t = time.perf_counter()
            if download.auto_cleanup:
                local.unlink(missing_ok=True)  # parsed: the local copy has served
                guard.removed(entry.size)
            else:
                kept.append((local, entry.size))
            report.stage_seconds["cleanup"] += time.perf_counter() - t
        if parsed is not None:
            key, name = project_of(entry.path, project_depth)
            writer.write(entry, FileVersion(source.key, entry.file_id, entry.current_etag, entry.path, key,
                                            name, batch_key), parsed, alone=guard.throttled)
            del parsed
        fill(pool)
    writer.settle()
    if download.auto_cleanup:
        shutil.rmtree(batch_dir, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    report.peak_rss_mb, report.peak_disk_mb = guard.peak_rss_mb, guard.peak_disk_mb
    guard.free_disk_mb()
    report.min_free_disk_mb, report.throttled = guard.min_free_disk_mb, guard.throttled
    _record_run(engine, report, run_id)
    if report.transient:
        raise TransientImportError(
            f"batch {batch_key}: {len(report.transient)} file(s) hit transient failures "
            f"(first: {report.transient[0].path}: {report.transient[0].message}); "
            f"{report.imported} imported, run the batch again to finish"
        )
    return report


class _Writer:
    """Writes parsed documents one at a time in a thread of its own, so that writing file n (mostly
    waiting on the database) overlaps parsing file n + 1. At most one write is pending: memory holds
    two parsed documents at most. ``settle`` reports a write's outcome in the caller's thread."""

    def __init__(self, engine: Engine, *, overlap: bool, written, failed) -> None:  # noqa: ANN001
        self.engine, self.overlap = engine, overlap
        self.written, self.failed = written, failed
        self.pending: tuple[store.ManifestEntry, Future] | None = None

    def _write(self, version: FileVersion, parsed) -> tuple[int, float]:  # noqa: ANN001
        t = time.perf_counter()
        replace_document(self.engine, version, parsed)
        return len(parsed.items), time.perf_counter() - t

    def write(self, entry: store.ManifestEntry, version: FileVersion, parsed, *, alone: bool) -> None:  # noqa: ANN001
        self.settle()
        if self.overlap and not alone:
            self.pending = (entry, _threads("writer", 1).submit(self._write, version, parsed))
        else:
            self._report(entry, lambda: self._write(version, parsed))

    def settle(self) -> None:
        if self.pending is not None:
            entry, future = self.pending
            self.pending = None
            self._report(entry, future.result)

    def _report(self, entry: store.ManifestEntry, outcome: Callable[[], tuple[int, float]]) -> None:
        try:
            self.written(entry, *outcome())
        except Exception as exc:  # noqa: BLE001 - sorted into transient or permanent by failed()
            self.failed(entry, "load", exc)


@functools.cache
def _threads(purpose: str, workers: int) -> ThreadPoolExecutor:
    """One pool per purpose (downloads, writes) per process, reused by every batch: threads made
    anew for each batch would each bring a fresh malloc arena, and memory would grow with the number
    of batches."""
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix=purpose)


def _record_run(engine: Engine, report: BatchReport, run_id: str | None) -> None:
    with engine.begin() as conn:
        store.record_batch_run(conn, {
            "batch_key": report.batch_key, "run_id": run_id, "finished": datetime.now(timezone.utc),
            "outcome": report.outcome,
            "planned": report.planned, "imported": report.imported, "skipped": report.skipped,
            "failed": report.failed, "line_items": report.line_items,
            "bytes_downloaded": report.bytes_downloaded, "seconds": report.seconds,
            **{f"seconds_{s}": report.stage_seconds[s] for s in STAGES},
            "peak_rss_mb": report.peak_rss_mb, "peak_disk_mb": report.peak_disk_mb,
            "min_free_disk_mb": report.min_free_disk_mb,
        })


def _clean(kept: list[tuple[Path, int]], guard: ResourceGuard) -> None:
    """Over the disk allowance: delete parsed copies even when auto_cleanup is off."""
    if kept:
        log.warning("disk allowance reached: deleting %d parsed local copies", len(kept))
    for path, size in kept:
        path.unlink(missing_ok=True)
        guard.removed(size)
    kept.clear()
