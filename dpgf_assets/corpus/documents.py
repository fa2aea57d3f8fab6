"""Whole pricing workbooks, one function per layout family, each returning its ``BookSpec`` and truth.

Layouts (the ``layout`` of the manifest): standard, offset_b, two_row_header, qty_before_unit,
inline_codes, chapter_codes, uncoded, disordered, formulas, text_numbers, recap_options, multi_sheet,
real_like, multi_lot, adjustments (prorata, révision, remise lines), notices (instructions to bidders
inside the table), lot_codes (lettered or sub-numbered lot codes, template placeholders) (DPGF); bpu,
multi_price (a maintenance schedule pricing each article several ways); dqe.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace

from dpgf_assets.corpus.content import Lot, make_article, make_chapters
from dpgf_assets.corpus.spec import BookSpec, Formula, SheetSpec
from dpgf_assets.corpus.tables import Option, TableStyle, TableWriter, clean
from dpgf_assets.corpus.vocabulary import (BPU_PRICE_LABELS, BPU_WORDS_LABELS, HEADER_LABELS, LOT_PLACEHOLDERS,
                                           MULTI_PRICE_PERIODS, MULTI_PRICE_SUPPLY, MULTI_PRICE_TIME, NOTICES,
                                           OPTION_TITLES, TABLE_NOTICES)

DPGF_LAYOUTS = ("standard", "offset_b", "two_row_header", "qty_before_unit", "inline_codes", "chapter_codes",
                "uncoded", "disordered", "formulas", "text_numbers", "recap_options", "multi_sheet",
                "real_like", "multi_lot", "adjustments", "notices", "lot_codes")
FORMULA_LAYOUTS = ("formulas", "real_like")
DOC_TITLES = {
    "DPGF": ["DÉCOMPOSITION DU PRIX GLOBAL ET FORFAITAIRE", "PRO-DCE : DPGF", "DPGF", "DCE - D.P.G.F."],
    "BPU": ["BORDEREAU DES PRIX UNITAIRES", "BPU", "DCE - BORDEREAU DES PRIX UNITAIRES"],
    "DQE": ["DEVIS QUANTITATIF ESTIMATIF", "DETAIL QUANTITATIF ESTIMATIF"],
}
SUBTOTAL_LABELS = ["Sous-total {title}", "Sous Total {TITLE}", "▸ SOUS-TOTAL", "Total {title}",
                   "S/TOTAL {title}", "SOUS-TOTAL {TITLE}"]


@dataclass
class Plan:
    """Everything decided about one pricing file before it is drawn."""

    doc_type: str
    layout: str
    fmt: str
    stage: str
    lot: Lot
    client: str
    project: str
    company: str | None
    sheet_name: str
    file_lot_name: str | None  # the lot name the file name carries, when it carries one
    file_lot_code: str | None
    extra_lots: list[Lot] = field(default_factory=list)


def lot_line(rng: random.Random, lot: Lot) -> str:
    number = int(lot.code)
    return rng.choice([f"Lot {number} - {lot.name}", f"LOT N°{lot.code} : {lot.name}",
                       f"LOT {lot.code} – {lot.name}", f"Lot n° {number} : {lot.name}"])


def base_style(rng: random.Random, plan: Plan) -> TableStyle:
    labels = {role: rng.choice(options) for role, options in HEADER_LABELS.items()}
    style = TableStyle(
        doc_type=plan.doc_type, stage=plan.stage, labels=labels, first_number=rng.randint(1, 6),
        subtotal_label=rng.choice(SUBTOTAL_LABELS), subtotals=rng.random() < 0.8,
        base_label=rng.choice(["TOTAL HT", "TOTAL GENERAL HT", "Montant total HT", "TOTAL BASE HT"]),
        tva=rng.random() < 0.7, prorata=rng.random() < 0.15, trailing_spaces=rng.random() < 0.3,
        upper_titles=rng.random() < 0.4)
    if plan.doc_type == "BPU":
        style.roles = ("code", "designation", "unit", "unit_price", "words")
        style.labels = {**labels, "code": rng.choice(["N° prix", "N°", "Code"]),
                        "unit_price": rng.choice(BPU_PRICE_LABELS), "words": rng.choice(BPU_WORDS_LABELS)}
    return style


def title_block(sheet: SheetSpec, rng: random.Random, plan: Plan, col: int, *, with_lot: bool,
                lot: Lot | None = None, extra: list[str] = ()) -> bool:
    """Client, project, document title, lot line, notice… above a table; returns whether the lot is named."""
    lot = lot or plan.lot
    lines = [plan.client, plan.project]
    if rng.random() < 0.5:
        lines.reverse()
    lines.append(rng.choice(DOC_TITLES[plan.doc_type]))
    if with_lot:
        if rng.random() < 0.15:
            sheet.skip(rng.randint(0, 2))
            for line in lines:
                sheet.add_row({col: line})
            sheet.add_row({col: f"LOT {lot.code}", col + 1: lot.name})  # number and name in two cells
            lines = []
        else:
            lines.insert(rng.randint(1, len(lines)), lot_line(rng, lot))
    notice = rng.choice(NOTICES) if plan.doc_type == "DPGF" and rng.random() < 0.5 else None
    if notice:
        lines.append(notice)
    if plan.company:
        lines.append(f"Entreprise : {plan.company}")
    lines.extend(extra)
    sheet.skip(rng.randint(0, 2))
    for line in lines:
        row = sheet.add_row({col: line})
        if line == notice:
            sheet.notes.append(clean(line))
        if rng.random() < 0.5:
            sheet.merges.append((row - 1, col, row - 1, col + 4))
        if rng.random() < 0.4:
            sheet.skip()
    sheet.skip(rng.randint(0, 2))
    return with_lot


def cover_page(book: BookSpec, rng: random.Random, plan: Plan) -> None:
    """The cover sheet most offices put first: who, what, which document (never a price table)."""
    cover = book.sheet(rng.choice(["Page de garde", "Garde", "PDG"]))
    cover.skip(rng.randint(2, 6))
    issue = f"Indice {rng.choice('ABC')} - {rng.randint(1, 28):02d}/0{rng.randint(1, 9)}/2024"
    phase = f"Phase {rng.choice(['PRO', 'DCE', 'PRO-DCE'])}"
    for line in (plan.client, plan.project, "MAITRISE D'OEUVRE : Atelier d'architecture",
                 rng.choice(DOC_TITLES[plan.doc_type]), phase, issue):
        row = cover.add_row({1: line})
        cover.merges.append((row - 1, 1, row - 1, 6))
        cover.skip(rng.randint(1, 3))
    if plan.company:
        cover.add_row({1: "Entreprise :", 2: plan.company})


def make_options(rng: random.Random, plan: Plan, count: int) -> list[Option]:
    options = []
    for i in range(1, count + 1):
        kind = rng.choice(["option", "variant", "pse"])
        title = rng.choice(OPTION_TITLES)
        head, total = {"option": (f"OPTION {i} : {title}", f"TOTAL OPTION {i} HT"),
                       "variant": (f"VARIANTE {i} : {title}", f"TOTAL VARIANTE {i} HT"),
                       "pse": (f"PSE {i} - {title}", f"TOTAL PSE {i} HT")}[kind]
        pool = rng.choice(plan.lot.chapters)[1]
        articles = [make_article(rng, rng.choice(pool), plan.stage, 0.1) for _ in range(rng.randint(2, 4))]
        options.append(Option("variant" if kind == "variant" else "option", head, total, articles))
    return options


def _lot_truth(book: BookSpec, plan: Plan, sources: list[tuple[str | None, str | None]]) -> None:
    """The lot by the documented priority: title block, sheet name, info sheet, file name."""
    found = [(c, n) for c, n in sources if c]
    if not found:
        book.lot_code = book.lot_name = None
        return
    code = found[0][0]
    book.lot_code = code
    book.lot_name = next((n for c, n in found if c == code and n), None)


def _sheet_lot(name: str) -> tuple[str | None, str | None]:
    match = re.search(r"\blot\s*(\d{1,2})\b", name, re.I)
    return (match.group(1).zfill(2), None) if match else (None, None)


# (as written, normalised) for a lot numbered ``n``: a letter before or after, a sub-number
LOT_CODE_FORMS = ("{n}B", "{nn}a", "A{nn}", "{n}.2", "{nn}-1")


def _lot_code_form(rng: random.Random, code: str) -> tuple[str, str]:
    """A lettered or sub-numbered code for lot ``code`` as written and normalised (``4.2`` → ``04.2``)."""
    n = int(code)
    written = rng.choice(LOT_CODE_FORMS).format(n=n, nn=code)
    letter_before = written[0].isalpha()
    number = re.search(r"\d+", written).group(0)
    rest = written[written.index(number, 1 if letter_before else 0) + len(number):]
    normalised = (written[0].upper() if letter_before else "") + number.zfill(2)
    normalised += "." + rest[1:] if rest.startswith((".", "-")) else rest.upper()
    return written, normalised


def _lot_codes(rng: random.Random, plan: Plan, sheet: SheetSpec,
               book: BookSpec) -> list[tuple[str | None, str | None]]:
    """The title line of a ``lot_codes`` workbook: a lettered or sub-numbered code, or a template's
    placeholder (no lot: the sheet or file name gives it); returns the title's lot source for the truth."""
    lot = plan.lot
    if rng.random() < 0.4:
        sheet.add_row({0: rng.choice(LOT_PLACEHOLDERS)})
        sheet.skip()
        return [(None, None)]
    written, code = _lot_code_form(rng, lot.code)
    line = rng.choice([f"LOT {written} - {lot.name}", f"Lot {written} : {lot.name}",
                       f"LOT N°{written} - {lot.name}"])
    sheet.add_row({0: line})
    sheet.skip()
    book.lot_written = written
    return [(code, lot.name)]


