"""The file inventory (``source_files``) and the batch → files manifest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, and_, bindparam, func, insert, select, update

from dpgf_assets.ingestion.batching import Candidate, PlannedBatch
from dpgf_assets.warehouse.bulk import upsert_statement
from dpgf_assets.sources.base import SourceFile
from dpgf_assets.warehouse.schema import (batch_files, batch_runs, batches, import_errors, source_cursors,
                                          source_files)


@dataclass(frozen=True)
class KnownFile:
    etag: str
    path: str
    status: str


@dataclass(frozen=True)
class ManifestEntry:
    """One file of a batch, as planned and as the inventory knows it now."""

    file_id: str
    planned_etag: str
    current_etag: str
    imported_etag: str | None
    path: str
    size: int
    status: str


def known_files(conn: Connection, source: str) -> dict[str, KnownFile]:
    rows = conn.execute(
        select(source_files.c.file_id, source_files.c.etag, source_files.c.path, source_files.c.status)
        .where(source_files.c.source == source)
    )
    return {r.file_id: KnownFile(r.etag, r.path, r.status) for r in rows}


def pending_files(conn: Connection, source: str) -> list[SourceFile]:
    """Files whose content could not be read yet (transient failures): the inventory tries them again."""
    rows = conn.execute(
        select(source_files.c.file_id, source_files.c.path, source_files.c.size, source_files.c.modified,
               source_files.c.etag)
        .where(source_files.c.source == source, source_files.c.status == "pending")
        .order_by(source_files.c.path)
    )
    return [SourceFile(r.file_id, r.path, r.size, r.modified, r.etag) for r in rows]


def record_unread(conn: Connection, source: str, failures: Sequence[tuple[SourceFile, str, str]],
                  now: datetime) -> None:
    """Keep why files could not be read (file, stage, message) beside the import's errors."""
    if failures:
        conn.execute(insert(import_errors), [
            {"source": source, "file_id": f.file_id, "path": f.path, "etag": f.etag, "batch_key": None,
             "stage": stage, "error_class": "transient", "message": message[:2000], "occurred_at": now}
            for f, stage, message in failures])


