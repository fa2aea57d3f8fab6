"""parse_workbook end to end on small workbooks of every format."""

import pytest

from dpgf_assets.parsing import ParseError, parse_workbook

from .books import HEADER, TITLE, Formula, dpgf_rows, write

FORMATS = ["xlsx", "xlsm", "xls", "xls.xlsx", "ods", "csv-utf8", "csv-latin1"]


def summary(doc):
    return ([(i.row, i.code, i.designation, i.unit, i.quantity, i.unit_price, i.total, i.kind, i.section_code)
             for i in doc.items],
            [(t.row, t.label, t.kind, t.amount) for t in doc.totals],
            [(s.row, s.code, s.title, s.level, s.parent_code) for s in doc.sections])


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_table_same_reading_in_every_format(tmp_path, fmt):
    path = write(tmp_path, "DPGF Lot 04 CVC", {"LOT 04": dpgf_rows()}, fmt)
    doc = parse_workbook(path, source_path=f"Projets/P/DCE/{path.name}")
    items, totals, sections = summary(doc)
    assert items == [
        (8, "1.1", "Installation de chantier", "ens", 1.0, 2500.0, 2500.0, "article", "1"),
        (9, "1.2", "Coupure de service", "cmp", None, None, None, "included", "1"),
        (12, "2.1", "Caisson d'extraction\nMarque : ALDES ou équivalent", "u", 2.0, 1200.0, 2400.0, "article", "2"),
        (14, "2.2", "Réseau de gaines", "m", 35.5, 40.0, 1420.0, "article", "2")]
    assert totals == [(10, "Sous-total TRAVAUX PREPARATOIRES", "subtotal", 2500.0),
                      (15, "Sous-total VENTILATION", "subtotal", 3820.0), (16, "TOTAL HT", "total_ht", 6320.0),
                      (17, "TVA 20 %", "tva", 1264.0), (18, "TOTAL TTC", "ttc", 7584.0)]
    assert sections == [(7, "1", "TRAVAUX PREPARATOIRES", 1, None), (11, "2", "VENTILATION", 1, None)]
    assert (doc.lot_code, doc.lot_name) == ("04", "CVC - Electricité")
    assert doc.doc_type == "DPGF" and 0 < doc.confidence <= 1 and doc.reasons
    sheet = "DPGF Lot 04 CVC" if fmt.startswith("csv") else "LOT 04"
    assert [(t.sheet, t.header_row) for t in doc.tables] == [(sheet, 6)]
    assert {i.sheet for i in doc.items} == {sheet}


def test_json_document_has_exactly_the_issue_keys(tmp_path):
    doc = parse_workbook(write(tmp_path, "DPGF Lot 04", {"LOT 04": dpgf_rows()}), source_path="P/DCE/DPGF Lot 04.xlsx")
    data = doc.to_json()
    assert list(data) == ["file", "doc_type", "confidence", "reasons", "lot", "tables", "sections", "items", "totals",
                          "warnings", "notes"]
    assert data["file"] == "P/DCE/DPGF Lot 04.xlsx" and set(data["lot"]) == {"code", "name", "written"}
    assert set(data["tables"][0]) == {"sheet", "header_row"}
    assert set(data["sections"][0]) == {"sheet", "row", "code", "title", "level", "parent_code"}
    assert set(data["items"][0]) == {"sheet", "row", "code", "designation", "unit", "unit_raw", "quantity", "unit_price",
                                     "total", "kind", "section_code", "prices"}
    assert set(data["totals"][0]) == {"sheet", "row", "label", "kind", "amount"}


def test_an_xls_renamed_xls_xlsx_opens(tmp_path):
    path = write(tmp_path, "DPGF lot 2", {"LOT 02": dpgf_rows()}, "xls.xlsx")
    assert path.name.endswith(".xls.xlsx") and path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    assert len(parse_workbook(path).items) == 4