def single_table(rng: random.Random, plan: Plan) -> BookSpec:
    """One sheet, one table: most layouts differ only in the style knobs set here."""
    book = BookSpec()
    style = base_style(rng, plan)
    layout = plan.layout
    max_depth = rng.choice([1, 2, 3, 3, 4])
    description_rate = 0.12
    options: list[Option] = []
    if layout == "offset_b":
        style.col0 = 1
    elif layout == "two_row_header":
        style.two_row_header = True
        style.group_labels = (rng.choice(["QUANTITE", "QUANTITES"]),
                              rng.choice(["PRIX", "Fournitures", "PRIX HT"]))
        style.col0 = rng.choice([0, 1])
    elif layout == "qty_before_unit":
        style.roles = ("code", "designation", "quantity", "unit", "unit_price", "total")
    elif layout == "inline_codes":
        style.codes = "inline"
        style.roles = tuple(r for r in style.roles if r != "code")
    elif layout == "chapter_codes":
        style.codes = "chapters"
        description_rate = 0.35
    elif layout == "uncoded":
        style.codes = "none"
        max_depth = 1
        if rng.random() < 0.5:
            style.roles = tuple(r for r in style.roles if r != "code")
    elif layout == "disordered":
        style.disorder = True
        max_depth = rng.choice([2, 3])
    elif layout == "formulas":
        style.formulas = rng.choice(["cached", "uncached"])
        style.total_formula = rng.choice(["product", "if"])
        style.subtotal_formula = rng.choice(["subtotal", "sum"])
        style.label_formula = rng.choice([None, "amp", "concat"])
    elif layout == "text_numbers":
        style.numbers = "text"
        style.number_separator = rng.choice([" ", "\u00a0", "\u202f", "."])
    elif layout == "recap_options":
        style.recap = rng.random() < 0.8
        style.prorata = rng.random() < 0.5
        options = make_options(rng, plan, rng.randint(1, 3))
    elif layout == "adjustments":
        style.adjustments = True
        style.tva = rng.random() < 0.8
    elif layout == "notices":
        style.notices = tuple(rng.sample(TABLE_NOTICES, rng.randint(1, 2)))
    if plan.doc_type == "DQE" and rng.random() < 0.3:
        style.col0 = 1
    if plan.doc_type == "BPU":
        style.codes = rng.choice(["column", "column", "chapters"])
    chapters = make_chapters(rng, plan.lot, plan.stage, max_depth=max_depth,
                             description_rate=description_rate, size=0.8 if plan.doc_type == "BPU" else 1.0)
    if style.numbers == "text":
        articles = [a for c in chapters for a in c.all_articles()] + [a for o in options for a in o.articles]
        for article in articles:
            article.price_factors = None
            if article.unit_price is not None:
                article.unit_price = round(article.unit_price, 2)
    if not plan.fmt.startswith("csv") and rng.random() < 0.5:
        cover_page(book, rng, plan)
    sheet = book.sheet(plan.sheet_name)
    with_lot = rng.random() < 0.85 and layout != "lot_codes"
    title_block(sheet, rng, plan, style.col0, with_lot=with_lot)
    title_lot = [(plan.lot.code, plan.lot.name) if with_lot else (None, None)]
    if layout == "lot_codes":
        title_lot = _lot_codes(rng, plan, sheet, book)
    TableWriter(sheet, style, rng, book.truth).write(chapters, options)
    file_lot = (plan.file_lot_code, plan.file_lot_name)
    _lot_truth(book, plan, [*title_lot, _sheet_lot(plan.sheet_name), file_lot])
    return book


