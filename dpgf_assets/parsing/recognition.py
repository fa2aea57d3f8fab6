"""DPGF / BPU / DQE / OTHER, with a confidence in [0, 1] and the reasons for it.

Evidence is weighed, strongest first: a document title (``DEVIS QUANTITATIF ESTIMATIF`` makes a DQE
whatever the file is called), the file name, the folders, sheet names, the table header. Files
whose name or title says CCTP, planning, invoice, contact list or catalogue are OTHER even when
they hold a table with prices. Without a peek inside, only the path speaks, and a spreadsheet whose
path says nothing about its type gets a low confidence: a deep scan decides.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from dpgf_assets.parsing.header import column_role  # the parser's own column vocabulary
from dpgf_assets.parsing.peek import WorkbookPeek

DOC_TYPES: Final = ("DPGF", "BPU", "DQE", "OTHER")
SPREADSHEET_EXTENSIONS: Final = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv")


@dataclass
class Recognition:
    doc_type: str
    confidence: float
    reasons: list[str]


PRICING: Final = ("DPGF", "BPU", "DQE")
NAME_WEIGHT: Final = 0.6
FOLDER_WEIGHT: Final = 0.3
SHEET_WEIGHT: Final = 0.4
TOKEN_WEIGHT: Final = 0.4
HEADER_WEIGHT: Final = 0.3
UNTYPED_CEILING: Final = 0.45
MAX_TITLE_TEXT: Final = 90

# Abbreviations and full titles of each type (matched on lower-case text without accents).
_TYPE_WORDS: Final = {
    "DPGF": re.compile(r"\bd\.? ?p\.? ?g\.? ?f\b|decomposition (du |des )?prix globale?"
                       r"|decomposition globale et forfaitaire"),
    "BPU": re.compile(r"\bb\.? ?p\.? ?u\b|bordereau (des |de )?prix"),
    "DQE": re.compile(r"\bd\.? ?q\.? ?e\b|detail quantitatif|devis quantitatif"),
}
_ANY_TYPE_WORD: Final = re.compile("|".join(f"(?P<{t}>{p.pattern})" for t, p in _TYPE_WORDS.items()))
# What the titles and headers may say: (rule, pattern).
_TEXT_RULES: Final = (
    ("DQE_title", re.compile(r"(?:devis|detail) quantitatif (?:et )?estimatif")),
    ("DPGF_title",
     re.compile(r"decomposition (?:du |des )?prix globale? (?:et )?forfaitaire"
                r"|decomposition globale et forfaitaire")),
    ("BPU_title", re.compile(r"bordereau (?:des |de )?prix unitaires?")),
    ("OTHER_title",
     re.compile(r"^(?:cahier des clauses techniques|c\.? ?c\.? ?t\.? ?p\b"
                r"|planning (?:previsionnel|general|des travaux|de chantier|tce)|planning$"
                r"|calendrier (?:previsionnel|d.execution|des travaux)|facture\b|avoir n|annuaire"
                r"|liste des (?:contacts|intervenants|entreprises)|coordonnees des|catalogue\b"
                r"|tarifs? (?:public|general|fournisseur|\d{4})|liste de prix)", re.M)),
    ("DPGF_token", re.compile(r"\bdpgf\b")),
    ("BPU_token", re.compile(r"\bbpu\b")),
    ("DQE_token", re.compile(r"\bdqe\b")),
)
TITLE_WEIGHTS: Final = {"DQE": 1.5, "DPGF": 1.0, "BPU": 1.0, "OTHER": 1.2}
_OTHER_NAME: Final = re.compile(
    r"\b(cctp|c\.c\.t\.p|ccap|cahier des clauses|planning|calendrier|gantt|factures?|avoir|contacts?|annuaire"
    r"|liste des (entreprises|intervenants|contacts)|catalogues?|tarifs?|compte[ -]rendu|proces[ -]verbal"
    r"|rapport"
    r"|notice|acte d.engagement|reglement de (la )?consultation|memoire technique)\b"
)
_BLANK_RUNS: Final = re.compile(r"[ \t\r\f\v]+")  # not newlines: they separate the texts
_HEADER_WORD: Final = re.compile(r"designation|libelle|description|intitule")
_PRICING_HINT: Final = re.compile(r"\blot ?\d+|\boffres?\b|\bchiffrage\b|\bestimati|\bquantitatif|\bprix\b")
_PRICING_FOLDERS: Final = re.compile(r"^(dce|offres?|pieces ecrites|consultation|chiffrages?"
                                     r"|analyse des offres|pro|dce - pro)\b")


def _ascii_part(text: str) -> str:
    """The ASCII left of ``text`` once decomposed (accents and other marks dropped)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _fold(text: str) -> str:
    """Lower case, accents and other non-ASCII marks dropped: enough for the words recognition looks for."""
    return _BLANK_RUNS.sub(" ", _ascii_part(text).lower())


def _confidence(margin: float) -> float:
    return round(1 - math.exp(-2.2 * max(margin, 0.0)), 3)


class _Evidence:
    def __init__(self) -> None:
        self.typed = {t: 0.0 for t in PRICING}
        self.other = 0.0
        self.prior = 0.0
        self.reasons: list[str] = []

    def add(self, doc_type: str, weight: float, reason: str) -> None:
        if doc_type == "OTHER":
            self.other += weight
        elif doc_type == "pricing":
            self.prior += weight
        else:
            self.typed[doc_type] += weight
        if reason not in self.reasons:
            self.reasons.append(reason)


def _type_words(key: str) -> list[tuple[str, str]]:
    """(doc type, words) each type's abbreviation or title found in a folded text."""
    return [(m.lastgroup or "", m.group(0)) for m in _ANY_TYPE_WORD.finditer(key)]


def _path_evidence(path: str, ev: _Evidence) -> None:
    *folders, file_name = path.replace("\\", "/").split("/")
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    name = _fold(stem.replace("_", " "))
    for doc_type, words in _type_words(name):
        ev.add(doc_type, NAME_WEIGHT, f"name: '{words.upper()}' in file name")
    match = _OTHER_NAME.search(name)
    if match:
        ev.add("OTHER", NAME_WEIGHT + 0.2, f"name: '{match.group(0)}' is not a pricing document")
    match = _PRICING_HINT.search(name)
    if match:
        ev.add("pricing", 0.15, f"name: '{match.group(0)}' suggests pricing")
    for folder in folders:
        for doc_type, weight in _folder_evidence(folder):
            ev.add(doc_type, weight, f"folder: '{folder}'")


def _folder_evidence(folder: str) -> tuple[tuple[str, float], ...]:
    key = _fold(folder)
    found = [(doc_type, FOLDER_WEIGHT) for doc_type, _ in _type_words(key)]
    if _PRICING_FOLDERS.match(key):
        found.append(("pricing", 0.1))
    return tuple(found)


def _peek_evidence(peek: WorkbookPeek, ev: _Evidence) -> None:
    for sheet in peek.sheet_names:
        for doc_type, _ in _type_words(_fold(sheet)):
            ev.add(doc_type, SHEET_WEIGHT, f"sheet: '{sheet}'")
    texts = [t.replace("\n", " ") for t in peek.texts if len(t) <= MAX_TITLE_TEXT * 2]
    if not texts:
        return
    blob = _fold("\n".join(texts))  # one text per line, each rule searched once over all of them

    def source(match: re.Match[str], width: int = 60) -> str:
        return " ".join(texts[blob.count("\n", 0, match.start())].split())[:width]

    for rule, pattern in _TEXT_RULES:
        match = pattern.search(blob)
        if match is None:
            continue
        doc_type, what = rule.split("_")
        if what == "title":
            tail = " is not a pricing document" if doc_type == "OTHER" else ""
            ev.add(doc_type, TITLE_WEIGHTS[doc_type], f"title: '{source(match)}'{tail}")
        else:
            ev.add(doc_type, TOKEN_WEIGHT, f"text: '{doc_type}' in '{source(match, 40)}'")
    _header_evidence(texts, blob, ev)


def _header_evidence(texts: list[str], blob: str, ev: _Evidence) -> None:
    """A price table header among the texts: a designation label and around it unit/quantity/price labels."""
    for word in _HEADER_WORD.finditer(blob):
        line = blob.count("\n", 0, word.start())
        if len(texts[line]) > 40:
            continue
        roles = {column_role(t) for t in texts[max(0, line - 8):line + 9] if len(t) <= 40}
        if "designation" in roles and len(roles & {"unit", "quantity", "unit_price", "total"}) >= 2:
            ev.add("pricing", HEADER_WEIGHT, "header: designation, unit, quantity and price columns")
            if "en lettres" in blob or ("unit_price" in roles and not roles & {"quantity", "total"}):
                ev.add("BPU", 0.35, "header: unit prices without quantities")
            return


def recognise(path: str, peek: WorkbookPeek | None = None) -> Recognition:
    """Recognise a file from its library path and, when given, what a peek inside it found."""
    file_name = path.replace("\\", "/").rsplit("/", 1)[-1]
    suffix = file_name[file_name.rfind("."):].lower() if "." in file_name else ""
    if suffix not in SPREADSHEET_EXTENSIONS:
        return Recognition("OTHER", 0.99, [f"extension: '{suffix or '(none)'}' is not a spreadsheet"])
    ev = _Evidence()
    _path_evidence(path, ev)
    if peek is not None:
        _peek_evidence(peek, ev)
    ranked = sorted(PRICING, key=lambda t: -ev.typed[t])
    best, second = ranked[0], ranked[1]
    pricing = ev.typed[best] + ev.prior
    if ev.other > 0 and ev.other >= pricing:
        return Recognition("OTHER", _confidence(ev.other - pricing + 0.2), ev.reasons)
    if pricing == 0:
        where = "name or content" if peek is not None else "name"
        reasons = ev.reasons or [f"no sign of a pricing document in the {where}"]
        return Recognition("OTHER", 0.7 if peek is not None else 0.5, reasons)
    if ev.typed[best] == 0:
        return Recognition("DPGF", min(_confidence(pricing), UNTYPED_CEILING),
                           ev.reasons + ["type not named: DPGF assumed"])
    margin = pricing - max(ev.other, ev.typed[second] * 0.5)
    return Recognition(best, _confidence(margin), ev.reasons)