def upsert_files(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new files or refresh changed ones (``first_seen`` is kept)."""
    if not rows:
        return
    stmt = upsert_statement(conn, source_files)
    refreshed = {c: stmt.excluded[c] for c in rows[0] if c not in ("source", "file_id", "first_seen")}
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["source", "file_id"], set_=refreshed), list(rows)
    )


def rename_files(conn: Connection, source: str, renames: Iterable[tuple[str, str]], now: datetime) -> None:
    params = [{"fid": fid, "p": path, "n": path.rsplit("/", 1)[-1]} for fid, path in renames]
    if params:
        conn.execute(
            update(source_files)
            .where(source_files.c.source == source, source_files.c.file_id == bindparam("fid"))
            .values(path=bindparam("p"), name=bindparam("n"), last_seen=now),
            params,
        )


def touch_live(conn: Connection, source: str, now: datetime) -> None:
    """A complete listing saw every live file: one statement refreshes ``last_seen``."""
    conn.execute(
        update(source_files)
        .where(source_files.c.source == source, source_files.c.status != "deleted")
        .values(last_seen=now)
    )


def mark_deleted(conn: Connection, source: str, file_ids: Iterable[str], now: datetime) -> int:
    ids = list(file_ids)
    for start in range(0, len(ids), 500):
        conn.execute(
            update(source_files)
            .where(source_files.c.source == source, source_files.c.file_id.in_(ids[start:start + 500]))
            .values(status="deleted", last_seen=now)
        )
    return len(ids)


def waiting_candidates(conn: Connection, source: str) -> list[Candidate]:
    """Recognised pricing files not yet imported nor queued in their current version."""
    rows = conn.execute(
        select(source_files.c.file_id, source_files.c.etag, source_files.c.size,
               source_files.c.confidence, source_files.c.path)
        .where(source_files.c.source == source,
               source_files.c.status.in_(("new", "skipped")),
               source_files.c.doc_type != "OTHER")
    )
    return [Candidate(source, r.file_id, r.etag, r.size, r.confidence or 0.0, r.path) for r in rows]


def queued_versions(conn: Connection) -> set[tuple[str, str]]:
    """(file id, etag) of the files of every source planned in a batch and not yet imported."""
    rows = conn.execute(select(source_files.c.file_id, source_files.c.etag)
                        .where(source_files.c.status == "queued"))
    return {(r.file_id, r.etag) for r in rows}


def skip_unwanted(conn: Connection, source: str, min_confidence: float) -> int:
    """New files that are not pricing documents, or not surely enough, are marked skipped."""
    return conn.execute(
        update(source_files)
        .where(source_files.c.source == source, source_files.c.status == "new",
               (source_files.c.doc_type == "OTHER") | (source_files.c.confidence < min_confidence))
        .values(status="skipped")
    ).rowcount


def record_batches(conn: Connection, source: str, planned: Sequence[PlannedBatch], now: datetime) -> None:
    if not planned:
        return
    # the same file versions always get the same key: planning them again re-queues that batch
    conn.execute(upsert_statement(conn, batches).on_conflict_do_nothing(), [
        {"batch_key": b.key, "source": source, "created": now, "plan_order": n, "files": len(b.files),
         "bytes": b.bytes}
        for n, b in enumerate(planned)
    ])
    conn.execute(upsert_statement(conn, batch_files).on_conflict_do_nothing(), [
        {"batch_key": b.key, "position": i, "source": source, "file_id": f.file_id, "etag": f.etag}
        for b in planned for i, f in enumerate(b.files)
    ])
    conn.execute(
        update(source_files)
        .where(source_files.c.source == source, source_files.c.file_id == bindparam("fid"))
        .values(status="queued", batch_key=bindparam("bk")),
        [{"fid": f.file_id, "bk": b.key} for b in planned for f in b.files],
    )


def batch_keys(conn: Connection, source: str | None = None) -> list[str]:
    """Every planned batch, oldest inventory first and each in its plan's order (most confident
    first): the order partitions are registered in."""
    query = select(batches.c.batch_key).order_by(batches.c.created, batches.c.plan_order, batches.c.batch_key)
    if source:
        query = query.where(batches.c.source == source)
    return list(conn.execute(query).scalars())


def batch_manifest(conn: Connection, batch_key: str) -> list[ManifestEntry]:
    rows = conn.execute(
        select(batch_files.c.file_id, batch_files.c.etag.label("planned_etag"), source_files.c.etag,
               source_files.c.imported_etag, source_files.c.path, source_files.c.size,
               source_files.c.status)
        .join(source_files, and_(source_files.c.source == batch_files.c.source,
                                 source_files.c.file_id == batch_files.c.file_id))
        .where(batch_files.c.batch_key == batch_key)
        .order_by(batch_files.c.position)
    )
    return [ManifestEntry(r.file_id, r.planned_etag, r.etag, r.imported_etag, r.path, r.size, r.status)
            for r in rows]


def set_status(conn: Connection, source: str, file_id: str, status: str) -> None:
    conn.execute(
        update(source_files)
        .where(source_files.c.source == source, source_files.c.file_id == file_id)
        .values(status=status)
    )


def read_cursor(conn: Connection, source: str) -> str | None:
    return conn.execute(select(source_cursors.c.cursor).where(source_cursors.c.source == source)).scalar()


def save_cursor(conn: Connection, source: str, cursor: str, now: datetime) -> None:
    stmt = upsert_statement(conn, source_cursors).values(source=source, cursor=cursor, updated=now)
    conn.execute(stmt.on_conflict_do_update(index_elements=["source"],
                                            set_={"cursor": cursor, "updated": now}))


def record_batch_run(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(batch_runs).values(**row))


def failed_files_by_batch(conn: Connection) -> dict[str, int]:
    """Files whose import failed for good, counted per batch (a backfill does not retry them)."""
    rows = conn.execute(select(source_files.c.batch_key, func.count())
                        .where(source_files.c.status == "failed", source_files.c.batch_key.is_not(None))
                        .group_by(source_files.c.batch_key))
    return {key: count for key, count in rows}
