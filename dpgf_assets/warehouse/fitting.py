"""Parsed text made fit for both warehouses before it is written: no NUL or control character (which
PostgreSQL refuses and SQLite keeps), and no value longer than its column (PostgreSQL refuses the
whole file, SQLite keeps it all); a value shortened leaves a warning on its document."""

from __future__ import annotations

import re
from typing import Final

from dpgf_assets.parsing.model import ParsedDocument
from dpgf_assets.warehouse.schema import documents, line_items, sections

_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab and line breaks are text


def clean(text: str | None) -> str | None:
    """``text`` without NUL and control characters."""
    if text is None or text.isprintable():
        return text
    return _CONTROL.sub("", text)


def _length(column) -> int | None:  # noqa: ANN001 - a SQLAlchemy column
    return getattr(column.type, "length", None)


def fit_document(doc: ParsedDocument) -> None:
    """Clean every text of ``doc`` and shorten what its column cannot hold, saying so in its warnings."""
    notes: list[str] = []

    def fit(value: str | None, column, where: str) -> str | None:  # noqa: ANN001
        value = clean(value)
        limit = _length(column)
        if value is not None and limit is not None and len(value) > limit:
            notes.append(f"{where}: {column.name} shortened to {limit} characters (was {value!r})")
            return value[:limit]
        return value

    for item in doc.items:
        where = f"{item.sheet} row {item.row}"
        item.sheet = fit(item.sheet, line_items.c.sheet, where) or ""
        item.code = fit(item.code, line_items.c.code, where)
        item.designation = fit(item.designation, line_items.c.designation, where) or ""
        item.unit = fit(item.unit, line_items.c.unit, where)
        item.unit_raw = fit(item.unit_raw, line_items.c.unit_raw, where)
    for section in doc.sections:
        where = f"{section.sheet} row {section.row}"
        section.sheet = fit(section.sheet, sections.c.sheet, where) or ""
        section.code = fit(section.code, sections.c.code, where)
        section.title = fit(section.title, sections.c.title, where) or ""
        section.description = fit(section.description, sections.c.description, where) or ""
    for total in doc.totals:
        total.sheet, total.label = clean(total.sheet) or "", clean(total.label) or ""
    for table in doc.tables:
        table.sheet = clean(table.sheet) or ""
    doc.lot_code = fit(doc.lot_code, documents.c.lot_code, "lot")
    doc.lot_name = clean(doc.lot_name)
    doc.warnings = [clean(w) or "" for w in doc.warnings] + notes