def multi_sheet(rng: random.Random, plan: Plan) -> BookSpec:
    """Cover page, one sheet per building, a recap sheet, a hidden helper sheet."""
    book = BookSpec()
    cover = book.sheet("Page de garde")
    for line in (plan.client, plan.project, DOC_TITLES["DPGF"][0], lot_line(rng, plan.lot), "Indice A"):
        cover.add_row({1: line})
        cover.skip()
    formulas = plan.fmt in ("xlsx", "xlsm") and rng.random() < 0.6
    buildings = []
    for name in ["Bât A", "Bât B", "Bât C"][: rng.randint(2, 3)]:
        sheet = book.sheet(name)
        style = base_style(rng, plan)
        style.tva = False
        if formulas:
            style.formulas = rng.choice(["cached", "uncached"])
        title_block(sheet, rng, plan, 0, with_lot=True, extra=[f"BATIMENT {name[-1]}"])
        writer = TableWriter(sheet, style, rng, book.truth)
        writer.write(make_chapters(rng, plan.lot, plan.stage, max_depth=2, description_rate=0.1, size=0.7))
        buildings.append((name, writer))
    recap = book.sheet("RECAP")
    recap.add_row({0: "RECAPITULATIF GENERAL"})
    recap.skip()
    recap.add_row({0: "N°", 1: "Désignation", 2: "Montant HT"})
    total = 0.0
    mode = buildings[0][1].style.formulas
    for i, (name, writer) in enumerate(buildings, 1):
        value = writer.ht_value or 0.0
        total += value
        col = writer.cell_ref("total", writer.ht_row or 1, absolute=False)
        cell, amount = _recap_amount(plan, mode, f"='{name}'!{col}", value)
        row = recap.add_row({0: str(i), 1: f"Bâtiment {name[-1]}", 2: cell})
        book.truth.totals.append({"sheet": "RECAP", "row": row, "label": f"Bâtiment {name[-1]}",
                                  "kind": "recap", "amount": amount})
    for label, kind, value in (("TOTAL HT", "total_ht", total), ("TVA 20 %", "tva", total * 0.2),
                               ("TOTAL TTC", "ttc", total + total * 0.2)):
        row_number = recap.next_row + 1
        formula = {"total_ht": f"=SUM(C4:C{row_number - 1})", "tva": f"=C{row_number - 1}*0.2",
                   "ttc": f"=C{row_number - 2}+C{row_number - 1}"}[kind]
        cell, amount = _recap_amount(plan, mode, formula, value)
        recap.add_row({1: label, 2: cell})
        book.truth.totals.append({"sheet": "RECAP", "row": row_number, "label": label, "kind": kind,
                                  "amount": amount})
    helper = book.sheet("Listes", hidden=True)
    helper.add_row({0: "Code", 1: "Désignation", 2: "Unité"})
    for code, unit in (("U", "u"), ("ENS", "ens"), ("M2", "m2"), ("ML", "ml")):
        helper.add_row({0: code, 1: f"Unité {unit}", 2: unit})
    _lot_truth(book, plan, [(plan.lot.code, plan.lot.name), (plan.file_lot_code, plan.file_lot_name)])
    return book


