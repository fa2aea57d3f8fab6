"""Layouts of real tenders the parser once refused or misread (issue 15), on hand-built workbooks:
multi-price unit-price schedules, prorata and adjustment lines, lettered lot codes and placeholders,
notices to bidders."""

import pytest

from dpgf_assets.parsing import ParseError, parse_workbook

from .books import HEADER, write

FORMATS = ["xlsx", "xls", "ods", "csv-utf8"]
TITLE = [["Syndicat intercommunal des eaux"], ["Marché de maintenance des installations"], ["LOT 3 - Plomberie"],
         ["BORDEREAU DES PRIX UNITAIRES"], []]


# ---- 1. unit-price schedules with several price columns, no quantity nor total ---------------------

def schedule_one_header_row():
    header = ["N° de prix", "Désignation", "Unité", "P.U. fourniture", "Temps unitaire (h)", "Taux horaire jour",
              "Taux horaire nuit"]
    return [*TITLE, header,
            ["1", "ROBINETTERIE"],
            ["1.1", "Robinet d'arrêt DN15", "u", 12.5, 0.5, 45.0, 61.0],
            ["1.2", "Mitigeur lavabo", "u", 85.0, 0.75, 45.0, 61.0],
            ["2", "DÉPANNAGE"],
            ["2.1", "Déplacement d'un technicien", "u", "", 1.0, 45.0, 61.0]]


