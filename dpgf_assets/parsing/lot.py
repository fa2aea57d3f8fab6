"""Which lot a workbook prices: from the sheet's title block, the sheet name, an info sheet, the file name.

Lot codes are written ``Lot 4``, ``LOT N°04``, ``Lot4``, ``LOT 04 B``, with a letter before or after
the number or a sub-number (``LOT A01``, ``Lot 3B``, ``Lot 02a``, ``LOT N°7.2``, ``Lot 12-1``). Each
is kept as written and in a normalised form for comparison: the number on two digits, letters in
capitals, a sub-number after a dot (``04``, ``03B``, ``02A``, ``A01``, ``07.2``, ``12.1``), so that
the same lot reads the same from every source. A template's placeholder (``Lot XXX``, ``Lot …``,
``LOT N°``) has no number: it is no lot, and the code then comes from the sheet name or the file
name. The name is what follows the code (``Lot 4 - CVC - Electricité`` → ``CVC - Electricité``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Iterable, Sequence

from dpgf_assets.parsing.values import clean_text, fold

_LOT: Final = re.compile(
    r"\blot\s*(?:n\s*°|n°|no\.?|n\.|num(?:ero)?\.?|#)?\s*"
    r"(([a-z]?)(\d{1,2})(?!\d)"  # the number, maybe after a letter: lot A01
    r"(?:[.\-](\d{1,2})(?![\d.]))?"  # a sub-number: lot 7.2, lot 12-1
    r"(?:\s*([a-z])(?!\w))?)"  # a letter after it: lot 4B, lot 02a (not a word: lot 14 Génie)
    r"\s*(?:[-:–—_.,/]+\s*)?(.*)$",  # the name
    re.I | re.S,
)
_NOT_NAME: Final = re.compile(
    r"\b(d\.?p\.?g\.?f|b\.?p\.?u|d\.?q\.?e|offre|dce|indice [a-z0-9]+|v\d+)\b\.?", re.I)
_CODE_KEYS: Final = ("numero du lot", "n° du lot", "n° lot", "lot n°", "lot", "numero de lot", "code lot")
_NAME_KEYS: Final = ("designation du lot", "intitule du lot", "libelle du lot", "nom du lot",
                      "lot designation")
MAX_TITLE_TEXT: Final = 120
# "(2)", "- Copie": the marks of a copied file, not part of a lot name
_COPY_MARK: Final = re.compile(r"\s*(\(\d{1,3}\)|- cop(ie|y)( \(\d+\))?)\s*$", re.I)


@dataclass
class Lot:
    code: str | None  # normalised for comparison
    name: str | None
    written: str | None = None  # the code as written


NO_LOT: Final = Lot(None, None)


_NAME_EDGES: Final = " -–—:_.,;"


def _name(text: str) -> str | None:
    text = _COPY_MARK.sub("", text)
    text = _NOT_NAME.sub(" ", text)
    return _without_stray_brackets(" ".join(text.split()).strip(_NAME_EDGES)) or None


def _without_stray_brackets(text: str) -> str:
    """Brackets around the whole name or left alone at one end go; "Couverture (zinc)" keeps its own."""
    while True:
        if text.startswith("(") and text.endswith(")") and text.count("(") == text.count(")") == 1:
            text = text[1:-1].strip(_NAME_EDGES)
        elif text.endswith(")") and text.count(")") > text.count("("):
            text = text[:-1].rstrip(_NAME_EDGES)
        elif text.startswith("(") and text.count("(") > text.count(")"):
            text = text[1:].lstrip(_NAME_EDGES)
        else:
            return text


def lot_in_text(text: str, following: str = "") -> Lot:
    """The lot a line names (``Lot 4 - CVC`` → ``04``, ``CVC``); ``following`` is the next cell's text."""
    if len(text) > MAX_TITLE_TEXT:
        return NO_LOT
    match = _LOT.search(text.replace("_", " "))
    if not match:
        return NO_LOT
    written, before, number, sub, after = match.group(1, 2, 3, 4, 5)
    code = before.upper() + number.zfill(2) + (f".{sub}" if sub else "") + (after or "").upper()
    name = _name(match.group(6)) or (_name(following) if following else None)
    return Lot(code, name, " ".join(written.split()))


def lot_in_rows(rows: Iterable[Sequence[object]]) -> Lot:
    """The first lot named in title rows (each cell, with the next cell's text as a possible name)."""
    for cells in rows:
        texts = [clean_text(c) for c in cells if isinstance(c, str) and c.strip()]
        for i, text in enumerate(texts):
            lot = lot_in_text(text, texts[i + 1] if i + 1 < len(texts) else "")
            if lot.code:
                return lot
    return NO_LOT


def lot_in_key_values(rows: Iterable[Sequence[object]]) -> Lot:
    """An info sheet's ``Numéro du lot | 04`` and ``Désignation du lot | CVC`` pairs."""
    code = name = None
    for cells in rows:
        values = [c for c in cells if c not in ("", None)]
        if len(values) < 2 or not isinstance(values[0], str):
            continue
        key, value = fold(values[0]).rstrip(" :"), values[1]
        if key in _CODE_KEYS and code is None:
            text = clean_text(value)
            found = lot_in_text(f"lot {text}") if text else NO_LOT
            code = found.code
        elif key in _NAME_KEYS and name is None and isinstance(value, str):
            name = _name(clean_text(value))
    return Lot(code, name) if code else NO_LOT


_EXTENSIONS: Final = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv")


def file_stem(path: str) -> str:
    """The file name without its extensions (``DPGF lot 2.xls.xlsx`` → ``DPGF lot 2``)."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    while name.lower().endswith(_EXTENSIONS):
        name = name[: name.rfind(".")]
    return name


def lot_in_file_name(path: str) -> Lot:
    return lot_in_text(file_stem(path))


def first_lot(candidates: Iterable[Lot]) -> Lot:
    """The first candidate with a code, named by the first candidate of the same code that has a name."""
    found = [c for c in candidates if c.code]
    if not found:
        return NO_LOT
    code = found[0].code
    return Lot(code, next((c.name for c in found if c.code == code and c.name), None), found[0].written)


def document_lot(table_lots: list[Lot], info: Lot, file_lot: Lot) -> tuple[Lot, list[str]]:
    """One lot for the workbook; several different lots in its tables give none, with a warning."""
    codes = list(dict.fromkeys(t.code for t in table_lots if t.code))
    if len(codes) > 1:
        if file_lot.code:
            return first_lot([file_lot, *table_lots]), []
        return NO_LOT, [f"several lots in one workbook ({', '.join(codes)}): no single lot recorded"]
    return first_lot([*table_lots, info, file_lot]), []