def _recap_amount(plan: Plan, mode: str | None, formula: str, value: float) -> tuple[object, float | None]:
    if mode:
        return Formula(formula, value, mode == "cached"), value
    if plan.stage != "offer":
        return None, None
    return round(value, 2), round(value, 2)


def multi_lot(rng: random.Random, plan: Plan) -> BookSpec:
    """One sheet per lot: the workbook as a whole has no single lot."""
    book = BookSpec()
    for lot in [plan.lot, *plan.extra_lots]:
        sheet = book.sheet(f"LOT {lot.code}")
        style = base_style(rng, plan)
        title_block(sheet, rng, replace(plan, lot=lot), 0, with_lot=True, lot=lot)
        TableWriter(sheet, style, rng, book.truth).write(make_chapters(rng, lot, plan.stage, max_depth=2,
                                                                       description_rate=0.1, size=0.6))
    book.lot_code = book.lot_name = None
    return book


def real_like(rng: random.Random, plan: Plan) -> BookSpec:
    """Shaped like the real DPGF of the samples: Infos, a cover page with a stray block, the lot sheet."""
    book = BookSpec()
    lot = plan.lot
    number = int(lot.code)
    infos = book.sheet("Infos")
    infos.skip(2)
    info_rows = [("Client", plan.client), ("Nom du site", plan.project), ("Adresse", "22 rue de la Mairie"),
                 ("Titre de la mission", "REHABILITATION ENERGETIQUE"), ("Numéro du lot", float(number)),
                 ("Désignation du lot", lot.name), ("Phase en cours", "PRO"),
                 ("Type de document", "DÉCOMPOSITION DU PRIX GLOBAL ET FORFAITAIRE (DPGF)"), ("Version", 1.0)]
    cells = {}
    for key, value in info_rows:
        cells[key] = f"B{infos.next_row + 1}"
        infos.add_row({0: key, 1: value})
    cover = book.sheet("Page de garde")
    cover.skip(4)
    for line in (plan.client, "DÉCOMPOSITION DU PRIX GLOBAL ET FORFAITAIRE (DPGF)", "PRO",
                 "V1 - Date de diffusion 19/06/25"):
        cover.add_row({2: line})
        cover.skip()
    cover.next_row = 70  # a stray block of codes, as in the real file: no header, not a table
    for code in ("2.7.5", "2.7.5.1", "2.7.6", "2.7.7"):
        cover.add_row({0: code})
    cover.add_row({0: "", 1: "Dépose des pompes doubles", 3: 5.0, 4: 500.0})
    cover.add_row({1: "Sous Total Chauffage", 5: 2500.0})
    sheet = book.sheet(plan.sheet_name)
    style = base_style(rng, plan)
    style.formulas = rng.choice(["cached", "uncached"])
    style.codes, style.float_codes = "mixed", True
    style.subtotal_formula, style.label_formula = "subtotal", rng.choice(["amp", "concat"])
    style.tva, style.subtotals = False, True
    style.labels = {**style.labels, "code": "N°", "designation": "DESIGNATION DES OUVRAGES", "unit": "Unité",
                    "quantity": "Qté", "unit_price": "PU HT", "total": "Prix Total HT"}
    cached = style.formulas == "cached"
    line = f"Lot {number} - {lot.name}"
    sheet.skip(2)
    mission = Formula(f"=+Infos!{cells['Titre de la mission']}", "REHABILITATION ENERGETIQUE", cached)
    sheet.add_row({0: mission})
    sheet.add_row({0: Formula(f"=Infos!{cells['Client']}", plan.client, cached)})
    number_cell, name_cell = cells["Numéro du lot"], cells["Désignation du lot"]
    sheet.add_row({0: Formula(f'="Lot "&Infos!{number_cell}&" - "&Infos!{name_cell}', line, cached)})
    sheet.skip()
    sheet.add_row({0: "PRO-DCE : DPGF"})
    sheet.skip()
    sheet.add_row({0: NOTICES[0]})
    sheet.notes.append(clean(NOTICES[0]))
    sheet.skip()
    style.base_label_formula = '="TOTAL BASE HT - "&$A$5'
    style.base_label_value = f"TOTAL BASE HT - {line}"
    chapters = make_chapters(rng, lot, plan.stage, max_depth=4, description_rate=0.15)
    TableWriter(sheet, style, rng, book.truth).write(chapters)
    _lot_truth(book, plan, [(lot.code, lot.name)])
    return book


