"""A whole sample library laid out like a SharePoint document library, with its ground-truth manifest.

``Projets/<project>/<DCE | Pièces écrites | Offres/<Company> | Administratif | Chantier>/<file>``.
Every file is drawn from its own random stream (seed and position), so the same seed gives the same
bytes for the same seed and size, and the manifest lives beside the library, never inside it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from dpgf_assets.corpus.content import Lot
from dpgf_assets.corpus.documents import DPGF_LAYOUTS, FORMULA_LAYOUTS, Plan, compose
from dpgf_assets.corpus.others import (BAD_KINDS, DISTRACTOR_KINDS, damage, distractor_book, docx_bytes,
                                       encrypted_lookalike, pdf_bytes)
from dpgf_assets.corpus.spec import BookSpec
from dpgf_assets.corpus.trades import other_lots, pick_trade_lot
from dpgf_assets.corpus.vocabulary import CLIENTS, COMPANIES, PLACE_NAMES, PROJECT_KINDS
from dpgf_assets.corpus.writers import latin1_safe, write_book

PRICING_LAYOUTS = ([("DPGF", layout) for layout in DPGF_LAYOUTS] + [("BPU", "bpu")] * 3
                   + [("BPU", "multi_price")] * 2 + [("DQE", "dqe")] * 4)
FORMAT_CYCLE = ("xlsx", "xls", "xlsx", "ods", "xlsm", "csv-utf8", "xlsx", "xls.xlsx", "csv-latin1", "xlsx",
                "xls")
EXTENSIONS = {"xlsx": ".xlsx", "xlsm": ".xlsm", "xls": ".xls", "xls.xlsx": ".xls.xlsx", "ods": ".ods",
              "csv-utf8": ".csv", "csv-latin1": ".csv"}
TENDER_FOLDERS = ["DCE", "DCE", "Pièces écrites", "DCE/DPGF - DQE"]
SCHEDULES = ["Planning travaux", "Planning prévisionnel TCE", "Calendrier d'exécution"]
MULTI_SHEET_LAYOUTS = ("multi_sheet", "multi_lot", "real_like")


def manifest_path(dest: Path) -> Path:
    """Where the manifest of the library at ``dest`` lives: beside it, not in it."""
    dest = Path(dest)
    return dest.parent / (dest.name + ".manifest.json")


@dataclass
class Project:
    folder: str
    name: str
    client: str
    companies: list[str]


def _projects(rng: random.Random, count: int) -> list[Project]:
    projects = []
    for i in range(count):
        name = f"{rng.choice(PROJECT_KINDS)} {rng.choice(PLACE_NAMES)}"
        folder = f"{rng.choice([2022, 2023, 2024])}-{i + 1:03d} {name}"
        projects.append(Project(folder, name, rng.choice(CLIENTS), rng.sample(COMPANIES, rng.randint(2, 4))))
    return projects


def _compatible(layout: str, fmt: str) -> bool:
    if layout in FORMULA_LAYOUTS:
        return fmt in ("xlsx", "xlsm")
    if fmt.startswith("csv"):
        return layout not in MULTI_SHEET_LAYOUTS
    return True


def _pricing_name(rng: random.Random, doc_type: str, layout: str, lot: Lot,
                  company: str | None) -> tuple[str, str | None, str | None]:
    """File stem and the lot (code, name) it carries."""
    n, code, name = int(lot.code), lot.code, lot.name
    if layout == "multi_lot":
        return rng.choice(["DPGF TCE", "DPGF tous corps d'état", "Cadre de DPGF - tous lots"]), None, None
    if doc_type == "DQE" and rng.random() < 0.35:  # the title says DQE, the name does not
        stem, carried = rng.choice([(f"DPGF Lot {code} {name}", name),
                                    (f"Estimation Lot {code} {name}", name), (f"Lot {code} {name}", name)])
        return stem, code, carried
    options = {
        "DPGF": [(f"DPGF Lot {code} {name}", name),
                 (f"{rng.randint(20, 25)}S{rng.randint(100, 999)} - DPGF -Lot{n}", None),
                 (f"Lot {code} - {name} - DPGF", name), (f"D.P.G.F. lot {n} {name}", name),
                 (f"Décomposition du prix global et forfaitaire - Lot {code}", None)],
        "BPU": [(f"BPU Lot {code} {name}", name), (f"Bordereau des prix unitaires - Lot {code} {name}", name),
                (f"BPU lot {n}", None)],
        "DQE": [(f"DQE Lot {code} {name}", name), (f"Détail quantitatif estimatif - Lot {code}", None),
                (f"D.Q.E. lot {n} {name}", name)],
    }[doc_type]
    stem, carried = rng.choice(options)
    if company and rng.random() < 0.6:
        stem = f"{company} - {stem}"
    return stem, code, carried


def _pick(index: int, options: list):
    """Documents in turn rather than at random, so that a small library still holds every kind."""
    return options[index % len(options)]


def _unique(path: str, used: set[str]) -> str:
    candidate, i = path, 2
    pure = PurePosixPath(path)
    while candidate.lower() in used:
        suffixes = "".join(pure.suffixes[-2:]) if pure.name.endswith(".xls.xlsx") else pure.suffix
        candidate = str(pure.parent / f"{pure.name[: -len(suffixes)]} ({i}){suffixes}")
        i += 1
    used.add(candidate.lower())
    return candidate


def _sanitise(book: BookSpec) -> None:
    """Latin-1 exports cannot hold œ, € or ’: replace them in the cells and in the truth alike."""
    for sheet in book.sheets:
        for key, value in sheet.cells.items():
            if isinstance(value, str):
                sheet.cells[key] = latin1_safe(value)
    truth = book.truth
    for entries, fields in ((truth.items, ("designation", "unit_raw")),
                            (truth.sections, ("title", "description")), (truth.totals, ("label",))):
        for entry in entries:
            for name in fields:
                if isinstance(entry.get(name), str):
                    entry[name] = latin1_safe(entry[name])
            if entry.get("prices"):
                entry["prices"] = {latin1_safe(name): value for name, value in entry["prices"].items()}
    for sheet in book.sheets:
        sheet.notes = [latin1_safe(note) for note in sheet.notes]


def _entry(path: str, doc_type: str, fmt: str, layout: str, book: BookSpec | None,
           error: str | None) -> dict[str, Any]:
    good = book is not None and not error
    truth = book.truth if good else None
    return {
        "path": path, "doc_type": doc_type, "format": fmt, "layout": layout,
        "lot": {"code": book.lot_code if good else None, "name": book.lot_name if good else None,
                **({"written": book.lot_written} if good and book.lot_written else {})},
        "expect_error": error,
        "notes": book.notes if good else [],
        "sections": truth.sections if truth else [],
        "items": truth.items if truth else [],
        "totals": truth.totals if truth else [],
    }


class _Library:
    def __init__(self, dest: Path, seed: int) -> None:
        self.dest, self.seed = dest, seed
        self.used: set[str] = set()

    def rng(self, index: int) -> random.Random:
        return random.Random(f"dpgf-corpus:{self.seed}:{index}")

    def write(self, path: str, data: bytes) -> None:
        target = self.dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def pricing(self, index: int, project: Project, doc_type: str, layout: str, fmt: str, *,
                bad: str | None = None) -> dict:
        rng = self.rng(index)
        lot = pick_trade_lot(rng)
        offer = doc_type != "BPU" and rng.random() < 0.5 or (doc_type == "BPU" and rng.random() < 0.4)
        company = rng.choice(project.companies) if offer else None
        if fmt == "csv-latin1":
            lot = Lot(lot.code, latin1_safe(lot.name), lot.chapters)
        tender = {"DQE": "quantities", "BPU": "dce"}.get(doc_type) or rng.choice(["dce", "quantities"])
        stage = "offer" if offer else tender
        folder = f"Offres/{company}" if company else rng.choice(TENDER_FOLDERS)
        stem, file_code, file_name = _pricing_name(rng, doc_type, layout, lot, company)
        extension = EXTENSIONS["xlsx" if bad else fmt]
        path = _unique(f"Projets/{project.folder}/{folder}/{stem}{extension}", self.used)
        sheet_name = PurePosixPath(path).stem if fmt.startswith("csv") else rng.choice(
            [f"LOT {lot.code}", doc_type, f"{doc_type} LOT {lot.code}", "Feuil1", f"Lot {int(lot.code)}"])
        extra = []
        if layout == "multi_lot":
            extra = other_lots(rng, lot, rng.randint(1, 2))
        plan = Plan(doc_type, layout, fmt, stage, lot, project.client, project.name, company, sheet_name,
                    file_name, file_code, extra)
        book = compose(rng, plan)
        if fmt == "csv-latin1":
            _sanitise(book)
        if bad:
            data = damage(rng, bad, write_book(book, "xlsx"))
            self.write(path, data)
            return _entry(path, doc_type, "xlsx", "bad", None, bad)
        self.write(path, write_book(book, fmt))
        return _entry(path, doc_type, fmt, layout, book, None)

    def broken(self, index: int, project: Project, kind: str) -> dict:
        rng = self.rng(index)
        if kind in ("corrupt", "truncated"):
            return self.pricing(index, project, rng.choice(["DPGF", "BPU"]), "standard", "xlsx", bad=kind)
        lot = pick_trade_lot(rng)
        doc_type = rng.choice(["DPGF", "BPU"])
        path = _unique(f"Projets/{project.folder}/DCE/{doc_type} Lot {lot.code} {lot.name}.xlsx", self.used)
        if kind == "empty":
            data = b""
        elif kind == "encrypted":
            data = encrypted_lookalike(rng)
        else:  # no_table: a cover page and nothing else
            book = BookSpec()
            sheet = book.sheet("Page de garde")
            for line in (project.client, project.name, f"{doc_type} - Lot {lot.code} {lot.name}",
                         "Document en cours de rédaction", "Indice A"):
                sheet.add_row({1: line})
                sheet.skip()
            data = write_book(book, "xlsx")
        self.write(path, data)
        return _entry(path, doc_type, "xlsx", "bad", None, kind)

    def distractor(self, index: int, project: Project, kind: str, spreadsheet: bool) -> dict:
        rng = self.rng(index)
        lot = pick_trade_lot(rng)
        company = rng.choice(project.companies)
        base = f"Projets/{project.folder}"
        if not spreadsheet:
            name, folder, fmt = _pick(DISTRACTOR_KINDS.index(kind), [
                (f"CCTP Lot {lot.code} {lot.name}.docx", "Pièces écrites", "docx"),
                (f"Mémoire technique - {company}.docx", f"Offres/{company}", "docx"),
                (f"Compte rendu de chantier n°{rng.randint(1, 40)}.docx", "Chantier", "docx"),
                ("Règlement de consultation.pdf", "DCE", "pdf"),
                (f"Acte d'engagement Lot {lot.code}.pdf", "DCE", "pdf"),
                ("Plan RDC.pdf", "DCE/Plans", "pdf")])
            path = _unique(f"{base}/{folder}/{name}", self.used)
            title = PurePosixPath(name).stem
            paragraphs = [f"{project.client} - {project.name}", "Article 1 - Objet"]
            data = docx_bytes(title, paragraphs) if fmt == "docx" else pdf_bytes(title)
            self.write(path, data)
            return _entry(path, "OTHER", fmt, "document", None, None)
        fmt = rng.choice(["xlsx", "xlsx", "xls", "ods", "csv-utf8"])
        name, folder = {
            "cctp": (f"CCTP Lot {lot.code} - tableau des équipements", "Pièces écrites"),
            "planning": (rng.choice(SCHEDULES), "Chantier"),
            "invoice": (f"Facture F2024-{rng.randint(10, 999):03d} {company}", "Administratif"),
            "contacts": (rng.choice(["Liste des contacts", "Annuaire des intervenants"]), "Administratif"),
            "catalogue": (f"Catalogue {company} 2024", f"Offres/{company}"),
        }[kind]
        path = _unique(f"{base}/{folder}/{name}{EXTENSIONS[fmt]}", self.used)
        sheet = PurePosixPath(path).stem if fmt.startswith("csv") else \
            rng.choice(["Feuil1", "Sheet1", kind.capitalize()])
        book = distractor_book(rng, kind, sheet, f"Lot {lot.code} {lot.name}", company)
        self.write(path, write_book(book, fmt))
        return _entry(path, "OTHER", fmt, kind, None, None)


def _jobs(files: int, rng: random.Random) -> list[tuple[str, Any]]:
    """What each file will be, in order: pricing layouts in turn, distractors and broken files mixed in."""
    n_bad = max(min(len(BAD_KINDS), files // 10), round(files * 0.06)) if files >= 10 else 0
    n_other = round(files * 0.18)
    n_pricing = max(files - n_bad - n_other, 0)
    layouts = list(PRICING_LAYOUTS)
    rng.shuffle(layouts)
    jobs: list[tuple[str, Any]] = []
    formats = list(FORMAT_CYCLE)
    fmt_index = rng.randrange(len(formats))
    for i in range(n_pricing):
        doc_type, layout = layouts[i % len(layouts)]
        for step in range(len(formats)):
            fmt = formats[(fmt_index + step) % len(formats)]
            if _compatible(layout, fmt):
                break
        fmt_index += 1
        jobs.append(("pricing", (doc_type, layout, fmt)))
    for i in range(n_other):
        kind = DISTRACTOR_KINDS[i % len(DISTRACTOR_KINDS)]
        jobs.append(("other", (kind, i % 3 != 2)))
    for i in range(n_bad):
        jobs.append(("bad", BAD_KINDS[i % len(BAD_KINDS)]))
    rng.shuffle(jobs)
    return jobs


def generate_library(dest: Path, *, files: int, seed: int = 0) -> dict:
    """Write about ``files`` files under ``dest`` and their manifest beside it; return the manifest."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    plan_rng = random.Random(f"dpgf-corpus:{seed}:plan")
    projects = _projects(plan_rng, max(2, files // 15))
    library = _Library(dest, seed)
    entries = []
    for index, (kind, job) in enumerate(_jobs(files, plan_rng)):
        project = projects[index % len(projects)]
        if kind == "pricing":
            entries.append(library.pricing(index, project, *job))
        elif kind == "other":
            entries.append(library.distractor(index, project, *job))
        else:
            entries.append(library.broken(index, project, job))
    manifest = {"seed": seed, "files": entries}
    manifest_path(dest).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, allow_nan=False), encoding="utf-8")
    return manifest
