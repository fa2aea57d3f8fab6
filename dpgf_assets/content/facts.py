"""What a brief may say about a project: figures drawn from the warehouse, in a typed structure.

Facts carry no database ids nor times, and amounts are rounded to the cent, so that the same data
always gives the same facts and the same hash, on SQLite as on PostgreSQL: a brief is rewritten
only when its facts' hash changes.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Iterable

from sqlalchemy import Connection, and_, select

from dpgf_assets.ml.taxonomy import TRADE_LABELS
from dpgf_assets.warehouse.trades import current_trades
from dpgf_assets.content.reference import UNPRICED_UNITS, Reference, designation_key
from dpgf_assets.warehouse.schema import documents, line_items, projects


@dataclass(frozen=True)
class FactsOptions:
    """The rules facts are drawn with; part of the facts, so a brief can state its method."""

    top_items: int = 5
    outlier_factor: float = 1.5
    outlier_min_gap: float = 0.25
    reference_min_count: int = 5


@dataclass(frozen=True)
class DocumentFacts:
    name: str  # file name
    path: str
    doc_type: str
    lot_code: str | None
    lot_name: str | None
    lines: int
    priced_lines: int
    lines_total: float | None  # sum of the articles' totals (None: nothing priced)
    declared_total: float | None  # TOTAL HT as written in the file
    gap: float | None  # declared - lines_total, when both exist and differ beyond rounding
    unpriced: int  # articles without price in a priced document
    pm: int
    included: int
    options: int
    options_total: float
    variants: int
    variants_total: float
    warnings: int


@dataclass(frozen=True)
class LotFacts:
    code: str | None
    name: str | None
    documents: int
    priced: int
    lowest: float | None
    highest: float | None
    median: float | None


@dataclass(frozen=True)
class ItemFacts:
    document: str
    lot_code: str | None
    designation: str
    unit: str | None
    quantity: float | None
    unit_price: float | None
    total: float
    share: float | None  # of its document's lines total


@dataclass(frozen=True)
class OutlierFacts:
    document: str
    designation: str
    unit: str
    unit_price: float
    direction: str  # low | high
    median: float
    q1: float
    q3: float
    count: int  # prices behind the reference
    ratio: float  # unit price / median


@dataclass(frozen=True)
class OptionFacts:
    document: str
    kind: str  # option | variant
    designation: str
    total: float | None


@dataclass(frozen=True)
class TradeFacts:
    trade: str
    label: str
    lines: int
    amount: float
    share: float | None  # of the priced amount
    low_confidence: int  # lines predicted with confidence "faible"


@dataclass(frozen=True)
class ProjectFacts:
    project: str  # key
    name: str
    documents: tuple[DocumentFacts, ...]
    lots: tuple[LotFacts, ...]
    priced_documents: int
    lowest_total: float | None  # sum over lots of the lowest priced document
    largest_items: tuple[ItemFacts, ...]
    top_share: float | None  # share of the largest items in the priced amount
    unpriced: int
    pm: int  # PM and included lines of priced documents (in a blank form they say nothing yet)
    included: int
    options: tuple[OptionFacts, ...]
    options_count: int
    variants_count: int
    options_total: float
    compared: int  # priced lines judged against the reference
    outliers: tuple[OutlierFacts, ...]
    outliers_low: int
    outliers_high: int
    gaps: int  # documents whose declared total differs from their lines
    has_predictions: bool
    trades: tuple[TradeFacts, ...]
    rules: FactsOptions

    def to_dict(self) -> dict:
        return asdict(self)

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON of the facts: equal facts, equal hash."""
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ProjectRef:
    id: int
    key: str
    name: str


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _share(part: float, whole: float | None) -> float | None:
    return round(part / whole, 4) if whole else None


def _first_line(text: str, limit: int = 160) -> str:
    line = text.split("\n", 1)[0].strip()
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def declared_total(totals: list[dict]) -> float | None:
    """The file's TOTAL HT: per sheet the last one written, summed over sheets (None: none written)."""
    last: dict[str, float] = {}
    for t in totals or []:
        if t.get("kind") == "total_ht" and t.get("amount") is not None:
            last[t.get("sheet") or ""] = float(t["amount"])
    return sum(last.values()) if last else None


