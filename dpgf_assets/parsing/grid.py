"""Read a workbook's sheets into grids of cells (read grid): calamine for workbooks, csv for exports.

Row ``i`` of a grid is Excel row ``i + 1`` (calamine's empty leading area is kept), empty cells are
``""``. Sheets are read when first asked for, so a workbook's helper sheets cost nothing unless a
formula points at them. calamine opens the bytes already read and checked (``from_filelike``): it
recognises the format from them, where ``from_path`` would trust the extension and refuse an
``.xls`` renamed ``.xls.xlsx``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import cast

from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from dpgf_assets.parsing.container import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, Container
from dpgf_assets.parsing.model import ENCRYPTED, ParseError

Grid = list[list[object]]


@dataclass
class SheetInfo:
    name: str
    visible: bool


def _reader_failure(file: str, exc: BaseException) -> ParseError:
    if isinstance(exc, PasswordError) or "password" in str(exc).lower() or "encrypt" in str(exc).lower():
        return ParseError(file, ENCRYPTED)
    message = " ".join(str(exc).split())[:160] or type(exc).__name__
    return ParseError(file, f"damaged workbook, the reader failed: {message}")


def _guard(exc: BaseException) -> None:
    """Let interpreter exits through; everything else (including reader panics) is about the file."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252/Latin-1, the two encodings French exports use."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def read_csv(data: bytes, file: str) -> Grid:
    """Rows of a ``;``-separated export (``\\t`` or ``,`` when no ``;`` is seen)."""
    text = decode_text(data)
    sample = text[:4096]
    delimiter = ";" if ";" in sample else ("\t" if "\t" in sample else ",")
    rows: Grid = []
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(cells) > MAX_COLUMNS:
                raise ParseError(file, f"sheet too large: a line has more than {MAX_COLUMNS} columns")
            rows.append(cast(list[object], cells))
            if len(rows) > MAX_ROWS:
                raise ParseError(file, f"sheet too large: more than {MAX_ROWS:,} rows")
    except csv.Error as exc:
        raise ParseError(file, f"unreadable CSV: {exc}") from None
    return rows


class WorkbookGrids:
    """The sheets of one container, read on demand and kept."""

    def __init__(self, container: Container, file: str, csv_sheet: str) -> None:
        self.container = container
        self.file = file
        self.grids: dict[str, Grid] = {}
        self.book: CalamineWorkbook | None = None
        if container.format == "csv":
            self.sheets = [SheetInfo(csv_sheet, True)]
            self.grids[csv_sheet] = read_csv(container.data, file)
            return
        try:
            self.book = CalamineWorkbook.from_filelike(io.BytesIO(container.reader_data()))
            metadata = self.book.sheets_metadata
        except BaseException as exc:  # noqa: BLE001 - calamine errors and panics are about the file
            _guard(exc)
            raise _reader_failure(file, exc) from None
        self.sheets = [
            SheetInfo(m.name, m.visible == SheetVisibleEnum.Visible)
            for m in metadata if m.typ in (SheetTypeEnum.WorkSheet, SheetTypeEnum.MacroSheet)
        ]

    def rows(self, name: str) -> Grid:
        """All rows of sheet ``name``; raises ParseError when the reader fails or the sheet is oversize."""
        if name not in self.grids:
            self.grids[name] = self._read(name, None)
        return self.grids[name]

    def head(self, name: str, nrows: int) -> Grid:
        """The first ``nrows`` rows of a sheet (what recognition peeks at)."""
        if name in self.grids:
            return self.grids[name][:nrows]
        return self._read(name, nrows)

    def _read(self, name: str, nrows: int | None) -> Grid:
        assert self.book is not None
        try:
            sheet = self.book.get_sheet_by_name(name)
            end = sheet.end or (-1, -1)
            total_rows, width = end[0] + 1, end[1] + 1
            if total_rows > MAX_ROWS or total_rows * max(width, 1) > MAX_CELLS:
                raise ParseError(self.file, f"sheet too large: {name!r} spans {total_rows:,} rows × "
                                            f"{width} columns")
            return cast(Grid, sheet.to_python(skip_empty_area=False, nrows=nrows)) if sheet.height else []
        except ParseError:
            raise
        except BaseException as exc:  # noqa: BLE001 - calamine errors and panics are about the file
            _guard(exc)
            raise _reader_failure(self.file, exc) from None

    def rows_or_none(self, name: str) -> Grid | None:
        """For formulas pointing at another sheet: a sheet that cannot be read is no sheet."""
        try:
            return self.rows(name)
        except ParseError:
            return None
