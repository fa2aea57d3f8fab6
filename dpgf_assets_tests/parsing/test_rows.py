"""Classify rows, one list of cells at a time."""

import pytest

from dpgf_assets.parsing.header import find_header
from dpgf_assets.parsing.rows import classify_row, is_heading_text, option_kind, total_kind

HEADER = find_header([["N°", "Désignation", "Unité", "Qté", "PU HT", "Montant HT"]])


def row(*cells, number=20):
    return classify_row(list(cells), HEADER, number)


@pytest.mark.parametrize("label, kind", [
    ("Sous-total", "subtotal"), ("Sous Total VENTILATION", "subtotal"), ("▸ SOUS-TOTAL", "subtotal"),
    ("S/TOTAL Chauffage", "subtotal"), ("Total VENTILATION", "subtotal"), ("TOTAL HT", "total_ht"),
    ("TOTAL BASE HT - Lot 4 - CVC - Electricité", "total_ht"), ("TOTAL GENERAL HT", "total_ht"),
    ("Montant total HT", "total_ht"), ("TVA 20 %", "tva"), ("T.V.A. (20%)", "tva"), ("TOTAL TTC", "ttc"),
    ("Montant TTC", "ttc"), ("Prorata 1,5 %", "prorata"), ("Compte prorata 1,5 %", "prorata"),
    ("TOTAL OPTION 1 HT", "subtotal"), ("Totalité des ouvrages", None), ("Saint-Gobain vitrage", None),
    ("Installation de chantier", None),
])
def test_total_labels(label, kind):
    assert total_kind(label) == kind


def test_priced_article():
    r = row("5.1.3.1", "Surface d'évacuation", "m²", 12.0, 35.5, 426.0)
    assert (r.kind, r.code, r.label, r.unit_raw, r.quantity, r.unit_price, r.total) == \
        ("article", "5.1.3.1", "Surface d'évacuation", "m²", 12.0, 35.5, 426.0)


def test_tender_stage_article_has_a_unit_and_no_numbers():
    r = row("", "Dépose des bouches d'extraction", "ens")
    assert (r.kind, r.code, r.unit_raw, r.quantity, r.total) == ("article", None, "ens", None, None)


def test_numbers_written_as_french_text():
    r = row("2.1", "Enrobé", "m2", "1 234,5", "18,50 €", "22 838,25 €")
    assert (r.quantity, r.unit_price, r.total) == (1234.5, 18.5, 22838.25)


def test_pm_and_included_written_in_the_price_columns():
    assert row("3.1", "Contrôle d'accès", "ens", "", "", "PM").hint == "pm"
    assert row("3.2", "Raccordement", "ens", "", "", "Compris").hint == "included"


def test_subtotal_and_total_rows_are_totals_with_their_amount():
    r = row("", "Sous Total VENTILATION", "", "", "", 3820.0)
    assert (r.kind, r.total_kind, r.amount) == ("total", "subtotal", 3820.0)
    r = row("TOTAL HT", "", "", "", "", 6320.0)  # the label written in the code column
    assert (r.kind, r.total_kind, r.label, r.amount) == ("total", "total_ht", "TOTAL HT", 6320.0)
    r = row("", "", "", "", "TOTAL TTC", 7584.0)  # the label in the price column
    assert (r.kind, r.total_kind, r.amount) == ("total", "ttc", 7584.0)


def test_headings_text_and_others():
    assert row(5.0, "DESCRIPTION DES TRAVAUX : CVC").kind == "heading"
    assert row("5.2.3.2", "Dépose des équipements").code == "5.2.3.2"
    assert row("", "TRAVAUX PREPARATOIRES").kind == "heading"  # uncoded, in capitals
    assert row("", "OPTION 1 : Brise-soleil façade sud").kind == "heading"
    assert row("", "Marque : ATLANTIC ou équivalent").kind == "text"
    assert row("", "TYPE : ATLANTIC SERIE 200").kind == "text"  # capitals, but a description
    assert row("", "Fourniture pose et raccordement de luminaires led").kind == "text"
    assert row("", "RECAPITULATIF").kind == "recap_title"
    assert row("", "Fait à Paris, le").kind == "footer"
    assert row("", "N°", "Désignation", "Unité", "Qté", "PU HT", "Montant HT").kind == "header"
    assert row("", "", "", "").kind == "blank"


def test_a_lump_sum_without_unit_is_an_article():
    r = row("4.2", "Installation de chantier", "", "", "", 2500.0)
    assert (r.kind, r.total) == ("article", 2500.0)


