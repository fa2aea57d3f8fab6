"""Build the hierarchy of one table from its rows."""

from dpgf_assets.parsing.header import find_header
from dpgf_assets.parsing.hierarchy import build_table
from dpgf_assets.parsing.rows import RowReader

HEADER = find_header([["N°", "Désignation", "Unité", "Qté", "PU HT", "Montant HT"]])


def table(*rows, sheet="LOT 04", first_row=12, **options):
    """Rows of cells from Excel row ``first_row`` on, read and built into a table."""
    reader = RowReader(HEADER)
    read = [reader.read(list(cells), first_row + i) for i, cells in enumerate(rows) if any(c != "" for c in cells)]
    return build_table(read, sheet, **options)


def sections(content):
    return [(s.row, s.code, s.title, s.level, s.parent_code) for s in content.sections]


def items(content):
    return [(i.row, i.code, i.designation, i.kind, i.section_code) for i in content.items]


def test_codes_in_their_own_column_five_levels_deep():
    content = table(
        [5.0, "DESCRIPTION DES TRAVAUX : CVC"],
        ["5.1", "DESENFUMAGE"],
        ["5.1.1", "Classement du bâtiment", "PM"],
        ["5.1.3", "Désenfumage du réfectoire"],
        ["5.1.3.1", "Surface utile d'évacuation", "PM"],
        ["5.1.3.2", "Dispositif de désenfumage", "ens"],
        ["5.1.3.2.1", "Exutoire", "u", 2.0, 900.0, 1800.0],
    )
    assert sections(content) == [(12, "5", "DESCRIPTION DES TRAVAUX : CVC", 1, None), (13, "5.1", "DESENFUMAGE", 2, "5"),
                                 (15, "5.1.3", "Désenfumage du réfectoire", 3, "5.1")]
    assert items(content) == [(14, "5.1.1", "Classement du bâtiment", "pm", "5.1"),
                              (16, "5.1.3.1", "Surface utile d'évacuation", "pm", "5.1.3"),
                              (17, "5.1.3.2", "Dispositif de désenfumage", "article", "5.1.3"),
                              (18, "5.1.3.2.1", "Exutoire", "article", "5.1.3")]
    assert content.sections[2].parent_row == 13 and content.items[0].section_row == 13
    assert content.warnings == []


def test_uncoded_articles_under_a_coded_chapter_and_descriptions():
    content = table(
        ["5.2.3.2", "Dépose des équipements"],
        ["", "Dépose des bouches d'extraction", "ens"],
        ["", "Marque : ALDES ou équivalent"],
        ["", "type : BXC 125"],
        ["5.2.4", "Travaux de mise en œuvre"],
        ["", "Fourniture pose et raccordement"],  # words only, after a chapter: its description
        ["", "LUM 1", "u", 344.0, 47.25],
    )
    assert items(content) == [(13, None, "Dépose des bouches d'extraction\nMarque : ALDES ou équivalent\ntype : BXC 125",
                               "article", "5.2.3.2"), (18, None, "LUM 1", "article", "5.2.4")]
    assert content.sections[1].description == "Fourniture pose et raccordement"
    assert content.items[1].total is None  # not computed: what the file says


def test_duplicated_code_is_kept_with_a_warning():
    content = table(
        ["5.2.4", "Travaux de mise en œuvre"],
        ["5.2.4.2", "Caisson d'extraction"],
        ["", "Caisson type KANA", "ens"],
        ["5.2.4.2", "Rejet d'air vicié en façade", "u"],
        ["5.2.4.3", "Carottages", "ens"],
    )
    assert items(content) == [(14, None, "Caisson type KANA", "article", "5.2.4.2"),
                              (15, "5.2.4.2", "Rejet d'air vicié en façade", "article", "5.2.4"),
                              (16, "5.2.4.3", "Carottages", "article", "5.2.4")]
    assert content.warnings == ["LOT 04 row 12: section 5.2.4 has no parent section above it",
                                "LOT 04 row 15: code 5.2.4.2 already used at row 13"]
    assert content.items[1].flags == ["duplicate_code"]


def test_codes_out_of_order_stay_where_they_stand_with_warnings():
    content = table(
        ["2.2", "Maçonnerie"],  # 2.2 before 2
        ["2.2.1", "Agglos", "m2"],
        ["2", "GROS OEUVRE"],
        ["2.1", "Fondations"],
        ["2.1.1", "Semelles", "m3"],
        ["2.3.5", "Longrines", "ml"],  # inside 2.1, numbered under 2.3
        ["2.1.2", "Béton de propreté", "m2"],
    )
    assert sections(content) == [(12, "2.2", "Maçonnerie", 2, None), (14, "2", "GROS OEUVRE", 1, None),
                                 (15, "2.1", "Fondations", 2, "2")]
    assert [(i.code, i.section_code) for i in content.items] == \
        [("2.2.1", "2.2"), ("2.1.1", "2.1"), ("2.3.5", "2.1"), ("2.1.2", "2.1")]
    assert content.warnings == ["LOT 04 row 12: section 2.2 has no parent section above it",
                                "LOT 04 row 17: code 2.3.5 stands under section 2.1"]
    assert content.items[2].flags == ["code_out_of_place"]


