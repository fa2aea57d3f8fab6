"""What a file really is, and whether it is safe to open, decided from its bytes before any reader.

The extension lies (``.xls`` renamed ``.xls.xlsx``, CSV exports named ``.xls``), and a reader fed a
hostile file can hang or exhaust memory (a zip bomb, XML entity expansion, a single cell at
``XFD1048576`` that makes the reader allocate the whole sheet). Every refusal here is a
``ParseError`` with a reason a person understands.
"""

from __future__ import annotations

import html
import os
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Final, Iterable

from dpgf_assets.parsing.binary_extent import NotReadable, xls_extents, xls_workbook_stream, xlsb_extent
from dpgf_assets.parsing.model import ENCRYPTED, ParseError
from dpgf_assets.parsing.zipparts import INFLATE_ERROR, Part, inflate, read_directory, with_parts_stored

MAX_FILE_BYTES: Final = 256 * 1024 * 1024
FIRST_READ: Final = 64 * 1024  # bytes read before asking a file its size
MAX_ZIP_MEMBERS: Final = 5_000
MAX_DECLARED_TOTAL: Final = 1024 * 1024 * 1024
MAX_MEMBER_BYTES: Final = 200 * 1024 * 1024
MAX_RATIO: Final = 200
MAX_SHEET_XML: Final = 100 * 1024 * 1024
MAX_ROWS: Final = 100_000
MAX_COLUMNS: Final = 1_000
MAX_CELLS: Final = 5_000_000
MAX_PART_READ: Final = 16 * 1024 * 1024  # an XML part calamine or the formulas read, kept whole up to this
PROLOGUE_READ: Final = 64 * 1024  # what is read of a large part to find its root element (and any DTD before it)

OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06")
_ENCRYPTED_STREAMS: Final = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
_DTD: Final = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
_ODS_TAG: Final = re.compile(
    rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_ROWS_REPEATED: Final = re.compile(rb'number-rows-repeated="(\d+)"')
_COLUMNS_REPEATED: Final = re.compile(rb'number-columns-repeated="(\d+)"')


_DAMAGED: Final = (zipfile.BadZipFile, zlib.error, INFLATE_ERROR, EOFError, OSError, RuntimeError,
                   NotImplementedError, struct.error)


@dataclass
class Container:
    """A file whose real format is known and whose parts passed the safety checks."""

    format: str  # xlsx | xlsm | xlsb | xls | ods | csv
    data: bytes
    sheet_xml: dict[str, bytes] = field(default_factory=dict)  # xlsx worksheet part → its XML
    parts: dict[str, Part] = field(default_factory=dict)  # of a zip container, by name
    inflated: dict[str, bytes] = field(default_factory=dict)  # xlsx parts the reader parses, read whole

    def reader_data(self) -> bytes:
        """What the workbook reader gets: for xlsx, the archive with the parts already inflated stored,
        each sheet with an empty ``<mergeCells>`` first (``without_merged_ranges``), the styles cut to
        what calamine reads of them (``number_formats_only``) and no part it never opens."""
        if not self.inflated:
            return self.data
        edited = {name: without_merged_ranges(xml) for name, xml in self.sheet_xml.items()}
        styles = self.inflated.get("xl/styles.xml")
        if styles is not None:
            edited["xl/styles.xml"] = number_formats_only(styles)
        parts = [part for part in self.parts.values() if not part.name.startswith(NOT_FOR_THE_READER)]
        return with_parts_stored(self.data, parts, self.inflated, edited)

    def part(self, name: str) -> bytes | None:
        """A zip part's content (at most MAX_PART_READ bytes), None when absent or damaged."""
        if name in self.inflated:
            return self.inflated[name]
        found = self.parts.get(name)
        if found is None:
            return None
        try:
            return inflate(self.data, found, MAX_PART_READ)
        except _DAMAGED:
            return None


_PREFIXED_SHEET_DATA: Final = re.compile(rb"<\w+:sheetData[\s/>]")
_NO_MERGED_RANGES: Final = b"<mergeCells></mergeCells>"


def without_merged_ranges(xml: bytes) -> bytes:
    """A sheet's XML with an empty ``<mergeCells>`` before its cells.

    python-calamine reads every sheet twice: its cells, then its merged ranges, which it looks for
    in the first ``<mergeCells>`` element, parsing the whole sheet again to reach it at the end.
    The parser never uses merged ranges (only the top-left cell holds the value), so an empty one
    placed first ends that second pass at once: about a quarter of calamine's time, same values.
    """
    at = xml.find(b"<sheetData")
    if at < 0:
        found = _PREFIXED_SHEET_DATA.search(xml)  # <x:sheetData>: calamine matches local names
        if found is None:
            return xml
        at = found.start()
    return b"".join((xml[:at], _NO_MERGED_RANGES, xml[at:]))


def number_formats_only(styles: bytes) -> bytes:
    """``styles.xml`` cut to its number formats and cell formats, all calamine reads of it (to tell
    dates from numbers): fonts, fills, borders and named styles, often most of the part, are left out.
    A part laid out otherwise is given whole."""
    root = styles.find(b"<styleSheet")
    cells = styles.find(b"<cellXfs", root)
    cells_end = styles.find(b"</cellXfs>", cells)
    if root < 0 or cells < 0 or cells_end < 0:
        return styles
    root_end = styles.find(b">", root) + 1
    pieces = [styles[:root_end]]
    numbers = styles.find(b"<numFmts", root_end, cells)
    if numbers >= 0:
        numbers_end = styles.find(b"</numFmts>", numbers, cells)
        if numbers_end < 0:
            return styles
        pieces.append(styles[numbers:numbers_end + len(b"</numFmts>")])
    pieces += (styles[cells:cells_end + len(b"</cellXfs>")], b"</styleSheet>")
    return b"".join(pieces)


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters[:4]:  # four letters are far enough beyond any limit
        number = number * 26 + (ch - 64)
    return number


def _refuse(file: str, reason: str) -> ParseError:
    return ParseError(file, reason)


def _too_large(file: str, size: int) -> ParseError:
    return _refuse(file, f"file too large ({size / 1e6:.0f} MB): refused")


def open_container(path: str | os.PathLike[str], file: str) -> Container:
    """Read ``path`` and say what it is, or raise ``ParseError`` saying why it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))  # no buffered file object: 2× faster
        try:
            data = _read_whole(fd, file)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _refuse(file, f"cannot read the file: {exc.strerror or exc}") from None
    return read_container(data, file)


def _read_whole(fd: int, file: str) -> bytes:
    first = os.read(fd, FIRST_READ)  # most workbooks fit in it: no stat for them (a stat costs more)
    pieces = [first]
    total = len(first)
    if total == FIRST_READ:  # a larger file: its size says how much more to read at once
        size = os.fstat(fd).st_size
        if size > MAX_FILE_BYTES:
            raise _too_large(file, size)
        if size > total:
            pieces.append(os.read(fd, size - total))
            total += len(pieces[-1])
    while chunk := os.read(fd, FIRST_READ):  # on to the end, whatever its size said (a short read, growth)
        pieces.append(chunk)
        total += len(chunk)
        if total > MAX_FILE_BYTES:
            raise _too_large(file, total)
    return first if len(pieces) == 1 else b"".join(pieces)


def read_container(data: bytes, file: str) -> Container:
    """Say what the bytes ``data`` of ``file`` are, or raise ``ParseError`` saying why they cannot be read."""
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(file, len(data))
    if not data:
        raise _refuse(file, "empty file (0 bytes)")
    blank = b" \t\r\n\x00"
    if data[:1] in blank and not data[:65536].strip(blank) and not data.strip(blank):
        raise _refuse(file, "empty file (no content)")
    head = data[:8]
    if head == OLE2_MAGIC:
        if any(stream in data for stream in _ENCRYPTED_STREAMS):
            raise _refuse(file, ENCRYPTED)
        _check_xls_extent(data, file)
        return Container("xls", data)
    if head[:4] in ZIP_MAGIC:
        return _zip_container(data, file)
    if head.startswith(b"%PDF"):
        raise _refuse(file, "a PDF document, not a workbook")
    return _text_container(data, file, Path(file).suffix.lower())


def _zip_container(data: bytes, file: str) -> Container:
    try:
        parts = read_directory(data, MAX_ZIP_MEMBERS)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error):
        raise _refuse(file, "truncated or damaged workbook: its zip directory is missing or unreadable") \
            from None
    _check_zip_sizes(parts, file)
    by_name = {p.name: p for p in parts}
    try:
        if "xl/workbook.xml" in by_name:
            kind = "xlsm" if "xl/vbaProject.bin" in by_name else "xlsx"
        elif "xl/workbook.bin" in by_name:
            kind = "xlsb"
        elif "content.xml" in by_name and _is_ods(data, by_name):
            kind = "ods"
        elif "word/document.xml" in by_name:
            raise _refuse(file, "a Word document, not a workbook")
        elif "ppt/presentation.xml" in by_name:
            raise _refuse(file, "a PowerPoint document, not a workbook")
        else:
            raise _refuse(file, "a zip archive without a workbook inside")
        container = Container(kind, data, parts=by_name)
        _check_parts(parts, container, file)
    except _DAMAGED as exc:
        raise _refuse(file, f"damaged workbook: a part cannot be decompressed ({exc})") from None
    return container


def _is_ods(data: bytes, by_name: dict[str, Part]) -> bool:
    if "mimetype" not in by_name:
        return True
    mimetype = inflate(data, by_name["mimetype"], 80)
    return mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet")


def _check_zip_sizes(parts: list[Part], file: str) -> None:
    """Refuse zip bombs from the sizes the archive declares, before decompressing anything; the
    message names the limit crossed and its value (a genuine huge export is refused by size too)."""
    if len(parts) > MAX_ZIP_MEMBERS:
        raise _refuse(file, f"refused: the archive holds {len(parts):,} parts, over the limit of "
                            f"{MAX_ZIP_MEMBERS:,}")
    total = sum(p.size for p in parts)
    if total > MAX_DECLARED_TOTAL:
        raise _refuse(file, f"refused: the archive declares {total / 1e6:,.0f} MB uncompressed, over the "
                            f"limit of {MAX_DECLARED_TOTAL / 1e6:,.0f} MB")
    for p in parts:
        ratio = p.size / max(p.compressed, 1)
        if p.size > MAX_MEMBER_BYTES:
            raise _refuse(file, f"refused: part {p.name} declares {p.size / 1e6:,.0f} MB uncompressed, over "
                                f"the limit of {MAX_MEMBER_BYTES / 1e6:,.0f} MB a part")
        if p.size > 10 * 1024 * 1024 and ratio > MAX_RATIO:
            raise _refuse(file, f"refused: part {p.name} declares {p.size / 1e6:,.0f} MB uncompressed, "
                                f"{ratio:,.0f}× its compressed size, over the limit of {MAX_RATIO}× "
                                "(a zip bomb?)")


# Parts no workbook reader opens (package metadata, theme, images, drawings, printer settings, the
# calculation chain): left out of the archive the reader gets, which it copies and indexes whole.
NOT_FOR_THE_READER: Final = ("[Content_Types].xml", "docProps/", "customXml/", "xl/theme/", "xl/media/",
                             "xl/drawings/", "xl/printerSettings/", "xl/calcChain.xml")
# The XML parts readers parse.
READ_PARTS: Final = ("_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/_rels/workbook.bin.rels",
                     "xl/sharedStrings.xml", "xl/styles.xml", "styles.xml", "meta.xml", "settings.xml")


def part_of_target(target: str) -> str:
    """The archive part a workbook relationship's ``Target`` names (relative to ``xl/`` unless absolute)."""
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")


_RELATIONSHIP: Final = re.compile(rb"<(?:\w+:)?Relationship\s([^>]*)>")
_RELATIONSHIP_ID: Final = re.compile(rb'\sId\s*=\s*"([^"]*)"')
_TARGET: Final = re.compile(rb'\sTarget\s*=\s*"([^"]*)"')
_SHEET_TYPE: Final = re.compile(rb'\sType\s*=\s*"[^"]*(?:sheet|Sheet)"')
_SHEET_ID: Final = re.compile(rb'<(?:\w+:)?sheet\s[^>]*?\s(?:\w+:)?id\s*=\s*"([^"]*)"')


def _sheet_part_names(container: Container, names: Iterable[str], file: str) -> set[str]:
    """Every part a reader may open as a sheet: those at the usual place, and whatever the workbook's
    relationships name (a sheet may live at ``xl/worksheets/sub/sheet2.xml``, or anywhere)."""
    names = set(names)
    binary = container.format == "xlsb"
    usual = {n for n in names if n.startswith("xl/worksheets/") and n.endswith(".bin" if binary else ".xml")}
    rels_part = container.parts.get("xl/_rels/workbook.bin.rels" if binary else "xl/_rels/workbook.xml.rels")
    if rels_part is None:
        return usual
    rels = container.part(rels_part.name) if rels_part.size <= MAX_PART_READ else None
    if rels_part.size > MAX_PART_READ:
        raise _refuse(file, f"refused: its relationships part is over {MAX_PART_READ // 1_000_000} MB")
    if rels is None or len(rels) != rels_part.size:
        raise zipfile.BadZipFile(f"{rels_part.name} cannot be read whole")
    workbook = container.inflated.get("xl/workbook.xml", b"")
    sheet_ids = set(_SHEET_ID.findall(workbook))
    named = set()
    for attributes in _RELATIONSHIP.findall(rels):  # those the workbook's sheets name, and any sheet type
        found_id, target = _RELATIONSHIP_ID.search(attributes), _TARGET.search(attributes)
        if target and ((found_id and found_id.group(1) in sheet_ids) or _SHEET_TYPE.search(attributes)):
            text = html.unescape(target.group(1).decode("utf-8", "replace"))
            named.update((part_of_target(text), text, text.lstrip("/")))
    return usual | (named & names)


def _check_parts(parts: list[Part], container: Container, file: str) -> None:
    """No DTD/entity in the XML parts read; no sheet so large or far-reaching that a reader would choke."""
    xlsx = container.format in ("xlsx", "xlsm")
    for part in parts:  # the small parts first: the relationships say which parts are sheets
        if part.name not in READ_PARTS:
            continue
        whole = xlsx and part.size <= MAX_PART_READ  # read whole once, for the reader too
        data = inflate(container.data, part, part.size if whole else PROLOGUE_READ)
        _check_prologue(data, part.name, file)
        if whole and len(data) == part.size:
            container.inflated[part.name] = data
    if container.format == "ods":
        sheets = {"content.xml"}
    elif xlsx or container.format == "xlsb":
        sheets = _sheet_part_names(container, (p.name for p in parts), file)
    else:
        return
    for part in parts:
        name = part.name
        if name not in sheets:
            continue
        data = inflate(container.data, part, MAX_SHEET_XML)
        if len(data) != part.size and len(data) <= MAX_SHEET_XML:
            raise zipfile.BadZipFile(f"{name} inflates to {len(data)} bytes, not the {part.size} declared")
        if len(data) > MAX_SHEET_XML:
            raise _refuse(file, f"sheet too large: part {name} exceeds {MAX_SHEET_XML // 1_000_000} MB")
        if container.format == "xlsb":
            try:
                _check_rectangle(*xlsb_extent(data), name, file)
            except (NotReadable, struct.error):
                pass  # damaged: the reader's to refuse, within the reading worker's memory limit
            continue
        _check_prologue(data, name, file)
        if container.format == "ods":
            _check_ods_extent(data, file)
        else:
            _check_xlsx_extent(data, name, file)
            container.sheet_xml[name] = data
            container.inflated.pop(name, None)  # a small part named as a sheet is given as a sheet


_ROOT: Final = re.compile(rb"<[A-Za-z_]")


def _check_prologue(data: bytes, name: str, file: str) -> None:
    """Refuse a DTD or entity declaration: it can only stand before the root element, wherever that is."""
    root = _ROOT.search(data)
    end = root.start() if root else len(data)
    if data.find(b"<!", 0, end) >= 0 and _DTD.search(data, 0, end):  # a plain search first
        raise _refuse(file, f"refused: part {name} declares XML entities or a DTD "
                            "(entity-expansion attack?)")
    if root is None and len(data) >= PROLOGUE_READ:
        raise _refuse(file, f"refused: part {name} has no XML element in its first "
                            f"{PROLOGUE_READ // 1024} KB")


_SHAPES: Final = bytes.maketrans(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"0" * 10 + b"A" * 26)


def _check_xlsx_extent(xml: bytes, part: str, file: str) -> None:
    """Refuse a sheet whose filled cells reach beyond the limits.

    calamine allocates the whole rectangle from A1 to the farthest filled cell before anything can
    look at it: one stray value in ``ALL99999`` is a hundred million cells, 3 GB.
    """
    # digits as 0, capitals as A: two plain searches tell whether any reference is worth a closer look
    shapes = xml.translate(_SHAPES)
    data = max(xml.find(b"<sheetData"), 0)  # column widths before it may have long decimals
    wide = shapes.find(b' r="AA', data) >= 0  # a cell beyond column Z
    deep = shapes.find(b'00000"', data) >= 0  # a cell beyond row 9,999 (or some other long number)
    if wide or deep:
        _check_reach(xml, data, wide, deep, part, file)
    if _UNREFERENCED_CELL.search(xml, data) is not None:
        _check_unreferenced(xml, data, part, file)
    elif len(xml) >= 400_000 and xml.count(b"<row", data) > MAX_ROWS:  # MAX_ROWS rows need 400,000 bytes
        raise _refuse(file, f"sheet too large: {part} has more than {MAX_ROWS:,} rows")


# Filled cells (a self-closing <c .../> holds no value and calamine skips it) by their reference:
_WIDE_CELL: Final = re.compile(rb' r="([A-Z]{2,})[0-9]+"[^>]*(?<!/)>')  # beyond column Z
_DEEP_CELL: Final = re.compile(rb' r="[A-Z]+([0-9]{5,})"[^>]*(?<!/)>')  # beyond row 9,999
_CELL_ROW: Final = re.compile(rb' r="[A-Z]+([0-9]+)"[^>]*(?<!/)>')
_UNREFERENCED_CELL: Final = re.compile(rb'<c(?:>|\s(?!r="))')


def _check_reach(xml: bytes, data: int, wide: bool, deep: bool, part: str, file: str) -> None:
    columns = _farthest(_WIDE_CELL, xml, data, _column_number) if wide else 26
    if columns > MAX_COLUMNS:
        raise _refuse(file, f"sheet too large: {part} has cells beyond column {MAX_COLUMNS}")
    rows = _farthest(_DEEP_CELL, xml, data, _row_number) if deep else 9_999
    if rows > MAX_ROWS:
        raise _refuse(file, f"sheet too large: {part} has cells beyond row {MAX_ROWS:,}")
    if rows * columns > MAX_CELLS:
        rows = _farthest(_CELL_ROW, xml, data, _row_number)  # that bound was loose: the last row filled
        if rows * columns > MAX_CELLS:
            raise _refuse(file, f"sheet too large: {part} spans {rows:,} rows × {columns:,} columns "
                                f"(more than {MAX_CELLS:,} cells)")


def _farthest(cells: re.Pattern[bytes], xml: bytes, start: int, number: Callable[[bytes], int]) -> int:
    return max((number(match.group(1)) for match in cells.finditer(xml, start)), default=0)


def _row_number(digits: bytes) -> int:
    return int(digits.lstrip(b"0")[:8] or b"0")  # eight digits are far enough beyond any limit


_ROW_NUMBER: Final = re.compile(rb'<row\s[^>]*?\br="([0-9]+)"')
_ANY_CELL_COLUMN: Final = re.compile(rb' r="([A-Z]+)[0-9]+"')


def _check_unreferenced(xml: bytes, data: int, part: str, file: str) -> None:
    """Cells without a reference sit in their row's ``r`` (or the row after the previous one), one
    column after the previous cell: bound the rectangle they reach from those, as the reader will."""
    rows = max(xml.count(b"<row", data), _farthest(_ROW_NUMBER, xml, data, _row_number))
    widest = max(chunk.count(b"<c ") + chunk.count(b"<c>") for chunk in xml[data:].split(b"<row"))
    _check_rectangle(rows, _farthest(_ANY_CELL_COLUMN, xml, data, _column_number) + widest, part, file)


def _check_rectangle(rows: int, columns: int, sheet: str, file: str) -> None:
    """Refuse a sheet whose filled cells reach beyond the limits (the rectangle from A1 to them)."""
    if rows > MAX_ROWS:
        raise _refuse(file, f"sheet too large: {sheet} has cells beyond row {MAX_ROWS:,}")
    if columns > MAX_COLUMNS:
        raise _refuse(file, f"sheet too large: {sheet} has cells beyond column {MAX_COLUMNS}")
    if rows * columns > MAX_CELLS:
        raise _refuse(file, f"sheet too large: {sheet} spans {rows:,} rows × {columns:,} columns "
                            f"(more than {MAX_CELLS:,} cells)")


def _check_xls_extent(data: bytes, file: str) -> None:
    """The rectangle of each ``.xls`` sheet, from its cell records (a damaged file is the reader's to
    refuse; the reading worker's memory limit still holds)."""
    try:
        extents = xls_extents(xls_workbook_stream(data))
    except (NotReadable, struct.error):
        return
    for number, (rows, columns) in enumerate(extents, 1):
        _check_rectangle(rows, columns, f"sheet {number}", file)


def _check_ods_extent(xml: bytes, file: str) -> None:
    """Rows and cells repeated a million times are fine when empty, not when they carry a value.

    A single linear pass over the table tags: no nesting assumption, no backtracking.
    """
    row_index = repeat = width = filled = 0
    for match in _ODS_TAG.finditer(xml):
        closing, name, attrs, self_closing = match.groups()
        if name == b"table":
            if not closing:
                row_index = 0
        elif name == b"table-row":
            if not closing:
                found = _ROWS_REPEATED.search(attrs)
                repeat, width, filled = (int(found.group(1)) if found else 1), 0, 0
            if closing or self_closing:
                if filled:
                    last_row = row_index + repeat
                    if last_row > MAX_ROWS or filled > MAX_COLUMNS or last_row * filled > MAX_CELLS:
                        raise _refuse(file, f"sheet too large: more than {MAX_ROWS:,} filled rows or "
                                            f"{MAX_COLUMNS} filled columns")
                row_index += repeat
                repeat, width, filled = 0, 0, 0
        elif not closing:
            found = _COLUMNS_REPEATED.search(attrs)
            width += int(found.group(1)) if found else 1
            if b"value-type" in attrs:
                filled = width


def _text_container(data: bytes, file: str, suffix: str) -> Container:
    head = data[:4096]
    if b"\x00" in head:
        raise _refuse(file, "unsupported format: not a spreadsheet this platform reads (binary content)")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<", b"{")):
        raise _refuse(file, "unsupported format: an HTML/XML/JSON file, not a workbook")
    lines = head.splitlines()[:5]
    if suffix == ".csv" or any(b";" in line or b"\t" in line for line in lines):
        return Container("csv", data)
    raise _refuse(file, "not a workbook: plain text without columns")