def test_option_titles_and_capitals():
    assert option_kind("OPTION 1 : Peinture") == "option" and option_kind("PSE 2 - Portail") == "option"
    assert option_kind("Variante n°1") == "variant" and option_kind("Optimisation des réseaux") is None
    assert is_heading_text("TERRASSEMENTS GENERAUX") and not is_heading_text("Terrassements")
    assert not is_heading_text("- FOURNITURE")


def test_lines_in_capitals_are_told_the_same_whatever_their_characters():
    def by_character(label):  # the rule, written character by character
        letters = [c for c in label if c.isalpha()]
        return len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)

    for code in range(0x2100):
        char = chr(code)
        for label in (f"TRAVAUX {char}", f"AB{char}", char * 3, f"TRAVAUX PRÉPARATOIRES {char}x", f"Abc{char}DEF",
                      f"A{char}B{char}C{char}d"):
            if label[:1] not in "-•*–—·>":
                assert is_heading_text(label, "") == by_character(label), repr(label)


# label → kind of total line (None: not a total), by the rules tried in order: TVA, TTC, prorata, subtotal, total
TOTAL_KINDS = {
    "TOTAL HT": "total_ht", "Total H.T.": "total_ht", "total hors taxes": "total_ht", "TOTAL TTC": "ttc",
    "Montant TTC": "ttc", "Net à payer TTC": "ttc", "Prix total T.T.C.": "ttc", "TVA 20 %": "tva",
    "T.V.A. 20%": "tva", "t v a": "tva", "Montant de la TVA": "tva", "montant TVA 5,5 %": "tva", "TVA": "tva",
    "tvaX": None, "Prorata 1,5 %": "prorata", "Compte prorata": "prorata",
    "Participation au compte prorata": "prorata", "prorata temporis": "prorata", "Sous-total": "subtotal",
    "Sous total VENTILATION": "subtotal", "sous-totaux": "subtotal", "soustotal": "subtotal",
    "S/Total": "subtotal", "S. total lot 1": "subtotal", "S.total": "subtotal", "Report": "subtotal",
    "Report de la page": "subtotal", "Report page": "subtotal", "report de la page 2": None,
    "A reporter": "subtotal", "a reporter page 3": "subtotal", "Reporting": None, "Reports": None,
    "Total": "subtotal", "Montant total": "total_ht", "Montant global": "total_ht",
    "Total option 1": "subtotal", "Total PSE n°2": "subtotal", "TOTAL BASE HT - Lot 04": "total_ht",
    "Total général": "total_ht", "totalement": None, "Totaux": None, "Montage": None, "Montant": None,
    "Nettoyage": None, "Net": None, "Prix": None, "Pose": None, "Travaux": None, "Tranchée": None,
    "Compte": None, "Câbles": None, "Réseau": None, "Alimentation": None, "Sol": None,
    "▸ SOUS-TOTAL": "subtotal", "- Total HT": "total_ht", "• TVA 20 %": "tva", "(a) total": None,
    "_total": None, "1.2 Total": None, "": None, "  ": None, "Total\nTTC": "ttc",
    "Total HT\n(report)": "total_ht", "RECAPITULATIF": None, "Tableau récapitulatif": None, "Récap": None,
    "recapitulons": None,
}
RECAP_TITLES = ["RECAPITULATIF", "Tableau récapitulatif", "Récap"]


def test_each_total_label_gets_the_kind_its_first_matching_rule_names():
    from dpgf_assets.parsing import rows

    assert {label: total_kind(label) for label in TOTAL_KINDS} == TOTAL_KINDS
    assert [label for label in TOTAL_KINDS if rows._RECAP.match(rows._key(label))] == RECAP_TITLES


OPTION_KINDS = {
    "OPTION 1 : VMC double flux": "option", "Options": "option", "Variante 2": "variant",
    "VARIANTES": "variant", "PSE n°1": "option", "P.S.E. 2": "option", "pse": "option",
    "Prestations supplémentaires éventuelles": "option", "Prestation supplementaire": "option",
    "- OPTION": "option", "▸ Variante": "variant", "  option": "option", "(option)": None, "_option": None,
    "1. Option": None, "Pose": None, "Peinture": None, "Ventilation": None, "Ouvrage": None, "Travaux": None,
    "": None, " ": None, "ﬀ": None, "Ⅳ option": None, "²option": None, "Optionnel": None,
    "Variantes techniques": "variant",
}


def test_option_titles_are_options_or_variants_and_other_labels_are_not():
    assert {label: option_kind(label) for label in OPTION_KINDS} == OPTION_KINDS
