"""Recognition: DPGF / BPU / DQE / OTHER from the path alone, or with a peek inside the workbook."""

import pytest

from dpgf_assets.corpus.spec import BookSpec
from dpgf_assets.corpus.writers import write_book
from dpgf_assets.parsing import ParseError
from dpgf_assets.parsing.peek import WorkbookPeek, peek_file
from dpgf_assets.parsing.recognition import DOC_TYPES, Recognition, recognise

PRICE_HEADER = ["N°", "Désignation", "Unité", "Qté", "PU HT", "Montant HT"]


@pytest.mark.parametrize("path, doc_type", [
    ("Projets/2024-017 Groupe scolaire/DCE/DPGF Lot 04 CVC.xlsx", "DPGF"),
    ("Projets/X/DCE/25S012 - DPGF -Lot4.xlsx", "DPGF"),
    ("Projets/X/Offres/Dupont/D.P.G.F. lot 3 Menuiseries.xls.xlsx", "DPGF"),
    ("Projets/X/DCE/Décomposition du prix global et forfaitaire - Lot 02.ods", "DPGF"),
    ("Projets/X/DCE/BPU Lot 01 VRD.xlsx", "BPU"),
    ("Projets/X/DCE/Bordereau des prix unitaires - lot 6.csv", "BPU"),
    ("Projets/X/DCE/DQE Lot 01 VRD.xlsm", "DQE"),
    ("Projets/X/DCE/Détail quantitatif estimatif - Lot 1.xls", "DQE"),
])
def test_pricing_files_by_name(path, doc_type):
    result = recognise(path)
    assert result.doc_type == doc_type and 0.5 <= result.confidence <= 1
    assert any(r.startswith("name: ") for r in result.reasons)


@pytest.mark.parametrize("path", [
    "Projets/X/Pièces écrites/CCTP Lot 04 - tableau des équipements.xlsx", "Projets/X/Chantier/Planning travaux.xlsx",
    "Projets/X/Chantier/Calendrier d'exécution.ods", "Projets/X/Administratif/Facture F2024-118 Dupont.xlsx",
    "Projets/X/Administratif/Liste des contacts.csv", "Projets/X/Offres/Dupont/Catalogue Dupont 2024.xlsx",
    "Projets/X/Administratif/Annuaire des intervenants.xls",
])
def test_non_pricing_spreadsheets_by_name(path):
    result = recognise(path)
    assert result.doc_type == "OTHER" and result.confidence >= 0.6
    assert any("not a pricing document" in r for r in result.reasons)


@pytest.mark.parametrize("path", ["Projets/X/DCE/CCTP Lot 04 CVC.docx", "Projets/X/DCE/DPGF Lot 04.pdf", "notes"])
def test_non_spreadsheets_are_other_almost_surely(path):
    result = recognise(path)
    assert result.doc_type == "OTHER" and result.confidence >= 0.95
    assert result.reasons[0].startswith("extension: ")


def test_a_name_that_says_nothing_is_not_trusted_without_a_peek():
    result = recognise("Projets/X/DCE/Lot 03 Plomberie.xlsx")
    assert result.doc_type == "DPGF" and result.confidence < 0.5
    assert recognise("Projets/X/Budget 2023.xlsx").doc_type == "OTHER"


def test_folders_count():
    named = recognise("Projets/X/DPGF - DQE/Lot 3 Plomberie.xlsx")
    assert any(r.startswith("folder: 'DPGF - DQE'") for r in named.reasons)
    assert named.confidence > recognise("Projets/X/Divers/Lot 3 Plomberie.xlsx").confidence


def test_a_dqe_title_wins_over_the_file_name():
    peek = WorkbookPeek(["DPGF"], ["Commune de Montreuil", "DEVIS QUANTITATIF ESTIMATIF", "Lot 2 - Gros œuvre", *PRICE_HEADER])
    result = recognise("Projets/X/DCE/DPGF Lot 02 Gros œuvre.xlsx", peek)
    assert result.doc_type == "DQE" and result.confidence >= 0.5
    assert "title: 'DEVIS QUANTITATIF ESTIMATIF'" in result.reasons


def test_titles_make_the_type_whatever_the_name():
    bpu = recognise("Projets/X/DCE/Lot 6.xlsx", WorkbookPeek(["Feuil1"], ["BORDEREAU DES PRIX UNITAIRES", "N° prix",
                                                                          "Désignation", "Unité", "Prix unitaire HT en chiffres",
                                                                          "Prix unitaire HT en lettres"]))
    assert bpu.doc_type == "BPU" and bpu.confidence > 0.8
    dpgf = recognise("Projets/X/DCE/Lot 6.xlsx", WorkbookPeek(["Feuil1"], ["DÉCOMPOSITION DU PRIX GLOBAL ET FORFAITAIRE",
                                                                           *PRICE_HEADER]))
    assert dpgf.doc_type == "DPGF" and dpgf.confidence > 0.8


@pytest.mark.parametrize("title", ["FACTURE N° F2024-118", "CAHIER DES CLAUSES TECHNIQUES PARTICULIERES",
                                   "PLANNING PREVISIONNEL DES TRAVAUX", "CATALOGUE DUPONT 2024 - TARIF PUBLIC HT",
                                   "LISTE DES INTERVENANTS"])
