"""Importing one batch: download each file into the batch folder, parse it, write it, clean up."""

from __future__ import annotations

import logging
import re
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, insert
from sqlalchemy.exc import DBAPIError

from dpgf_assets.parsing import parse_workbook
from dpgf_assets.parsing.model import ParseError
from dpgf_assets.settings import DownloadSettings
from dpgf_assets.sources.base import FileSource, SourceError, SourceFile
from dpgf_assets.warehouse import files as store
from dpgf_assets.warehouse.documents import FileVersion, project_of, replace_document
from dpgf_assets.warehouse.schema import import_errors

log = logging.getLogger(__name__)


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
    bytes_downloaded: int = 0
    stage_seconds: Counter = field(default_factory=Counter)
    errors: list[FileError] = field(default_factory=list)
    transient: list[FileError] = field(default_factory=list)
    seconds: float = 0.0


def local_copy_path(batch_dir: Path, position: int, name: str) -> Path:
    """Where a download goes: a numbered file in the batch folder, never a path built from the name."""
    suffix = Path(name).suffix.lower()
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
    if isinstance(exc, DBAPIError):
        return True, f"database error: {exc.orig}"
    if stage == "parse":  # the parser should say ParseError; whatever else it raised is about this file
        return False, f"unexpected {type(exc).__name__} while parsing: {exc}"
    raise exc


def import_batch(
    engine: Engine,
    source: FileSource,
    batch_key: str,
    download: DownloadSettings,
    batches_dir: Path,
    project_depth: int,
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
    batch_dir = batches_dir / batch_key
    batch_dir.mkdir(parents=True, exist_ok=True)
    for position, entry in enumerate(manifest):
        if entry.status == "deleted" or entry.imported_etag == entry.current_etag or entry.planned_etag != entry.current_etag:
            report.skipped += 1  # deleted, already imported, or superseded by a newer batch
            continue
        file = SourceFile(entry.file_id, entry.path, entry.size, datetime.now(timezone.utc), entry.current_etag)
        local = local_copy_path(batch_dir, position, file.name)
        stage = "download"
        try:
            t = time.perf_counter()
            report.bytes_downloaded += source.download(file, local)
            report.stage_seconds["download"] += time.perf_counter() - t
            stage = "parse"
            t = time.perf_counter()
            parsed = parse_workbook(local, source_path=entry.path)
            report.stage_seconds["parse"] += time.perf_counter() - t
            stage = "load"
            t = time.perf_counter()
            key, name = project_of(entry.path, project_depth)
            replace_document(engine, FileVersion(source.key, entry.file_id, entry.current_etag, entry.path,
                                                 key, name, batch_key), parsed)
            report.stage_seconds["load"] += time.perf_counter() - t
            report.imported += 1
            report.line_items += len(parsed.items)
        except Exception as exc:  # noqa: BLE001 - sorted into transient or permanent just below
            transient, message = _classify(exc, stage)
            err = FileError(entry.file_id, entry.current_etag, entry.path, stage, type(exc).__name__,
                            message, transient)
            (report.transient if transient else report.errors).append(err)
            report.failed += 0 if transient else 1
            _record_error(engine, source.key, batch_key, err)
        finally:
            if download.auto_cleanup:
                t = time.perf_counter()
                local.unlink(missing_ok=True)
                report.stage_seconds["cleanup"] += time.perf_counter() - t
    if download.auto_cleanup:
        shutil.rmtree(batch_dir, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    if report.transient:
        raise TransientImportError(
            f"batch {batch_key}: {len(report.transient)} file(s) hit transient failures "
            f"(first: {report.transient[0].path}: {report.transient[0].message}); "
            f"{report.imported} imported, run the batch again to finish"
        )
    return report
