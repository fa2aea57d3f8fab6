"""Writing one imported file version: all its rows replace the previous version's, atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, delete, insert, update

from dpgf_assets.parsing.model import ParsedDocument
from dpgf_assets.warehouse.bulk import insert_rows, upsert_statement
from dpgf_assets.warehouse.schema import documents, line_items, projects, sections, source_files


@dataclass(frozen=True)
class FileVersion:
    """Which file version a parsed document came from, and where it belongs."""

    source: str
    file_id: str
    etag: str
    path: str
    project_key: str
    project_name: str
    batch_key: str | None = None


def project_of(path: str, depth: int) -> tuple[str, str]:
    """Project key and name from the folder layout: the first ``depth`` folders of the path."""
    folders = path.split("/")[:-1]
    if not folders:
        return "(racine)", "(racine)"
    chosen = folders[:depth]
    return "/".join(chosen), chosen[-1]


def _ensure_project(conn: Connection, key: str, name: str) -> int:
    """The project's id, created on first sight, in one round trip (safe from concurrent writers)."""
    stmt = upsert_statement(conn, projects).values(key=key, name=name)
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"name": stmt.excluded.name})
    return conn.execute(stmt.returning(projects.c.id)).scalar_one()


def _delete_document(conn: Connection, source: str, file_id: str) -> None:
    """The file's previous version; its sections and line items go with it (ON DELETE CASCADE)."""
    conn.execute(delete(documents).where(documents.c.source == source, documents.c.file_id == file_id))


def replace_document(engine: Engine, version: FileVersion, parsed: ParsedDocument) -> int:
    """Write ``parsed`` as the current version of its file in one transaction; return its id.

    The previous version's document, sections and line items go in the same transaction, and the
    file is marked imported with this eTag: a crash at any point leaves either the old or the new.
    """
    with engine.begin() as conn:
        project_id = _ensure_project(conn, version.project_key, version.project_name)
        _delete_document(conn, version.source, version.file_id)
        doc_id = conn.execute(
            insert(documents)
            .values(
                source=version.source,
                file_id=version.file_id,
                etag=version.etag,
                path=version.path,
                project_id=project_id,
                doc_type=parsed.doc_type,
                confidence=parsed.confidence,
                lot_code=parsed.lot_code,
                lot_name=parsed.lot_name,
                sheets=sorted({t.sheet for t in parsed.tables}),
                declared_totals=[
                    {"sheet": t.sheet, "row": t.row, "label": t.label, "kind": t.kind, "amount": t.amount}
                    for t in parsed.totals
                ],
                warnings=list(parsed.warnings),
                item_count=len(parsed.items),
                batch_key=version.batch_key,
                imported_at=datetime.now(timezone.utc),
            )
            .returning(documents.c.id)
        ).scalar_one()
        # parents and sections by the row they stand on: uncoded chapters link as well as coded ones
        position_of = {(sec.sheet, sec.row): position for position, sec in enumerate(parsed.sections)}
        insert_rows(conn, sections, [
            {
                "document_id": doc_id, "position": position, "sheet": s.sheet, "row": s.row,
                "code": s.code, "title": s.title, "level": s.level,
                "parent_position": position_of.get((s.sheet, s.parent_row)),
                "description": s.description,
            }
            for position, s in enumerate(parsed.sections)
        ])
        insert_rows(conn, line_items, [
            {
                "document_id": doc_id, "position": position, "sheet": i.sheet, "row": i.row,
                "code": i.code, "designation": i.designation, "unit": i.unit, "unit_raw": i.unit_raw,
                "quantity": i.quantity, "unit_price": i.unit_price, "total": i.total, "kind": i.kind,
                "section_position": position_of.get((i.sheet, i.section_row)),
                "flags": json.dumps(i.flags),
            }
            for position, i in enumerate(parsed.items)
        ])
        conn.execute(
            update(source_files)
            .where(source_files.c.source == version.source, source_files.c.file_id == version.file_id)
            .values(status="imported", imported_etag=version.etag)
        )
        return doc_id
