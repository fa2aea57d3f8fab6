"""``parse_workbook``: one file in, one ``ParsedDocument`` out, or a ``ParseError`` saying why not.

The steps, each in its own module: open the container safely → read the grids (and evaluate
formulas that lack a cached value) → find each visible sheet's table header → classify its rows →
build the hierarchy → find the lot → recognise the document type from what was read.
"""

from __future__ import annotations

import os
from typing import Final

from dpgf_assets.parsing.container import Container, open_container
from dpgf_assets.parsing.grid import Grid, WorkbookGrids
from dpgf_assets.parsing.header import Header, find_header
from dpgf_assets.parsing.hierarchy import build_table
from dpgf_assets.parsing.lot import (Lot, document_lot, file_stem, first_lot, lot_in_file_name,
                                     lot_in_key_values, lot_in_rows, lot_in_text)
from dpgf_assets.parsing.model import ParsedDocument, ParseError, Table
from dpgf_assets.parsing.rows import Row, RowReader, option_kind
from dpgf_assets.parsing.values import fold
from dpgf_assets.parsing.xlsx_formulas import WorkbookFormulas, has_uncached_formulas, patch_grid, sheet_parts
from dpgf_assets.recognition import WorkbookPeek, recognise

PEEK_ROWS: Final = 40
_RECAP_SHEETS: Final = ("recap", "synthese", "resume")  # how a recap sheet's folded name starts


def table_rows(grid: Grid, header: Header) -> list[Row]:
    """The classified rows below a header, blank rows left out."""
    reader = RowReader(header)
    rows: list[Row] = []
    for index in range(header.last_row + 1, len(grid)):
        cells = grid[index]
        if cells.count("") != len(cells):
            rows.append(reader.read(cells, index + 1))
    return rows


def peek_texts(grid: Grid, header: Header | None) -> list[str]:
    """The strings recognition reads of a sheet: every text cell above its table and of the table's
    header (titles, the header's labels), or of the first rows of a sheet without a table. Article
    designations are left out: "Planning des travaux" in a list of articles is no planning's title."""
    limit = min(header.last_row + 1, PEEK_ROWS) if header is not None else PEEK_ROWS
    texts = [c.strip() for cells in grid[:limit] for c in cells if type(c) is str and c]
    return [t for t in texts if t] if "" in texts else texts


def head_texts(head: Grid) -> list[str]:
    """``peek_texts`` of a sheet's first rows when only they were read (the peeks of recognition)."""
    return peek_texts(head, find_header(head))


def _evaluate_formulas(container: Container, grids: WorkbookGrids) -> WorkbookFormulas | None:
    if container.format not in ("xlsx", "xlsm"):
        return None
    if not any(has_uncached_formulas(xml) for xml in container.sheet_xml.values()):
        return None
    parts = sheet_parts(container.part("xl/workbook.xml"), container.part("xl/_rels/workbook.xml.rels"))
    return WorkbookFormulas(container.sheet_xml, parts, grids.rows_or_none)


def parse_workbook(path: str | os.PathLike[str], *, source_path: str | None = None) -> ParsedDocument:
    """Parse the local file ``path``; ``source_path`` (library path of the original) names it."""
    local = os.fspath(path)
    file = source_path or os.path.basename(local)
    try:
        return _parse(local, file)
    except ParseError:
        raise
    except RecursionError:
        raise ParseError(file, "workbook too deeply nested to read") from None
    except MemoryError:
        raise ParseError(file, "workbook too large to read in memory") from None
    except Exception as exc:  # noqa: BLE001 - the contract: bad input never raises anything else
        raise ParseError(file, f"unreadable workbook ({type(exc).__name__}: {exc})") from exc


def _parse(path: str, file: str) -> ParsedDocument:
    container = open_container(path, file)
    grids = WorkbookGrids(container, file, csv_sheet=file_stem(file))
    formulas = _evaluate_formulas(container, grids)
    doc = ParsedDocument(file=file, doc_type="OTHER", confidence=0.0, reasons=[], lot_code=None,
                         lot_name=None)
    texts: list[str] = []
    table_lots: list[Lot] = []
    info = Lot(None, None)
    anything = False
    for sheet in grids.sheets:
        if not sheet.visible:
            continue  # hidden helper sheets (lists, old versions) are not part of the document
        grid = grids.rows(sheet.name)
        if formulas is not None and sheet.name in formulas.parts:
            patch_grid(grid, formulas.evaluate_sheet(sheet.name))
        header = find_header(grid)
        sheet_texts = peek_texts(grid, header)
        anything = anything or bool(sheet_texts) or any(any(c != "" for c in r) for r in grid)
        texts.extend(sheet_texts)
        if header is None:
            info = info if info.code else lot_in_key_values(grid[:PEEK_ROWS])
            continue
        recap = header.is_recap or fold(sheet.name).startswith(_RECAP_SHEETS)
        content = build_table(table_rows(grid, header), sheet.name, recap=recap,
                              sheet_mode=option_kind(sheet.name))
        doc.tables.append(Table(sheet.name, header.row + 1))
        doc.sections.extend(content.sections)
        doc.items.extend(content.items)
        doc.totals.extend(content.totals)
        doc.warnings.extend(content.warnings)
        if not recap:
            table_lots.append(first_lot([lot_in_rows(grid[:header.row]), lot_in_text(sheet.name)]))
    if formulas is not None:
        doc.warnings.extend(formulas.failures)
        if formulas.unevaluated > len(formulas.failures):
            more = formulas.unevaluated - len(formulas.failures)
            doc.warnings.append(f"{more} more formulas not evaluated")
    if not anything:
        raise ParseError(file, "empty workbook: no visible sheet holds any value")
    if not doc.tables:
        raise ParseError(file, "no price table found: no visible sheet has a header with a designation "
                               "column and unit, quantity or price columns in its first rows")
    lot, lot_warnings = document_lot(table_lots, info, lot_in_file_name(file))
    doc.lot_code, doc.lot_name = lot.code, lot.name
    doc.warnings.extend(lot_warnings)
    peek = WorkbookPeek(sheet_names=[s.name for s in grids.sheets if s.visible], texts=texts,
                        bytes_read=len(container.data))
    recognition = recognise(file, peek)
    doc.doc_type, doc.confidence = recognition.doc_type, recognition.confidence
    doc.reasons = recognition.reasons
    return doc
