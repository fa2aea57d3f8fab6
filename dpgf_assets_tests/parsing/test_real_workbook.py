"""The real DPGF of ../shared/samples/real (lot 4 CVC - Electricité of a school renovation)."""

import re
import zipfile

import pytest

from dpgf_assets.parsing import parse_workbook

from . import books
from .books import real_workbook

SOURCE = "Projets/25S012 Groupe scolaire Marcel Cachin/DCE/25S012 - DPGF -Lot4.xlsx"


@pytest.fixture(scope="module")
def doc():
    return parse_workbook(real_workbook(), source_path=SOURCE)


def test_the_lot_sheet_is_the_only_table(doc):
    # "Page de garde" has a stray block of codes with a priced row and a "Sous Total Chauffage", but no header
    # row: it is a leftover outside the print area, not a price table, and "Infos" is key/value pairs.
    assert [(t.sheet, t.header_row) for t in doc.tables] == [("LOT 04", 11)]
    assert {i.sheet for i in doc.items} == {"LOT 04"} and {t.sheet for t in doc.totals} == {"LOT 04"}


def test_lot_and_type(doc):
    assert (doc.lot_code, doc.lot_name) == ("04", "CVC - Electricité")
    assert doc.doc_type == "DPGF" and doc.confidence > 0.9
    assert any(r.startswith("title: 'DÉCOMPOSITION DU PRIX GLOBAL ET FORFAITAIRE") for r in doc.reasons)


def test_hierarchy_intact(doc):
    by_code = {s.code: s for s in doc.sections}
    assert (by_code["5"].level, by_code["5"].parent_code, by_code["5"].row) == (1, None, 13)  # written 5.0
    assert (by_code["5.1"].level, by_code["5.1"].parent_code) == (2, "5")
    assert (by_code["5.1.3"].level, by_code["5.1.3"].parent_code) == (3, "5.1")
    item = next(i for i in doc.items if i.code == "5.1.3.1")
    assert (item.section_code, item.kind, item.unit_raw, item.unit) == ("5.1.3", "pm", "PM", "pm")
    assert by_code["6"].title == "DESCRIPTION DES TRAVAUX COURANTS FORTS CFO" and by_code["6.4"].parent_code == "6"
    assert by_code["6.4"].description == "Fourniture pose et raccordement de luminaires led"


def test_units_kept_as_written_and_kinds(doc):
    raw = {i.unit_raw for i in doc.items}
    assert {"PM", "cmp", "ens", "Ens", "ENS", "u"} <= raw
    assert {i.kind for i in doc.items if i.unit_raw == "cmp"} == {"included"}
    assert {i.unit for i in doc.items if i.unit_raw in ("ens", "Ens", "ENS")} == {"ens"}


def test_uncoded_articles_under_the_right_section(doc):
    rows = {i.row: i for i in doc.items}
    assert [(rows[r].code, rows[r].section_code) for r in (28, 29, 30)] == [(None, "5.2.3.2")] * 3
    assert [(rows[r].code, rows[r].section_code) for r in (34, 35, 36, 37)] == [(None, "5.2.4.2")] * 4
    assert (rows[81].designation, rows[81].section_code, rows[81].quantity, rows[81].unit_price) == \
        ("LUM 1", "6.4", 344.0, 47.25)
    assert (rows[42].section_code, rows[44].section_code) == ("5.2.5", "5.2.6")


def test_duplicated_code_kept_with_a_warning(doc):
    duplicated = [i for i in doc.items if i.code == "5.2.4.2"]
    assert [(i.row, i.section_code) for i in duplicated] == [(38, "5.2.4")]
    assert [s.row for s in doc.sections if s.code == "5.2.4.2"] == [33]
    assert "LOT 04 row 38: code 5.2.4.2 already used at row 33" in doc.warnings


def test_no_subtotal_or_total_among_items(doc):
    assert not [i for i in doc.items if re.match(r"(?i)\s*(sous[ -]?total|total)", i.designation)]
    assert [(t.row, t.label, t.kind) for t in doc.totals] == [
        (46, "Sous Total VENTILATION", "subtotal"), (71, "Sous Total CHAUFFAGE / PLOMBERIE", "subtotal"),
        (96, "Sous Total Eclairage", "subtotal"), (98, "TOTAL BASE HT - Lot 4 - CVC - Electricité", "total_ht")]
    assert len(doc.items) == 42 and len(doc.sections) == 25


def test_same_reading_when_no_formula_has_a_cached_value(doc, tmp_path):
    """Strip every cached formula result (a workbook saved by a script): the formulas are evaluated instead."""
    stripped = tmp_path / "uncached.xlsx"
    with zipfile.ZipFile(real_workbook()) as old, zipfile.ZipFile(stripped, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(</f>|<f [^>]*/>)<v>[^<]*</v>", rb"\1", data)
            new.writestr(info, data)
    again = parse_workbook(stripped, source_path=SOURCE)
    assert re.search(rb"</f></c>", zipfile.ZipFile(stripped).read("xl/worksheets/sheet3.xml"))
    assert (again.sections, again.items, again.totals) == (doc.sections, doc.items, doc.totals)
    assert (again.lot_code, again.lot_name) == (doc.lot_code, doc.lot_name)
    assert [w for w in again.warnings if "not evaluated" in w] == [  # TODAY() and TEXT() are not evaluated
        "Infos cell B13: formula 'TODAY()' not evaluated (function TODAY not supported)",
        "Page de garde cell D16: formula '\"V\"&Infos!$B$12&\"  - Date de diffusion \"&TEXT(Infos!$B$13,\"JJ/MM/AA\")' "
        "not evaluated (function TEXT not supported)"]


def test_without_the_shared_folder_the_tests_skip_and_say_why(monkeypatch, tmp_path):
    monkeypatch.setattr(books, "REAL_WORKBOOK", tmp_path / "absent" / "dpgf.xlsx")
    with pytest.raises(pytest.skip.Exception, match="shared samples folder is absent"):
        real_workbook()
