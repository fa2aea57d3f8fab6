"""Find a price table's header row and say which column holds what (map columns).

Column names vary a lot between offices (``N°``/``Code``/``Poste``/``Réf``/``Art.``, ``Qté``/
``QUANTITE``, ``PU HT``/``Prix unitaire € HT``, ``Prix Total HT``/``Montant HT``/``Total``), the
header may sit anywhere in the first ~40 rows, start in column A or B, and be split over two rows
with merged group cells (``QUANTITE`` over ``U | Qté``). A header needs a designation column and at
least two of code, unit, quantity, unit price, total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Sequence

from dpgf_assets.parsing.memo import Memo
from dpgf_assets.parsing.values import fold

HEADER_SCAN_ROWS: Final = 45
ROLES: Final = ("code", "designation", "unit", "quantity", "unit_price", "total")
PRICING_ROLES: Final = ("unit", "quantity", "unit_price")
MAX_HEADER_LABEL: Final = 60

# Checked in this order: the first rule that matches a label decides its role.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ignore", re.compile(r"lettres?\b|observations?|remarques?|commentaires?|localisation"
                          r"|ref(erence)? (cctp|article cctp)")),
    ("code", re.compile(r"^(n ?°|n ?o\.|no\b|num(ero)?s?\b|code|poste|ref\b|ref\.|reference|art\b|art\."
                        r"|article|item|repere|indice|prix n|n ?° ?(de )?prix)")),
    ("total", re.compile(r"\btotal|^montant|^prix global|^mt\b")),
    ("unit_price", re.compile(r"^(p\.? ?u\.?\b|pu\b|prix unit|prix u\b|prix en chiffres|prix\b|p\.u\.h\.t"
                              r"|tarif)|\bp\.? ?u\.? ?(ht|h\.t)")),
    ("quantity", re.compile(r"^(q|qte|qtes|qt|qtt|quant|quantite|quantites|nombre|nb)\b")),
    ("unit", re.compile(r"^(u|u\.|un|unite|unites|unit)\b")),
    ("designation", re.compile(r"designation|libelle|description|intitule|nature des|ouvrages?\b"
                               r"|prestations?\b")),
)


_ROLES: Final = Memo(4096)  # header labels repeat across rows and workbooks


def column_role(label: str) -> str | None:
    """The role a header label names, ``"ignore"`` for columns to skip, None when it is no header."""
    known = _ROLES.results
    if label in known:
        return known[label]
    return _ROLES.keep(label, _role_of(fold(label)))


def _role_of(key: str) -> str | None:
    if not key or len(key) > MAX_HEADER_LABEL:
        return None
    for role, pattern in _RULES:
        if pattern.search(key):
            return role
    return None


@dataclass
class Header:
    """Where a table's header is (0-based row indexes) and which column holds each role."""

    row: int
    last_row: int
    columns: dict[str, int]

    @property
    def is_recap(self) -> bool:
        """A table with amounts but no unit, quantity or unit price is a recap, not a price list."""
        return not any(role in self.columns for role in PRICING_ROLES)


def _row_roles(cells: Sequence[object]) -> dict[int, str] | None:
    """Role per column of a row that could be a header (only short texts), else None."""
    found: dict[int, str] = {}
    for col, value in enumerate(cells):
        if value == "" or value is None:
            continue
        if not isinstance(value, str):
            return None  # a number: a data row, not a header
        role = column_role(value)
        if role is None and len(value) > MAX_HEADER_LABEL:
            return None
        if role is not None:
            found[col] = role
    return found


def _first_per_role(roles: dict[int, str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for col in sorted(roles):
        role = roles[col]
        if role != "ignore" and role not in columns:
            columns[role] = col
    return columns


def _qualifies(columns: dict[str, int]) -> bool:
    return "designation" in columns and sum(r in columns for r in ROLES if r != "designation") >= 2


def header_at(rows: Sequence[Sequence[object]], index: int) -> Header | None:
    """The header starting at row ``index`` (one row, or two when the second adds columns)."""
    roles = _row_roles(rows[index])
    if not roles:
        return None
    columns = _first_per_role(roles)
    if len(roles) >= 2 and index + 1 < len(rows):  # a title line above the header is no header half
        below = _row_roles(rows[index + 1])
        if below:
            merged = dict(roles)
            merged.update(below)  # the lower, more specific label wins (``QUANTITE`` over ``Qté``)
            combined = _first_per_role(merged)
            if len(combined) > len(columns) and _qualifies(combined):
                return Header(index, index + 1, combined)
    if _qualifies(columns):
        return Header(index, index, columns)
    return None


def find_header(rows: Sequence[Sequence[object]], start: int = 0,
                scan: int = HEADER_SCAN_ROWS) -> Header | None:
    """The first header in ``scan`` rows from ``start``, or None when the sheet holds no price table."""
    for index in range(start, min(len(rows), start + scan)):
        header = header_at(rows, index)
        if header is not None:
            return header
    return None


def repeats_header(cells: Sequence[object]) -> bool:
    """True for a header line printed again inside the table (page breaks, per-building blocks)."""
    roles = _row_roles(cells)
    return roles is not None and bool(roles) and _qualifies(_first_per_role(roles))