def test_totals_are_never_items_and_the_base_total_closes_the_chapters():
    content = table(
        ["1", "VENTILATION"],
        ["1.1", "Caisson", "u", 2.0, 1200.0, 2400.0],
        ["", "Sous Total VENTILATION", "", "", "", 2400.0],
        ["", "TOTAL HT", "", "", "", 2400.0],
        ["", "TVA 20 %", "", "", "", 480.0],
        ["", "TOTAL TTC", "", "", "", 2880.0],
        ["", "OPTION 1 : Brise-soleil"],
        ["", "Brise-soleil orientable", "m2", 10.0, 250.0, 2500.0],
        ["", "TOTAL OPTION 1 HT", "", "", "", 2500.0],
        ["", "VARIANTE 1 : Portail"],
        ["", "Portail motorisé", "PM"],
    )
    assert [(t.row, t.label, t.kind, t.amount) for t in content.totals] == [
        (14, "Sous Total VENTILATION", "subtotal", 2400.0), (15, "TOTAL HT", "total_ht", 2400.0),
        (16, "TVA 20 %", "tva", 480.0), (17, "TOTAL TTC", "ttc", 2880.0), (20, "TOTAL OPTION 1 HT", "subtotal", 2500.0)]
    assert [(i.designation, i.kind, i.section_code, i.section_row) for i in content.items] == [
        ("Caisson", "article", "1", 12), ("Brise-soleil orientable", "option", None, 18),
        ("Portail motorisé", "variant", None, 21)]
    assert [(s.title, s.level, s.parent_code) for s in content.sections][1:] == [
        ("OPTION 1 : Brise-soleil", 1, None), ("VARIANTE 1 : Portail", 1, None)]


def test_recap_block_lines_are_recap_totals():
    content = table(
        ["1", "TERRASSEMENTS"],
        ["1.1", "Fouilles", "m3", 10.0, 30.0, 300.0],
        ["", "TOTAL HT", "", "", "", 300.0],
        ["", "RECAPITULATIF"],
        ["1", "TERRASSEMENTS", "", "", "", 300.0],
        ["2", "GROS OEUVRE", "", "", "", ""],
        ["", "TOTAL HT", "", "", "", 300.0],
        ["", "TVA 20 %", "", "", "", 60.0],
    )
    assert [(t.label, t.kind, t.amount) for t in content.totals] == [
        ("TOTAL HT", "total_ht", 300.0), ("TERRASSEMENTS", "recap", 300.0), ("GROS OEUVRE", "recap", None),
        ("TOTAL HT", "total_ht", 300.0), ("TVA 20 %", "tva", 60.0)]
    assert len(content.items) == 1 and len(content.sections) == 1


def test_a_recap_table_holds_only_totals():
    content = table(["1", "Bâtiment A", "", "", "", 1000.0], ["2", "Bâtiment B", "", "", "", 500.0],
                    ["", "TOTAL HT", "", "", "", 1500.0], recap=True)
    assert [(t.label, t.kind) for t in content.totals] == [("Bâtiment A", "recap"), ("Bâtiment B", "recap"),
                                                          ("TOTAL HT", "total_ht")]
    assert content.items == [] and content.sections == []


def test_uncoded_chapters_in_capitals_and_a_chapter_carrying_its_sum():
    content = table(
        ["", "TERRASSEMENTS"],
        ["", "Décapage", "m2", 100.0, 3.0, 300.0],
        ["", "VOIRIE"],
        ["", "Enrobé", "m2", 50.0, 20.0, 1000.0],
        ["3", "RESEAUX", "", "", "", 800.0],  # a coded line with an amount, followed by its sub-codes
        ["3.1", "Canalisation", "ml", 10.0, 80.0, 800.0],
    )
    assert sections(content) == [(12, None, "TERRASSEMENTS", 1, None), (14, None, "VOIRIE", 1, None),
                                 (16, "3", "RESEAUX", 1, None)]
    assert [(i.designation, i.section_code, i.section_row) for i in content.items] == [
        ("Décapage", None, 12), ("Enrobé", None, 14), ("Canalisation", "3", 16)]


def test_an_options_sheet_marks_every_article():
    content = table(["1", "Peinture des radiateurs", "u", 10.0, 50.0, 500.0], sheet="PSE", sheet_mode="option")
    assert [i.kind for i in content.items] == ["option"]


def test_unit_normalised_and_raw_kept():
    content = table(["1.1", "Dalle", "M2", 10.0, 5.0, 50.0], ["1.2", "Raccords", "compris"], ["1.3", "Visite", "P.M."])
    assert [(i.unit, i.unit_raw, i.kind) for i in content.items] == [("m2", "M2", "article"), ("cmp", "compris", "included"),
                                                                    ("pm", "P.M.", "pm")]


def test_a_total_that_does_not_match_quantity_times_price_is_flagged():
    content = table(["1.1", "Dalle", "m2", 10.0, 5.0, 60.0])
    assert content.items[0].flags == ["total_mismatch"]


def test_thousands_of_description_lines_all_join_their_article():
    # (the cost is measured, not asserted: 12,500 → 100,000 lines scale linearly, 0.35 → 3.7 s)
    lines = [["", f"marque : ligne de description {i}"] for i in range(50_000)]
    content = table(["1.1", "Article", "u"], *lines)
    assert len(content.items) == 1
    assert content.items[0].designation.count("\n") == 50_000