RATE_FACTORS = {"jour": 1.0, "nuit": 1.5, "week-end": 1.75, "dimanche et jours fériés": 2.0}


@dataclass
class _Component:
    group: str  # the group label above it in a two-row header, "" in one row
    label: str
    what: str  # supply | time | rate | option
    rate: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.group} {self.label}".strip()


def _components(rng: random.Random, two_rows: bool) -> list[_Component]:
    """The price columns of a maintenance schedule, left to right."""
    base = round(rng.uniform(42, 60), 2)
    periods = [p for p in MULTI_PRICE_PERIODS if p in rng.sample(MULTI_PRICE_PERIODS, rng.randint(1, 4))]
    found = []
    if rng.random() < 0.85:
        found.append(_Component("Fourniture", rng.choice(["P.U en euros", "P.U. HT"]), "supply") if two_rows
                     else _Component("", rng.choice(MULTI_PRICE_SUPPLY), "supply"))
    labour = "Main d'œuvre" if two_rows else ""
    found.append(_Component(labour, rng.choice(MULTI_PRICE_TIME), "time"))
    for period in periods:
        label = period.capitalize() if two_rows else f"Taux horaire {period}"
        found.append(_Component(labour, label, "rate", round(base * RATE_FACTORS[period], 2)))
    if rng.random() < 0.3:
        found.append(_Component("", "Prix option", "option"))
    return found