def test_formulas_without_cached_values_are_evaluated(tmp_path):
    rows = [*TITLE, HEADER,
            ["1", "VENTILATION"],
            ["1.1", "Caisson", "u", 2.0, Formula("=35*1.35", 47.25, cached=False), Formula("=D8*E8", 94.5, cached=False)],
            ["1.2", "Gaines", "ml", "", 40.0, Formula('=IF(OR(D9="",E9=""),"",D9*E9)', "", cached=False)],
            ["", Formula('="Sous Total "&B7', "Sous Total VENTILATION", cached=False), "", "", "",
             Formula("=SUBTOTAL(109,F8:F9)", 94.5, cached=False)],
            ["", "TOTAL HT", "", "", "", Formula("=SUBTOTAL(9,$F$7:$F$10)", 94.5, cached=False)]]
    doc = parse_workbook(write(tmp_path, "DPGF", {"LOT 04": rows}))
    assert [(i.unit_price, i.total) for i in doc.items] == [(pytest.approx(47.25), pytest.approx(94.5)), (40.0, None)]
    assert [(t.label, t.kind, t.amount) for t in doc.totals] == [("Sous Total VENTILATION", "subtotal", pytest.approx(94.5)),
                                                                 ("TOTAL HT", "total_ht", pytest.approx(94.5))]
    assert doc.warnings == []


def test_circular_and_failing_formulas_are_reported_and_the_others_still_evaluated(tmp_path):
    rows = [*TITLE, HEADER, ["1", "VENTILATION"],
            ["1.1", "Caisson", "u", 2.0, 10.0, Formula("=F9", 0.0, cached=False)],  # F8 needs F9, read after it
            ["1.2", "Gaines", "u", 3.0, Formula("=F8", 0.0, cached=False), Formula("=D9*2", 0.0, cached=False)],
            ["1.3", "Grilles", "u", 4.0, Formula("=NOW()", 0.0, cached=False), Formula("=D10*E10", 0.0, cached=False)],
            ["1.4", "Bouches", "u", 5.0, 7.0, Formula("=D11*E11", 0.0, cached=False)]]
    doc = parse_workbook(write(tmp_path, "DPGF", {"LOT 04": rows}))
    # F8 evaluates F9 (=D9*2) on the way; E10 fails (NOW is not supported), and F10, which needs it
    assert [(i.unit_price, i.total) for i in doc.items] == [(10.0, 6.0), (6.0, 6.0), (None, None), (7.0, 35.0)]
    failed = [w for w in doc.warnings if "not evaluated" in w]
    assert failed == ["LOT 04 cell E10: formula 'NOW()' not evaluated (function NOW not supported)",
                      "LOT 04 cell F10: formula 'D10*E10' not evaluated (function NOW not supported)"]

    loop = [*TITLE, HEADER, ["1", "VENTILATION"],
            ["1.1", "Caisson", "u", 2.0, Formula("=F8/D8", 0.0, cached=False), Formula("=D8*E8", 0.0, cached=False)],
            ["1.2", "Gaines", "u", 3.0, 4.0, Formula("=D9*E9", 0.0, cached=False)]]
    doc = parse_workbook(write(tmp_path, "DPGF boucle", {"LOT 04": loop}))
    assert [(i.unit_price, i.total) for i in doc.items] == [(None, None), (4.0, 12.0)]
    assert [w.split(": ", 1)[1] for w in doc.warnings if "not evaluated" in w] == [
        "formula 'F8/D8' not evaluated (circular or too deep references)",
        "formula 'D8*E8' not evaluated (circular or too deep references)"]


def test_what_parsing_remembers_across_workbooks_can_be_forgotten_and_changes_no_result(tmp_path):
    from dpgf_assets.parsing import forget_earlier_workbooks, header, xlsx_formulas

    def memories():
        return header.column_role.cache_info().currsize, len(xlsx_formulas._TREES)

    rows = [*TITLE, HEADER, ["1", "VENTILATION"],
            ["1.1", "Caisson", "u", 2.0, 47.25, Formula("=D8*E8", 94.5, cached=False)]]
    path = write(tmp_path, "DPGF", {"LOT 04": rows})
    forget_earlier_workbooks()
    first = summary(parse_workbook(path, source_path="Projets/P1/DCE/DPGF.xlsx"))
    assert all(memories()), "header labels and formula shapes are remembered"
    assert summary(parse_workbook(path, source_path="Projets/P1/DCE/DPGF.xlsx")) == first
    forget_earlier_workbooks()
    assert not any(memories())
    assert summary(parse_workbook(path, source_path="Projets/P1/DCE/DPGF.xlsx")) == first


