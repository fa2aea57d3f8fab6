"""Small workbooks for parser tests, written in any format from rows of cells (1-based Excel rows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pytest

from dpgf_assets.corpus.spec import BookSpec, Formula
from dpgf_assets.corpus.writers import write_book

REAL_WORKBOOK = Path(__file__).resolve().parents[3] / "shared" / "samples" / "real" / "dpgf_25S012_lot04_cvc_elec.xlsx"
EXTENSIONS = {"xlsx": ".xlsx", "xlsm": ".xlsm", "xls": ".xls", "xls.xlsx": ".xls.xlsx", "ods": ".ods",
              "csv-utf8": ".csv", "csv-latin1": ".csv"}

HEADER = ["N°", "Désignation", "Unité", "Qté", "PU HT", "Montant HT"]
TITLE = [["Ville de Montreuil"], ["Groupe scolaire Jean Moulin"], ["Lot 4 - CVC - Electricité"], ["PRO-DCE : DPGF"], []]
BODY = [
    ["1", "TRAVAUX PREPARATOIRES"],
    ["1.1", "Installation de chantier", "ens", 1.0, 2500.0, 2500.0],
    ["1.2", "Coupure de service", "cmp"],
    ["", "Sous-total TRAVAUX PREPARATOIRES", "", "", "", 2500.0],
    ["2", "VENTILATION"],
    ["2.1", "Caisson d'extraction", "u", 2.0, 1200.0, 2400.0],
    ["", "Marque : ALDES ou équivalent"],
    ["2.2", "Réseau de gaines", "ml", 35.5, 40.0, 1420.0],
    ["", "Sous-total VENTILATION", "", "", "", 3820.0],
    ["", "TOTAL HT", "", "", "", 6320.0],
    ["", "TVA 20 %", "", "", "", 1264.0],
    ["", "TOTAL TTC", "", "", "", 7584.0],
]


def real_workbook() -> Path:
    """The real DPGF of ../shared, or a skip saying why the test cannot run without it."""
    if not REAL_WORKBOOK.is_file():
        pytest.skip(f"the shared samples folder is absent ({REAL_WORKBOOK.parent}): the real workbook test needs it")
    return REAL_WORKBOOK


def book(sheets: dict[str, Sequence[Sequence[Any]]], hidden: Sequence[str] = (),
         merges: dict[str, list[tuple[int, int, int, int]]] | None = None) -> BookSpec:
    """A workbook spec from rows of cell values (``None``/"" for empty, ``Formula`` for formulas)."""
    spec = BookSpec()
    for name, rows in sheets.items():
        sheet = spec.sheet(name, hidden=name in hidden)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.put(r, c, value)
        sheet.merges = list((merges or {}).get(name, []))
    return spec


def write(tmp_path: Path, name: str, sheets: dict[str, Sequence[Sequence[Any]]], fmt: str = "xlsx", **options: Any) -> Path:
    """Write ``sheets`` as ``name`` + the format's extension under ``tmp_path``."""
    path = tmp_path / (name + EXTENSIONS[fmt])
    path.write_bytes(write_book(book(sheets, **options), fmt))
    return path


def dpgf_rows() -> list[list[Any]]:
    return [*TITLE, HEADER, *BODY]


__all__ = ["BODY", "Formula", "HEADER", "TITLE", "book", "dpgf_rows", "real_workbook", "write"]
