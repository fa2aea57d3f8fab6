"""A workbook to write, format-neutral: sheets of cells (values or formulas), merges, hidden flags,
and beside it the ground truth of what a correct parser reads from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Formula:
    """``text`` (with ``=``) and the value a spreadsheet would compute; ``cached`` says if it is stored."""

    text: str
    value: Any
    cached: bool = True


@dataclass
class Box:
    """A formatted table area, as offices draw them: every cell bordered, empty ones included."""

    first_row: int  # 0-based
    last_row: int
    columns: dict[int, str]  # column → text | money | quantity
    header_rows: set[int] = field(default_factory=set)
    bold_rows: set[int] = field(default_factory=set)
    heading_rows: dict[int, int] = field(default_factory=dict)  # row → chapter level
    soft_rows: set[int] = field(default_factory=set)  # PM / included lines, printed in grey


@dataclass
class SheetSpec:
    name: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)  # 0-based (row, col) → value | Formula
    # first row, first column, last row, last column
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden: bool = False
    next_row: int = 0
    boxes: list[Box] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # notices written on the sheet, in row order (truth)

    def put(self, row: int, col: int, value: Any) -> None:
        if value is not None and value != "":
            self.cells[(row, col)] = value

    def add_row(self, values: dict[int, Any]) -> int:
        """Write ``values`` (column → value) on the next free row and return its 1-based Excel number."""
        row = self.next_row
        for col, value in values.items():
            self.put(row, col, value)
        self.next_row += 1
        return row + 1

    def skip(self, rows: int = 1) -> None:
        self.next_row += rows


@dataclass
class Truth:
    """What the parser must read: manifest entries of one file (sections, items, totals)."""

    sections: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    totals: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BookSpec:
    sheets: list[SheetSpec] = field(default_factory=list)
    truth: Truth = field(default_factory=Truth)
    lot_code: str | None = None
    lot_name: str | None = None
    lot_written: str | None = None  # the lot code as written, where the layout makes a point of it

    @property
    def notes(self) -> list[str]:
        """The notices to bidders a correct parser keeps, sheet by sheet."""
        return [note for sheet in self.sheets for note in sheet.notes]

    def sheet(self, name: str, hidden: bool = False) -> SheetSpec:
        spec = SheetSpec(name=name, hidden=hidden)
        self.sheets.append(spec)
        return spec
