"""A small, safe evaluator for the formulas pricing sheets use, when a file carries no cached value.

Workbooks written by scripts (and some exports) keep ``=E12*F12`` without its result; calamine then
reads an empty cell. This module parses the formula text into a tree and evaluates arithmetic,
``&``, comparisons, cell and range references (``$F$12``, ``'LOT 04'!F46``, ``F15:F44``) and the
functions these files use (``SUM``, ``SUBTOTAL``, ``IF``, ``OR``, ``AND``, ``CONCATENATE``,
``ROUND``…). Nothing is ever passed to ``eval``; anything else raises ``FormulaError``.

Kept rather than ``pycel`` or ``formulas`` (``python -m benchmarks.libraries``, 12 corpus workbooks
with 527 uncached formulas): both evaluate an openpyxl workbook, and loading it alone makes pycel
take 450-600 ms a workbook where our whole parse, evaluation included, takes 9-13 ms; they also bring
numpy, networkx and openpyxl for the handful of functions pricing sheets use.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Final, Iterable

MAX_FORMULA_LENGTH: Final = 4096
MAX_RANGE_CELLS: Final = 200_000


class FormulaError(Exception):
    """A formula this evaluator does not handle (unknown function, bad syntax, too large)."""


@dataclass(frozen=True)
class ExcelError:
    code: str  # "#VALUE!", "#DIV/0!", "#REF!"…


@dataclass(frozen=True)
class Ref:
    """A cell reference; a relative row or column holds its distance from the formula's own cell."""

    sheet: str | None
    row: int  # 0-based
    col: int
    row_relative: bool = False
    col_relative: bool = False

    def at(self, base: tuple[int, int]) -> tuple[int, int]:
        return (self.row + base[0] if self.row_relative else self.row,
                self.col + base[1] if self.col_relative else self.col)


@dataclass(frozen=True)
class Area:
    sheet: str | None
    row1: int
    col1: int
    row2: int  # inclusive; -1 for a whole column
    col2: int


