"""Classify one table row (classify rows): article, chapter heading, total, description, spacer…

A row is judged on its own cells only; what depends on neighbours (a description belongs to the
article above, a coded lump sum followed by its sub-codes is a chapter) is decided by the hierarchy
step. Kinds: ``blank``, ``header`` (printed again), ``footer`` (signature lines), ``total``,
``recap_title``, ``notice`` (instructions to bidders: a note of the document, never a chapter),
``heading``, ``article``, ``text`` (a line with words only).

TVA, TTC, prorata and adjustment lines (``Révision``, ``Remise``) are totals whatever their unit,
quantity or percentage columns say: they are never articles and never add to a sum.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Final, Sequence

from dpgf_assets.parsing.header import Header, repeats_header
from dpgf_assets.parsing.values import (clean_text, fold, normalise_code, parse_number, split_inline_code,
                                        value_hint)

_LEADING_MARKS: Final = re.compile(r"[^\w(]+")
# The total rules, tried in this order on the folded label: the first that matches names the kind.
_TOTAL_RULES: Final = (
    ("tva", re.compile(r"(montant (de la )?)?t\.? ?v\.? ?a\b")),
    ("ttc", re.compile(r"(total|montant|net|prix)\b.*\bt\.?t\.?c\b")),
    ("prorata", re.compile(r"((compte |participation au compte )?pro[ -]?rata"
                           r"|montant (y )?compris (le )?(compte )?pro[ -]?rata)\b")),
    ("adjustment", re.compile(r"(revision|actualisation) (des |de )?prix\b|revision\b ?(\(|:|-?\d|%|$)"
                              r"|remise\b ?(commerciale|exceptionnelle|globale)? ?(\(|:|-|\d|%|$)")),
    ("subtotal", re.compile(r"sous[ -]?tota(l|ux)\b|s/total|s\. ?total\b"
                            r"|report( de la page| page)?$|a reporter\b")),
    ("total", re.compile(r"(total|montant total|montant global)\b")),
)
_TOTAL_HT: Final = re.compile(r"\bh\.? ?t\.?\b|hors tax|^total (general|base)\b|^montant (total|global)\b")
_OPTION_WORDS: Final = re.compile(r"\b(options?|variantes?|pse|p\.s\.e)\b")
_RECAP: Final = re.compile(r"(tableau )?recap(itulati(f|on))?\b")
_FOOTER: Final = re.compile(r"fait a|a .{1,40}, le\b|le soumissionnaire|l'entreprise\b|cachet|signature"
                     r"|lu et approuve|date( et signature)?\s*:|nom et qualite|bon pour")
_OPTION_TITLE: Final = re.compile(r"(options?|variantes?|pse|p\.s\.e\.?|prestations? supplementaires?)\b")
_DESCRIPTION: Final = re.compile(r"marque|type|modele|ref\b|ref\.|reference|nota|nb\b|n\.b|y compris|compris"
                          r"|localisation|dimensions?|finitions?|couleur|teinte|performances?|puissance|debit"
                          r"|classement")
_BULLETS: Final = "-•*–—·>"
ADJUSTMENTS: Final = ("tva", "ttc", "prorata", "adjustment")  # totals whatever the other columns say
_NOTICE: Final = re.compile(
    r"(notice|avertissement|attention\b|important\b|instructions?\b|mode (de remplissage|d.emploi)"
    r"|(pour )?rappel\b"
    r"|cadre a (completer|remplir)|a (completer|remplir) par\b|ne (pas|rien) (modifier|supprimer|inserer)"
    r"|le present (cadre|document|bordereau|devis|detail|dpgf|bpu|dqe)\b"
    r"|les (quantites|prix|montants)\b.{0,80}\b(indicati|entreprise|soumissionnaire|candidat)"
    r"|l.(entreprise|entrepreneur) (doit|devra|est tenue?|s.engage)"
    r"|le (candidat|soumissionnaire) (doit|devra))")
_WARNING_SIGNS: Final = ("⚠", "!", "☞", "❗")
_RULE_LINE: Final = re.compile(r"\d{1,2} ?[).\-/] ")  # a numbered rule: "1) Les prix s'entendent…"


def _key(label: str) -> str:
    """The folded label without leading bullets (``▸ SOUS-TOTAL`` → ``sous-total``)."""
    key = fold(label)
    marks = _LEADING_MARKS.match(key)
    return key[marks.end():] if marks else key


def _total_kind(key: str) -> str | None:
    kind = next((kind for kind, rule in _TOTAL_RULES if rule.match(key)), None)
    if kind != "total":
        return kind
    if _OPTION_WORDS.search(key):
        return "subtotal"  # an option's own total is not the base total
    return "total_ht" if _TOTAL_HT.search(key) else "subtotal"


def total_kind(label: str) -> str | None:
    """``subtotal | total_ht | tva | ttc | prorata`` for a total line's label, None for other labels."""
    return _total_kind(_key(label))


