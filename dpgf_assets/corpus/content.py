"""The priced content of a generated document, before any layout: chapters, articles, values."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from dpgf_assets.corpus.vocabulary import BRANDS, DESCRIPTIONS, FINISHES, PLACES, SECTION_DESCRIPTIONS, SUB_CHAPTERS, UNIT_SPELLINGS

UNIT_OF_TEMPLATE = {"ens": "ens", "ENS": "ens", "Ft": "ft", "ml": "m", "m": "m", "m2": "m2", "m3": "m3",
                    "u": "u", "kg": "kg", "PM": "pm", "cmp": "cmp"}


@dataclass
class Article:
    designation: str
    unit_raw: str  # as written in the file
    unit: str  # normalised
    kind: str  # article | pm | included (option/variant come from where it is written)
    quantity: float | None = None
    unit_price: float | None = None
    price_factors: tuple[float, float] | None = None  # unit price written as ``=a*b``
    descriptions: list[str] = field(default_factory=list)
    included_text: bool = False  # "Compris" written in the total column

    @property
    def total(self) -> float | None:
        if self.quantity is None or self.unit_price is None:
            return None
        return round(self.quantity * self.unit_price, 2)


@dataclass
class Chapter:
    title: str
    articles: list[Article] = field(default_factory=list)
    children: list["Chapter"] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)

    def all_articles(self) -> list[Article]:
        found = list(self.articles)
        for child in self.children:
            found.extend(child.all_articles())
        return found


@dataclass
class Lot:
    code: str
    name: str
    chapters: list[tuple[str, list[tuple[str, str, float, float]]]]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(brand=rng.choice(BRANDS), series=rng.randint(100, 990), place=rng.choice(PLACES),
                           finish=rng.choice(FINISHES), article=f"{rng.randint(1, 9)}.{rng.randint(1, 9)}")


def make_article(rng: random.Random, template: tuple[str, str, float, float], stage: str,
                 description_rate: float) -> Article:
    """One article with values for its stage: ``dce`` (blank), ``quantities`` (no prices), ``offer``."""
    designation, unit_template, low, high = template
    if rng.random() < 0.3:
        designation = f"{designation} - {rng.choice(PLACES)}"
    unit_norm = UNIT_OF_TEMPLATE[unit_template]
    if unit_norm not in ("pm", "cmp") and rng.random() < 0.08:
        unit_norm = rng.choice(["pm", "cmp"])
    keep = UNIT_OF_TEMPLATE[unit_template] == unit_norm and unit_template in ("PM", "cmp", "ENS", "Ft")
    unit_raw = unit_template if keep and rng.random() < 0.5 else rng.choice(UNIT_SPELLINGS[unit_norm])
    kind = {"pm": "pm", "cmp": "included"}.get(unit_norm, "article")
    article = Article(designation, unit_raw, unit_norm, kind)
    if rng.random() < description_rate:
        article.descriptions = [_fill(t, rng) for t in rng.sample(DESCRIPTIONS, rng.randint(1, 2))]
    if kind != "article":
        return article
    if unit_norm in ("ens", "ft") and rng.random() < 0.1:
        article.included_text = True  # a lump sum "compris" elsewhere
        article.kind = "included"
        return article
    if stage in ("quantities", "offer"):
        if unit_norm in ("ens", "ft"):
            article.quantity = 1.0
        elif unit_norm in ("u", "kg"):
            article.quantity = float(rng.randint(1, 400))
        else:
            article.quantity = round(rng.uniform(1, 900), rng.choice([0, 1, 2]))
    if stage == "offer":
        if rng.random() < 0.12:
            base, factor = round(rng.uniform(low, high) / 1.35, 2), rng.choice([1.2, 1.35, 1.5])
            article.price_factors = (base, factor)
            article.unit_price = base * factor
        else:
            article.unit_price = round(rng.uniform(low, high), 2)
    return article


def make_chapters(rng: random.Random, lot: Lot, stage: str, *, max_depth: int, description_rate: float,
                  section_description_rate: float = 0.15, size: float = 1.0) -> list[Chapter]:
    """Top chapters of the lot, with sub-chapters down to ``max_depth`` levels and articles at the leaves."""
    chosen = rng.sample(lot.chapters, rng.randint(2, len(lot.chapters)))
    chapters = []
    for title, pool in chosen:
        chapters.append(_chapter(rng, title, pool, stage, 1, max_depth, description_rate,
                                 section_description_rate, size))
    return chapters


def _chapter(rng: random.Random, title: str, pool: list, stage: str, level: int, max_depth: int,
             description_rate: float, section_description_rate: float, size: float) -> Chapter:
    chapter = Chapter(title)
    if rng.random() < section_description_rate:
        chapter.descriptions = [_fill(rng.choice(SECTION_DESCRIPTIONS), rng)]
    if level < max_depth and rng.random() < 0.55:
        if rng.random() < 0.3:  # a few articles before the sub-chapters, as in real files
            chapter.articles = [make_article(rng, rng.choice(pool), stage, description_rate)
                                for _ in range(rng.randint(1, 2))]
        for sub in rng.sample(SUB_CHAPTERS, rng.randint(2, 3)):
            chapter.children.append(_chapter(rng, sub, pool, stage, level + 1, max_depth, description_rate,
                                             section_description_rate, size))
    else:
        count = max(1, round(rng.randint(2, 7) * size))
        chapter.articles = [make_article(rng, rng.choice(pool), stage, description_rate)
                            for _ in range(count)]
    return chapter
