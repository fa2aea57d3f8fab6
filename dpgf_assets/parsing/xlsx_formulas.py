"""Formulas without a cached value in .xlsx/.xlsm sheets: read their text from the sheet XML, evaluate.

calamine gives cached values only. A workbook written by a script (or saved without calculation)
keeps ``<f>E12*F12</f>`` with no ``<v>``, so the total reads as empty. Only sheets whose XML shows
such a cell are scanned here, and only those cells are evaluated and written back into the grid;
references to other uncached cells, in this sheet or another, are followed.

The scan is a linear search from one ``<f>`` tag to the next, not an XML parser: no tree, no DTD,
no entity is ever expanded (the container already refused parts that declare any).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable, Final, Iterable, Iterator

from dpgf_assets.parsing.container import part_of_target
from dpgf_assets.parsing.formula import (Area, Evaluator, ExcelError, FormulaError, Value, column_index,
                                         parse_formula, shape_key)

_UNCACHED: Final = (re.compile(rb"</f>\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>"),
             re.compile(rb"<f\b[^>]*/>\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>"))
# sre finds it sooner than ``in``: XML is full of the "<", "/" and ">" that defeat the skips of ``in``
_FORMULA_END: Final = re.compile(rb"</f>")
MAX_DEPTH: Final = 40
MAX_REPORTED_FAILURES: Final = 20
EVALUATION_BUDGET: Final = 2_000_000  # cell reads per workbook: beyond, formulas are left unevaluated

# Parsed formulas by shape (immutable trees): a template's formulas are parsed once for all its copies.
_TREES: Final[dict[str, tuple]] = {}
MAX_CACHED_TREES: Final = 4096


def forget_formula_shapes() -> None:
    _TREES.clear()


GridLoader = Callable[[str], list[list[object]] | None]


def has_uncached_formulas(sheet_xml: bytes) -> bool:
    """True when some formula cell of the sheet XML has no cached value (cheap byte search)."""
    # "</f>": a formula's text, or the master of the shared formulas a sheet's "<f .../>" cells copy
    if _FORMULA_END.search(sheet_xml) is None:
        return False
    return any(pattern.search(sheet_xml) for pattern in _UNCACHED)


_SHEET_TAG: Final = re.compile(rb"<(?:\w+:)?sheet\s([^>]*)>")
_RELATION_TAG: Final = re.compile(rb"<(?:\w+:)?Relationship\s([^>]*)>")
_ATTRIBUTE: Final = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')


def _attributes(tag: bytes) -> dict[str, str]:
    return {k.decode(): _unescape(v.decode("utf-8", "replace")) for k, v in _ATTRIBUTE.findall(tag)}


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def sheet_parts(workbook: bytes | None, rels: bytes | None) -> dict[str, str]:
    """Sheet name → worksheet part (``xl/worksheets/sheet3.xml``) from the workbook and its relations."""
    if workbook is None or rels is None:
        return {}
    targets = {}
    for tag in _RELATION_TAG.findall(rels):
        attrs = _attributes(tag)
        targets[attrs.get("Id")] = attrs.get("Target", "")
    parts: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(workbook):
        attrs = _attributes(tag)
        relation = next((v for k, v in attrs.items() if k.endswith(":id") or k == "id"), None)
        target = targets.get(relation, "")
        if target:
            parts[attrs.get("name", "")] = part_of_target(target)
    return parts


_WAITING: Final = 0
_UNDER_WAY: Final = 1  # being evaluated: met again, it is a circular reference
_DONE: Final = 2


@dataclass
class FormulaCell:
    text: str
    anchor: tuple[int, int]  # the cell the text was written for (a shared formula's master cell)
    cached: bool
    is_subtotal: bool  # SUBTOTAL(…): the aggregates over a range leave such cells out
    state: int  # _WAITING, _UNDER_WAY or _DONE: its value is then known (kept on the cell, read often)
    value: Value

    def __init__(self, text: str, anchor: tuple[int, int], cached: bool) -> None:
        self.text, self.anchor, self.cached = text, anchor, cached
        self.is_subtotal = text.lstrip("=+ ").upper().startswith("SUBTOTAL(")
        self.state, self.value = _WAITING, None


_FORMULA_TAG: Final = re.compile(rb"<(?:\w+:)?f(?=[\s/>])([^>]*?)(/?)>")
_VALUE_TAG: Final = re.compile(rb"\s*<(?:\w+:)?v(?:\s[^>]*)?(/?)>([^<]*)")
_REF_ATTR: Final = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')
_SHARED: Final = re.compile(rb'\bt="shared"')
_SHARED_INDEX: Final = re.compile(rb'\bsi="(\d+)"')


def _formula_tags(sheet_xml: bytes) -> Iterator[re.Match[bytes]]:
    """The ``<f …>`` tags of a sheet, found by plain searches (a regex would try every "<")."""
    if b"<sheetData" not in sheet_xml:  # the rare sheet written with a prefix (<x:f>)
        yield from _FORMULA_TAG.finditer(sheet_xml)
        return
    at = sheet_xml.find(b"<f")
    while at >= 0:
        tag = _FORMULA_TAG.match(sheet_xml, at)  # <f> or <f …>, not <formula>
        if tag is not None:
            yield tag
        at = sheet_xml.find(b"<f", at + 2)


def read_formulas(sheet_xml: bytes) -> dict[tuple[int, int], FormulaCell]:
    """Every formula of a sheet by 0-based (row, column), shared formulas expanded.

    A linear scan from one ``<f>`` to the next (a formula is always the first child of its cell):
    no tree is built, no entity is expanded (parts declaring a DTD were refused before).
    """
    formulas: dict[tuple[int, int], FormulaCell] = {}
    masters: dict[bytes, tuple[str, int, int]] = {}
    for match in _formula_tags(sheet_xml):
        start = match.start()
        cell_tag = sheet_xml[sheet_xml.rfind(b"<", 0, start):start]
        ref = _REF_ATTR.search(cell_tag)
        if ref is None:
            continue
        row, col = int(ref.group(2)) - 1, column_index(ref.group(1).decode())
        attrs, self_closing = match.group(1), match.group(2)
        after = match.end()
        text = ""
        if not self_closing:
            close = sheet_xml.find(b"</", after)
            if close < 0:
                break
            text = _unescape(sheet_xml[after:close].decode("utf-8", "replace"))
            after = sheet_xml.find(b">", close) + 1
        value = _VALUE_TAG.match(sheet_xml, after)
        cached = bool(value and not value.group(1) and value.group(2).strip())
        if _SHARED.search(attrs):
            index = _SHARED_INDEX.search(attrs)
            key = index.group(1) if index else b""
            if text:
                masters[key] = (text, row, col)
                formulas[(row, col)] = FormulaCell(text, (row, col), cached)
            elif key in masters:
                master_text, master_row, master_col = masters[key]
                formulas[(row, col)] = FormulaCell(master_text, (master_row, master_col), cached)
        elif text:
            formulas[(row, col)] = FormulaCell(text, (row, col), cached)
    return formulas


def _grid_value(value: object) -> Value:
    if value == "" or value is None:
        return None
    if isinstance(value, (bool, float, str)):
        return value
    if isinstance(value, int):
        return float(value)
    return str(value)


class WorkbookFormulas:
    """Evaluates the uncached formulas of an xlsx workbook, sheet by sheet, on demand."""

    def __init__(self, sheet_xml: dict[str, bytes], parts: dict[str, str], grids: GridLoader) -> None:
        self.sheet_xml = sheet_xml
        self.parts = parts
        self.grids = grids
        self.formulas: dict[str, dict[tuple[int, int], FormulaCell]] = {}
        self.depth = 0  # formulas under way, one inside the other
        self.failures: list[str] = []
        self.evaluator = Evaluator(self._cell, self._area)
        self.current_sheet = ""
        self.budget = EVALUATION_BUDGET
        self.unevaluated = 0
        self.sheet_names: dict[str, str] = {}  # as a formula writes it → as the workbook names it

    def formulas_of(self, sheet: str) -> dict[tuple[int, int], FormulaCell]:
        if sheet not in self.formulas:
            xml = self.sheet_xml.get(self.parts.get(sheet, ""), b"")
            self.formulas[sheet] = read_formulas(xml) if _FORMULA_END.search(xml) else {}
        return self.formulas[sheet]

    def _sheet_name(self, sheet: str | None) -> str:
        if sheet is None:
            return self.current_sheet
        name = self.sheet_names.get(sheet)
        if name is None:
            lower = sheet.lower()
            name = self.sheet_names[sheet] = next((n for n in self.parts if n.lower() == lower), sheet)
        return name

    def _cell(self, sheet: str | None, row: int, col: int) -> Value:
        self.budget -= 1
        if self.budget < 0:
            raise FormulaError("too many cells to evaluate")
        name = self._sheet_name(sheet)
        if row < 0 or col < 0 or name not in self.parts:
            return ExcelError("#REF!")
        formula = self.formulas_of(name).get((row, col))
        if formula is not None and not formula.cached:
            return self._evaluate(name, row, col, formula)
        grid = self.grids(name)
        if grid is None or row >= len(grid) or col >= len(grid[row]):
            return None
        return _grid_value(grid[row][col])

    def _area(self, area: Area) -> Iterable[tuple[Value, bool]]:
        name = self._sheet_name(area.sheet)
        if name not in self.parts or area.row1 < 0 or area.col1 < 0:
            yield ExcelError("#REF!"), False
            return
        formulas = self.formulas_of(name)
        grid = self.grids(name) or []
        last_row = area.row2
        if last_row < 0:
            last_row = max([len(grid) - 1] + [r for (r, c) in formulas if area.col1 <= c <= area.col2])
        cells = (last_row - area.row1 + 1) * (area.col2 - area.col1 + 1)
        if cells > 200_000:
            raise FormulaError("range too large")
        self.budget -= cells
        if self.budget < 0:
            raise FormulaError("too many cells to evaluate")
        for row in range(area.row1, last_row + 1):  # the cells read here, as _cell would, without its checks
            cells_of_row = grid[row] if row < len(grid) else []
            for col in range(area.col1, area.col2 + 1):
                formula = formulas.get((row, col))
                if formula is not None and not formula.cached:
                    yield self._evaluate(name, row, col, formula), formula.is_subtotal
                else:
                    value = _grid_value(cells_of_row[col]) if col < len(cells_of_row) else None
                    yield value, formula is not None and formula.is_subtotal

    def _evaluate(self, sheet: str, row: int, col: int, formula: FormulaCell) -> Value:
        if formula.state == _DONE:
            return formula.value
        if formula.state == _UNDER_WAY or self.depth > MAX_DEPTH:
            raise FormulaError("circular or too deep references")
        formula.state = _UNDER_WAY
        self.depth += 1
        outer_sheet, self.current_sheet = self.current_sheet, sheet
        outer_base, self.evaluator.base = self.evaluator.base, (row, col)
        try:
            value = self.evaluator.value(self._tree(formula))
        finally:
            self.current_sheet, self.evaluator.base = outer_sheet, outer_base
            self.depth -= 1
            formula.state = _WAITING  # a formula that failed fails again where it is met next
        formula.state, formula.value = _DONE, value
        return value

    def _tree(self, formula: FormulaCell) -> tuple:
        """The parsed formula, shared by every cell (of any workbook) the same formula was copied to."""
        shape = shape_key(formula.text, formula.anchor)
        tree = _TREES.get(shape)
        if tree is None:
            if len(_TREES) >= MAX_CACHED_TREES:
                forget_formula_shapes()
            tree = _TREES[shape] = parse_formula(formula.text, formula.anchor)
        return tree

    def evaluate_sheet(self, sheet: str) -> dict[tuple[int, int], Value]:
        """Values of the sheet's uncached formula cells; a formula that cannot be evaluated is left out."""
        values: dict[tuple[int, int], Value] = {}
        for (row, col), formula in self.formulas_of(sheet).items():
            if formula.cached:
                continue
            try:
                values[(row, col)] = self._evaluate(sheet, row, col, formula)
            except (FormulaError, RecursionError, ValueError, OverflowError) as exc:
                self.unevaluated += 1
                if len(self.failures) < MAX_REPORTED_FAILURES:
                    self.failures.append(f"{sheet} cell {_address(row, col)}: formula {formula.text[:80]!r} "
                                         f"not evaluated ({exc})")
        return values


def _address(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def patch_grid(grid: list[list[object]], values: dict[tuple[int, int], Value]) -> None:
    """Write evaluated values into the grid (growing it where calamine saw only empty cells)."""
    width = max((len(r) for r in grid), default=0)
    for (row, col), value in values.items():
        if isinstance(value, ExcelError) or value is None:
            value = ""
        while len(grid) <= row:
            grid.append([""] * width)
        cells = grid[row]
        if len(cells) <= col:
            cells.extend([""] * (col + 1 - len(cells)))
        cells[col] = value