def has_gap(declared: float | None, lines: float | None) -> bool:
    """A declared total away from its lines by more than a euro and a thousandth (rounding aside)."""
    if declared is None or lines is None:
        return False
    return abs(declared - lines) > max(1.0, 0.001 * abs(declared))


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def build_facts(project: ProjectRef, docs: list, items: list, reference: dict[tuple[str, str], Reference],
                options: FactsOptions, with_trades: bool) -> ProjectFacts:
    """Facts of one project from its document rows and line-item rows (see ``load_facts``)."""
    docs = sorted(docs, key=lambda d: d.path)
    by_doc: dict[int, list] = defaultdict(list)
    for item in items:
        by_doc[item.document_id].append(item)
    doc_facts: list[DocumentFacts] = []
    name_of: dict[int, str] = {}
    lot_of: dict[int, str | None] = {}
    priced_items: list = []
    outliers: list[OutlierFacts] = []
    opts: list[OptionFacts] = []
    compared = 0
    for d in docs:
        rows = sorted(by_doc.get(d.id, ()), key=lambda r: r.position)
        name = d.path.rsplit("/", 1)[-1]
        name_of[d.id], lot_of[d.id] = name, d.lot_code
        articles = [r for r in rows if r.kind == "article"]
        priced = [r for r in articles if r.unit_price or r.total]  # a zero is a blank cell's formula
        totals = [r.total for r in articles if r.total]
        lines_total = _money(math.fsum(totals)) if priced and totals else None
        declared = _money(declared_total(d.declared_totals))
        options_rows = [r for r in rows if r.kind == "option"]
        variant_rows = [r for r in rows if r.kind == "variant"]
        doc_facts.append(DocumentFacts(
            name=name, path=d.path, doc_type=d.doc_type, lot_code=d.lot_code, lot_name=d.lot_name,
            lines=len(rows), priced_lines=len(priced), lines_total=lines_total, declared_total=declared,
            gap=_money(declared - lines_total) if has_gap(declared, lines_total) else None,
            unpriced=len(articles) - len(priced) if priced else 0,
            pm=sum(r.kind == "pm" for r in rows), included=sum(r.kind == "included" for r in rows),
            options=len(options_rows), options_total=_money(math.fsum(r.total or 0 for r in options_rows)),
            variants=len(variant_rows), variants_total=_money(math.fsum(r.total or 0 for r in variant_rows)),
            warnings=len(d.warnings or []),
        ))
        if priced:
            priced_items.extend((lines_total, r) for r in articles if r.total is not None)
        opts.extend(OptionFacts(name, r.kind, _first_line(r.designation), _money(r.total))
                    for r in options_rows + variant_rows)
        for r in rows:
            if (r.kind not in ("article", "option", "variant") or not r.unit_price or r.unit_price <= 0
                    or not r.unit or r.unit in UNPRICED_UNITS):
                continue
            ref = reference.get((designation_key(r.designation), r.unit))
            if ref is None:
                continue
            compared += 1
            direction = ref.verdict(r.unit_price, options.outlier_factor, options.outlier_min_gap)
            if direction:
                outliers.append(OutlierFacts(name, _first_line(r.designation), r.unit, _money(r.unit_price),
                                             direction, _money(ref.median), _money(ref.q1), _money(ref.q3),
                                             ref.count, round(r.unit_price / ref.median, 3)))
    lots = _lots(doc_facts)
    lowest_total = _money(math.fsum(lot.lowest for lot in lots if lot.lowest is not None)) \
        if any(lot.lowest is not None for lot in lots) else None
    priced_amount = math.fsum(d.lines_total for d in doc_facts if d.lines_total is not None)
    ranked = sorted(priced_items, key=lambda pair: (-pair[1].total, pair[1].document_id, pair[1].position))
    largest = tuple(ItemFacts(name_of[r.document_id], lot_of[r.document_id], _first_line(r.designation), r.unit,
                              r.quantity, _money(r.unit_price), _money(r.total), _share(r.total, doc_total))
                    for doc_total, r in ranked[:options.top_items])
    outliers.sort(key=lambda o: (-abs(math.log(o.ratio)) if o.ratio > 0 else 0, o.document, o.designation))
    return ProjectFacts(
        project=project.key, name=project.name, documents=tuple(doc_facts), lots=lots,
        priced_documents=sum(d.lines_total is not None for d in doc_facts), lowest_total=lowest_total,
        largest_items=largest,
        top_share=_share(math.fsum(i.total for i in largest), priced_amount) if largest else None,
        unpriced=sum(d.unpriced for d in doc_facts), pm=sum(d.pm for d in doc_facts if d.lines_total is not None),
        included=sum(d.included for d in doc_facts if d.lines_total is not None),
        options=tuple(sorted(opts, key=lambda o: (-(o.total or 0), o.document, o.designation))[:options.top_items]),
        options_count=sum(d.options for d in doc_facts), variants_count=sum(d.variants for d in doc_facts),
        options_total=_money(math.fsum(d.options_total + d.variants_total for d in doc_facts)),
        compared=compared, outliers=tuple(outliers[:options.top_items]),
        outliers_low=sum(o.direction == "low" for o in outliers),
        outliers_high=sum(o.direction == "high" for o in outliers),
        gaps=sum(d.gap is not None for d in doc_facts), has_predictions=with_trades,
        trades=_trades(docs, by_doc, priced_amount) if with_trades else (), rules=options,
    )


