"""Find a price table's header row and say which column holds what (map columns).

Column names vary a lot between offices (``N°``/``Code``/``Poste``/``Réf``/``Art.``, ``Qté``/
``QUANTITE``, ``PU HT``/``Prix unitaire € HT``, ``Prix Total HT``/``Montant HT``/``Total``), the
header may sit anywhere in the first ~40 rows, start in column A or B, and be split over two rows
with merged group cells (``QUANTITE`` over ``U | Qté``). A header needs a designation column and at
least two of code, unit, quantity, unit price, total.

Maintenance and framework BPUs price each article several ways (``P.U. fourniture``, ``Temps unitaire
(h)``, ``Main d'œuvre`` over ``Taux horaire jour | nuit``): every price column is then a component,
named by its label (under its group label when the header has two rows). The unit price is the first
price column, left to right, that is not a time nor an hourly rate (a supply or overall price per
unit); when every price column is a time or a rate, the table states no unit price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, Sequence

from dpgf_assets.parsing.values import fold

HEADER_SCAN_ROWS: Final = 45
ROLES: Final = ("code", "designation", "unit", "quantity", "unit_price", "total")
PRICING_ROLES: Final = ("unit", "quantity", "unit_price")
PRICE_ROLES: Final = ("unit_price", "price")  # a generic unit price, or one component of it
MAX_HEADER_LABEL: Final = 60

# Checked in this order: the first rule that matches a label decides its role.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ignore", re.compile(r"lettres?\b|observations?|remarques?|commentaires?|localisation"
                          r"|ref(erence)? (cctp|article cctp)")),
    ("code", re.compile(r"^(n ?°|n ?o\.|no\b|num(ero)?s?\b|code|poste|ref\b|ref\.|reference|art\b|art\."
                        r"|article|item|repere|indice|prix n|n ?° ?(de )?prix)")),
    ("total", re.compile(r"\btotal|^montant|^prix global|^mt\b")),
    ("price", re.compile(r"^(fournitures?\b|pose\b|main[ -]?d.?(oe|œ)uvre|m\.? ?o\.?$|temps\b|tps\b|duree\b"
                         r"|taux\b|couts?\b|heures?\b|jours?\b|nuits?\b|week[ -]?end|samedis?\b|dimanches?\b"
                         r"|(jours? )?feries?\b"
                         r"|prix (de |d.)?(la |l.)?(fourniture|pose|main|mo\b|heure|options?))")),
    ("unit_price", re.compile(r"^(p\.? ?u\.?\b|pu\b|prix unit|prix u\b|prix en chiffres|prix\b|p\.u\.h\.t"
                              r"|tarif)|\bp\.? ?u\.? ?(ht|h\.t)")),
    ("quantity", re.compile(r"^(q|qte|qtes|qt|qtt|quant|quantite|quantites|nombre|nb)\b")),
    ("unit", re.compile(r"^(u|u\.|un|unite|unites|unit)\b")),
    ("designation", re.compile(r"designation|libelle|description|intitule|nature des|ouvrages?\b"
                               r"|prestations?\b")),
)
# A price column that is a time or an hourly rate, never the unit price of an article.
_TIME_OR_RATE: Final = re.compile(r"temps|\btps\b|duree|heures?\b|\(h\)|taux|horaire|main[ -]?d.?oeuvre"
                                  r"|\bm\.? ?o\b|\bjours?\b|\bnuits?\b|week|samedi|dimanche|ferie")


@lru_cache(maxsize=4096)  # every cell of a sheet's first rows is asked, and labels repeat across workbooks
def column_role(label: str) -> str | None:
    """The role a header label names, ``"ignore"`` for columns to skip, None when it is no header."""
    key = fold(label)
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
    prices: dict[int, str] = field(default_factory=dict)  # column → component name, when several prices

    @property
    def is_recap(self) -> bool:
        """A table with amounts but no unit, quantity or unit price is a recap, not a price list."""
        return not any(role in self.columns for role in PRICING_ROLES) and not self.prices


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
    found = {"unit_price" if role == "price" else role for role in columns}
    return "designation" in found and sum(r in found for r in ROLES if r != "designation") >= 2


def _price_columns(roles: dict[int, str]) -> list[int]:
    return sorted(col for col, role in roles.items() if role in PRICE_ROLES)


def _label(rows: Sequence[Sequence[object]], row: int, col: int) -> str:
    value = rows[row][col] if col < len(rows[row]) else ""
    return " ".join(value.split()) if isinstance(value, str) else ""


def _component_names(rows: Sequence[Sequence[object]], header: Header,
                     roles: dict[int, str]) -> dict[int, str]:
    """Each price column's name: its label, under the group label spanning it in a two-row header."""
    names: dict[int, str] = {}
    group, previous = "", -2
    for col in _price_columns(roles):
        top = _label(rows, header.row, col)
        below = _label(rows, header.last_row, col) if header.last_row > header.row else ""
        if top and below:
            group = top  # a group label over sub-labels (``Main d'œuvre`` over ``Taux horaire jour``)
        elif top or previous != col - 1:
            group = ""
        names[col] = " ".join(part for part in (group if not top or below else "", below or top) if part)
        previous = col
    return names


def _with_prices(rows: Sequence[Sequence[object]], header: Header, roles: dict[int, str]) -> Header:
    """The header with its price components named and the unit price column chosen (see the module)."""
    columns = _price_columns(roles)
    if not columns:
        return header
    names = _component_names(rows, header, roles)
    header.columns.pop("price", None)
    plain = [col for col in columns if not _TIME_OR_RATE.search(fold(names[col]))]
    if plain:
        header.columns["unit_price"] = plain[0]
    else:
        header.columns.pop("unit_price", None)
    if len(columns) > 1:
        header.prices = names
    return header


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
            more_prices = len(_price_columns(merged)) > len(_price_columns(roles))
            if (len(combined) > len(columns) or more_prices) and _qualifies(combined):
                return _with_prices(rows, Header(index, index + 1, combined), merged)
    if _qualifies(columns):
        return _with_prices(rows, Header(index, index, columns), roles)
    return None


def find_header(rows: Sequence[Sequence[object]], start: int = 0,
                scan: int = HEADER_SCAN_ROWS) -> Header | None:
    """The first header in ``scan`` rows from ``start``, or None when the sheet holds no price table."""
    for index in range(start, min(len(rows), start + scan)):
        header = header_at(rows, index)
        if header is not None:
            return header
    return None


def price_like_row(rows: Sequence[Sequence[object]], scan: int = HEADER_SCAN_ROWS) -> int | None:
    """The first row that names two table columns (designation, unit, quantity, a price, a total) without
    being a header a table can hang from: the place to point at when a sheet has no table."""
    for index in range(min(len(rows), scan)):
        roles = _row_roles(rows[index]) or {}
        named = {"unit_price" if role == "price" else role for role in roles.values()} - {"ignore", "code"}
        if len(named) >= 2:
            return index
    return None


def repeats_header(cells: Sequence[object]) -> bool:
    """True for a header line printed again inside the table (page breaks, per-building blocks)."""
    roles = _row_roles(cells)
    return roles is not None and bool(roles) and _qualifies(_first_per_role(roles))
