"""Lots from titles and file names, copy marks and document words left out of the name."""

import pytest

from dpgf_assets.parsing.lot import lot_in_file_name, lot_in_text


@pytest.mark.parametrize("path, code, name", [
    ("P/DCE/DPGF Lot 4 - CVC - Electricité.xlsx", "04", "CVC - Electricité"),
    ("P/DCE/DPGF Lot 4 - CVC (2).xlsx", "04", "CVC"),
    ("P/DCE/DPGF Lot 4 - CVC - Copie.xlsx", "04", "CVC"),
    ("P/DCE/DPGF Lot 4 - CVC - copy (3).xls.xlsx", "04", "CVC"),
    ("P/DCE/DPGF Lot 4 - CVC  (12) .xlsx", "04", "CVC"),
    ("P/DCE/Lot 04 B Couverture (zinc).xlsx", "04B", "Couverture (zinc)"),
    ("P/DCE/LOT N°7 Copropriété DPGF.xlsx", "07", "Copropriété"),
    ("P/DCE/Lot 12.xlsx", "12", None),
    # a name starting with an accented capital is no lot letter ("G" of "Génie" once made lot 14G)
    ("P/DCE/DPGF Lot 14 Génie thermique.xlsx", "14", "Génie thermique"),
    ("P/DCE/DPGF Lot 5 Électricité.xlsx", "05", "Électricité"),
])
def test_lot_from_a_file_name_without_copy_marks(path, code, name):
    lot = lot_in_file_name(path)
    assert (lot.code, lot.name) == (code, name)


def test_lot_from_a_title_with_its_name_in_the_next_cell():
    lot = lot_in_text("LOT 04", "CVC - Electricité")
    assert (lot.code, lot.name) == ("04", "CVC - Electricité")


@pytest.mark.parametrize("text, name", [
    ("Lot 3 (Charpente)", "Charpente"), ("Lot 3 - (Charpente", "Charpente"), ("Lot 3 Charpente)", "Charpente"),
    ("Lot 3 : Charpente (bois) -", "Charpente (bois)"), ("Lot 3 ()", None)])
def test_brackets_around_a_lot_name(text, name):
    assert lot_in_text(text).name == name
