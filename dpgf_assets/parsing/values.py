"""Cell values into domain values: French numbers, units in one vocabulary, article codes, clean text.

Every function here takes one raw cell (whatever calamine, the formula evaluator or the CSV reader
gave) and never raises: an unreadable value is ``None``, so a bad cell cannot stop a workbook.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Final


_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_NOT_NUMBER_PARTS: Final = re.compile(
    r"(?:€|eur(?:os?)?|h\.?t\.?|t\.?t\.?c\.?|[\s\u00a0\u202f\u2009'’])", re.I)


def clean_text(value: object) -> str:
    """Cell text with runs of blanks collapsed and blank lines dropped ("" for non-text)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        return format(value, ".10g") if math.isfinite(value) else ""
    text = value if isinstance(value, str) else str(value)
    if "\n" in text or "\r" in text:
        lines = (" ".join(line.split()) for line in text.splitlines())
        return "\n".join(line for line in lines if line)
    return " ".join(text.split())


def _fold_table() -> dict[int, str]:
    """Accented letters to plain ones (``É`` → ``E``, ``²`` → ``2``, ``œ`` → ``oe``), built once."""
    table: dict[int, str] = {}
    for code in range(0xA0, 0x250):
        char = chr(code)
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if plain != char and plain.strip():
            table[code] = plain
    table.update({ord("œ"): "oe", ord("Œ"): "oe", ord("æ"): "ae", ord("Æ"): "ae", ord("’"): "'",
                  ord("‘"): "'", ord("–"): "-", ord("—"): "-"})
    table.update({space: " " for space in (0xA0, 0x202F, 0x2009, 0x2007)})
    return table


FOLD_TABLE: Final = _fold_table()


def without_accents(text: str) -> str:
    """``text`` with accented letters made plain (``FOLD_TABLE``), case kept."""
    return text if text.isascii() else text.translate(FOLD_TABLE)


def fold(text: str) -> str:
    """Lower case without accents, blanks collapsed: the form every keyword rule matches against."""
    return " ".join(without_accents(text).lower().split())


def parse_number(value: object) -> float | None:
    """A number from a numeric cell or from French text (``1 234,56 €``, ``12,5``, ``(1 200)``)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None  # dates, times: not quantities or prices
    text = value.strip()
    if not text or len(text) > 40:
        return None
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    text = _NOT_NUMBER_PARTS.sub("", text)
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", "") if text.count(",") > 1 else text.replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    if not _NUMBER.fullmatch(text):
        return None
    number = float(text)
    if percent:
        number /= 100
    return -number if negative else number


# ---- units ---------------------------------------------------------------------------------------

UNIT_ALIASES: Final = {
    "u": "u", "un": "u", "unite": "u", "unites": "u", "unit": "u", "pce": "u", "pc": "u", "piece": "u",
    "pieces": "u", "nb": "u", "nbre": "u", "no": "u", "p": "u",
    "ens": "ens", "ensemble": "ens", "ensembles": "ens",
    "ft": "ft", "f": "ft", "fft": "ft", "ff": "ft", "forfait": "ft", "forf": "ft", "fort": "ft",
    "m": "m", "ml": "m", "mlin": "m", "lm": "m", "metre": "m", "metres": "m", "metrelineaire": "m",
    "m2": "m2", "mq": "m2", "metrecarre": "m2",
    "m3": "m3", "metrecube": "m3",
    "kg": "kg", "t": "t", "to": "t", "tonne": "t", "tonnes": "t",
    "l": "l", "lt": "l", "litre": "l", "litres": "l",
    "h": "h", "hr": "h", "heure": "h", "heures": "h",
    "j": "j", "jr": "j", "jour": "j", "jours": "j",
    "1/2j": "1/2j", "1/2jour": "1/2j", "1/2journee": "1/2j", "demijournee": "1/2j", "dj": "1/2j",
    "sem": "sem", "semaine": "sem", "semaines": "sem", "mois": "mois", "an": "an",
    "pm": "pm", "pourmemoire": "pm",
    "cmp": "cmp", "compris": "cmp", "inclus": "cmp", "incl": "cmp", "inclu": "cmp", "comp": "cmp",
}
_UNIT_NOISE: Final = re.compile(r"[\s.\-_()]+")


def normalise_unit(raw: str) -> str | None:
    """One vocabulary for units (``M2``/``m²`` → ``m2``, ``ml`` → ``m``, ``Ft``/``forfait`` → ``ft``)."""
    key = _UNIT_NOISE.sub("", fold(raw))
    return UNIT_ALIASES.get(key, key) if key else None


_PM_TEXT: Final = {"pm", "p.m", "p.m.", "pour memoire"}
_INCLUDED_TEXT: Final = {"cmp", "compris", "inclus", "incl", "incl.", "inclu", "compris ailleurs",
                         "y compris"}


def value_hint(value: object) -> str | None:
    """``pm`` or ``included`` when a numeric column holds ``PM`` / ``compris`` / ``inclus`` instead."""
    if not isinstance(value, str):
        return None
    key = fold(value)
    if key in _PM_TEXT:
        return "pm"
    if key in _INCLUDED_TEXT:
        return "included"
    return None


# ---- codes ---------------------------------------------------------------------------------------

_CODE: Final = re.compile(r"(?:[A-Z]{1,2}|\d{1,3}|[IVX]{1,5})(?:[.\-](?:\d{1,3}|[a-zA-Z]))*\.?")
_INLINE_CODE: Final = re.compile(r"((?:\d{1,3}|[A-Z])(?:\.\d{1,3})+|\d{1,3})(?:\.|\)|\s-)?\s+(\S.*)", re.S)
_INLINE_SINGLE: Final = re.compile(r"(\d{1,3})[.)]\s+(\S.*)", re.S)


def normalise_code(value: object) -> str | None:
    """An article or chapter code as text (a number cell 5.0 is ``"5"``), or None when not a code."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value < 0 or value >= 1000:
            return None
        text = format(float(value), ".10g")
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 24:
            return None
    else:
        return None
    if not _CODE.fullmatch(text):
        return None
    return text.rstrip(".")


def split_inline_code(text: str) -> tuple[str | None, str]:
    """``"3.1.1.  Dalle"`` → (``"3.1.1"``, ``"Dalle"``): a code written at the start of a designation."""
    match = _INLINE_CODE.fullmatch(text)
    if match and "." in match.group(1):
        return match.group(1), match.group(2)
    match = _INLINE_SINGLE.fullmatch(text)
    if match:
        return match.group(1), match.group(2)
    return None, text


def code_level(code: str) -> int:
    """Depth of a code: ``5`` is 1, ``5.1.3.1`` is 4."""
    return code.count(".") + code.count("-") + 1


def is_code_prefix(parent: str, child: str) -> bool:
    """True when ``child`` is numbered under ``parent`` (``5.1`` under ``5``)."""
    return len(child) > len(parent) and child.startswith(parent) and child[len(parent)] in ".-"