def test_cached_values_are_read_as_cached(tmp_path):
    rows = [HEADER, ["1.1", "Caisson", "u", 2.0, 10.0, Formula("=D2*E2", 999.0, cached=True)]]
    assert parse_workbook(write(tmp_path, "DPGF", {"S": rows})).items[0].total == 999.0  # what Excel stored


def test_hidden_helper_sheets_and_cover_pages_are_not_tables(tmp_path):
    helper = [["Code", "Désignation", "Unité"], ["U", "Unité", "u"]]
    cover = [["DÉCOMPOSITION DU PRIX GLOBAL ET FORFAITAIRE"], ["Lot 4 - CVC"]]
    path = write(tmp_path, "DPGF", {"Page de garde": cover, "LOT 04": dpgf_rows(), "Listes": helper}, hidden=["Listes"])
    doc = parse_workbook(path)
    assert [t.sheet for t in doc.tables] == ["LOT 04"] and {i.sheet for i in doc.items} == {"LOT 04"}


def test_one_sheet_per_lot_gives_no_single_lot(tmp_path):
    lot = lambda n, name: [[f"LOT 0{n} - {name}"], HEADER, ["1", "Article", "u", 1.0, 1.0, 1.0]]  # noqa: E731
    doc = parse_workbook(write(tmp_path, "DPGF TCE", {"LOT 01": lot(1, "VRD"), "LOT 02": lot(2, "Gros œuvre")}))
    assert (doc.lot_code, doc.lot_name) == (None, None)
    assert doc.warnings == ["several lots in one workbook (01, 02): no single lot recorded"]


@pytest.mark.parametrize("sheet, title, file, lot", [
    ("Feuil1", [["LOT N°07 : Menuiseries extérieures"]], "x.xlsx", ("07", "Menuiseries extérieures")),
    ("Feuil1", [["LOT 07", "Menuiseries"]], "x.xlsx", ("07", "Menuiseries")),
    ("Lot 7", [["Ville de Lyon"]], "x.xlsx", ("07", None)),
    ("Feuil1", [["Ville de Lyon"]], "DPGF Lot 07 Menuiseries extérieures (2).xlsx", ("07", "Menuiseries extérieures")),
    ("Feuil1", [["Ville de Lyon"]], "25S012 - DPGF -Lot7.xls.xlsx", ("07", None)),
    ("Feuil1", [["Allotissement : Ilot 3"]], "Chiffrage.xlsx", (None, None)),
])
def test_lot_from_title_block_sheet_name_or_file_name(tmp_path, sheet, title, file, lot):
    path = write(tmp_path, "book", {sheet: [*title, HEADER, ["1", "Article", "u", 1.0, 1.0, 1.0]]})
    doc = parse_workbook(path, source_path=f"Projets/P/DCE/{file}")
    assert (doc.lot_code, doc.lot_name) == lot


def test_lot_from_an_info_sheet(tmp_path):
    infos = [["Client", "Ville"], ["Numéro du lot", 4.0], ["Désignation du lot", "CVC"]]
    doc = parse_workbook(write(tmp_path, "book", {"Infos": infos, "DPGF": [HEADER, ["1", "A", "u", 1.0, 1.0, 1.0]]}))
    assert (doc.lot_code, doc.lot_name) == ("04", "CVC")


def test_csv_in_latin1_with_french_numbers(tmp_path):
    path = tmp_path / "DPGF Lot 02.csv"
    path.write_bytes("N°;Désignation;Unité;Qté;PU HT;Montant HT\r\n1;GROS ŒUVRE\r\n1.1;Béton armé;m³;12,5;180,00;2 250,00\r\n"
                     .replace("Œ", "OE").encode("latin-1"))
    doc = parse_workbook(path)
    item = doc.items[0]
    assert (item.designation, item.unit, item.unit_raw, item.quantity, item.total) == ("Béton armé", "m3", "m³", 12.5, 2250.0)


def test_a_table_after_a_long_title_block_and_blank_lines(tmp_path):
    rows = [[f"Ligne de titre {i}"] for i in range(30)] + [[], [], HEADER, ["1.1", "A", "u", 1.0, 2.0, 2.0]]
    doc = parse_workbook(write(tmp_path, "DPGF", {"S": rows}))
    assert doc.tables[0].header_row == 33 and doc.items[0].row == 34


def test_a_file_that_is_no_file(tmp_path):
    with pytest.raises(ParseError, match="cannot read the file"):
        parse_workbook(tmp_path / "missing.xlsx")
