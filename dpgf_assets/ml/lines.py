"""Line items as the model sees them: designation, unit, section path, lot, project, numbers.

One reader for training (every line of the warehouse) and prediction (the lines a model has not
predicted yet, or a parsed workbook that is not imported).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select, tuple_

from dpgf_assets.parsing.model import ParsedDocument
from dpgf_assets.warehouse.schema import documents, line_items, projects, sections

COLUMNS = ("document_id", "position", "project_key", "lot_name", "designation", "unit", "section_path", "quantity",
           "unit_price")
PATH_SEPARATOR = " > "


def _paths(titles: dict[int, tuple[str, int | None]]) -> dict[int, str]:
    """Section position → "Chapter > Sub-chapter" through the parents (cycles cut)."""
    paths: dict[int, str] = {}
    for position in titles:
        chain, seen, current = [], set(), position
        while current is not None and current in titles and current not in seen:
            seen.add(current)
            title, current = titles[current]
            chain.append(title)
        paths[position] = PATH_SEPARATOR.join(reversed(chain))
    return paths


def warehouse_lines(conn: Connection, only: select | None = None) -> pd.DataFrame:
    """Every line item (or those whose (document_id, position) ``only`` selects) with its context."""
    li, d, p = line_items.c, documents.c, projects.c
    query = (select(li.document_id, li.position, p.key.label("project_key"), d.lot_name, li.designation, li.unit,
                    li.section_position, li.quantity, li.unit_price)
             .join_from(line_items, documents, d.id == li.document_id)
             .join(projects, p.id == d.project_id, isouter=True)
             .order_by(li.document_id, li.position))
    if only is not None:
        query = query.where(tuple_(li.document_id, li.position).in_(only))
    rows = [tuple(row) for row in conn.execute(query)]  # pandas reads plain tuples ten times faster than Rows
    frame = pd.DataFrame(rows, columns=["document_id", "position", "project_key", "lot_name", "designation", "unit",
                                        "section_position", "quantity", "unit_price"])
    wanted = sorted(set(frame["document_id"]))
    titles: dict[int, dict[int, tuple[str, int | None]]] = {}
    s = sections.c
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for doc, pos, title, parent in conn.execute(select(s.document_id, s.position, s.title, s.parent_position)
                                                    .where(s.document_id.in_(chunk))):
            titles.setdefault(doc, {})[pos] = (title, parent)
    paths = {doc: _paths(t) for doc, t in titles.items()}
    frame["section_path"] = [paths.get(doc, {}).get(sec, "") if sec is not None and sec == sec else ""
                             for doc, sec in zip(frame["document_id"], frame["section_position"])]
    frame["project_key"] = frame["project_key"].fillna("(sans projet)")
    return frame[list(COLUMNS)]


def document_lines(parsed: ParsedDocument) -> pd.DataFrame:
    """The lines of a parsed workbook (not imported), with the same columns, plus sheet, row and code."""
    by_row = {(s.sheet, s.row): (s.title, (s.sheet, s.parent_row) if s.parent_row is not None else None)
              for s in parsed.sections}
    paths = _paths(by_row)
    rows = [{"document_id": 0, "position": i, "project_key": parsed.file, "lot_name": parsed.lot_name,
             "designation": item.designation, "unit": item.unit,
             "section_path": paths.get((item.sheet, item.section_row), ""), "quantity": item.quantity,
             "unit_price": item.unit_price, "sheet": item.sheet, "row": item.row, "code": item.code}
            for i, item in enumerate(parsed.items)]
    return pd.DataFrame(rows, columns=[*COLUMNS, "sheet", "row", "code"])