def multi_price(rng: random.Random, plan: Plan) -> BookSpec:
    """A maintenance or framework BPU: each article priced several ways (supply price, labour time,
    hourly rates by period, an option), no quantity nor total, over one or two header rows. The truth's
    unit price follows the parser's documented rule: the first price column that is not a time or a rate."""
    book = BookSpec()
    sheet = book.sheet(plan.sheet_name)
    with_lot = rng.random() < 0.85
    title_block(sheet, rng, plan, 0, with_lot=with_lot)
    two_rows = rng.random() < 0.5
    components = _components(rng, two_rows)
    first = {0: rng.choice(["N° de prix", "N° prix", "Réf."]),
             1: rng.choice(["Désignation", "Désignation des prestations"]), 2: rng.choice(["Unité", "U"])}
    if two_rows:
        top = sheet.next_row
        groups: dict[str, int] = {}
        for col, component in enumerate(components, 3):
            if component.group and component.group not in groups:
                groups[component.group] = col
                first[col] = component.group
            elif not component.group:
                first[col] = component.label
        sheet.add_row(first)
        sheet.add_row({col: c.label for col, c in enumerate(components, 3) if c.group})
        for group, start in groups.items():
            end = start + sum(c.group == group for c in components) - 1
            if end > start:
                sheet.merges.append((top, start, top, end))
    else:
        sheet.add_row({**first, **{col: c.label for col, c in enumerate(components, 3)}})
    unit_column = next((col for col, c in enumerate(components, 3) if c.what in ("supply", "option")), None)
    chapters = make_chapters(rng, plan.lot, "offer", max_depth=1, description_rate=0.0,
                             section_description_rate=0.0, size=0.8)
    for number, chapter in enumerate(chapters, 1):
        code = str(number)
        head = sheet.add_row({0: code, 1: chapter.title})
        book.truth.sections.append({"sheet": sheet.name, "row": head, "code": code,
                                    "title": clean(chapter.title), "level": 1, "parent_code": None, "parent_row": None, "description": ""})
        for index, article in enumerate(chapter.articles, 1):
            values: dict[int, object] = {0: f"{code}.{index}", 1: article.designation, 2: article.unit_raw}
            priced = article.kind == "article" and not article.included_text
            supplied = priced and article.unit_price and rng.random() < 0.85
            supply = round(article.unit_price, 2) if supplied else None
            for col, component in enumerate(components, 3):
                value = {"supply": supply, "time": round(rng.uniform(0.1, 3.0), 2), "rate": component.rate,
                         "option": round(supply * 1.2, 2) if supply else None}[component.what]
                if priced and value is not None:
                    values[col] = value
            row = sheet.add_row(values)
            prices = {c.name: values[col] for col, c in enumerate(components, 3) if col in values}
            book.truth.items.append({
                "sheet": sheet.name, "row": row, "code": f"{code}.{index}",
                "designation": clean(article.designation), "unit": article.unit, "unit_raw": clean(article.unit_raw), "quantity": None,
                "unit_price": values.get(unit_column) if unit_column is not None else None, "total": None,
                "kind": "article" if article.included_text else article.kind, "section_code": code,
                "section_row": head, "prices": prices if len(components) > 1 else {},
            })
        if rng.random() < 0.5:
            sheet.skip()
    title_lot = (plan.lot.code, plan.lot.name) if with_lot else (None, None)
    _lot_truth(book, plan, [title_lot, _sheet_lot(plan.sheet_name), (plan.file_lot_code, plan.file_lot_name)])
    return book


def compose(rng: random.Random, plan: Plan) -> BookSpec:
    """The workbook of ``plan`` with its truth."""
    if plan.layout == "multi_price":
        return multi_price(rng, plan)
    if plan.layout == "multi_sheet":
        return multi_sheet(rng, plan)
    if plan.layout == "multi_lot":
        return multi_lot(rng, plan)
    if plan.layout == "real_like":
        return real_like(rng, plan)
    return single_table(rng, plan)

