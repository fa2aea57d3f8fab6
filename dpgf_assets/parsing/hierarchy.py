"""Build the chapter hierarchy of one table from its classified rows (build hierarchy).

Rules, in the words of the people who read these files:
- a coded chapter opens under the nearest open chapter of a lower level; a coded article closes the
  open chapters of its own level or deeper only when that puts it under a chapter whose code is its
  prefix, otherwise it stays under the chapter it stands under (codes out of order or duplicated in
  the source are kept where they stand, with a warning, never dropped nor moved);
- an uncoded line in capitals is a chapter title; a line of words only that follows an article is
  the rest of its designation, following a chapter title it is the chapter's description;
- a notice to bidders is a note of the document, never a chapter nor a parent of articles;
- totals are never items; ``TOTAL HT``/``TTC`` close the base so options start afresh; after a
  ``RECAPITULATIF`` title every labelled line is a recap total;
- articles under an ``OPTION``/``VARIANTE``/``PSE`` chapter (or sheet) are options or variants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from dpgf_assets.parsing.model import LineItem, Section, Total
from dpgf_assets.parsing.rows import Row, option_kind
from dpgf_assets.parsing.values import code_level, is_code_prefix, normalise_unit

DESCRIPTION_JOINER: Final = "\n"


@dataclass
class TableContent:
    sections: list[Section] = field(default_factory=list)
    items: list[LineItem] = field(default_factory=list)
    totals: list[Total] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Open:
    section: Section
    mode: str | None  # option / variant, inherited by sub-chapters


def _next_code(rows: list[Row], index: int) -> str | None:
    """The code of the next coded heading or article below row ``index``."""
    for position in range(index + 1, len(rows)):
        row = rows[position]
        if row.code and row.kind in ("heading", "article"):
            return row.code
    return None


def item_kind(unit: str | None, hint: str | None, label: str, mode: str | None) -> str:
    """``option``/``variant`` inside options, else ``pm`` or ``included`` from the unit, else ``article``."""
    if mode:
        return mode
    marked = option_kind(label)
    if marked:
        return marked
    if unit == "pm" or hint == "pm":
        return "pm"
    if unit == "cmp" or hint == "included":
        return "included"
    return "article"


class _Builder:
    def __init__(self, sheet: str, recap: bool, sheet_mode: str | None) -> None:
        self.sheet = sheet
        self.recap = recap
        self.sheet_mode = sheet_mode
        self.out = TableContent()
        self.stack: list[_Open] = []
        self.anchor: LineItem | Section | None = None
        self.codes: dict[str, int] = {}
        # description lines per article or section, joined at the end
        self.lines: dict[int, tuple[LineItem | Section, list[str]]] = {}

    def warn(self, row: int, text: str) -> None:
        self.out.warnings.append(f"{self.sheet} row {row}: {text}")

    def note_code(self, row: Row) -> bool:
        first = self.codes.setdefault(row.code, row.number) if row.code else row.number
        if first != row.number:
            self.warn(row.number, f"code {row.code} already used at row {first}")
            return True
        return False

    def total(self, row: Row, kind: str, amount: float | None) -> None:
        self.out.totals.append(Total(self.sheet, row.number, row.label or (row.code or ""), kind, amount))
        self.anchor = None
        if kind in ("total_ht", "ttc"):
            self.stack.clear()  # the base is closed: what follows (options) starts at the top

    def heading(self, row: Row) -> None:
        if row.code:
            level = code_level(row.code)
            while self.stack and self.stack[-1].section.level >= level:
                self.stack.pop()
            parent = self.stack[-1] if self.stack else None
            above = parent.section.code if parent is not None else None
            if above and not is_code_prefix(above, row.code):
                self.warn(row.number, f"section {row.code} stands under section {above}")
            elif parent is None and level > 1:
                self.warn(row.number, f"section {row.code} has no parent section above it")
        else:
            if self.stack and self.stack[-1].section.code is None:
                self.stack.pop()  # consecutive uncoded titles are siblings
            parent = self.stack[-1] if self.stack else None
            level = parent.section.level + 1 if parent else 1
        self.note_code(row)
        section = Section(self.sheet, row.number, row.code, row.label, level,
                          parent.section.code if parent else None,
                          parent_row=parent.section.row if parent else None)
        mode = option_kind(row.label) or (parent.mode if parent else None) or self.sheet_mode
        self.stack.append(_Open(section, mode))
        self.out.sections.append(section)
        self.anchor = section

    def article(self, row: Row) -> None:
        code, stack = row.code, self.stack
        flags = []
        if code:
            level = code_level(code)
            keep = len(stack)
            while keep > 0 and stack[keep - 1].section.level >= level:
                keep -= 1
            if 0 < keep < len(stack):
                above = stack[keep - 1].section.code
                if above and is_code_prefix(above, code):
                    del stack[keep:]
            if self.note_code(row):
                flags.append("duplicate_code")
        current = stack[-1] if stack else None
        section = current.section if current else None
        if code and section is not None and section.code and level > 1 and not is_code_prefix(section.code, code):
            self.warn(row.number, f"code {code} stands under section {section.code}")
            flags.append("code_out_of_place")
        unit = normalise_unit(row.unit_raw) if row.unit_raw else None
        mode = current.mode if current else self.sheet_mode
        q, pu, t = row.quantity, row.unit_price, row.total
        if q is not None and pu is not None and t is not None and abs(q * pu - t) > 0.01 * max(1.0, abs(t)):
            flags.append("total_mismatch")
        item = LineItem(self.sheet, row.number, row.code, row.label, unit, row.unit_raw, q, pu, t,
                        item_kind(unit, row.hint, row.label, mode), section.code if section else None,
                        flags, section.row if section else None, prices=row.prices)
        self.out.items.append(item)
        self.anchor = item

    def text(self, row: Row) -> None:
        if self.anchor is None:
            self.heading(row)
        else:
            self.lines.setdefault(id(self.anchor), (self.anchor, []))[1].append(row.label)

    def finish(self) -> TableContent:
        """Description lines joined once (a thousand lines under one article stay linear)."""
        for anchor, lines in self.lines.values():
            if isinstance(anchor, LineItem):
                anchor.designation = DESCRIPTION_JOINER.join([anchor.designation, *lines])
            else:
                anchor.description = DESCRIPTION_JOINER.join(lines)
        return self.out


def build_table(rows: list[Row], sheet: str, *, recap: bool = False,
                sheet_mode: str | None = None) -> TableContent:
    """Sections, items, totals and warnings of one table, from its rows in sheet order."""
    builder = _Builder(sheet, recap, sheet_mode)
    for i, row in enumerate(rows):
        kind = row.kind
        if kind == "blank":
            continue
        if kind in ("header", "footer"):
            builder.anchor = None
        elif kind == "notice":
            builder.out.notes.append(row.label)  # a note of the document: no chapter, no parent
        elif kind == "recap_title":
            builder.recap, builder.anchor = True, None
        elif kind == "total":
            builder.total(row, row.total_kind or "subtotal", row.amount)
        elif builder.recap:
            if row.label:
                builder.total(row, "recap", row.total if row.total is not None else row.unit_price)
        elif kind == "heading":
            builder.heading(row)
        elif kind == "text":
            builder.text(row)
        elif row.unit_raw is None and row.code is not None and _is_chapter_with_amount(row, rows, i):
            builder.heading(row)
        else:
            builder.article(row)
    return builder.finish()


def _is_chapter_with_amount(row: Row, rows: list[Row], index: int) -> bool:
    """A coded line with only an amount, followed by its own sub-codes, is a chapter carrying its sum."""
    if row.quantity is not None or row.unit_price is not None or row.hint is not None or row.code is None:
        return False
    following = _next_code(rows, index)
    return following is not None and is_code_prefix(row.code, following)