@dataclass(frozen=True)
class AreaRef:
    """A range as written: two corners, each possibly relative to the formula's cell."""

    sheet: str | None
    first: Ref
    last: Ref
    whole_columns: bool = False

    def at(self, base: tuple[int, int]) -> Area:
        (r1, c1), (r2, c2) = self.first.at(base), self.last.at(base)
        if self.whole_columns:
            return Area(self.sheet, 0, min(c1, c2), -1, max(c1, c2))
        return Area(self.sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


Value = float | str | bool | None | ExcelError
Node = tuple

_TOKEN: Final = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"]|"")*")
    | (?P<error>\#(?:REF!|N/A|DIV/0!|VALUE!|NAME\?|NUM!|NULL!))
    | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_\u00c0-\u017f][\w.\u00c0-\u017f]*)!)?
              (?:\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}))
    | (?P<func>[A-Za-z_][A-Za-z0-9_.]*)\(
    | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<bool>TRUE|FALSE)\b
    | (?P<op><>|<=|>=|[-+*/^&=<>%(),;:])
    )""",
    re.X,
)
_CELL: Final = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)")
_COLUMNS: Final = re.compile(r"(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})")


def column_index(letters: str) -> int:
    """``A`` → 0, ``AA`` → 26."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number - 1


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FormulaError(f"cannot read formula near {text[pos:pos + 12]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _reference(text: str, anchor: tuple[int, int]) -> Node:
    """A reference token; relative parts are stored as distances from ``anchor`` (the formula's cell)."""
    sheet = None
    if "!" in text:
        sheet_part, text = text.rsplit("!", 1)
        sheet = sheet_part[1:-1].replace("''", "'") if sheet_part.startswith("'") else sheet_part
    row0, col0 = anchor

    def cell(part: str) -> Ref:
        m = _CELL.fullmatch(part)
        if not m:
            raise FormulaError(f"bad reference {part}")
        row_relative, col_relative = not m.group(3), not m.group(1)
        row = int(m.group(4)) - 1 - (row0 if row_relative else 0)
        col = column_index(m.group(2)) - (col0 if col_relative else 0)
        return Ref(sheet, row, col, row_relative, col_relative)

    columns = _COLUMNS.fullmatch(text)
    if columns:
        first_rel, last_rel = not columns.group(1), not columns.group(3)
        first = Ref(sheet, 0, column_index(columns.group(2)) - (col0 if first_rel else 0), False, first_rel)
        last = Ref(sheet, 0, column_index(columns.group(4)) - (col0 if last_rel else 0), False, last_rel)
        return ("area", AreaRef(sheet, first, last, whole_columns=True))
    if ":" in text:
        first, last = (cell(p) for p in text.split(":"))
        return ("area", AreaRef(sheet, first, last))
    return ("ref", cell(text))


_A1: Final = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?![\w(])")


def shape_key(text: str, anchor: tuple[int, int]) -> str:
    """The formula with its relative references written as distances (R1C1 style): formulas copied down
    a column (``=D12*E12``, ``=D13*E13``…) share one key, hence one parse."""
    row0, col0 = anchor

    def relative(m: re.Match[str]) -> str:
        row = f"R{int(m.group(4)) - 1}" if m.group(3) else f"R[{int(m.group(4)) - 1 - row0}]"
        col = f"C{column_index(m.group(2))}" if m.group(1) else f"C[{column_index(m.group(2)) - col0}]"
        return row + col

    pieces = text.split('"')
    pieces[::2] = [_A1.sub(relative, piece) for piece in pieces[::2]]  # never inside string literals
    return '"'.join(pieces)


_PRECEDENCE: Final = {
    "=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5,
}


class _Parser:
    """Precedence climbing with Excel's order: comparison < & < +- < */ < ^ < % < unary minus."""

    def __init__(self, text: str, anchor: tuple[int, int]) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.anchor = anchor

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if value is not None and token[1] != value:
            raise FormulaError(f"expected {value!r}")
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.expression()
        if self.pos != len(self.tokens):
            raise FormulaError(f"unexpected {self.peek()[1]!r}")
        return node

    def expression(self, lowest: int = 1) -> Node:
        node = self.percent()
        while True:
            kind, op = self.peek()
            precedence = _PRECEDENCE.get(op, 0) if kind == "op" else 0
            if precedence < lowest:
                return node
            self.pos += 1
            node = ("op", op, node, self.expression(precedence + 1))  # left-associative

    def percent(self) -> Node:
        node = self.unary()
        while self.peek() == ("op", "%"):
            self.take()
            node = ("op", "/", node, ("const", 100.0))
        return node

    def unary(self) -> Node:
        if self.peek() in (("op", "-"), ("op", "+")):
            sign = self.take()[1]
            operand = self.unary()
            return ("neg", operand) if sign == "-" else operand
        return self.primary()

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return ("const", float(text))
        if kind == "string":
            return ("const", text[1:-1].replace('""', '"'))
        if kind == "bool":
            return ("const", text == "TRUE")
        if kind == "error":
            return ("const", ExcelError(text))
        if kind == "ref":
            return _reference(text, self.anchor)
        if kind == "func":
            args: list[Node] = []
            if self.peek() != ("op", ")"):
                while True:
                    if self.peek()[1] in (",", ";", ")"):
                        args.append(("const", None))  # an omitted argument
                    else:
                        args.append(self.expression())
                    if self.peek()[1] in (",", ";"):
                        self.take()
                        continue
                    break
            self.take(")")
            return ("call", text.upper().removeprefix("_XLFN."), args)
        if (kind, text) == ("op", "("):
            node = self.expression()
            self.take(")")
            return node
        raise FormulaError(f"unexpected {text!r}")


def parse_formula(text: str, anchor: tuple[int, int] = (0, 0)) -> Node:
    """The tree of ``text`` (with or without ``=``) written in the cell ``anchor`` (0-based row, column).

    Relative references are kept as distances from the anchor, so one tree serves every cell the
    formula was copied to: evaluate it with that cell as ``Evaluator.base``.
    """
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError("formula too long")
    return _Parser(text[1:] if text.startswith("=") else text, anchor).parse()


# ---- evaluation ----------------------------------------------------------------------------------

CellReader = Callable[[str | None, int, int], Value]
AreaReader = Callable[[Area], Iterable[tuple[Value, bool]]]  # (value, is a SUBTOTAL formula)


def to_number(value: Value) -> float | ExcelError:
    if isinstance(value, ExcelError):
        return value
    if value is None or value == "":
        return 0.0 if value is None else ExcelError("#VALUE!")
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace(",", ".").strip())
    except ValueError:
        return ExcelError("#VALUE!")


