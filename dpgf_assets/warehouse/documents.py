"""Writing one imported file version: all its rows replace the previous version's, atomically."""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, bindparam, delete, insert, update

from dpgf_assets.parsing.model import ParsedDocument
from dpgf_assets.warehouse.bulk import insert_rows, upsert_statement
from dpgf_assets.warehouse.fitting import fit_document
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


# Project ids already committed, per warehouse: (key, name) -> id. Filled after a commit only, so a
# rolled-back project is never remembered; projects are never deleted, so an id stays valid.
_PROJECT_IDS: weakref.WeakKeyDictionary[Engine, dict[tuple[str, str], int]] = weakref.WeakKeyDictionary()


def _ensure_project(conn: Connection, key: str, name: str) -> int:
    """The project's id, created on first sight, in one round trip (safe from concurrent writers)."""
    stmt = upsert_statement(conn, projects).values(key=key, name=name)
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"name": stmt.excluded.name})
    return conn.execute(stmt.returning(projects.c.id)).scalar_one()


# Built once: executed with parameters, each is compiled once per dialect, not once per file.
_DELETE_DOCUMENT = delete(documents).where(documents.c.source == bindparam("d_source"),
                                           documents.c.file_id == bindparam("d_file_id"))
_INSERT_DOCUMENT = insert(documents).returning(documents.c.id)
_MARK_IMPORTED = (update(source_files)
                  .where(source_files.c.source == bindparam("f_source"),
                         source_files.c.file_id == bindparam("f_file_id"))
                  .values(status="imported", imported_etag=bindparam("f_etag")))
SECTION_COLUMNS = ("document_id", "position", "sheet", "row", "code", "title", "level", "parent_position",
                   "description")
ITEM_COLUMNS = ("document_id", "position", "sheet", "row", "code", "designation", "unit", "unit_raw",
                "quantity", "unit_price", "total", "kind", "section_position", "flags", "prices")
DOCUMENT_COLUMNS = tuple(c.name for c in documents.columns if c.name != "id")
JSON_COLUMNS = ("sheets", "declared_totals", "warnings", "notes")

# The same three statements for psycopg 3 directly: SQLAlchemy's execution costs ~0.15 ms of CPU per
# statement, a quarter of a document's write; the file's mark rides with the insert (one round trip).
_PG_DELETE = "DELETE FROM documents WHERE source = %s AND file_id = %s"
_PG_INSERT = (
    "WITH marked AS (UPDATE source_files SET status = 'imported', imported_etag = %s "
    "WHERE source = %s AND file_id = %s) "
    f"INSERT INTO documents ({', '.join(DOCUMENT_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(DOCUMENT_COLUMNS))}) RETURNING id"
)


def _document_row(version: FileVersion, parsed: ParsedDocument, project_id: int) -> dict:
    return {
        "source": version.source, "file_id": version.file_id, "etag": version.etag, "path": version.path,
        "project_id": project_id, "doc_type": parsed.doc_type, "confidence": parsed.confidence,
        "lot_code": parsed.lot_code, "lot_name": parsed.lot_name,
        "sheets": sorted({t.sheet for t in parsed.tables}),
        "declared_totals": [{"sheet": t.sheet, "row": t.row, "label": t.label, "kind": t.kind,
                             "amount": t.amount} for t in parsed.totals],
        "warnings": list(parsed.warnings), "item_count": len(parsed.items),
        "batch_key": version.batch_key, "imported_at": datetime.now(timezone.utc),
        "notes": list(parsed.notes), "lot_code_written": parsed.lot_written,
    }


def _write_document(conn: Connection, version: FileVersion, row: dict) -> int:
    """Delete the file's previous document, insert this one and mark the file imported; its id."""
    if conn.dialect.driver == "psycopg":
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(_PG_DELETE, (version.source, version.file_id))
            values = [json.dumps(row[c], allow_nan=False) if c in JSON_COLUMNS else row[c] for c in DOCUMENT_COLUMNS]
            cursor.execute(_PG_INSERT, (version.etag, version.source, version.file_id, *values))
            return cursor.fetchone()[0]
        finally:
            cursor.close()
    conn.execute(_DELETE_DOCUMENT, {"d_source": version.source, "d_file_id": version.file_id})
    doc_id = conn.execute(_INSERT_DOCUMENT, row).scalar_one()
    conn.execute(_MARK_IMPORTED, {"f_source": version.source, "f_file_id": version.file_id,
                                  "f_etag": version.etag})
    return doc_id


def replace_document(engine: Engine, version: FileVersion, parsed: ParsedDocument) -> int:
    """Write ``parsed`` as the current version of its file in one transaction; return its id.

    The previous version's document, sections and line items go in the same transaction (ON DELETE
    CASCADE), and the file is marked imported with this eTag: a crash at any point leaves either
    the old or the new. Text is first made fit for the columns (``fit_document``).
    """
    fit_document(parsed)
    project = (version.project_key, version.project_name)
    project_id = _PROJECT_IDS.get(engine, {}).get(project)
    created = project_id is None
    with engine.begin() as conn:
        if project_id is None:
            project_id = _ensure_project(conn, version.project_key, version.project_name)
        doc_id = _write_document(conn, version, _document_row(version, parsed, project_id))
        # parents and sections by the row they stand on: uncoded chapters link as well as coded ones
        position_of = {(sec.sheet, sec.row): position for position, sec in enumerate(parsed.sections)}
        insert_rows(conn, sections, SECTION_COLUMNS, [
            (doc_id, position, s.sheet, s.row, s.code, s.title, s.level,
             position_of.get((s.sheet, s.parent_row)), s.description)
            for position, s in enumerate(parsed.sections)
        ])
        insert_rows(conn, line_items, ITEM_COLUMNS, [
            (doc_id, position, i.sheet, i.row, i.code, i.designation, i.unit, i.unit_raw, i.quantity,
             i.unit_price, i.total, i.kind, position_of.get((i.sheet, i.section_row)),
             json.dumps(i.flags, allow_nan=False), i.prices or None)
            for position, i in enumerate(parsed.items)
        ])
    if created:
        _PROJECT_IDS.setdefault(engine, {})[project] = project_id
    return doc_id
