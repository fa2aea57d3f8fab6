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


TOTAL_LABELS = [
    "TOTAL HT", "Total H.T.", "total hors taxes", "TOTAL TTC", "Montant TTC", "Net à payer TTC", "Prix total T.T.C.",
    "TVA 20 %", "T.V.A. 20%", "t v a", "Montant de la TVA", "montant TVA 5,5 %", "TVA", "tvaX", "Prorata 1,5 %",
    "Compte prorata", "Participation au compte prorata", "prorata temporis", "Sous-total", "Sous total VENTILATION",
    "sous-totaux", "soustotal", "S/Total", "S. total lot 1", "S.total", "Report", "Report de la page", "Report page",
    "report de la page 2", "A reporter", "a reporter page 3", "Reporting", "Reports", "Total", "Montant total",
    "Montant global", "Total option 1", "Total PSE n°2", "TOTAL BASE HT - Lot 04", "Total général", "totalement",
    "Totaux", "Montage", "Montant", "Nettoyage", "Net", "Prix", "Pose", "Travaux", "Tranchée", "Compte", "Câbles",
    "Réseau", "Alimentation", "Sol", "▸ SOUS-TOTAL", "- Total HT", "• TVA 20 %", "(a) total", "_total", "1.2 Total",
    "", "  ", "Total\nTTC", "Total HT\n(report)", "RECAPITULATIF", "Tableau récapitulatif", "Récap", "recapitulons"]


def test_the_total_rules_as_one_alternation_decide_as_the_five_patterns_did_in_turn():
    import re

    from dpgf_assets.parsing import rows

    before = [re.compile(r"(montant (de la )?)?t\.? ?v\.? ?a\b"),
              re.compile(r"(total|montant|net|prix)\b.*\bt\.?t\.?c\b"),
              re.compile(r"(compte |participation au compte )?prorata\b"),
              re.compile(r"sous[ -]?tota(l|ux)\b|s/total|s\. ?total\b|report( de la page| page)?$|a reporter\b"),
              re.compile(r"(total|montant total|montant global)\b")]

    def as_before(key):
        if not key or key[0] not in rows._TOTAL_STARTS:
            return None
        for kind, pattern in zip(("tva", "ttc", "prorata", "subtotal"), before):
            if pattern.match(key):
                return kind
        if before[4].match(key):
            return "subtotal" if rows._OPTION_WORDS.search(key) else (
                "total_ht" if rows._TOTAL_HT.search(key) else "subtotal")
        return None

    leading_marks = re.compile(r"[^\w(]+")
    for label in TOTAL_LABELS:
        folded = rows.fold(label)
        marks = leading_marks.match(folded)
        key = folded[marks.end():] if marks else folded
        assert rows._key(label) == key, label
        assert rows._total_kind(key) == as_before(key), label
        assert bool(key.startswith(rows._RECAP_STARTS) and rows._RECAP.match(key)) == bool(rows._RECAP.match(key))
    labels = ("TVA 20 %", "Total TTC", "Prorata", "S/Total", "Total HT", "Sous-totaux", "Totaux")
    expected = ["tva", "ttc", "prorata", "subtotal", "total_ht", "subtotal", None]
    assert [total_kind(label) for label in labels] == expected


def test_the_first_letter_test_of_option_titles_says_what_the_pattern_says():
    from dpgf_assets.parsing import rows

    labels = ["OPTION 1 : VMC double flux", "Options", "Variante 2", "VARIANTES", "PSE n°1", "P.S.E. 2", "pse",
              "Prestations supplémentaires éventuelles", "Prestation supplementaire", "- OPTION", "▸ Variante",
              "  option", "(option)", "_option", "1. Option", "Pose", "Peinture", "Ventilation", "Ouvrage", "Travaux",
              "", " ", "ﬀ", "Ⅳ option", "²option", "Optionnel", "Variantes techniques"]
    for label in labels:
        expected = None
        if rows._OPTION_START.match(label):
            key = rows._key(label)
            if rows._OPTION_TITLE.match(key):
                expected = "variant" if key.startswith("variante") else "option"
        assert option_kind(label) == expected, label
    assert [option_kind(x) for x in ("OPTION 1", "Variante 2", "PSE 1", "- option", "(option)")] == \
        ["option", "variant", "option", "option", None]
