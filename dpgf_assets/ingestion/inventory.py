"""Taking stock of a source: record every file, recognise pricing files, plan import batches."""

from __future__ import annotations

import itertools
import logging
import tempfile
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import Connection, Engine

from dpgf_assets.ingestion.batching import PlannedBatch, plan_batches, select_candidates
from dpgf_assets.ingestion.spool import Spool
from dpgf_assets.parsing.isolation import readers
from dpgf_assets.parsing.peek import WorkbookPeek
from dpgf_assets.parsing.recognition import SPREADSHEET_EXTENSIONS, Recognition, recognise
from dpgf_assets.settings import DownloadSettings, ScanningSettings
from dpgf_assets.sources.base import FileSource, SourceError, SourceFile
from dpgf_assets.sources.zippeek import peek_zip
from dpgf_assets.warehouse import files as store

log = logging.getLogger(__name__)
ZIP_WORKBOOKS = (".xlsx", ".xlsm")
WHOLE_FILE_BELOW = 128 * 1024  # smaller workbooks are read whole at once: a round trip costs more than the bytes
UPSERT_CHUNK = 1000
RECOGNITION_CHUNK = 500


@dataclass
class InventoryReport:
    """What one inventory found and did, for metadata and the command line."""

    source: str
    seen: int = 0
    new: int = 0
    changed: int = 0
    renamed: int = 0
    unchanged: int = 0
    deleted: int = 0
    recognised: Counter = field(default_factory=Counter)
    recognition_bytes: int = 0
    unread: list[tuple[str, str]] = field(default_factory=list)  # (path, why): deep scan failed, judged by name
    pending: list[tuple[str, str]] = field(default_factory=list)  # (path, why): unreadable for now, retried
    planned: list[PlannedBatch] = field(default_factory=list)
    cursor: str | None = None
    listing_skipped: bool = False
    seconds: float = 0.0

    @property
    def files_queued(self) -> int:
        return sum(len(b.files) for b in self.planned)


def peek_source_file(source: FileSource, file: SourceFile, spool: Spool | None = None) -> WorkbookPeek | None:
    """What recognition reads, None for a file that is no spreadsheet: a small workbook is read whole
    in one request (kept in ``spool`` for its import) and peeked by a reading worker, a larger
    xlsx/xlsm by range (only the zip members it needs), anything else from a temporary download."""
    suffix = Path(file.name).suffix.lower()
    if suffix not in SPREADSHEET_EXTENSIONS:
        return None
    if file.size <= WHOLE_FILE_BELOW:  # an empty file needs no request to be found empty
        data = source.read_range(file, 0, file.size) if file.size else b""
        if len(data) != file.size:  # a cut answer says nothing of the file: try again later
            raise SourceError(f"{file.path}: {len(data)} bytes read of {file.size}", transient=True)
        if spool is not None and data:
            spool.keep(file.file_id, file.etag, data)
        return readers().peek_bytes(data, file.path)
    if suffix in ZIP_WORKBOOKS:
        peek = peek_zip(lambda start, length: source.read_range(file, start, length), file.size,
                        concurrent_reads=4)
        if peek is not None:
            return peek
    with tempfile.TemporaryDirectory(prefix="dpgf-peek-") as tmp:
        local = Path(tmp, "workbook" + suffix)
        source.download(file, local)
        peek = readers().peek_file(local, file.path)
        peek.bytes_read = file.size
        return peek


def _transient(exc: Exception) -> bool:
    """A failure to read that says nothing of the file (throttling, a reset, a timeout)."""
    return isinstance(exc, SourceError) and exc.transient or isinstance(exc, (OSError, TimeoutError))


