"""What the parser produces: sections, line items and totals of one workbook, with provenance."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final

_SECTION_EXTRAS: Final = ("description", "parent_row")
_ITEM_EXTRAS: Final = ("flags", "section_row")

ITEM_KINDS: Final = ("article", "pm", "included", "option", "variant")
TOTAL_KINDS: Final = ("subtotal", "total_ht", "tva", "ttc", "prorata", "adjustment", "recap")


ENCRYPTED: Final = "password-protected (encrypted) workbook: open it in Excel and save it without a password"


class ParseError(Exception):
    """A workbook that cannot be read as a pricing document: a permanent error, said plainly."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass
class Table:
    sheet: str
    header_row: int  # 1-based, as in Excel


@dataclass
class Section:
    sheet: str
    row: int
    code: str | None
    title: str
    level: int
    parent_code: str | None
    description: str = ""
    parent_row: int | None = None  # row of the parent section: links uncoded chapters too (not in to_json)


@dataclass
class LineItem:
    sheet: str
    row: int
    code: str | None
    designation: str
    unit: str | None  # normalised vocabulary
    unit_raw: str | None  # as written
    quantity: float | None
    unit_price: float | None
    total: float | None
    kind: str
    section_code: str | None
    flags: list[str] = field(default_factory=list)
    section_row: int | None = None  # row of its section: links items of uncoded chapters (not in to_json)
    # every price component by its column's name, when the table prices articles several ways
    prices: dict[str, float] = field(default_factory=dict)


@dataclass
class Total:
    sheet: str
    row: int
    label: str
    kind: str
    amount: float | None


@dataclass
class ParsedDocument:
    file: str
    doc_type: str
    confidence: float
    reasons: list[str]
    lot_code: str | None  # normalised for comparison (``04``, ``03B``, ``A01``, ``07.2``)
    lot_name: str | None
    lot_written: str | None = None  # the lot code as the workbook writes it (``4``, ``3b``, ``A01``, ``7.2``)
    tables: list[Table] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    items: list[LineItem] = field(default_factory=list)
    totals: list[Total] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # notices to bidders, above or inside the tables

    def to_json(self) -> dict[str, Any]:
        """The document ``dpgf parse --json`` prints."""
        return {
            "file": self.file,
            "doc_type": self.doc_type,
            "confidence": round(self.confidence, 3),
            "reasons": list(self.reasons),
            "lot": {"code": self.lot_code, "name": self.lot_name, "written": self.lot_written},
            "tables": [asdict(t) for t in self.tables],
            "sections": [
                {k: v for k, v in asdict(s).items() if k not in _SECTION_EXTRAS} for s in self.sections
            ],
            "items": [{k: v for k, v in asdict(i).items() if k not in _ITEM_EXTRAS} for i in self.items],
            "totals": [asdict(t) for t in self.totals],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }
