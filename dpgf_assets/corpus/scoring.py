"""Compare what the parser read with the manifest's truth: the figures the benchmark and tests share.

Rows are matched by (sheet, row). An item's fields are code, unit, quantity, unit price, total,
section (its chapter's code and row) and price components; numbers agree within half a cent. A
document's notes (notices to bidders) are matched by their text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

ITEM_FIELDS = ("code", "unit", "quantity", "unit_price", "total", "section", "prices")
NUMBER_FIELDS = ("quantity", "unit_price", "total", "amount")


def same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 0.005 + 1e-9 * max(abs(a), abs(b))


def _item_field(item: dict[str, Any], name: str) -> Any:
    if name == "section":
        return item.get("section_code"), item.get("section_row")
    if name == "prices":
        return item.get("prices") or {}
    return item.get(name)


@dataclass
class Score:
    """Counts over any number of files; ``add`` another score to sum them."""

    true_items: int = 0
    found_items: int = 0
    matched_items: int = 0
    fields_right: Counter = field(default_factory=Counter)
    items_all_right: int = 0
    kinds_right: int = 0
    designations_right: int = 0
    true_totals: int = 0
    matched_totals: int = 0
    totals_right: int = 0
    totals_as_items: int = 0
    true_sections: int = 0
    sections_right: int = 0
    files: int = 0
    doc_types_right: int = 0
    lots_right: int = 0
    lot_files: int = 0
    errors_expected: int = 0
    errors_right: int = 0
    true_notes: int = 0
    found_notes: int = 0
    matched_notes: int = 0
    mistakes: list[str] = field(default_factory=list)

    def add(self, other: "Score") -> None:
        for name, value in vars(other).items():
            if isinstance(value, Counter):
                self.fields_right.update(value)
            elif isinstance(value, list):
                self.mistakes.extend(value)
            else:
                setattr(self, name, getattr(self, name) + value)

    @staticmethod
    def ratio(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def precision(self) -> float:
        return self.ratio(self.matched_items, self.found_items)

    @property
    def recall(self) -> float:
        return self.ratio(self.matched_items, self.true_items)

    @property
    def field_accuracy(self) -> float:
        return self.ratio(self.items_all_right, self.matched_items)

    @property
    def note_precision(self) -> float:
        return self.ratio(self.matched_notes, self.found_notes)

    @property
    def note_recall(self) -> float:
        return self.ratio(self.matched_notes, self.true_notes)

    def field(self, name: str) -> float:
        return self.ratio(self.fields_right[name], self.matched_items)


def same_lot(truth: dict[str, Any], found: dict[str, Any]) -> bool:
    """The lot read is the truth's, on every key the truth states (``written`` only where it is known)."""
    return all(found.get(key) == value for key, value in truth.items())


def parsed_view(doc: Any) -> dict[str, Any]:
    """``doc.to_json()`` with the items' section rows, which the JSON document leaves out."""
    view = doc.to_json()
    view["items"] = [asdict(i) for i in doc.items]
    return view


def score_items(truth: list[dict], found: list[dict], where: str) -> Score:
    score = Score(true_items=len(truth), found_items=len(found))
    by_row = {(t["sheet"], t["row"]): t for t in truth}
    for item in found:
        expected = by_row.get((item["sheet"], item["row"]))
        if expected is None:
            where_row = f"{item['sheet']}!{item['row']}"
            score.mistakes.append(f"{where}: extra item {where_row} {item['designation'][:40]!r}")
            continue
        score.matched_items += 1
        wrong = []
        for name in ITEM_FIELDS:
            a, b = _item_field(expected, name), _item_field(item, name)
            ok = same_number(a, b) if name in NUMBER_FIELDS else a == b
            score.fields_right[name] += ok
            if not ok:
                wrong.append(f"{name} {a!r}≠{b!r}")
        score.items_all_right += not wrong
        score.kinds_right += expected["kind"] == item["kind"]
        score.designations_right += expected["designation"] == item["designation"]
        if wrong or expected["kind"] != item["kind"]:
            kind = "" if expected["kind"] == item["kind"] else f" kind {expected['kind']}≠{item['kind']}"
            score.mistakes.append(f"{where}: item {item['sheet']}!{item['row']}: {', '.join(wrong)}{kind}")
    found_rows = {(i["sheet"], i["row"]) for i in found}
    for t in truth:
        if (t["sheet"], t["row"]) not in found_rows:
            score.mistakes.append(f"{where}: missed item {t['sheet']}!{t['row']} {t['designation'][:40]!r}")
    return score


def score_file(entry: dict[str, Any], parsed: dict[str, Any] | None, doc_type: str,
               error: str | None) -> Score:
    """One manifest entry against the parser's ``to_json()`` (None when it raised ``error``)."""
    where = entry["path"]
    score = Score(files=1, doc_types_right=int(doc_type == entry["doc_type"]))
    if doc_type != entry["doc_type"]:
        score.mistakes.append(f"{where}: doc type {entry['doc_type']}≠{doc_type}")
    if entry.get("expect_error"):
        score.errors_expected = 1
        score.errors_right = int(error is not None)
        if error is None:
            score.mistakes.append(f"{where}: expected an error ({entry['expect_error']}), parsed fine")
        return score
    if entry["doc_type"] == "OTHER":
        if parsed is not None and doc_type != "OTHER":  # it would be imported: its items are all wrong
            score.found_items = len(parsed["items"])
        return score
    if parsed is None:
        score.true_items = len(entry["items"])
        score.mistakes.append(f"{where}: failed: {error}")
        return score
    score.add(score_items(entry["items"], parsed["items"], where))
    score.lot_files = 1
    score.lots_right = int(same_lot(entry["lot"], parsed["lot"]))
    if not score.lots_right:
        score.mistakes.append(f"{where}: lot {entry['lot']}≠{parsed['lot']}")
    truth_notes, found_notes = Counter(entry.get("notes", [])), Counter(parsed.get("notes", []))
    score.true_notes, score.found_notes = sum(truth_notes.values()), sum(found_notes.values())
    score.matched_notes = sum((truth_notes & found_notes).values())
    for note in (truth_notes - found_notes):
        score.mistakes.append(f"{where}: missed note {note[:40]!r}")
    for note in (found_notes - truth_notes):
        score.mistakes.append(f"{where}: extra note {note[:40]!r}")
    totals = {(t["sheet"], t["row"]): t for t in parsed["totals"]}
    score.true_totals = len(entry["totals"])
    for t in entry["totals"]:
        got = totals.get((t["sheet"], t["row"]))
        if got is None:
            score.mistakes.append(f"{where}: missed total {t['sheet']}!{t['row']} {t['label']!r}")
            continue
        score.matched_totals += 1
        same_label = (got["kind"], got["label"]) == (t["kind"], t["label"])
        ok = same_label and same_number(got["amount"], t["amount"])
        score.totals_right += ok
        if not ok:
            expected = f"{t['kind']} {t['label']!r} {t['amount']}"
            found = f"{got['kind']} {got['label']!r} {got['amount']}"
            score.mistakes.append(f"{where}: total {t['sheet']}!{t['row']}: {expected} ≠ {found}")
    total_rows = {(t["sheet"], t["row"]) for t in entry["totals"]}
    score.totals_as_items = sum((i["sheet"], i["row"]) in total_rows for i in parsed["items"])
    sections = {(s["sheet"], s["row"]): s for s in parsed["sections"]}
    score.true_sections = len(entry["sections"])
    for s in entry["sections"]:
        got = sections.get((s["sheet"], s["row"]))
        keys = ("code", "title", "level", "parent_code")
        if got is not None and all(got[k] == s[k] for k in keys):
            score.sections_right += 1
        else:
            score.mistakes.append(f"{where}: section {s['sheet']}!{s['row']} {[s[k] for k in keys]} ≠ "
                                  f"{[got[k] for k in keys] if got else None}")
    return score
