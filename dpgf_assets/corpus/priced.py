"""Parsed documents straight from generated content, no workbook drawn: warehouse loads far larger
than the sample library (the trade-model benchmark and tests), written by the real document writer.

Each project has a few lots (mostly one trade, some mixed, as ``trades`` draws them); each lot's
document carries its chapters as sections and its articles as line items, with the ground truth of
which trade each line comes from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from dpgf_assets.corpus.content import Chapter, make_chapters
from dpgf_assets.corpus.trades import MIXED_RATE, TRADE_IDS, mixed_lot, trade_lot
from dpgf_assets.parsing.model import LineItem, ParsedDocument, Section
from dpgf_assets.warehouse.documents import FileVersion, replace_document


HEADING_RATE = 0.4
HEADINGS = ["DESCRIPTION DES TRAVAUX : {NAME}", "LOT {code} - {NAME}", "TRAVAUX DE {NAME}", "{NAME}",
            "Lot n°{code} {name}"]


@dataclass(frozen=True)
class PricedDocument:
    project_key: str
    path: str
    parsed: ParsedDocument


def _walk(chapters: list[Chapter], sheet: str, parsed: ParsedDocument, parent: int | None, level: int,
          row: list[int]) -> None:
    for chapter in chapters:
        row[0] += 1
        here = row[0]
        parsed.sections.append(Section(sheet, here, None, chapter.title, level, None, parent_row=parent))
        for article in chapter.articles:
            row[0] += 1
            total = article.total
            parsed.items.append(LineItem(sheet, row[0], None, article.designation, article.unit, article.unit_raw,
                                         article.quantity, article.unit_price, total, article.kind, None,
                                         section_row=here))
        _walk(chapter.children, sheet, parsed, here, level + 1, row)


def priced_documents(projects: int, lots_per_project: int, seed: int, *, size: float = 1.0,
                     trades: tuple[str, ...] = TRADE_IDS, mixed: bool = True) -> list[PricedDocument]:
    """``projects`` × ``lots_per_project`` documents of the given trades (about 40 lines each at size 1)."""
    rng = random.Random(f"priced:{seed}")
    documents = []
    for p in range(projects):
        key = f"Projets/P{p:05d}"
        for trade in rng.sample(list(trades), min(lots_per_project, len(trades))):
            lot = mixed_lot(rng)[0] if mixed and rng.random() < MIXED_RATE else trade_lot(rng, trade)
            parsed = ParsedDocument(file=f"DPGF Lot {lot.code} {lot.name}.xlsx", doc_type="DPGF", confidence=0.9,
                                    reasons=[], lot_code=lot.code, lot_name=lot.name)
            chapters = make_chapters(rng, lot, "offer", max_depth=2, description_rate=0.0, size=size)
            if rng.random() < HEADING_RATE:  # the whole lot under one chapter naming its trade
                chapters = [Chapter(rng.choice(HEADINGS).format(name=lot.name, NAME=lot.name.upper(), code=lot.code),
                                    children=chapters)]
            _walk(chapters, "DPGF", parsed, None, 1, [10])
            documents.append(PricedDocument(key, f"{key}/{parsed.file}", parsed))
    return documents


def write_priced(engine, documents: list[PricedDocument]) -> int:  # noqa: ANN001 - a SQLAlchemy Engine
    """Write the documents through the import's own writer; the number of line items written."""
    for n, doc in enumerate(documents):
        version = FileVersion("priced", doc.path, f"etag-{n}", doc.path, doc.project_key,
                              doc.project_key.rsplit("/", 1)[-1])
        replace_document(engine, version, doc.parsed)
    return sum(len(d.parsed.items) for d in documents)
