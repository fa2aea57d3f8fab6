"""Write a priced table into a sheet, in a given style, and record the truth of every row written.

The truth follows the reading rules a person applies (and the issue states): an article belongs to
the chapter it stands under, totals are never articles, a description line belongs to the line
above it, options are marked. It is built from what is written, never by running the parser.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from dpgf_assets.corpus.content import Article, Chapter
from dpgf_assets.corpus.numbers import french_number, price_in_words
from dpgf_assets.corpus.spec import Box, Formula, SheetSpec, Truth


def clean(text: str) -> str:
    """Text as a careful reader keeps it: blanks collapsed, lines kept."""
    lines = (" ".join(line.split()) for line in str(text).splitlines())
    return "\n".join(line for line in lines if line)


_COLUMN_FORMATS = {"quantity": "quantity", "unit_price": "money", "total": "money"}


def letter(col: int) -> str:
    letters, col = "", col + 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class TableStyle:
    doc_type: str = "DPGF"
    stage: str = "offer"  # dce | quantities | offer
    col0: int = 0
    roles: tuple[str, ...] = ("code", "designation", "unit", "quantity", "unit_price", "total")
    labels: dict[str, str] = field(default_factory=dict)
    two_row_header: bool = False
    group_labels: tuple[str, str] = ("QUANTITE", "PRIX")
    codes: str = "column"  # column | inline | chapters (only chapters coded) | mixed (per chapter) | none
    float_codes: bool = False
    first_number: int = 1
    numbers: str = "number"  # number | text
    formulas: str | None = None  # None | cached | uncached
    total_formula: str = "product"  # product | if
    subtotal_formula: str = "subtotal"  # subtotal | sum
    subtotal_label: str = "Sous-total {title}"
    label_formula: str | None = None  # None | amp | concat
    subtotals: bool = True
    base_label: str = "TOTAL HT"
    base_label_formula: str | None = None  # e.g. '="TOTAL BASE HT - "&$A$5' with its value
    base_label_value: str = ""
    tva: bool = True
    prorata: bool = False
    recap: bool = False
    disorder: bool = False
    trailing_spaces: bool = False
    upper_titles: bool = False
    number_separator: str = " "
    adjustments: bool = False  # prorata, révision and remise lines written as real tenders do
    notices: tuple[str, ...] = ()  # notices to bidders inside the table: after the header, between chapters

    @property
    def has_totals(self) -> bool:
        return "total" in self.roles


@dataclass
class Option:
    kind: str  # option | variant
    title: str  # as written: "OPTION 1 : ..."
    total_label: str
    articles: list[Article]


class TableWriter:
    """Renders chapters into ``sheet`` from its next free row; ``truth`` receives what must be read."""

    def __init__(self, sheet: SheetSpec, style: TableStyle, rng: random.Random, truth: Truth) -> None:
        self.sheet, self.style, self.rng, self.truth = sheet, style, rng, truth
        self.col = {role: style.col0 + i for i, role in enumerate(style.roles)}
        self.item_totals: list[tuple[int, float | None]] = []  # (row, total as computed) of base items
        self.subtotal_rows: list[int] = []
        # code, title, subtotal row, sum of each top chapter
        self.chapter_rows: list[tuple[str | None, str, int | None, float]] = []
        self.ht_row: int | None = None
        self.ht_value: float | None = None
        self.codes_used: dict[str, int] = {}

    # ---- helpers -------------------------------------------------------------------------------
    def raw(self, text: str) -> str:
        return text + " " if self.style.trailing_spaces and self.rng.random() < 0.2 else text

    def cell_ref(self, role: str, row: int, absolute: bool = False) -> str:
        d = "$" if absolute else ""
        return f"{d}{letter(self.col[role])}{d}{row}"

    def number(self, value: float | None, decimals: int, currency: bool = False) -> Any:
        if value is None:
            return None
        if self.style.numbers == "text":
            return french_number(value, decimals, currency=currency, separator=self.style.number_separator)
        return value

    def amount_cell(self, formula: str | None, value: float | None) -> tuple[Any, float | None]:
        """An amount written as a formula (with its computed value), a number, or left blank."""
        if self.style.formulas and formula:
            return Formula(formula, value, self.style.formulas == "cached"), value
        if self.style.stage != "offer" or value is None:
            return None, None
        rounded = round(value, 2)
        return self.number(rounded, 2, currency=True), rounded

    # ---- header --------------------------------------------------------------------------------
    def header(self) -> int:
        s, labels = self.style, self.style.labels
        if not s.two_row_header:
            return self.sheet.add_row({self.col[r]: labels[r] for r in s.roles})
        top = self.sheet.next_row
        first: dict[int, Any] = {}
        second: dict[int, Any] = {}
        groups = {("unit", "quantity"): s.group_labels[0], ("quantity", "unit"): s.group_labels[0],
                  ("unit_price", "total"): s.group_labels[1]}
        done: set[str] = set()
        for i, role in enumerate(s.roles):
            if role in done:
                continue
            pair = (role, s.roles[i + 1]) if i + 1 < len(s.roles) else None
            if pair in groups:
                first[self.col[role]] = groups[pair]
                self.sheet.merges.append((top, self.col[role], top, self.col[pair[1]]))
                for r in pair:
                    second[self.col[r]] = labels[r]
                done.update(pair)
            else:
                first[self.col[role]] = labels[role]
                self.sheet.merges.append((top, self.col[role], top + 1, self.col[role]))
                done.add(role)
        self.sheet.add_row(first)
        self.sheet.add_row(second)
        return top + 1

    # ---- body ----------------------------------------------------------------------------------
    def section(self, code: str | None, title: str, level: int, parent: tuple[str | None, int | None],
                number_for_cell: Any = None) -> int:
        s = self.style
        written = title.upper() if (s.upper_titles and level == 1) or s.codes == "none" else title
        values: dict[int, Any] = {}
        if code and s.codes == "inline":
            inline = f"{code}. {written}" if "." not in code else f"{code} {written}"
            values[self.col["designation"]] = self.raw(inline)
        else:
            values[self.col["designation"]] = self.raw(written)
            if code and "code" in self.col:
                values[self.col["code"]] = number_for_cell if number_for_cell is not None else code
        row = self.sheet.add_row(values)
        self.truth.sections.append({"sheet": self.sheet.name, "row": row, "code": code,
                                    "title": clean(written), "level": level, "parent_code": parent[0],
                                    "parent_row": parent[1], "description": ""})
        return row

    def section_descriptions(self, lines: list[str]) -> None:
        for line in lines:
            self.sheet.add_row({self.col["designation"]: line})
        if lines:
            entry = self.truth.sections[-1]
            entry["description"] = "\n".join(clean(line) for line in lines)

    def article(self, article: Article, code: str | None, section: tuple[str | None, int | None],
                mode: str | None = None, base: bool = True) -> int:
        s = self.style
        values: dict[int, Any] = {}
        if code and s.codes == "inline":
            values[self.col["designation"]] = self.raw(f"{code} {article.designation}")
        else:
            values[self.col["designation"]] = self.raw(article.designation)
            if code and "code" in self.col:
                values[self.col["code"]] = code
        values[self.col["unit"]] = article.unit_raw
        row = self.sheet.next_row + 1
        q, pu = article.quantity, article.unit_price
        if "quantity" in self.col:
            values[self.col["quantity"]] = self.number(q, 2)
        if pu is not None:
            if article.price_factors and s.formulas and s.numbers == "number":
                a, b = article.price_factors
                values[self.col["unit_price"]] = Formula(f"={a!r}*{b!r}", pu, s.formulas == "cached")
            else:
                values[self.col["unit_price"]] = self.number(pu, 2, currency=True)
        if "words" in self.col and pu is not None:
            values[self.col["words"]] = price_in_words(pu)
        total: float | None = None
        if s.has_totals:
            if article.included_text:
                values[self.col["total"]] = self.rng.choice(["Compris", "compris", "Inclus"])
            elif article.kind == "article" and s.formulas:
                qa, pa = self.cell_ref("quantity", row), self.cell_ref("unit_price", row)
                if s.total_formula == "if":
                    total = None if q is None or pu is None else q * pu
                    text = f'=IF(OR({qa}="",{pa}=""),"",{qa}*{pa})'
                else:
                    total = (q or 0.0) * (pu or 0.0)
                    text = f"={qa}*{pa}"
                result = "" if total is None else total
                values[self.col["total"]] = Formula(text, result, s.formulas == "cached")
            elif article.kind == "article" and article.total is not None:
                total = article.total
                values[self.col["total"]] = self.number(total, 2, currency=True)
        self.sheet.add_row(values)
        for line in article.descriptions:
            self.sheet.add_row({self.col["designation"]: line})
        designation = "\n".join([clean(article.designation)] + [clean(d) for d in article.descriptions])
        # without a total column there is nowhere to write "compris"
        kind = "article" if article.included_text and not s.has_totals else article.kind
        self.truth.items.append({
            "sheet": self.sheet.name, "row": row, "code": code, "designation": designation,
            "unit": article.unit, "unit_raw": clean(article.unit_raw),
            "quantity": q if "quantity" in self.col else None, "unit_price": pu,
            "total": total, "kind": mode or kind, "section_code": section[0], "section_row": section[1],
            "prices": {},
        })
        if base:
            self.item_totals.append((row, total))
        return row

    def chapter(self, chapter: Chapter, code: str | None, level: int, parent: tuple[str | None, int | None],
                moved: Chapter | None = None) -> None:
        s = self.style
        cell_number = float(code) if s.float_codes and code and level == 1 else None
        head = self.section(code if s.codes != "none" else None, chapter.title, level, parent, cell_number)
        me = (code if s.codes != "none" else None, head)
        self.section_descriptions(chapter.descriptions)
        number = 0
        article_codes = s.codes in ("column", "inline") or (s.codes == "mixed" and self.rng.random() < 0.5)
        articles = chapter.articles
        for i, article in enumerate(articles):
            number += 1
            article_code = f"{code}.{number}" if article_codes and code else None
            if s.disorder and article_code and i == 1:
                article_code = f"{code}.{number - 1}"  # duplicated in the source
            self.article(article, article_code, me)
        if s.disorder and article_codes and code and level == 2 and articles and not chapter.children:
            top = code.split(".")[0]
            stray = Article("Prestation complémentaire", "ens", "ens", "article",
                            articles[0].quantity, articles[0].unit_price)
            self.article(stray, f"{top}.{number + 7}.5", me)  # numbered under a chapter that does not exist
        for child in chapter.children:
            number += 1
            if child is moved:
                continue
            child_code = f"{code}.{number}" if code else None
            self.chapter(child, child_code, level + 1, me)

    def subtotal(self, code: str | None, title: str, heading_row: int, first_row: int) -> None:
        s = self.style
        last = self.sheet.next_row  # 1-based number of the previous row
        value = math.fsum(t or 0.0 for r, t in self.item_totals if first_row <= r <= last)
        written_title = title.upper() if s.codes == "none" or (s.upper_titles) else title
        if s.label_formula and s.formulas:
            ref = self.cell_ref("designation", heading_row)
            amp = s.label_formula == "amp"
            text = f'="Sous Total "&{ref}' if amp else f'=CONCATENATE("Sous Total ",{ref})'
            heading = self.sheet.cells.get((heading_row - 1, self.col["designation"]), written_title)
            label_value = "Sous Total " + heading
            label: Any = Formula(text, label_value, s.formulas == "cached")
        else:
            label_value = s.subtotal_label.format(title=written_title, TITLE=written_title.upper())
            label = label_value
        tot = self.cell_ref("total", 0)[:-1]
        area = f"{tot}{first_row}:{tot}{last}"
        fn = f"=SUBTOTAL(109,{area})" if s.subtotal_formula == "subtotal" else f"=SUM({area})"
        amount_cell, amount = self.amount_cell(fn, value)
        row = self.sheet.add_row({self.col["designation"]: label, self.col["total"]: amount_cell})
        self.subtotal_rows.append(row)
        self.chapter_rows.append((code, written_title, row, value))
        self.truth.totals.append({"sheet": self.sheet.name, "row": row, "label": clean(label_value),
                                  "kind": "subtotal", "amount": amount})

    def notice(self, text: str) -> None:
        """A notice to bidders across the table's width: a note of the document, never a chapter."""
        row = self.sheet.add_row({self.col["designation"]: text})
        self.sheet.merges.append((row - 1, self.col["designation"], row - 1, max(self.col.values())))
        self.sheet.notes.append(clean(text))

    def total_line(self, label: Any, label_value: str, kind: str, formula: str | None,
                   value: float | None, percent: float | None = None) -> int:
        """A total or adjustment line; ``percent`` is written in the unit and quantity columns as some
        offices do (``%`` | ``1,5``), which never makes it an article."""
        cell, amount = self.amount_cell(formula, value)
        values = {self.col["designation"]: label, self.col["total"]: cell}
        if percent is not None:
            values[self.col["unit"]] = "%"
            if "quantity" in self.col:
                values[self.col["quantity"]] = self.number(percent, 2)
        row = self.sheet.add_row(values)
        self.truth.totals.append({"sheet": self.sheet.name, "row": row, "label": clean(label_value),
                                  "kind": kind, "amount": amount})
        return row

    def base_totals(self, first_row: int) -> None:
        s = self.style
        tot = self.cell_ref("total", 0)[:-1]
        last = self.sheet.next_row
        value = math.fsum(t or 0.0 for _, t in self.item_totals)
        if s.formulas and s.subtotal_formula == "sum" and self.subtotal_rows:
            value = math.fsum(v for _, _, r, v in self.chapter_rows if r)  # what SUM of the subtotals gives
        if s.subtotal_formula == "subtotal":
            fn = f"=SUBTOTAL(9,${tot}${first_row}:${tot}${last})"
        elif self.subtotal_rows:
            fn = "=SUM(" + ",".join(f"{tot}{r}" for r in self.subtotal_rows) + ")"
        else:
            fn = f"=SUM({tot}{first_row}:{tot}{last})"
        label: Any = s.base_label
        if s.base_label_formula and s.formulas:
            label = Formula(s.base_label_formula, s.base_label_value, s.formulas == "cached")
        label_value = s.base_label_value or s.base_label
        self.ht_row = self.total_line(label, label_value, "total_ht", fn, value)
        self.ht_value = value
        if s.adjustments:
            self.adjustment_lines(value)
        elif s.prorata:
            label = "Compte prorata 1,5 %"
            self.total_line(label, label, "prorata", f"={tot}{self.ht_row}*0.015", value * 0.015)
        if s.tva:
            percent = 20.0 if s.adjustments and self.rng.random() < 0.5 else None
            tva_row = self.total_line("TVA 20 %", "TVA 20 %", "tva", f"={tot}{self.ht_row}*0.2", value * 0.2,
                                      percent)
            ttc = f"={tot}{self.ht_row}+{tot}{tva_row}"
            self.total_line("TOTAL TTC", "TOTAL TTC", "ttc", ttc, value + value * 0.2)

    def adjustment_lines(self, value: float) -> None:
        """Prorata, revision and discount lines after the base total, spelled as real tenders spell them,
        sometimes with ``%`` and the rate in the unit and quantity columns: totals, never articles."""
        tot = self.cell_ref("total", 0)[:-1]
        rng = self.rng
        label = rng.choice(["Compte prorata", "Prorata", "Pro Rata (1,5 %)", "Compte prorata 1,5 %",
                            "Participation au compte prorata"])
        percent = 1.5 if rng.random() < 0.6 else None
        self.total_line(label, label, "prorata", f"={tot}{self.ht_row}*0.015", value * 0.015, percent)
        if rng.random() < 0.5:
            label = rng.choice(["Montant compris prorata", "Montant y compris compte prorata"])
            self.total_line(label, label, "prorata", f"={tot}{self.ht_row}*1.015", value * 1.015)
        if rng.random() < 0.5:
            label = rng.choice(["Révision des prix", "Révision", "Actualisation des prix"])
            self.total_line(label, label, "adjustment", None, None, 2.0 if rng.random() < 0.5 else None)
        if rng.random() < 0.5:
            label = rng.choice(["Remise commerciale 2 %", "Remise", "Remise exceptionnelle"])
            self.total_line(label, label, "adjustment", f"=-{tot}{self.ht_row}*0.02", -value * 0.02,
                            -2.0 if rng.random() < 0.5 else None)

    def chapter_prorata(self, heading_row: int) -> None:
        """A prorata line closing a chapter, with its unit and rate: a chapter's total, not an article."""
        value = math.fsum(t or 0.0 for r, t in self.item_totals if r >= heading_row) * 0.015
        label = self.rng.choice(["Prorata", "Compte prorata", "Pro Rata (1,5 %)"])
        self.total_line(label, label, "prorata", None, value, 1.5)

    def options(self, options: list[Option], next_number: int) -> None:
        s = self.style
        for i, option in enumerate(options):
            self.sheet.skip()
            number = next_number + i
            code = str(number) if s.codes in ("column", "chapters", "inline") else None
            head = self.section(code, option.title, 1, (None, None))
            first = self.sheet.next_row + 1
            for j, article in enumerate(option.articles, 1):
                self.article(article, f"{code}.{j}" if code and s.codes in ("column", "inline") else None,
                             (code, head), mode=option.kind, base=False)
            last = self.sheet.next_row
            value = math.fsum(it["total"] or 0.0 for it in self.truth.items
                              if it["sheet"] == self.sheet.name and first <= it["row"] <= last)
            tot = self.cell_ref("total", 0)[:-1]
            label = option.total_label
            self.total_line(label, label, "subtotal", f"=SUM({tot}{first}:{tot}{last})", value)

    def recap(self) -> None:
        self.sheet.skip()
        title = self.rng.choice(["RECAPITULATIF", "RÉCAPITULATIF DES PRIX", "RECAPITULATION"])
        self.sheet.add_row({self.col["designation"]: title})
        tot = self.cell_ref("total", 0)[:-1]
        for code, title, sub_row, value in self.chapter_rows:
            cell, amount = self.amount_cell(f"={tot}{sub_row}" if sub_row else None, value)
            values = {self.col["designation"]: title, self.col["total"]: cell}
            if code and "code" in self.col:
                values[self.col["code"]] = code
            row = self.sheet.add_row(values)
            self.truth.totals.append({"sheet": self.sheet.name, "row": row, "label": clean(title),
                                      "kind": "recap", "amount": amount})
        ht = self.ht_value or 0.0
        ht_row = self.total_line("TOTAL HT", "TOTAL HT", "total_ht", f"={tot}{self.ht_row}", ht)
        tva_row = self.total_line("TVA 20 %", "TVA 20 %", "tva", f"={tot}{ht_row}*0.2", ht * 0.2)
        self.total_line("TOTAL TTC", "TOTAL TTC", "ttc", f"={tot}{ht_row}+{tot}{tva_row}", ht + ht * 0.2)

    # ---- the whole table -----------------------------------------------------------------------
    def write(self, chapters: list[Chapter], options: list[Option] = ()) -> int:
        """Header, chapters with subtotals, base totals, options, recap; returns the header row."""
        s = self.style
        box_top = self.sheet.next_row
        header_row = self.header()
        box = Box(box_top, box_top, {self.col[r]: _COLUMN_FORMATS.get(r, "text") for r in s.roles},
                  header_rows=set(range(box_top, self.sheet.next_row)))
        self.sheet.boxes.append(box)
        self.box = box
        first_body = self.sheet.next_row + 1
        if s.notices:
            self.notice(s.notices[0])
        moved = None
        if s.disorder and s.codes in ("column", "inline") and chapters and len(chapters[0].children) >= 2:
            moved = chapters[0].children[1]  # a sub-chapter written before its own chapter
            sub_code = f"{s.first_number}.{len(chapters[0].articles) + 2}"
            self.chapter(moved, sub_code, 2, (None, None))
            self.sheet.skip()
        for index, chapter in enumerate(chapters):
            number = s.first_number + index
            code = str(number) if s.codes != "none" else None
            if index == 1 and len(s.notices) > 1:
                self.notice(s.notices[1])
            heading_row = self.sheet.next_row + 1
            self.chapter(chapter, code, 1, (None, None), moved=moved if index == 0 else None)
            if s.adjustments and s.has_totals and self.rng.random() < 0.3:
                self.chapter_prorata(heading_row)
            if s.subtotals and s.has_totals:
                self.subtotal(code, chapter.title, heading_row, heading_row + 1)
            else:
                title = chapter.title.upper() if s.codes == "none" or s.upper_titles else chapter.title
                chapter_sum = math.fsum(t or 0.0 for r, t in self.item_totals if r >= heading_row)
                self.chapter_rows.append((code, title, None, chapter_sum))
            if self.rng.random() < 0.7:
                self.sheet.skip()
        if s.has_totals:
            self.base_totals(first_body)
            if options:
                self.options(list(options), s.first_number + len(chapters))
            if s.recap:
                self.recap()
        box.last_row = self.sheet.next_row - 1
        box.bold_rows = {t["row"] - 1 for t in self.truth.totals if t["sheet"] == self.sheet.name}
        mine = self.sheet.name
        box.heading_rows = {x["row"] - 1: x["level"] for x in self.truth.sections if x["sheet"] == mine}
        box.soft_rows = {i["row"] - 1 for i in self.truth.items
                         if i["sheet"] == self.sheet.name and i["kind"] in ("pm", "included")}
        return header_row
