"""How far the filled cells of ``.xls`` and ``.xlsb`` sheets reach, read from their cell records.

The reader allocates a sheet's whole rectangle, from A1 to its farthest filled cell, before anything
can look at it: an 8 KB ``.xls`` with a value in IV65536 costs 1 GB. The cell records say where each
value sits, so the rectangle is known before the reader is called. Only what a reader keeps counts
(blank cells, which carry a format and no value, are skipped as the reader skips them).
"""

from __future__ import annotations

import struct
from typing import Final, Iterator

# BIFF8 (.xls) cell records holding a value: row and column are their first two 16-bit fields
_XLS_CELLS: Final = {0x0203, 0x00FD, 0x027E, 0x0006, 0x0204, 0x0205, 0x00D6}
_XLS_MULRK: Final = 0x00BD  # several RK values: row, first column, ..., last column
_XLS_BOF: Final = 0x0809
_END_OF_CHAIN: Final = 0xFFFFFFFE
_FREE: Final = 0xFFFFFFFF


class NotReadable(ValueError):
    """The compound file's structure is damaged: the reader will say so itself."""


def _u32s(data: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(data) // 4}I", data[:len(data) // 4 * 4])


def _chain(table: tuple[int, ...], start: int, limit: int) -> Iterator[int]:
    seen = 0
    while start not in (_END_OF_CHAIN, _FREE):
        if start >= len(table) or seen > limit:
            raise NotReadable("sector chain out of the file or looping")
        yield start
        seen += 1
        start = table[start]


def xls_workbook_stream(data: bytes) -> bytes:
    """The ``Workbook`` (or ``Book``) stream of an OLE2 compound file."""
    if len(data) < 512:
        raise NotReadable("shorter than its header")
    sector = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini_sector = 1 << struct.unpack_from("<H", data, 0x20)[0]
    if sector not in (512, 4096) or mini_sector != 64:
        raise NotReadable("unknown sector size")
    (fat_sectors, directory_start, _, mini_cutoff, mini_fat_start, _, difat_start,
     difat_count) = struct.unpack_from("<8I", data, 0x2C)
    count = (len(data) - 512) // sector + 1

    def read(n: int) -> bytes:
        return data[(n + 1) * sector:(n + 2) * sector]

    difat = list(_u32s(data[0x4C:0x200]))
    n = difat_start
    for _ in range(min(difat_count, count)):  # more DIFAT sectors, each ending with the next one's number
        if n >= count:
            break
        entries = _u32s(read(n))
        difat += entries[:-1]
        n = entries[-1]
    fat = b"".join(read(n) for n in difat[:fat_sectors] if n < count)
    table = _u32s(fat)

    def stream(start: int) -> bytes:
        return b"".join(read(n) for n in _chain(table, start, count))

    directory = stream(directory_start)
    entries = [directory[i:i + 128] for i in range(0, len(directory) - 127, 128)]
    if not entries:
        raise NotReadable("no directory")
    named: dict[str, tuple[int, int]] = {}
    for entry in entries:
        length = struct.unpack_from("<H", entry, 64)[0]
        name = entry[:max(length - 2, 0)].decode("utf-16-le", "replace")
        start, size = struct.unpack_from("<2I", entry, 116)
        named.setdefault(name, (start, size))
    start, size = named.get("Workbook") or named.get("Book") or (None, 0)
    if start is None:
        raise NotReadable("no Workbook stream")
    if size >= mini_cutoff:
        return stream(start)[:size]
    root_start = struct.unpack_from("<I", entries[0], 116)[0]
    mini_stream = stream(root_start)
    mini_table = _u32s(stream(mini_fat_start)) if mini_fat_start not in (_END_OF_CHAIN, _FREE) else ()
    pieces = [mini_stream[n * 64:(n + 1) * 64] for n in _chain(mini_table, start, len(mini_table))]
    return b"".join(pieces)[:size]


def xls_extents(workbook: bytes) -> list[tuple[int, int]]:
    """(rows, columns) each sheet's filled cells reach, from A1, in a BIFF8 workbook stream."""
    extents: list[tuple[int, int]] = []
    rows = columns = 0
    pos, end = 0, len(workbook) - 4
    while pos <= end:
        kind, length = struct.unpack_from("<2H", workbook, pos)
        body = pos + 4
        if kind == _XLS_BOF:
            if rows:
                extents.append((rows, columns))
            rows = columns = 0
        elif kind in _XLS_CELLS and length >= 4:
            row, column = struct.unpack_from("<2H", workbook, body)
            rows, columns = max(rows, row + 1), max(columns, column + 1)
        elif kind == _XLS_MULRK and length >= 6:
            row = struct.unpack_from("<H", workbook, body)[0]
            last = struct.unpack_from("<H", workbook, body + length - 2)[0]
            rows, columns = max(rows, row + 1), max(columns, last + 1)
        pos = body + length
    if rows:
        extents.append((rows, columns))
    return extents


# BIFF12 (.xlsb): a row header (0) gives the row of the cells after it; cell records 2-11 hold a
# value (1 is a blank cell) and start with their column.
_XLSB_ROW: Final = 0
_XLSB_CELLS: Final = range(2, 12)


def _varint(data: bytes, pos: int, most: int) -> tuple[int, int]:
    value = shift = 0
    for _ in range(most):
        if pos >= len(data):
            raise NotReadable("record cut short")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return value, pos


def xlsb_extent(sheet: bytes) -> tuple[int, int]:
    """(rows, columns) the filled cells of one ``.xlsb`` sheet part reach, from A1."""
    rows = columns = row = 0
    pos = 0
    while pos < len(sheet):
        kind, pos = _varint(sheet, pos, 2)
        length, pos = _varint(sheet, pos, 4)
        if kind == _XLSB_ROW and length >= 4:
            row = struct.unpack_from("<I", sheet, pos)[0]
        elif kind in _XLSB_CELLS and length >= 4:
            column = struct.unpack_from("<I", sheet, pos)[0]
            rows, columns = max(rows, row + 1), max(columns, column + 1)
        pos += length
    return rows, columns
