"""Classify one table row (classify rows): article, chapter heading, total, description, spacer…

A row is judged on its own cells only; what depends on neighbours (a description belongs to the
article above, a coded lump sum followed by its sub-codes is a chapter) is decided by the hierarchy
step. Kinds: ``blank``, ``header`` (printed again), ``footer`` (signature lines), ``total``,
``recap_title``, ``heading``, ``article``, ``text`` (a line with words only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Sequence

from dpgf_assets.parsing.header import Header, repeats_header
from dpgf_assets.parsing.values import (clean_text, fold, normalise_code, parse_number, split_inline_code,
                                        value_hint, without_accents)

_LEADING_MARKS: Final = re.compile(r"[^\w(]+")
_OPTION_START: Final = re.compile(r"[^\w(]*(options?|variantes?|pse|p\.s\.e|prestations? suppl)", re.I)
# The total rules in the order they are tried, as one alternation whose first fitting branch names the
# kind: one pattern for a sheet's rows to meet instead of five (a pattern read for the first time costs
# several of its matches, and every workbook comes after other work has evicted it).
_TOTAL_RULES: Final = re.compile(
    r"(?P<tva>(?:montant (?:de la )?)?t\.? ?v\.? ?a\b)"
    r"|(?P<ttc>(?:total|montant|net|prix)\b.*\bt\.?t\.?c\b)"
    r"|(?P<prorata>(?:compte |participation au compte )?prorata\b)"
    r"|(?P<subtotal>sous[ -]?tota(?:l|ux)\b|s/total|s\. ?total\b|report(?: de la page| page)?$|a reporter\b)"
    r"|(?P<total>(?:total|montant total|montant global)\b)")
_TOTAL_HT: Final = re.compile(r"\bh\.? ?t\.?\b|hors tax|^total (general|base)\b|^montant (total|global)\b")
_OPTION_WORDS: Final = re.compile(r"\b(options?|variantes?|pse|p\.s\.e)\b")
_RECAP: Final = re.compile(r"(tableau )?recap(itulati(f|on))?\b")
_RECAP_STARTS: Final = ("recap", "tableau recap")  # what _RECAP needs first: a plain test spares the pattern
_FOOTER: Final = re.compile(r"fait a|a .{1,40}, le\b|le soumissionnaire|l'entreprise\b|cachet|signature"
                     r"|lu et approuve|date( et signature)?\s*:|nom et qualite|bon pour")
_OPTION_TITLE: Final = re.compile(r"(options?|variantes?|pse|p\.s\.e\.?|prestations? supplementaires?)\b")
_DESCRIPTION: Final = re.compile(r"marque|type|modele|ref\b|ref\.|reference|nota|nb\b|n\.b|y compris|compris"
                          r"|localisation|dimensions?|finitions?|couleur|teinte|performances?|puissance|debit"
                          r"|classement")
_BULLETS: Final = "-•*–—·>"


def _key(label: str) -> str:
    """The folded label without leading bullets (``▸ SOUS-TOTAL`` → ``sous-total``)."""
    return _without_marks(fold(label))


def _clean_key(label: str) -> str:
    """``_key`` of a label ``clean_text`` gave: its blanks are collapsed already, except across lines."""
    key = label.lower() if label.isascii() else without_accents(label).lower()
    return _without_marks(" ".join(key.split()) if "\n" in key else key)


def _without_marks(key: str) -> str:
    if not key or key[0].isalnum() or key[0] == "(":  # no leading mark: most keys, no pattern needed
        return key
    marks = _LEADING_MARKS.match(key)
    return key[marks.end():] if marks else key


_TOTAL_STARTS: Final = frozenset("tmnpcsra")  # the first letters of every total rule below: others skip them
_FOOTER_STARTS: Final = frozenset("falcsdnb")  # likewise for _FOOTER


def _total_kind(key: str) -> str | None:
    if not key or key[0] not in _TOTAL_STARTS:
        return None
    found = _TOTAL_RULES.match(key)
    if found is None:
        return None
    kind = found.lastgroup
    if kind != "total":
        return kind
    if _OPTION_WORDS.search(key):
        return "subtotal"  # an option's own total is not the base total
    return "total_ht" if _TOTAL_HT.search(key) else "subtotal"


def total_kind(label: str) -> str | None:
    """``subtotal | total_ht | tva | ttc | prorata`` for a total line's label, None for other labels."""
    return _total_kind(_key(label))


_OPTION_FIRST: Final = frozenset("oOvVpP")  # what a word-initial option title starts with


def option_kind(label: str) -> str | None:
    """``option`` or ``variant`` for an OPTION / VARIANTE / PSE title, None otherwise."""
    first = label[:1]
    if not first or first == "(" or ((first.isalnum() or first == "_") and first not in _OPTION_FIRST):
        return None  # what _OPTION_START would say of a label starting with a letter or digit: most labels
    if not _OPTION_START.match(label):  # cheap test on the raw text next: most labels are no option
        return None
    key = _key(label)
    if not _OPTION_TITLE.match(key):
        return None
    return "variant" if key.startswith("variante") else "option"


# Latin-1 bytes that are not letters, and not capital letters: deleting them counts the others at C speed.
_NOT_LETTERS: Final = bytes(code for code in range(256) if not chr(code).isalpha())
_NOT_CAPITALS: Final = bytes(code for code in range(256) if not (chr(code).isalpha() and chr(code).isupper()))