def recognise_files(
    source: FileSource, files: list[SourceFile], deep_scan: bool, workers: int = 8,
    unread: list[tuple[str, str]] | None = None, pending: list[tuple[SourceFile, str]] | None = None,
    spool: Spool | None = None,
) -> dict[str, tuple[Recognition, int]]:
    """Recognition per file id, with the bytes read for it (0 when the name sufficed); the files
    whose content could not be read, judged by their name alone, go to ``unread`` with the reason.
    A transient failure is no verdict: the file goes to ``pending`` (and has no recognition) when
    that list is given, to be tried again by the next inventory.

    Peeks wait on round trips and on the reading workers (other processes), hence several threads,
    each reading and peeking its file: two peeks run at once on the pool's two workers while the
    other threads' requests are in flight."""
    if not deep_scan:
        return {f.file_id: (recognise(f.path), 0) for f in files}

    def read(f: SourceFile) -> tuple[SourceFile, WorkbookPeek | Exception | None]:
        try:
            return f, peek_source_file(source, f, spool)
        except Exception as exc:  # noqa: BLE001 - judged by its name below
            return f, exc

    results: dict[str, tuple[Recognition, int]] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(files), RECOGNITION_CHUNK):  # links fetched just before their reads
            chunk = files[start:start + RECOGNITION_CHUNK]
            source.prepare(f for f in chunk if Path(f.name).suffix.lower() in SPREADSHEET_EXTENSIONS)
            for f, peek in _ahead(pool, read, chunk, 2 * workers):
                if isinstance(peek, Exception):  # a bad workbook is judged by its name; the import will say why
                    if pending is not None and _transient(peek):
                        log.warning("content of %s unreadable for now, left pending: %s", f.path, peek)
                        pending.append((f, str(peek)))
                        continue
                    log.info("deep scan of %s failed, judged by its name: %s", f.path, peek)
                    if unread is not None:
                        unread.append((f.path, getattr(peek, "reason", None) or str(peek)))
                    peek = None
                results[f.file_id] = (recognise(f.path, peek), peek.bytes_read if peek else 0)
    return results


def _ahead(pool: ThreadPoolExecutor, fn, items: list, window: int):  # noqa: ANN001, ANN202
    """``pool.map`` with at most ``window`` results waiting: memory holds a few files, not a chunk."""
    pending: deque = deque()
    items = iter(items)
    for item in itertools.islice(items, window):
        pending.append(pool.submit(fn, item))
    while pending:
        result = pending.popleft().result()
        for item in itertools.islice(items, 1):
            pending.append(pool.submit(fn, item))
        yield result


