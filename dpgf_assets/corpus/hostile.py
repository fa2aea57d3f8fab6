"""Crafted workbooks an attacker or an unlucky exporter produces, each a few KB, to rehearse the worst.

Each kind is a small pricing workbook made hostile in one way: a sheet the relationships place at an
unusual path (or outside ``xl/worksheets/``) with a value in the sheet's last cell, cells without references in row 1,048,576, an
``.xls`` with a value in its last cell, a DTD after the first kilobyte, non-finite numbers, NUL and
control characters with a unit longer than any column. The first five must be refused (``REFUSED``);
the last ones hold good line items the warehouses must store alike (``READABLE``).
"""

from __future__ import annotations

import io
import zipfile
from typing import Callable, Final

from dpgf_assets.corpus.spec import BookSpec, Formula
from dpgf_assets.corpus.writers import write_book

HEADER: Final = ["N°", "Désignation", "Unité", "Qté", "PU HT", "Montant HT"]


def _book(rows: list[list[object]]) -> BookSpec:
    spec = BookSpec()
    sheet = spec.sheet("DPGF")
    for r, row in enumerate([["DPGF - Lot 04 CVC"], [], HEADER, *rows]):
        for c, value in enumerate(row):
            sheet.put(r, c, value)
    return spec


def _good_rows() -> list[list[object]]:
    return [["1", "VENTILATION"], ["1.1", "Caisson d'extraction", "u", 2.0, 1200.0, 2400.0],
            ["1.2", "Réseau de gaines", "ml", 35.5, 40.0, 1420.0]]


def _rezip(data: bytes, change: Callable[[str, bytes], tuple[str, bytes]]) -> bytes:
    """A copy of a zip whose parts go through ``change(name, data) -> (name, data)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(*change(info.filename, old.read(info)))
    return out.getvalue()


def sheet_at(path: str) -> bytes:
    """The sheet moved to ``path`` (the relationships say so), with a value in XFD1048576: a reader
    would size a grid of 17 billion cells."""
    def change(name: str, data: bytes) -> tuple[str, bytes]:
        if name == "xl/worksheets/sheet1.xml":
            far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
            return path, data.replace(b"</sheetData>", far)
        if name == "xl/_rels/workbook.xml.rels":
            return name, data.replace(b'Target="worksheets/sheet1.xml"', b'Target="/%s"' % path.encode())
        if name == "[Content_Types].xml":
            return name, data.replace(b"/xl/worksheets/sheet1.xml", b"/%s" % path.encode())
        return name, data
    return _rezip(write_book(_book(_good_rows()), "xlsx"), change)


def unreferenced_last_row() -> bytes:
    """Cells without a reference in row 1,048,576 (and wide): the extent comes from the row number."""
    cells = b"".join(b"<c><v>%d</v></c>" % i for i in range(20))
    return _rezip(write_book(_book(_good_rows()), "xlsx"), lambda name, data: (name, data.replace(
        b"</sheetData>", b'<row r="1048576">' + cells + b"</row></sheetData>")
        if name == "xl/worksheets/sheet1.xml" else data))


def xls_last_cell() -> bytes:
    """An ``.xls`` with a value in its very last cell (IV65536)."""
    spec = _book(_good_rows())
    spec.sheets[0].put(65_535, 255, 1.0)
    return write_book(spec, "xls")


def late_dtd() -> bytes:
    """A DTD after a long comment, beyond the first kilobyte of the sheet."""
    dtd = b'<!-- ' + b"x" * 4000 + b' --><!DOCTYPE worksheet [<!ENTITY e "boom">]>'
    return _rezip(write_book(_book(_good_rows()), "xlsx"), lambda name, data: (name, data.replace(
        b"?>", b"?>" + dtd, 1) if name == "xl/worksheets/sheet1.xml" else data))


def non_finite_numbers() -> bytes:
    """Quantities of NaN and infinity, and a price computed by ``1e308*1e308`` with no cached value."""
    rows = _good_rows() + [["1.3", "Bouche d'extraction", "u", 7.25, 50.0, 150.0],
                           ["1.4", "Grille de soufflage", "u", 2.0, Formula("=1E+308*1E+308", None, cached=False), 10.0]]
    data = write_book(_book(rows), "xlsx")
    return _rezip(data, lambda name, part: (name, part.replace(b"<v>35.5</v>", b"<v>NaN</v>").replace(
        b"<v>7.25</v>", b"<v>1e309</v>") if name == "xl/worksheets/sheet1.xml" else part))


LONG_UNIT: Final = "Ensemble forfaitaire global et indivisible de l'ouvrage"


def control_characters() -> bytes:
    """A designation with NUL and control characters, and a unit longer than any column allows."""
    rows = _good_rows() + [["1.3", "Bouche\x00 d'extrac\x07tion\x1f", LONG_UNIT, 1.0, 900.0, 900.0]]
    return write_book(_book(rows), "xls")


REFUSED: Final = {"sheet_at_unusual_path.xlsx": lambda: sheet_at("xl/worksheets/sub/sheet1.xml"),
                  "sheet_outside_worksheets.xlsx": lambda: sheet_at("xl/data/grid.xml"),
                  "unreferenced_last_row.xlsx": unreferenced_last_row,
                  "xls_last_cell.xls": xls_last_cell, "late_dtd.xlsx": late_dtd}
READABLE: Final = {"non_finite_numbers.xlsx": non_finite_numbers, "control_characters.xls": control_characters}