def option_kind(label: str, key: str | None = None) -> str | None:
    """``option`` or ``variant`` for an OPTION / VARIANTE / PSE title, None otherwise."""
    key = _key(label) if key is None else key
    if not _OPTION_TITLE.match(key):
        return None
    return "variant" if key.startswith("variante") else "option"


def is_notice(label: str, key: str | None = None) -> bool:
    """Instructions to bidders: a notice's title or rule, a warning sign, or several numbered rules."""
    if label.startswith(_WARNING_SIGNS) or _NOTICE.match(_key(label) if key is None else key):
        return True
    return sum(bool(_RULE_LINE.match(line)) for line in label.splitlines()) >= 2


def is_heading_text(label: str, key: str | None = None) -> bool:
    """An uncoded line in capitals (``TRAVAUX PREPARATOIRES``) is a chapter title, not a description."""
    if label[:1] in _BULLETS or _DESCRIPTION.match(key if key is not None else _key(label)):
        return False
    letters = [c for c in label if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)


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
    prices: dict[str, float] = field(default_factory=dict)
    non_finite: tuple[tuple[str, float], ...] = ()  # (column, value) of numbers refused: NaN, infinities


def is_non_finite(value: object) -> bool:
    """A NaN or an infinity read from a numeric cell (or a formula): refused with a warning, never a price."""
    return isinstance(value, float) and not math.isfinite(value)


def _last_number(cells: Sequence[object]) -> float | None:
    return next((n for n in map(parse_number, reversed(cells)) if n is not None), None)


_NUMERIC_COLUMNS = ("quantity", "unit price", "total")


class RowReader:
    """Reads the data rows of one table: the header's column positions are looked up once."""

    def __init__(self, header: Header) -> None:
        self.header = header
        columns = header.columns
        self.code = columns.get("code")
        self.designation = columns.get("designation")
        self.unit = columns.get("unit")
        self.quantity = columns.get("quantity")
        self.numeric = (self.quantity, columns.get("unit_price"), columns.get("total"))
        self.inline_codes = "code" not in columns
        self.prices = header.prices
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
        code = normalise_code(cells[self.code]) if self.code is not None and self.code < width else None
        col = self.designation
        label = clean_text(cells[col]) if col is not None and col < width else ""
        if not label:
            label = self.label_outside(cells)
        written = label
        if self.inline_codes and label:
            code, label = split_inline_code(label)
        unit_value = cells[self.unit] if self.unit is not None and self.unit < width else ""
        unit_raw = clean_text(unit_value) if isinstance(unit_value, str) else ""
        if parse_number(unit_raw) is not None:
            unit_raw = ""  # a number where the unit goes is no unit
        hint = None
        words = False  # text where numbers go: maybe the header printed again
        numbers: list[float | None] = []
        refused: list[tuple[str, float]] = []  # NaN and infinities are no quantity or price
        for what, col in zip(_NUMERIC_COLUMNS, self.numeric):
            value = cells[col] if col is not None and col < width else ""
            if is_non_finite(value):
                refused.append((what, value))
                numbers.append(None)
                continue
            parsed = parse_number(value)
            numbers.append(parsed)
            if parsed is None and isinstance(value, str) and value.strip():
                found = value_hint(value)
                if found:
                    hint = found  # the rightmost column's hint wins
                else:
                    words = True
        q, pu, t = numbers
        row = Row(number, "blank", code, label, unit_raw or None, q, pu, t, hint)
        for col, name in self.prices.items():
            value = cells[col] if col < width else None
            if is_non_finite(value):
                refused.append((name, value))
                continue
            parsed = parse_number(value)
            if parsed is not None:
                row.prices[name] = parsed
        row.non_finite = tuple(refused)
        numeric = q is not None or pu is not None or t is not None or bool(row.prices)
        if not (code or label or unit_raw or numeric or hint):
            return row
        maybe_header = not numeric and (words or self.no_numeric_columns)
        key = _key(label)
        kind = _total_kind(key)
        if unit_raw and kind not in ADJUSTMENTS:
            row.kind = "header" if maybe_header and repeats_header(cells) else "article"
            return row
        if kind:
            row.kind, row.total_kind = "total", kind
            # without a total, the last amount of the line; a rate in the quantity column is none
            amounts = [c for i, c in enumerate(cells) if i != self.quantity]
            row.amount = t if t is not None else _last_number(amounts)
        elif not numeric and _RECAP.match(key):
            row.kind = "recap_title"
        elif maybe_header and repeats_header(cells):
            row.kind = "header"
        elif numeric or hint:
            row.kind = "article"  # a lump sum without unit; a coded one followed by sub-codes is a chapter
        elif _FOOTER.match(key):
            row.kind = "footer"
        elif is_notice(written, key if written == label else None):
            row.kind, row.code, row.label = "notice", None, written
        elif code or option_kind(label, key) or is_heading_text(label, key):
            row.kind = "heading"
        else:
            row.kind = "text"
        return row


def classify_row(cells: list[object], header: Header, number: int) -> Row:
    """Read one data row of the table ``header`` describes (see ``RowReader``)."""
    return RowReader(header).read(cells, number)