def is_heading_text(label: str, key: str | None = None) -> bool:
    """An uncoded line in capitals (``TRAVAUX PREPARATOIRES``) is a chapter title, not a description."""
    if label[:1] in _BULLETS or _DESCRIPTION.match(key if key is not None else _key(label)):
        return False
    data = label.encode("latin-1", "ignore")
    if len(data) == len(label):  # every character is Latin-1: count with byte tables
        letters = len(data.translate(None, _NOT_LETTERS))
        capitals = len(data.translate(None, _NOT_CAPITALS))
    else:
        alphabetic = [c for c in label if c.isalpha()]
        letters, capitals = len(alphabetic), sum(c.isupper() for c in alphabetic)
    return letters >= 3 and capitals >= 0.85 * letters


@dataclass(slots=True)
class Row:
    """One table row with its cells read into domain values and its kind."""

    number: int  # 1-based, as in Excel
    kind: str
    code: str | None = None
    label: str = ""
    unit_raw: str | None = None
    quantity: float | None = None
    unit_price: float | None = None
    total: float | None = None
    hint: str | None = None
    total_kind: str | None = None
    amount: float | None = None

    def __init__(self, number: int, kind: str, code: str | None = None, label: str = "",
                 unit_raw: str | None = None, quantity: float | None = None, unit_price: float | None = None,
                 total: float | None = None, hint: str | None = None, total_kind: str | None = None,
                 amount: float | None = None) -> None:
        # written out: the compiled parser then builds rows natively (the generated one is interpreted)
        self.number, self.kind, self.code, self.label = number, kind, code, label
        self.unit_raw, self.quantity, self.unit_price, self.total = unit_raw, quantity, unit_price, total
        self.hint, self.total_kind, self.amount = hint, total_kind, amount


def _number(value: object) -> float | None:
    if type(value) is float:
        return value  # type: ignore[return-value]
    if value == "" or value is None:
        return None
    return parse_number(value)


def _last_number(cells: Sequence[object]) -> float | None:
    for value in reversed(cells):
        number = _number(value)
        if number is not None:
            return number
    return None


class RowReader:
    """Reads the data rows of one table: the header's column positions are looked up once."""

    def __init__(self, header: Header) -> None:
        self.header = header
        columns = header.columns
        self.code = columns.get("code")
        self.designation = columns.get("designation")
        self.unit = columns.get("unit")
        self.numeric = (columns.get("quantity"), columns.get("unit_price"), columns.get("total"))
        self.inline_codes = "code" not in columns
        self.no_numeric_columns = all(col is None for col in self.numeric)

    def label_outside(self, cells: list[object]) -> str:
        """A label written outside the designation column (``TOTAL HT`` in column A or in a price column)."""
        for col, value in enumerate(cells):
            if col != self.unit and isinstance(value, str):
                text = clean_text(value)
                if text and parse_number(text) is None and normalise_code(text) is None \
                        and value_hint(text) is None:
                    return text
        return ""

    def read(self, cells: list[object], number: int) -> Row:
        """Read a data row and say what kind of line it is."""
        width = len(cells)
        col = self.code
        code = normalise_code(cells[col]) if col is not None and col < width else None
        col = self.designation
        label = clean_text(cells[col]) if col is not None and col < width else ""
        if not label:
            label = self.label_outside(cells)
        if self.inline_codes and label:
            code, label = split_inline_code(label)
        col = self.unit
        unit_value = cells[col] if col is not None and col < width else ""
        unit_raw = clean_text(unit_value) if type(unit_value) is str and unit_value else ""
        if unit_raw and (unit_raw[0].isdigit() or unit_raw[0] in "+-.(") and parse_number(unit_raw) is not None:
            unit_raw = ""  # a number where the unit goes is no unit
        hint = None
        words = False  # text where numbers go: maybe the header printed again
        numbers: list[float | None] = []
        for c in self.numeric:
            value = cells[c] if c is not None and c < width else ""
            if type(value) is float:
                numbers.append(value)
                continue
            if value == "" or value is None:
                numbers.append(None)
                continue
            parsed = parse_number(value)
            numbers.append(parsed)
            if parsed is None and type(value) is str:
                found = value_hint(value)
                if found:
                    hint = found  # the rightmost column's hint wins
                elif value.strip():
                    words = True
        q, pu, t = numbers
        row = Row(number, "blank", code, label, unit_raw or None, q, pu, t, hint)
        numeric = q is not None or pu is not None or t is not None
        if not (code or label or unit_raw or numeric or hint):
            return row
        maybe_header = not numeric and (words or self.no_numeric_columns)
        if unit_raw:
            row.kind = "header" if maybe_header and repeats_header(cells) else "article"
            return row
        key = _clean_key(label) if label else ""
        kind = _total_kind(key)
        if kind:
            row.kind, row.total_kind = "total", kind
            row.amount = t if t is not None else _last_number(cells)
        elif not numeric and key.startswith(_RECAP_STARTS) and _RECAP.match(key):
            row.kind = "recap_title"
        elif maybe_header and repeats_header(cells):
            row.kind = "header"
        elif numeric or hint:
            row.kind = "article"  # a lump sum without unit; a coded one followed by sub-codes is a chapter
        elif key and key[0] in _FOOTER_STARTS and _FOOTER.match(key):
            row.kind = "footer"
        elif code or option_kind(label) or is_heading_text(label, key):
            row.kind = "heading"
        else:
            row.kind = "text"
        return row


def classify_row(cells: list[object], header: Header, number: int) -> Row:
    """Read one data row of the table ``header`` describes (see ``RowReader``)."""
    return RowReader(header).read(cells, number)
