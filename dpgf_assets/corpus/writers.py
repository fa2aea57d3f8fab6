"""Write a ``BookSpec`` in a real file format, byte for byte the same for the same spec.

xlsxwriter for .xlsx/.xlsm (formulas with or without their cached value), xlwt for .xls, odfpy for
.ods, the csv module for ``;`` exports in UTF-8 or Latin-1. Formats without formulas get the
formula's value. Every timestamp the writers embed is fixed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from typing import Any

from dpgf_assets.corpus.spec import BookSpec, Formula, SheetSpec

FIXED_TIME = dt.datetime(2024, 1, 15, 9, 30, 0)
ZIP_TIME = (2024, 1, 15, 9, 30, 0)
# Enough of an OLE2 header for a macro-enabled workbook's vbaProject.bin: readers only check it is there.
VBA_PROJECT = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
LATIN1_REPLACEMENTS = {"œ": "oe", "Œ": "OE", "€": "EUR", "’": "'", "–": "-", "—": "-", "…": "...", "▸": ">",
                       "\u202f": " ", "Ø": "Ø"}


def plain(value: Any) -> Any:
    """The value a format without formulas stores for a cell."""
    if isinstance(value, Formula):
        return value.value if value.value is not None else ""
    return value


def _merge_map(sheet: SheetSpec) -> dict[tuple[int, int], tuple[int, int]]:
    return {(r1, c1): (r2, c2) for r1, c1, r2, c2 in sheet.merges}


def _cell_styles(sheet: SheetSpec) -> dict[tuple[int, int], str]:
    """The style of every cell of the sheet's table boxes (empty ones too, as offices draw tables)."""
    styles: dict[tuple[int, int], str] = {}
    for box in sheet.boxes:
        for row in range(box.first_row, box.last_row + 1):
            for col, kind in box.columns.items():
                if row in box.header_rows:
                    styles[(row, col)] = "header"
                elif row in box.heading_rows:
                    level = min(box.heading_rows[row], 4)
                    styles[(row, col)] = f"heading{level}" + ("_money" if kind == "money" else "")
                elif row in box.soft_rows:
                    styles[(row, col)] = "soft" if kind == "text" else kind
                else:
                    styles[(row, col)] = kind + ("_bold" if row in box.bold_rows else "")
    return styles


HEADING_FILLS = ["#BDD7EE", "#DDEBF7", "#F2F2F2", "#FFFFFF"]
XLSX_STYLES = {
    "header": {"bold": True, "border": 1, "bg_color": "#D9E1F2", "text_wrap": True, "align": "center",
               "valign": "vcenter"},
    "text": {"border": 1, "text_wrap": True, "valign": "top"},
    "money": {"border": 1, "num_format": '#,##0.00 "€"', "valign": "top"},
    "quantity": {"border": 1, "num_format": "#,##0.00", "valign": "top"},
    "text_bold": {"border": 1, "bold": True},
    "money_bold": {"border": 1, "bold": True, "num_format": '#,##0.00 "€"'},
    "quantity_bold": {"border": 1, "bold": True, "num_format": "#,##0.00"},
    "soft": {"border": 1, "italic": True, "font_color": "#7F7F7F", "text_wrap": True, "valign": "top"},
    "title": {"bold": True, "font_size": 12},
    **{f"heading{level}{suffix}": {"border": 1, "bold": level < 3, "italic": level >= 3,
                                   "underline": level == 2, "font_size": 12 - level,
                                   "bg_color": HEADING_FILLS[level - 1],
                                   **({"num_format": '#,##0.00 "€"'} if suffix else {})}
       for level in (1, 2, 3, 4) for suffix in ("", "_money")},
}


def write_xlsx(book: BookSpec, macro: bool = False) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    options = {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
               "strings_to_urls": False}
    workbook = xlsxwriter.Workbook(out, options)
    workbook.set_properties({"created": FIXED_TIME, "author": "DPGF corpus", "title": ""})
    formats = {name: workbook.add_format(spec) for name, spec in XLSX_STYLES.items()}
    first_visible = next((i for i, s in enumerate(book.sheets) if not s.hidden), 0)
    for index, sheet in enumerate(book.sheets):
        ws = workbook.add_worksheet(sheet.name)
        merges = _merge_map(sheet)
        covered = {(r, c) for (r1, c1), (r2, c2) in merges.items()
                   for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) != (r1, c1)}
        styles = _cell_styles(sheet)
        for box in sheet.boxes:
            for col, kind in box.columns.items():
                ws.set_column(col, col, 48 if kind == "text" and col == min(box.columns) + 1 else 14)
        if sheet.boxes:  # printed as offices print them: landscape, one page wide, header repeated
            box = sheet.boxes[0]
            ws.set_landscape()
            ws.set_paper(9)
            ws.fit_to_pages(1, 0)
            ws.repeat_rows(min(box.header_rows), max(box.header_rows))
            ws.print_area(0, 0, box.last_row, max(box.columns))
        for row, col in sorted(set(sheet.cells) | set(styles)):
            if (row, col) in covered:
                continue
            value = sheet.cells.get((row, col))
            style = styles.get((row, col)) or ("title" if row < 12 and value.__class__ is str else None)
            fmt = formats[style] if style else None
            if (row, col) in merges:
                last_row, last_col = merges.pop((row, col))
                ws.merge_range(row, col, last_row, last_col, plain(value) if value is not None else "", fmt)
            elif value is None:
                ws.write_blank(row, col, None, fmt)
            elif isinstance(value, Formula):
                result = value.value if value.cached else ""
                ws.write_formula(row, col, value.text, fmt, "" if result is None else result)
            elif isinstance(value, str):
                ws.write_string(row, col, value, fmt)
            else:
                ws.write_number(row, col, float(value), fmt)
        for (row, col), (last_row, last_col) in merges.items():
            ws.merge_range(row, col, last_row, last_col, "", formats["title"])
        if index == first_visible:
            ws.activate()
        if sheet.hidden and index != first_visible:
            ws.hide()
    if macro:
        workbook.add_vba_project(io.BytesIO(VBA_PROJECT), is_stream=True)
    workbook.close()
    return out.getvalue()