def test_non_pricing_titles_beat_a_price_table_header(title):
    peek = WorkbookPeek(["Feuil1"], [title, "Désignation", "Qté", "PU HT", "Montant HT", "TOTAL HT"])
    assert recognise("Projets/X/Offres/Dupont/Lot 2.xlsx", peek).doc_type == "OTHER"


def test_an_article_named_like_a_schedule_does_not_make_a_dpgf_other():
    peek = WorkbookPeek(["LOT 01"], ["DPGF", "Lot 1 - VRD", *PRICE_HEADER, "Planning d'exécution des travaux", "ens"])
    assert recognise("Projets/X/DCE/DPGF Lot 01 VRD.xlsx", peek).doc_type == "DPGF"


def test_results_are_well_formed():
    for path in ("a/DPGF.xlsx", "a/b.xlsx", "a/Planning.xlsx", "a/b.pdf"):
        result = recognise(path)
        assert isinstance(result, Recognition) and result.doc_type in DOC_TYPES and 0 <= result.confidence <= 1
        assert result.reasons and all(isinstance(r, str) and r for r in result.reasons)


@pytest.mark.parametrize("fmt, suffix", [("xlsx", ".xlsx"), ("xls", ".xls"), ("ods", ".ods"), ("csv-utf8", ".csv")])
def test_peek_file_reads_sheet_names_and_first_rows(tmp_path, fmt, suffix):
    book = BookSpec()
    cover = book.sheet("Page de garde")
    cover.put(0, 0, "DEVIS QUANTITATIF ESTIMATIF")
    sheet = book.sheet("DQE")
    for col, label in enumerate(PRICE_HEADER):
        sheet.put(2, col, label)
    sheet.put(60, 1, "far below the first rows")
    hidden = book.sheet("Listes", hidden=True)
    hidden.put(0, 0, "hidden helper")
    if fmt.startswith("csv"):
        book.sheets = [sheet]
    path = tmp_path / ("lot 1" + suffix)
    path.write_bytes(write_book(book, fmt))
    peek = peek_file(path)
    assert peek.bytes_read == path.stat().st_size
    assert "Désignation" in peek.texts and "far below the first rows" not in peek.texts
    assert "hidden helper" not in peek.texts and "Listes" not in peek.sheet_names
    if not fmt.startswith("csv"):
        assert peek.sheet_names == ["Page de garde", "DQE"]
        assert recognise(f"Projets/X/DCE/{path.name}", peek).doc_type == "DQE"


@pytest.mark.parametrize("fmt, suffix", [("xlsx", ".xlsx"), ("ods", ".ods")])
def test_article_designations_are_not_titles_in_the_peek_nor_in_the_parse(tmp_path, fmt, suffix):
    from dpgf_assets.parsing import parse_workbook

    book = BookSpec()
    sheet = book.sheet("LOT 01")
    sheet.put(0, 0, "LOT 01 - INSTALLATION DE CHANTIER")
    for col, label in enumerate(PRICE_HEADER):
        sheet.put(3, col, label)
    articles = ["Planning des travaux", "Catalogue des matériaux", "Facture d'eau de chantier"]
    for offset, designation in enumerate(articles):
        for col, value in enumerate([f"1.{offset + 1}", designation, "Ft", 1.0, 100.0, 100.0]):
            sheet.put(4 + offset, col, value)
    path = tmp_path / ("Lot 01 - prix" + suffix)
    path.write_bytes(write_book(book, fmt))
    peek = peek_file(path)
    assert "Désignation" in peek.texts and "LOT 01 - INSTALLATION DE CHANTIER" in peek.texts
    assert not set(articles) & set(peek.texts)
    library_path = f"Projets/X/DCE/{path.name}"
    by_peek = recognise(library_path, peek)
    assert by_peek.doc_type == "DPGF", by_peek.reasons
    assert not any("not a pricing document" in r for r in by_peek.reasons), by_peek.reasons
    doc = parse_workbook(path, source_path=library_path)
    assert (doc.doc_type, doc.confidence, doc.reasons) == (by_peek.doc_type, by_peek.confidence, by_peek.reasons)
    assert [i.designation for i in doc.items] == articles


def test_peek_file_refuses_a_broken_file(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(ParseError):
        peek_file(path)


@pytest.mark.parametrize("name", [
    "CCTP lot 2", "C.C.T.P", "CCAP", "Cahier des clauses", "Planning", "Calendrier", "Gantt", "Facture 12", "Factures",
    "Avoir n°3", "Contact", "Contacts", "Annuaire", "Liste des entreprises", "Liste des intervenants",
    "Liste des contacts", "Catalogue", "Catalogues", "Tarif", "Tarifs 2024", "Compte rendu", "Compte-rendu",
    "Procès verbal", "Procès-verbal", "Rapport", "Notice", "Acte d'engagement", "Règlement de consultation",
    "Règlement de la consultation", "Mémoire technique"])
def test_every_non_pricing_name_is_other(name):
    from dpgf_assets.parsing import recognition

    folded = recognition._fold(name)
    assert recognition._OTHER_NAME.search(folded), name
    assert recognise(f"Projets/X/Divers/{name}.xlsx").doc_type == "OTHER"
