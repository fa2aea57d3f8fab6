"""Fixtures for the SharePoint source: a started Graph emulator and sources pointed at it."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from dpgf_assets.emulator import GraphEmulator
from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource


@pytest.fixture
def graph() -> Iterator[GraphEmulator]:
    """An empty emulated library on 127.0.0.1, stopped after the test."""
    with GraphEmulator() as emulator:
        yield emulator


@pytest.fixture
def make_source(graph: GraphEmulator) -> Iterator[Callable[..., SharePointSource]]:
    """Build SharePoint sources (real GraphClient) against the emulator; fast backoff, closed afterwards."""
    made: list[SharePointSource] = []

    def build(folder: str = "", **overrides: object) -> SharePointSource:
        settings = {"timeout_seconds": 5.0, "retry_count": 3, "backoff_seconds": 0.01,
                    "max_backoff_seconds": 0.05}
        settings.update(overrides)
        config = SharePointConfig.from_env(graph.env(folder), **settings)
        source = SharePointSource(config)
        made.append(source)
        return source

    yield build
    for source in made:
        source.close()


def write_workbook(path: Path, *, sheets: int = 3, rows: int = 4000) -> Path:
    """A realistic DPGF-like xlsx: a cover sheet, a hidden sheet, then priced lots of many rows."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    cover = book.add_worksheet("Page de garde")
    cover.write(0, 0, "Construction d'un groupe scolaire")
    cover.write(2, 0, "DPGF - Lot 02 Gros œuvre")
    hidden = book.add_worksheet("Paramètres")
    hidden.write(0, 0, "texte caché")
    hidden.hide()
    for s in range(sheets):
        sheet = book.add_worksheet(f"Lot {s + 1}")
        sheet.write_row(0, 0, ["N°", "Désignation", "Unité", "Quantité", "Prix unitaire HT", "Montant HT"])
        for r in range(1, rows):
            sheet.write_row(r, 0, [f"{s + 1}.{r}", f"Béton armé C25/30 pour voile n°{r} & <chaînage>", "m3",
                                   r * 0.5, 100 + r % 50, f"=D{r + 1}*E{r + 1}"])
    book.close()
    return path


@pytest.fixture(scope="session")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("workbooks") / "DPGF Lot 02.xlsx")