def _lots(doc_facts: list[DocumentFacts]) -> tuple[LotFacts, ...]:
    """Per lot: its documents, how many are priced, and the lowest, highest and median priced total."""
    grouped: dict[tuple[str, str], list[DocumentFacts]] = defaultdict(list)
    for d in doc_facts:
        grouped[(d.lot_code or "", d.lot_name or "")].append(d)
    lots = []
    for (code, name), members in sorted(grouped.items()):
        priced = [d.lines_total for d in members if d.lines_total is not None]
        lots.append(LotFacts(code or None, name or None, len(members), len(priced),
                             min(priced) if priced else None, max(priced) if priced else None,
                             _money(_median(priced))))
    return tuple(lots)


def _trades(docs: list, by_doc: dict[int, list], priced_amount: float) -> tuple[TradeFacts, ...]:
    lines: dict[str, int] = defaultdict(int)
    amount: dict[str, float] = defaultdict(float)
    low: dict[str, int] = defaultdict(int)
    for d in docs:
        for r in by_doc.get(d.id, ()):
            if not r.trade:
                continue
            lines[r.trade] += 1
            low[r.trade] += r.confidence == "faible"
            if r.kind == "article" and r.total is not None:
                amount[r.trade] += r.total
    ordered = sorted(lines, key=lambda t: (-amount[t], -lines[t], t))
    return tuple(TradeFacts(t, TRADE_LABELS.get(t, t), lines[t], _money(amount[t]),
                            _share(amount[t], priced_amount), low[t]) for t in ordered)


def load_facts(conn: Connection, chunk: Iterable[ProjectRef], reference: dict[tuple[str, str], Reference],
               options: FactsOptions, model_version: str | None) -> dict[int, ProjectFacts]:
    """Facts of several projects in two queries (their documents, then their line items)."""
    chunk = list(chunk)
    ids = [p.id for p in chunk]
    d, li = documents.c, line_items.c
    doc_rows = conn.execute(select(d.id, d.project_id, d.path, d.doc_type, d.lot_code, d.lot_name,
                                   d.declared_totals, d.warnings).where(d.project_id.in_(ids))).all()
    item_query = (select(li.document_id, li.position, li.designation, li.unit, li.quantity, li.unit_price,
                         li.total, li.kind)
                  .join_from(line_items, documents, d.id == li.document_id).where(d.project_id.in_(ids)))
    if model_version is not None:
        trades = current_trades(model_version)
        item_query = item_query.add_columns(trades.c.trade, trades.c.confidence).outerjoin(
            trades, and_(trades.c.document_id == li.document_id, trades.c.position == li.position))
    docs_of: dict[int, list] = defaultdict(list)
    project_of_doc: dict[int, int] = {}
    for row in doc_rows:
        docs_of[row.project_id].append(row)
        project_of_doc[row.id] = row.project_id
    items_of: dict[int, list] = defaultdict(list)
    for row in conn.execute(item_query):
        items_of[project_of_doc[row.document_id]].append(row)
    return {p.id: build_facts(p, docs_of[p.id], items_of[p.id], reference, options, model_version is not None)
            for p in chunk}


def resolve_projects(conn: Connection, keys: Iterable[str] | None = None) -> list[ProjectRef]:
    """The projects with these keys (all of them when None), in key order; unknown keys are left out."""
    query = select(projects.c.id, projects.c.key, projects.c.name).order_by(projects.c.key)
    if keys is not None:
        keys = list(keys)
        if not keys:
            return []
        query = query.where(projects.c.key.in_(keys))
    return [ProjectRef(*row) for row in conn.execute(query)]
