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
from dpgf_assets.parsing.header import Header, find_header, price_like_row
from dpgf_assets.parsing.hierarchy import build_table
from dpgf_assets.parsing.lot import (Lot, document_lot, file_stem, first_lot, lot_in_file_name,
                                     lot_in_key_values, lot_in_rows, lot_in_text)
from dpgf_assets.parsing.model import ParsedDocument, ParseError, Table
from dpgf_assets.parsing.rows import Row, RowReader, is_notice, option_kind
from dpgf_assets.parsing.values import clean_text, fold
from dpgf_assets.parsing.xlsx_formulas import WorkbookFormulas, has_uncached_formulas, patch_grid, sheet_parts
from dpgf_assets.parsing.peek import PEEK_ROWS, WorkbookPeek, peek_texts
from dpgf_assets.parsing.recognition import recognise

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


def notices_above(grid: Grid, header: Header) -> list[str]:
    """The notices to bidders written above a table (its title block), in reading order."""
    texts = (clean_text(c) for cells in grid[:header.row] for c in cells if isinstance(c, str))
    return [text for text in texts if text and is_notice(text)]


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
    near_misses: list[str] = []  # price-like rows of sheets without a table
    empty_tables: list[str] = []  # where a price table's header stands with no article below it
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
            near = price_like_row(grid)
            if near is not None:
                labels = " | ".join(clean_text(c) for c in grid[near] if isinstance(c, str) and c.strip())
                near_misses.append(f"sheet {sheet.name!r} row {near + 1} looks like a price header ({labels}) "
                                   "but lacks a designation column or a second unit, quantity or price column")
            continue
        recap = header.is_recap or fold(sheet.name).startswith(_RECAP_SHEETS)
        rows = table_rows(grid, header)
        doc.warnings.extend(f"{sheet.name} row {row.number}: {what} {value} is not a finite number: refused"
                            for row in rows for what, value in row.non_finite)
        content = build_table(rows, sheet.name, recap=recap, sheet_mode=option_kind(sheet.name))
        doc.tables.append(Table(sheet.name, header.row + 1))
        doc.notes.extend(notices_above(grid, header) + content.notes)
        if not recap and not content.items:
            empty_tables.append(f"sheet {sheet.name!r} has a price table header at row {header.row + 1} "
                                "but no article below it")
            doc.warnings.append(empty_tables[-1])
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
        if near_misses:
            raise ParseError(file, f"no price table found: {'; '.join(near_misses)}")
        raise ParseError(file, "no price table found: no visible sheet has a header with a designation "
                               "column and unit, quantity or price columns in its first rows")
    if not doc.items and empty_tables:
        raise ParseError(file, f"no article found: {'; '.join(empty_tables)}")
    lot, lot_warnings = document_lot(table_lots, info, lot_in_file_name(file))
    doc.lot_code, doc.lot_name, doc.lot_written = lot.code, lot.name, lot.written
    doc.warnings.extend(lot_warnings)
    peek = WorkbookPeek(sheet_names=[s.name for s in grids.sheets if s.visible], texts=texts,
                        bytes_read=len(container.data))
    recognition = recognise(file, peek)
    doc.doc_type, doc.confidence = recognition.doc_type, recognition.confidence
    doc.reasons = recognition.reasons
    return doc