def take_inventory(
    engine: Engine,
    source: FileSource,
    scanning: ScanningSettings,
    download: DownloadSettings,
    *,
    cursor: str | None = None,
    use_saved_cursor: bool = True,
    spool: Spool | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> InventoryReport:
    """List changes since the source's saved cursor, record them, recognise, and plan batches; with
    a ``spool``, the small workbooks read whole are kept there for their import."""
    started = time.perf_counter()
    report = InventoryReport(source=source.key)
    with engine.connect() as conn:
        saved = store.read_cursor(conn, source.key) if use_saved_cursor else None
    listing = source.list_changes(cursor if cursor is not None else saved)
    report.cursor = listing.cursor
    stamp = now()
    listed = {f.file_id for f in listing.files}
    with engine.connect() as conn:
        retried = [f for f in store.pending_files(conn, source.key) if f.file_id not in listed]
    if retried:
        recognitions, unreadable = _recognise(source, retried, scanning, report, spool)
        with engine.begin() as conn:
            _record(conn, source.key, retried, recognitions, unreadable, stamp)
    if listing.cursor == saved and listing.complete:
        report.listing_skipped = True  # the snapshot is the one already recorded
    else:
        with engine.connect() as conn:
            known = store.known_files(conn, source.key)
        report.seen = len(listing.files)
        to_recognise: list[SourceFile] = []
        renames: list[tuple[str, str]] = []
        for f in listing.files:
            old = known.get(f.file_id)
            if old is None or old.status == "deleted":
                report.new += 1
                to_recognise.append(f)
            elif old.etag != f.etag or old.status == "pending":
                report.changed += old.etag != f.etag
                to_recognise.append(f)
            else:
                report.unchanged += 1
                if old.path != f.path:
                    renames.append((f.file_id, f.path))
        report.renamed = len(renames)
        if listing.complete:
            live = {f.file_id for f in listing.files}
            gone = [fid for fid, k in known.items() if fid not in live and k.status != "deleted"]
        else:
            gone = [fid for fid in listing.deleted_ids if fid in known and known[fid].status != "deleted"]
        report.deleted = len(gone)
        recognitions, unreadable = _recognise(source, to_recognise, scanning, report, spool)
        with engine.begin() as conn:
            if listing.complete:
                store.touch_live(conn, source.key, stamp)
            _record(conn, source.key, to_recognise, recognitions, unreadable, stamp)
            store.rename_files(conn, source.key, renames, stamp)
            store.mark_deleted(conn, source.key, gone, stamp)
            store.save_cursor(conn, source.key, listing.cursor, stamp)
    report.planned = plan_waiting(engine, source.key, scanning, download, stamp)
    if spool is not None:
        with engine.connect() as conn:
            spool.prune(store.queued_versions(conn))
    report.seconds = time.perf_counter() - started
    return report


def _recognise(
    source: FileSource, files: list[SourceFile], scanning: ScanningSettings, report: InventoryReport,
    spool: Spool | None,
) -> tuple[dict[str, tuple[Recognition, int]], list[tuple[SourceFile, str]]]:
    """Recognitions of ``files``, and those a transient failure kept from being read, with the error."""
    pending: list[tuple[SourceFile, str]] = []
    recognitions = recognise_files(source, files, scanning.deep_scan, unread=report.unread, pending=pending,
                                   spool=spool)
    for rec, nbytes in recognitions.values():
        report.recognised[rec.doc_type] += 1
        report.recognition_bytes += nbytes
    report.pending += [(f.path, why) for f, why in pending]
    return recognitions, pending


def _record(conn: Connection, source_key: str, files: list[SourceFile],
            recognitions: dict[str, tuple[Recognition, int]], pending: list[tuple[SourceFile, str]],
            stamp: datetime) -> None:
    """``files`` in ``source_files``: ``new`` with their recognition, or ``pending`` (tried again by the
    next inventory) with the error kept beside the import's errors."""
    def row(f: SourceFile) -> dict:
        rec = recognitions.get(f.file_id)
        return {"source": source_key, "file_id": f.file_id, "path": f.path, "name": f.name, "size": f.size,
                "modified": f.modified, "etag": f.etag, "doc_type": rec[0].doc_type if rec else None,
                "confidence": rec[0].confidence if rec else None, "reasons": rec[0].reasons if rec else [],
                "status": "new" if rec else "pending", "batch_key": None, "first_seen": stamp,
                "last_seen": stamp}
    for start in range(0, len(files), UPSERT_CHUNK):  # memory stays flat on big libraries
        store.upsert_files(conn, [row(f) for f in files[start:start + UPSERT_CHUNK]])
    store.record_unread(conn, source_key, [(f, "peek", why) for f, why in pending], stamp)


def plan_waiting(
    engine: Engine, source_key: str, scanning: ScanningSettings, download: DownloadSettings, when: datetime
) -> list[PlannedBatch]:
    """Plan batches of every recognised file still waiting, in one transaction with its manifest."""
    with engine.begin() as conn:
        store.skip_unwanted(conn, source_key, scanning.min_confidence)
        chosen = select_candidates(
            store.waiting_candidates(conn, source_key),
            min_confidence=scanning.min_confidence, max_files=scanning.max_files,
        )
        planned = plan_batches(chosen, batch_size=download.batch_size,
                               max_batch_mb=download.max_batch_size_mb, when=when)
        store.record_batches(conn, source_key, planned, when)
    return planned
