"""The price reference: robust unit-price statistics per normalised designation and unit.

Medians, quartiles and the median absolute deviation resist the odd typo or lump sum that a mean
would follow; the reference is rebuilt whole from every priced line of every imported document, in
one transaction, so readers see the old or the new one, never half of it.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from functools import lru_cache

from sqlalchemy import Connection, Engine, and_, delete, select

from dpgf_assets.warehouse.trades import current_model_version, current_trades
from dpgf_assets.parsing.values import fold
from dpgf_assets.warehouse.bulk import insert_rows
from dpgf_assets.warehouse.schema import documents, line_items, price_reference

PRICED_KINDS = ("article", "option", "variant")
UNPRICED_UNITS = ("pm", "cmp")
_NOT_WORD = re.compile(r"[^\w]+")


@lru_cache(maxsize=65536)
def designation_key(designation: str) -> str:
    """The form lines are grouped by: first line, lower case, no accents, punctuation as spaces."""
    first = designation.split("\n", 1)[0]
    return " ".join(_NOT_WORD.sub(" ", fold(first)).split())[:300]


@dataclass(frozen=True)
class Reference:
    designation_key: str
    unit: str
    designation: str
    trade: str | None
    count: int
    documents: int
    projects: int
    median: float
    q1: float
    q3: float
    mad: float
    min: float
    max: float

    def verdict(self, unit_price: float, factor: float, min_gap: float) -> str | None:
        """``low`` or ``high`` when the price lies beyond the quartiles by ``factor`` interquartile
        ranges and differs from the median by ``min_gap`` of it at least; else None."""
        spread = factor * (self.q3 - self.q1)
        if unit_price < self.q1 - spread and unit_price < self.median * (1 - min_gap):
            return "low"
        if unit_price > self.q3 + spread and unit_price > self.median * (1 + min_gap):
            return "high"
        return None


COLUMNS = tuple(f.name for f in fields(Reference))


def robust_statistics(prices: list[float]) -> tuple[float, float, float, float]:
    """Median, first and third quartiles (linear interpolation, as PostgreSQL's percentile_cont)
    and median absolute deviation."""
    ordered = sorted(prices)
    median = statistics.median(ordered)
    if len(ordered) == 1:
        q1 = q3 = median
    else:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    mad = statistics.median(abs(p - median) for p in ordered)
    return median, q1, q3, mad


def compute_reference(conn: Connection) -> list[Reference]:
    """The statistics of every (normalised designation, unit) met in priced lines."""
    li, d = line_items.c, documents.c
    version = current_model_version(conn)
    query = (select(li.designation, li.unit, li.unit_price, li.document_id, d.project_id)
             .join_from(line_items, documents, d.id == li.document_id)
             .where(li.kind.in_(PRICED_KINDS), li.unit_price > 0, li.unit.is_not(None),
                    li.unit.not_in(UNPRICED_UNITS)))
    if version is not None:
        trades = current_trades(version)
        query = query.add_columns(trades.c.trade).outerjoin(
            trades, and_(trades.c.document_id == li.document_id, trades.c.position == li.position))
    prices: dict[tuple[str, str], list[float]] = defaultdict(list)
    wording: dict[tuple[str, str], Counter] = defaultdict(Counter)
    trade_votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    docs: dict[tuple[str, str], set] = defaultdict(set)
    projects: dict[tuple[str, str], set] = defaultdict(set)
    for row in conn.execute(query.execution_options(yield_per=5000)):
        key = (designation_key(row.designation), row.unit)
        if not key[0]:
            continue
        prices[key].append(row.unit_price)
        wording[key][row.designation.split("\n", 1)[0].strip()] += 1
        docs[key].add(row.document_id)
        projects[key].add(row.project_id)
        if version is not None and row.trade:
            trade_votes[key][row.trade] += 1
    out = []
    for key, values in prices.items():
        median, q1, q3, mad = robust_statistics(values)
        trade = min(trade_votes[key].items(), key=lambda kv: (-kv[1], kv[0]))[0] if trade_votes[key] else None
        label = min(wording[key].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        out.append(Reference(key[0], key[1], label, trade, len(values), len(docs[key]), len(projects[key]),
                             median, q1, q3, mad, min(values), max(values)))
    return out


@dataclass(frozen=True)
class ReferenceReport:
    references: int
    prices: int
    usable: int  # references with enough prices to judge a unit price
    with_trade: int
    seconds: float


def refresh_reference(engine: Engine, min_count: int) -> ReferenceReport:
    """Compute the reference from the warehouse and replace the stored one."""
    started = time.perf_counter()
    with engine.connect() as conn:
        references = compute_reference(conn)
    write_reference(engine, references)
    return ReferenceReport(len(references), sum(r.count for r in references),
                           sum(r.count >= min_count for r in references),
                           sum(r.trade is not None for r in references), time.perf_counter() - started)


def write_reference(engine: Engine, references: list[Reference]) -> None:
    """Replace the whole reference in one transaction."""
    now = datetime.now(timezone.utc)
    rows = [tuple(getattr(r, c) for c in COLUMNS) + (now,) for r in references]
    with engine.begin() as conn:
        conn.execute(delete(price_reference))
        insert_rows(conn, price_reference, COLUMNS + ("updated_at",), rows)


def load_reference(conn: Connection, min_count: int) -> dict[tuple[str, str], Reference]:
    """The references with enough prices to judge a unit price, by (designation key, unit)."""
    rows = conn.execute(select(*(price_reference.c[c] for c in COLUMNS))
                        .where(price_reference.c.count >= min_count))
    return {(r.designation_key, r.unit): Reference(*r) for r in rows}


def search_reference(conn: Connection, designation: str, unit: str | None = None, limit: int = 50) -> list[Reference]:
    """References for a designation as a user types it: the exact normalised wording, else every
    reference whose wording holds all its words (most observations first)."""
    key = designation_key(designation)
    if not key:
        return []
    pr = price_reference.c
    base = select(*(pr[c] for c in COLUMNS))
    if unit:
        base = base.where(pr.unit == unit)
    exact = conn.execute(base.where(pr.designation_key == key).order_by(pr.unit)).all()
    if exact:
        return [Reference(*r) for r in exact]
    query = base
    for word in key.split()[:8]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(pr.designation_key.like(f"%{escaped}%", escape="\\"))
    rows = conn.execute(query.order_by(pr.count.desc(), pr.designation_key, pr.unit).limit(limit)).all()
    return [Reference(*r) for r in rows]