def schedule_two_header_rows():
    return [*TITLE,
            ["N° de prix", "Désignation", "Unité", "Fourniture", "Main d'œuvre", "", "", ""],
            ["", "", "", "P.U en euros", "Temps unitaire (h)", "Jour", "Nuit", "Week-end"],
            ["A", "ROBINETTERIE"],
            ["A.1", "Robinet d'arrêt DN15", "u", 12.5, 0.5, 45.0, 61.0, 70.0],
            ["A.2", "Mitigeur lavabo", "u", 85.0, 0.75, 45.0, 61.0, 70.0],
            ["B", "DÉPANNAGE"],
            ["B.1", "Déplacement d'un technicien", "u", "", 1.0, 45.0, 61.0, 70.0]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_schedule_with_supply_price_labour_time_and_rates_is_read_as_a_bpu(tmp_path, fmt):
    doc = parse_workbook(write(tmp_path, "BPU maintenance lot 3", {"BPU": schedule_one_header_row()}, fmt))
    assert doc.doc_type == "BPU" and doc.lot_code == "03"
    assert [(i.code, i.unit, i.unit_price, i.quantity, i.total) for i in doc.items] == [
        ("1.1", "u", 12.5, None, None), ("1.2", "u", 85.0, None, None), ("2.1", "u", None, None, None)]
    assert doc.items[1].prices == {"P.U. fourniture": 85.0, "Temps unitaire (h)": 0.75, "Taux horaire jour": 45.0,
                                   "Taux horaire nuit": 61.0}
    assert doc.items[2].prices == {"Temps unitaire (h)": 1.0, "Taux horaire jour": 45.0, "Taux horaire nuit": 61.0}
    assert [(s.code, s.title) for s in doc.sections] == [("1", "ROBINETTERIE"), ("2", "DÉPANNAGE")]
    assert [i.section_code for i in doc.items] == ["1", "1", "2"]


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_group_labels_over_two_header_rows_name_the_components(tmp_path, fmt):
    doc = parse_workbook(write(tmp_path, "Bordereau", {"BPU": schedule_two_header_rows()}, fmt))
    assert doc.tables[0].header_row == 6
    assert list(doc.items[0].prices) == ["Fourniture P.U en euros", "Main d'œuvre Temps unitaire (h)",
                                         "Main d'œuvre Jour", "Main d'œuvre Nuit", "Main d'œuvre Week-end"]
    assert [i.unit_price for i in doc.items] == [12.5, 85.0, None]
    assert not any(s.title in ("P.U en euros", "Jour") for s in doc.sections), "the sub-labels are no chapter"
    assert doc.to_json()["items"][0]["prices"]["Main d'œuvre Week-end"] == 70.0


def test_when_every_price_is_a_time_or_a_rate_no_unit_price_is_stated(tmp_path):
    rows = [["N°", "Désignation", "Unité", "Temps (h)", "Taux horaire jour", "Taux horaire férié"],
            ["1", "Intervention d'urgence", "h", 1.0, 52.0, 95.0]]
    item = parse_workbook(write(tmp_path, "BPU", {"BPU": rows})).items[0]
    assert item.unit_price is None and item.prices == {"Temps (h)": 1.0, "Taux horaire jour": 52.0,
                                                       "Taux horaire férié": 95.0}


def test_a_price_per_option_is_a_component_and_the_first_price_the_unit_price(tmp_path):
    rows = [["N° prix", "Désignation", "U", "Prix unitaire HT", "Prix option 1", "Prix option 2"],
            ["1", "Luminaire LED 600x600", "u", 110.0, 135.0, 150.0]]
    item = parse_workbook(write(tmp_path, "BPU", {"BPU": rows})).items[0]
    assert item.unit_price == 110.0
    assert item.prices == {"Prix unitaire HT": 110.0, "Prix option 1": 135.0, "Prix option 2": 150.0}


def test_an_ordinary_table_has_no_components(tmp_path):
    rows = [HEADER, ["1.1", "Caisson", "u", 2.0, 1200.0, 2400.0]]
    item = parse_workbook(write(tmp_path, "DPGF", {"S": rows})).items[0]
    assert item.unit_price == 1200.0 and item.prices == {}


@pytest.mark.parametrize("body", [[], [["", "Néant"]], [["1", "ROBINETTERIE"], ["", "Sous-total", "", "", 0.0]]])
def test_a_price_header_without_any_article_is_reported_with_its_sheet_and_row(tmp_path, body):
    rows = [*TITLE, ["N° de prix", "Désignation", "Unité", "P.U. fourniture", "Temps unitaire (h)"], *body]
    with pytest.raises(ParseError) as caught:
        parse_workbook(write(tmp_path, "BPU", {"Bordereau": rows}))
    assert "no article found: sheet 'Bordereau' has a price table header at row 6" in caught.value.reason


def test_an_empty_table_beside_a_full_one_is_a_warning(tmp_path):
    empty = [["N°", "Désignation", "Unité", "Qté", "PU HT", "Montant HT"]]
    doc = parse_workbook(write(tmp_path, "DPGF", {"Lot 4": [HEADER, ["1.1", "Caisson", "u", 2.0, 10.0, 20.0]],
                                                   "Lot 4 bis": [[], *empty]}))
    assert len(doc.items) == 1
    assert "sheet 'Lot 4 bis' has a price table header at row 2 but no article below it" in doc.warnings


# ---- 2. prorata and adjustment lines ---------------------------------------------------------------

ADJUSTMENT_LINES = [
    (["", "Compte prorata", "%", 1.5, "", 99.0], "prorata"),
    (["", "Prorata", "ens", 1.0, 99.0, 99.0], "prorata"),
    (["", "Pro Rata (1,5 %)", "", "", "", 99.0], "prorata"),
    (["9", "Compte prorata", "Ft", 1.0, 99.0, 99.0], "prorata"),
    (["", "Montant compris prorata", "", "", "", 6699.0], "prorata"),
    (["", "Révision", "%", 2.0, "", 99.0], "adjustment"),
    (["", "Révision des prix", "", "", "", 99.0], "adjustment"),
    (["", "Remise", "%", -3.0, "", -99.0], "adjustment"),
    (["", "Remise commerciale 3 %", "", "", "", -99.0], "adjustment"),
    (["", "TVA 20 %", "%", 20.0, "", 99.0], "tva"),
]


@pytest.mark.parametrize("line,kind", ADJUSTMENT_LINES, ids=[line[1] for line, _ in ADJUSTMENT_LINES])
def test_prorata_and_adjustments_are_totals_whatever_their_columns_say(tmp_path, line, kind):
    rows = [HEADER, ["1", "VENTILATION"], ["1.1", "Caisson", "u", 2.0, 3300.0, 6600.0],
            ["", "TOTAL HT", "", "", "", 6600.0], line, ["", "TOTAL TTC", "", "", "", 7920.0]]
    doc = parse_workbook(write(tmp_path, "DPGF", {"S": rows}))
    assert [i.designation for i in doc.items] == ["Caisson"]
    assert [(t.label, t.kind, t.amount) for t in doc.totals][1] == (line[1], kind, line[5])


def test_prorata_at_the_end_of_a_chapter_is_not_an_article_of_it(tmp_path):
    rows = [HEADER, ["1", "VENTILATION"], ["1.1", "Caisson", "u", 2.0, 100.0, 200.0],
            ["1.2", "Prorata", "%", 1.5, "", 3.0], ["", "Sous-total VENTILATION", "", "", "", 203.0],
            ["2", "PLOMBERIE"], ["2.1", "Remise en état des sols", "m2", 10.0, 12.0, 120.0],
            ["2.2", "Révision de la chaudière", "u", 1.0, 300.0, 300.0]]
    doc = parse_workbook(write(tmp_path, "DPGF", {"S": rows}))
    assert [i.code for i in doc.items] == ["1.1", "2.1", "2.2"], "'Remise en état' and 'Révision de' are work"
    assert [t.kind for t in doc.totals] == ["prorata", "subtotal"]


# ---- 3. lot codes with letters or sub-numbers, and placeholders -----------------------------------

@pytest.mark.parametrize("line,code,written,name", [
    ("LOT A01 - Gros œuvre", "A01", "A01", "Gros œuvre"),
    ("Lot 3B : Menuiseries intérieures", "03B", "3B", "Menuiseries intérieures"),
    ("Lot 02a - Peinture", "02A", "02a", "Peinture"),
    ("LOT N°7.2 - Plomberie sanitaire", "07.2", "7.2", "Plomberie sanitaire"),
    ("Lot 12-1 Courants faibles", "12.1", "12-1", "Courants faibles"),
    ("Lot 4 - CVC", "04", "4", "CVC"),
])
def test_lettered_and_sub_numbered_lot_codes_are_kept_as_written_and_normalised(tmp_path, line, code, written, name):
    doc = parse_workbook(write(tmp_path, "DPGF", {"DPGF": [[line], [], HEADER, ["1.1", "Caisson", "u", 1.0, 2.0, 2.0]]}))
    assert (doc.lot_code, doc.lot_written, doc.lot_name) == (code, written, name)
    assert doc.to_json()["lot"] == {"code": code, "name": name, "written": written}


@pytest.mark.parametrize("placeholder", ["Lot XXX", "Lot … - Désignation du lot", "LOT N°", "LOT N° : ....",
                                         "Lot X - XXXXX"])
@pytest.mark.parametrize("sheet,file,code", [("LOT 05", "DPGF", "05"), ("DPGF", "DPGF Lot 3B Menuiseries", "03B"),
                                             ("Feuil1", "Cadre de DPGF", None)])
def test_a_placeholder_is_no_lot_the_sheet_or_file_name_gives_it(tmp_path, placeholder, sheet, file, code):
    doc = parse_workbook(write(tmp_path, file, {sheet: [[placeholder], [], HEADER, ["1.1", "Caisson", "u", 1.0, 2.0, 2.0]]}))
    assert doc.lot_code == code
    assert not doc.lot_name or "X" not in doc.lot_name and "…" not in doc.lot_name


# ---- 4. notices are notes, not sections -----------------------------------------------------------

NOTICES = [
    "Notice de remplissage : compléter les colonnes P.U. et Montant",
    "⚠ Ne pas modifier les formules",
    "IMPORTANT : les quantités sont données à titre indicatif",
    "1) Les prix sont hors taxes\n2) Toute ligne vide est réputée comprise\n3) Ne pas modifier le cadre",
    "Le présent cadre doit être complété par l'entreprise sans modification de sa structure.",
    "Attention : l'entreprise doit vérifier les quantités",
]


@pytest.mark.parametrize("notice", NOTICES)
def test_a_notice_inside_the_table_is_a_note_never_a_chapter(tmp_path, notice):
    rows = [HEADER, ["", notice], ["1", "VENTILATION"], ["1.1", "Caisson", "u", 2.0, 10.0, 20.0],
            ["", "Sous-total VENTILATION", "", "", "", 20.0]]
    doc = parse_workbook(write(tmp_path, "DPGF", {"S": rows}))
    assert doc.notes == [notice]
    assert [s.title for s in doc.sections] == ["VENTILATION"]
    assert doc.items[0].section_code == "1" and doc.items[0].designation == "Caisson"


def test_a_notice_in_an_uncoded_table_is_a_note_and_the_chapters_stay(tmp_path):
    rows = [["Désignation", "Unité", "Qté", "PU HT", "Montant HT"], ["NOTICE DE REMPLISSAGE"], ["TERRASSEMENTS"],
            ["Fouilles en rigole", "m3", 3.0, 40.0, 120.0], ["1) Les prix sont hors taxes\n2) Ne rien modifier"],
            ["Remblai", "m3", 2.0, 20.0, 40.0]]
    doc = parse_workbook(write(tmp_path, "DPGF", {"S": rows}))
    assert doc.notes == ["NOTICE DE REMPLISSAGE", "1) Les prix sont hors taxes\n2) Ne rien modifier"]
    assert [s.title for s in doc.sections] == ["TERRASSEMENTS"]
    assert [(i.designation, i.section_row) for i in doc.items] == [("Fouilles en rigole", 3), ("Remblai", 3)]


def test_notices_above_the_table_are_notes_and_the_title_block_is_not(tmp_path):
    rows = [["Ville de Montreuil"], ["Lot 4 - CVC"], ["Pour rappel : le prix est global et forfaitaire."],
            ["⚠ Remplir uniquement les cellules jaunes"], [], HEADER, ["1.1", "Caisson", "u", 2.0, 10.0, 20.0]]
    doc = parse_workbook(write(tmp_path, "DPGF", {"S": rows}))
    assert doc.notes == ["Pour rappel : le prix est global et forfaitaire.", "⚠ Remplir uniquement les cellules jaunes"]
    assert doc.to_json()["notes"] == doc.notes


@pytest.mark.parametrize("header,labels", [
    (["Désignation", "Prix"], "Désignation | Prix"),
    (["Quantité", "P.U. HT", "Montant"], "Quantité | P.U. HT | Montant"),
    (["Libellé", "Taux horaire nuit"], "Libellé | Taux horaire nuit"),
])
def test_a_header_that_almost_makes_a_table_is_named_in_the_refusal(tmp_path, header, labels):
    rows = [["Bordereau"], [], header, ["Robinet", 12.0, 24.0]]
    with pytest.raises(ParseError) as caught:
        parse_workbook(write(tmp_path, "BPU", {"Prix": rows}))
    assert caught.value.reason.startswith("no price table found: sheet 'Prix' row 3 looks like a price header "
                                          f"({labels}) but lacks")