def to_text(value: Value) -> str | ExcelError:
    if isinstance(value, ExcelError):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return format(value, ".15g")
    return str(value)


def to_bool(value: Value) -> bool | ExcelError:
    if isinstance(value, ExcelError):
        return value
    if isinstance(value, str):
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        return ExcelError("#VALUE!")
    return bool(value)


def _compare(op: str, left: Value, right: Value) -> Value:
    if isinstance(left, ExcelError):
        return left
    if isinstance(right, ExcelError):
        return right
    if left is None:
        left = "" if isinstance(right, str) else (False if isinstance(right, bool) else 0.0)
    if right is None:
        right = "" if isinstance(left, str) else (False if isinstance(left, bool) else 0.0)
    rank = lambda v: 2 if isinstance(v, bool) else (1 if isinstance(v, str) else 0)  # noqa: E731
    a: Any = left
    b: Any = right
    if isinstance(left, str) and isinstance(right, str):
        a, b = left.lower(), right.lower()
    if rank(left) != rank(right):
        a, b = rank(left), rank(right)
    if op == "=":
        return bool(a == b)
    if op == "<>":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    return bool(a <= b) if op == "<=" else bool(a >= b)


class Evaluator:
    """Evaluates parsed formulas against a workbook through two readers (cell, area)."""

    def __init__(self, cell: CellReader, area: AreaReader) -> None:
        self.cell = cell
        self.area = area
        self.base = (0, 0)  # the cell whose formula is evaluated: where relative references start

    def value(self, node: Node) -> Value:
        kind = node[0]
        if kind == "const":
            return node[1]
        if kind == "ref":
            ref: Ref = node[1]
            row, col = ref.at(self.base)
            return self.cell(ref.sheet, row, col)
        if kind == "area":
            return ExcelError("#VALUE!")  # a range where one value is expected
        if kind == "neg":
            number = to_number(self.value(node[1]))
            return number if isinstance(number, ExcelError) else -number
        if kind == "op":
            return self.operation(node[1], node[2], node[3])
        if kind == "call":
            return self.call(node[1], node[2])
        raise FormulaError(f"unknown node {kind}")

    def operation(self, op: str, left_node: Node, right_node: Node) -> Value:
        left, right = self.value(left_node), self.value(right_node)
        if op == "&":
            text_a, text_b = to_text(left), to_text(right)
            if isinstance(text_a, ExcelError):
                return text_a
            return text_b if isinstance(text_b, ExcelError) else text_a + text_b
        if op in ("=", "<>", "<", ">", "<=", ">="):
            return _compare(op, left, right)
        a, b = to_number(left), to_number(right)
        if isinstance(a, ExcelError):
            return a
        if isinstance(b, ExcelError):
            return b
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return ExcelError("#DIV/0!") if b == 0 else a / b
        try:
            result = a ** b
        except (OverflowError, ZeroDivisionError):
            return ExcelError("#NUM!")
        return result if isinstance(result, float) and math.isfinite(result) else ExcelError("#NUM!")

    def numbers(self, args: list[Node], skip_subtotals: bool = False) -> list[float] | ExcelError:
        """Numbers of the arguments as SUM sees them: text and blanks inside ranges are ignored."""
        found: list[float] = []
        for arg in args:
            if arg[0] == "area":
                for value, is_subtotal in self.area(arg[1].at(self.base)):
                    if isinstance(value, ExcelError):
                        return value
                    if skip_subtotals and is_subtotal:
                        continue
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        found.append(float(value))
            else:
                number = to_number(self.value(arg))
                if isinstance(number, ExcelError):
                    return number
                found.append(number)
        return found

    def call(self, name: str, args: list[Node]) -> Value:
        if name == "IF":
            if not 1 <= len(args) <= 3:
                raise FormulaError("IF takes one to three arguments")
            condition = to_bool(self.value(args[0]))
            if isinstance(condition, ExcelError):
                return condition
            if condition:
                return self.value(args[1]) if len(args) > 1 else True
            return self.value(args[2]) if len(args) > 2 else False
        if name == "IFERROR":
            first = self.value(args[0])
            return self.value(args[1]) if isinstance(first, ExcelError) else first
        if name in ("AND", "OR"):
            flags = [to_bool(self.value(a)) for a in args]
            for flag in flags:
                if isinstance(flag, ExcelError):
                    return flag
            return all(flags) if name == "AND" else any(flags)
        if name == "NOT":
            flag = to_bool(self.value(args[0]))
            return flag if isinstance(flag, ExcelError) else not flag
        if name in ("CONCATENATE", "CONCAT"):
            parts = [to_text(self.value(a)) for a in args]
            for part in parts:
                if isinstance(part, ExcelError):
                    return part
            return "".join(parts)  # type: ignore[arg-type]
        if name in ("TRIM", "UPPER", "LOWER"):
            text = to_text(self.value(args[0]))
            if isinstance(text, ExcelError):
                return text
            return {"TRIM": " ".join(text.split()), "UPPER": text.upper(), "LOWER": text.lower()}[name]
        if name in ("ISBLANK", "ISNUMBER", "ISTEXT"):
            value = self.value(args[0])
            number = isinstance(value, float) and not isinstance(value, bool)
            return {"ISBLANK": value is None, "ISNUMBER": number,
                    "ISTEXT": isinstance(value, str)}[name]
        if name == "SUBTOTAL":
            function = to_number(self.value(args[0]))
            if isinstance(function, ExcelError):
                return function
            return self.aggregate(int(function) % 100, args[1:], skip_subtotals=True)
        aggregates = {"SUM": 9, "AVERAGE": 1, "COUNT": 2, "MAX": 4, "MIN": 5, "PRODUCT": 6}
        if name in aggregates:
            return self.aggregate(aggregates[name], args)
        if name in ("ROUND", "ROUNDUP", "ROUNDDOWN", "ABS", "INT"):
            return self.rounding(name, args)
        raise FormulaError(f"function {name} not supported")

    def aggregate(self, function: int, args: list[Node], skip_subtotals: bool = False) -> Value:
        numbers = self.numbers(args, skip_subtotals)
        if isinstance(numbers, ExcelError):
            return numbers
        if function == 9:
            return float(math.fsum(numbers))
        if function == 1:
            return math.fsum(numbers) / len(numbers) if numbers else ExcelError("#DIV/0!")
        if function == 2:
            return float(len(numbers))
        if function == 4:
            return max(numbers, default=0.0)
        if function == 5:
            return min(numbers, default=0.0)
        if function == 6:
            return math.prod(numbers) if numbers else 0.0
        raise FormulaError(f"SUBTOTAL function {function} not supported")

    def rounding(self, name: str, args: list[Node]) -> Value:
        number = to_number(self.value(args[0]))
        if isinstance(number, ExcelError):
            return number
        if name == "ABS":
            return abs(number)
        if name == "INT":
            return float(math.floor(number))
        digits = to_number(self.value(args[1])) if len(args) > 1 else 0.0
        if isinstance(digits, ExcelError):
            return digits
        scale = 10 ** int(digits)
        scaled = number * scale
        if name == "ROUND":
            rounded = math.floor(abs(scaled) + 0.5 + 1e-9) * (1 if scaled >= 0 else -1)
        elif name == "ROUNDUP":
            rounded = math.ceil(abs(scaled) - 1e-9) * (1 if scaled >= 0 else -1)
        else:
            rounded = math.floor(abs(scaled) + 1e-9) * (1 if scaled >= 0 else -1)
        return rounded / scale