def write_xls(book: BookSpec) -> bytes:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    bold = xlwt.easyxf("font: bold on")
    for sheet in book.sheets:
        ws = workbook.add_sheet(sheet.name[:31], cell_overwrite_ok=True)
        merges = _merge_map(sheet)
        for (row, col), value in sorted(sheet.cells.items()):
            value = plain(value)
            if (row, col) in merges:
                last_row, last_col = merges.pop((row, col))
                ws.write_merge(row, last_row, col, last_col, value, bold)
            elif value != "":
                ws.write(row, col, value)
        for (row, col), (last_row, last_col) in merges.items():
            ws.write_merge(row, last_row, col, last_col, "", bold)
        if sheet.hidden:
            ws.visibility = 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_ods(book: BookSpec) -> bytes:
    from odf.element import Element
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    Element.namespaces.clear()  # odfpy shares declared namespaces across documents: start afresh each time
    doc = OpenDocumentSpreadsheet()
    hidden_style = Style(name="taHidden", family="table")
    hidden_style.addElement(TableProperties(display=False))
    doc.automaticstyles.addElement(hidden_style)
    for sheet in book.sheets:
        table = Table(name=sheet.name, stylename=hidden_style) if sheet.hidden else Table(name=sheet.name)
        covered: set[tuple[int, int]] = set()
        spans = {}
        for r1, c1, r2, c2 in sheet.merges:
            spans[(r1, c1)] = (r2 - r1 + 1, c2 - c1 + 1)
            covered.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) != (r1, c1))
        by_row: dict[int, dict[int, Any]] = {}
        for (row, col), value in sheet.cells.items():
            by_row.setdefault(row, {})[col] = plain(value)
        last_row = max([r for r, _ in sheet.cells] + [r2 for _, _, r2, _ in sheet.merges], default=-1)
        for row in range(last_row + 1):
            tr = TableRow()
            cells = by_row.get(row, {})
            last_col = max([c for c in cells] + [c for r, c in covered if r == row]
                           + [c for (r, c) in spans if r == row], default=-1)
            for col in range(last_col + 1):
                if (row, col) in covered:
                    tr.addElement(CoveredTableCell())
                    continue
                value = cells.get(col, "")
                extra = {}
                if (row, col) in spans:
                    rows_spanned, columns_spanned = spans[(row, col)]
                    extra = {"numberrowsspanned": rows_spanned, "numbercolumnsspanned": columns_spanned}
                if value == "" or value is None:
                    tr.addElement(TableCell(**extra))
                elif isinstance(value, str):
                    cell = TableCell(valuetype="string", **extra)
                    for line in value.split("\n"):
                        cell.addElement(P(text=line))
                    tr.addElement(cell)
                else:
                    cell = TableCell(valuetype="float", value=repr(float(value)), **extra)
                    cell.addElement(P(text=repr(float(value))))
                    tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    raw = io.BytesIO()
    doc.write(raw)
    return _fixed_zip_times(raw.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite a zip with constant member timestamps (odfpy stamps the current time)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, ZIP_TIME)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info))
    return out.getvalue()


def latin1_safe(text: str) -> str:
    for old, new in LATIN1_REPLACEMENTS.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


def _csv_number(value: float) -> str:
    return format(value, ".15g").replace(".", ",")


def write_csv(book: BookSpec, encoding: str) -> bytes:
    """The first sheet as a ``;``-separated export; numbers with a decimal comma."""
    sheet = book.sheets[0]
    last_row = max((r for r, _ in sheet.cells), default=-1)
    width = max((c for _, c in sheet.cells), default=-1) + 1
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in range(last_row + 1):
        cells = []
        for col in range(width):
            value = plain(sheet.cells.get((row, col), ""))
            text = _csv_number(value) if isinstance(value, float) else ("" if value is None else str(value))
            cells.append(text)
        writer.writerow(cells)
    text = out.getvalue()
    if encoding == "latin-1":
        return text.encode("latin-1")
    return ("\ufeff" + text).encode("utf-8") if len(text) % 2 else text.encode("utf-8")


def write_book(book: BookSpec, fmt: str) -> bytes:
    """Bytes of ``book`` in ``fmt``: xlsx, xlsm, xls, xls.xlsx (an .xls renamed), ods, csv-utf8/latin1."""
    if fmt in ("xlsx", "xlsm"):
        return write_xlsx(book, macro=fmt == "xlsm")
    if fmt in ("xls", "xls.xlsx"):
        return write_xls(book)
    if fmt == "ods":
        return write_ods(book)
    if fmt == "csv-utf8":
        return write_csv(book, "utf-8")
    if fmt == "csv-latin1":
        return write_csv(book, "latin-1")
    raise ValueError(f"unknown format {fmt}")
