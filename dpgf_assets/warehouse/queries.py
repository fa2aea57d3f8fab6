"""Read queries for summaries and reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from dpgf_assets.warehouse.schema import documents, import_errors, line_items, projects, source_files


@dataclass
class WarehouseSummary:
    files_seen: int = 0
    by_doc_type: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    projects: int = 0
    documents: int = 0
    line_items: int = 0
    failed_files: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # path, stage, message


def summarise(engine: Engine, error_limit: int = 10) -> WarehouseSummary:
    live = source_files.c.status != "deleted"
    with engine.connect() as conn:
        s = WarehouseSummary()
        s.files_seen = conn.execute(select(func.count()).select_from(source_files).where(live)).scalar_one()
        s.by_doc_type = dict(conn.execute(
            select(source_files.c.doc_type, func.count()).where(live).group_by(source_files.c.doc_type)).all())
        s.by_status = dict(conn.execute(
            select(source_files.c.status, func.count()).group_by(source_files.c.status)).all())
        s.projects = conn.execute(select(func.count()).select_from(projects)).scalar_one()
        s.documents = conn.execute(select(func.count()).select_from(documents)).scalar_one()
        s.line_items = conn.execute(select(func.count()).select_from(line_items)).scalar_one()
        s.failed_files = s.by_status.get("failed", 0)
        s.errors = [tuple(r) for r in conn.execute(
            select(import_errors.c.path, import_errors.c.stage, import_errors.c.message)
            .join(source_files, (source_files.c.source == import_errors.c.source)
                  & (source_files.c.file_id == import_errors.c.file_id))
            .where(source_files.c.status == "failed")
            .order_by(import_errors.c.occurred_at.desc()).limit(error_limit))]
        return s
