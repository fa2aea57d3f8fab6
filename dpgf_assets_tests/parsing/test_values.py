"""Normalise values: French numbers, units, codes, text."""

import datetime as dt

import pytest

from dpgf_assets.parsing.values import (FOLD_TABLE, clean_text, code_level, fold, is_code_prefix, normalise_code,
                                        normalise_unit, parse_number, split_inline_code, value_hint, without_accents)


@pytest.mark.parametrize("raw, expected", [
    (12.5, 12.5), (3, 3.0), ("1 234,56 €", 1234.56), ("1\u00a0234,56", 1234.56), ("1\u202f234,5 € HT", 1234.5),
    ("12,5", 12.5), ("1.234,56", 1234.56), ("1,234.56", 1234.56), ("1234.56", 1234.56), ("1.234.567", 1234567.0),
    ("(1 200,00)", -1200.0), ("-3,5", -3.5), ("20 %", 0.2), ("EUR 15", 15.0), ("€ 15,00", 15.0),
])
def test_numbers_as_numbers_or_french_text(raw, expected):
    assert parse_number(raw) == pytest.approx(expected)


@pytest.mark.parametrize("raw", ["", "  ", "PM", "compris", "m²", "1/2 j", "n.c.", True, None, dt.date(2024, 1, 1),
                                 float("nan"), "12 u", "x" * 50])
def test_what_is_not_a_number_is_none(raw):
    assert parse_number(raw) is None


@pytest.mark.parametrize("raw, unit", [
    ("u", "u"), ("U", "u"), ("Ens", "ens"), ("ENS", "ens"), ("ens.", "ens"), ("Ft", "ft"), ("forfait", "ft"),
    ("ml", "m"), ("ML", "m"), ("m", "m"), ("m²", "m2"), ("M2", "m2"), ("m 2", "m2"), ("m³", "m3"), ("M3", "m3"),
    ("kg", "kg"), ("h", "h"), ("1/2 j", "1/2j"), ("j", "j"), ("PM", "pm"), ("P.M.", "pm"), ("cmp", "cmp"),
    ("compris", "cmp"), ("Inclus", "cmp"), ("km", "km"),
])
def test_units_in_one_vocabulary(raw, unit):
    assert normalise_unit(raw) == unit


def test_pm_and_included_written_where_numbers_go():
    assert value_hint("PM") == "pm" and value_hint("P.M.") == "pm"
    assert value_hint("Compris") == "included" and value_hint("inclus") == "included"
    assert value_hint("12") is None and value_hint(12.0) is None


@pytest.mark.parametrize("raw, code", [
    (5.0, "5"), (5, "5"), (5.1, "5.1"), ("5.1.3.1", "5.1.3.1"), ("5.1.3.1.", "5.1.3.1"), (" 2.3 ", "2.3"),
    ("A", "A"), ("A.1.2", "A.1.2"), ("II", "II"), ("1-2", "1-2"), ("2.3.a", "2.3.a"),
])
def test_codes_read_as_written_and_number_cells_without_trailing_zero(raw, code):
    assert normalise_code(raw) == code


@pytest.mark.parametrize("raw", ["TOTAL HT", "Sous-total", "", None, 2024.5, -1.0, "1 234", "Lot 4", True])
def test_non_codes(raw):
    assert normalise_code(raw) is None


def test_a_boolean_cell_is_no_code_even_after_the_number_one():
    # True == 1 == 1.0 as keys: a memo shared by all three would answer "1" for TRUE
    assert normalise_code(1.0) == "1" and normalise_code(1) == "1"
    assert normalise_code(True) is None and normalise_code(False) is None


@pytest.mark.parametrize("text, code, rest", [
    ("3.1.1.  Dalle béton ép. 20 cm", "3.1.1", "Dalle béton ép. 20 cm"),
    ("3.1 GROS OEUVRE", "3.1", "GROS OEUVRE"),
    ("3. TERRASSEMENTS", "3", "TERRASSEMENTS"),
    ("2 portes vitrées", None, "2 portes vitrées"),
    ("1/2 journée de réglage", None, "1/2 journée de réglage"),
    ("Dalle béton", None, "Dalle béton"),
])
def test_codes_inline_at_the_start_of_a_designation(text, code, rest):
    assert split_inline_code(text) == (code, rest)


def test_code_levels_and_prefixes():
    assert [code_level(c) for c in ("5", "5.1", "5.1.3", "5.1.3.1", "5.1.3.1.2")] == [1, 2, 3, 4, 5]
    assert is_code_prefix("5.1", "5.1.3") and is_code_prefix("5", "5.1.3.1")
    assert not is_code_prefix("5.1", "5.10") and not is_code_prefix("5.1", "5.1") and not is_code_prefix("2.2", "2.3.5")


def test_text_is_cleaned_and_folded():
    assert clean_text("  Sous Total  CHAUFFAGE / PLOMBERIE ") == "Sous Total CHAUFFAGE / PLOMBERIE"
    assert clean_text("Caisson\n\n  marque : X ") == "Caisson\nmarque : X"
    assert clean_text(4.0) == "4" and clean_text(None) == "" and clean_text(True) == ""
    assert fold("DÉCOMPOSITION du Prix  Œuvre m² N°") == "decomposition du prix oeuvre m2 n°"


def test_accents_are_dropped_and_case_kept():
    assert without_accents("Réseau de gaines à l’étage, Ø 125, m³, ½ j, Œuvre") == \
        "Reseau de gaines a l'etage, Ø 125, m3, 1⁄2 j, oeuvre"


def test_remembered_codes_units_and_roles_are_what_working_them_out_gives():
    from dpgf_assets.parsing import forget_earlier_workbooks
    from dpgf_assets.parsing.header import column_role
    from dpgf_assets.parsing.values import normalise_unit

    cases = ["5.1", 5.1, 5, "  5.1.3 ", "TOTAL", "A.1", 1e9, float("nan"), "", "Désignation", "Qté", "m²", "ML"]
    forget_earlier_workbooks()
    first = [(normalise_code(v), isinstance(v, str) and column_role(v), isinstance(v, str) and normalise_unit(v))
             for v in cases]
    again = [(normalise_code(v), isinstance(v, str) and column_role(v), isinstance(v, str) and normalise_unit(v))
             for v in cases]
    assert first == again
    assert first[0][0] == first[1][0] == "5.1" and first[2][0] == "5" and first[6][0] is None
    assert first[9][1] == "designation" and first[10][1] == "quantity" and first[11][2] == "m2"
