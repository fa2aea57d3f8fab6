"""Find tables and map columns, on lists of rows."""

import pytest

from dpgf_assets.parsing.header import column_role, find_header

CODE, DESIGNATION, UNIT, QUANTITY, PRICE, TOTAL = "code", "designation", "unit", "quantity", "unit_price", "total"


@pytest.mark.parametrize("label, role", [
    ("N°", CODE), ("Code", CODE), ("Poste", CODE), ("Réf", CODE), ("Réf.", CODE), ("Art.", CODE), ("N° prix", CODE),
    ("Désignation", DESIGNATION), ("DESIGNATION DES OUVRAGES", DESIGNATION), ("Libellé", DESIGNATION),
    ("Unité", UNIT), ("U", UNIT), ("U.", UNIT),
    ("Qté", QUANTITY), ("Quantité", QUANTITY), ("QUANTITE", QUANTITY), ("Q", QUANTITY),
    ("PU HT", PRICE), ("P.U. HT", PRICE), ("Prix unitaire", PRICE), ("Prix unitaire € HT", PRICE), ("P.U", PRICE),
    ("Prix unitaire HT en chiffres", PRICE),
    ("Prix Total HT", TOTAL), ("Montant HT", TOTAL), ("MONTANT € HT", TOTAL), ("Total", TOTAL),
    ("Prix unitaire HT en lettres", "ignore"), ("Observations", "ignore"),
    ("Nombre", QUANTITY), ("Fournitures", "price"), ("DÉCOMPOSITION DU PRIX GLOBAL ET FORFAITAIRE", None),
])
def test_column_names_seen_in_files(label, role):
    assert column_role(label) == role


def test_header_after_a_title_block_in_column_a():
    rows = [["Ville de Villejuif"], ["Lot 4 - CVC"], ["PRO-DCE : DPGF"], [],
            ["Pour rappel : les quantités sont données à titre indicatif."], [],
            ["N°", "DESIGNATION DES OUVRAGES", "Unité", "Qté", "PU HT", "Prix Total HT"], [5.0, "CVC"]]
    header = find_header(rows)
    assert (header.row, header.last_row) == (6, 6)
    assert header.columns == {CODE: 0, DESIGNATION: 1, UNIT: 2, QUANTITY: 3, PRICE: 4, TOTAL: 5}
    assert not header.is_recap


def test_table_starting_in_column_b_with_quantity_before_unit():
    rows = [["", "DPGF"], ["", "Code", "Libellé", "Quantité", "U", "P.U. HT", "Montant HT"]]
    assert find_header(rows).columns == {CODE: 1, DESIGNATION: 2, QUANTITY: 3, UNIT: 4, PRICE: 5, TOTAL: 6}


def test_header_split_over_two_rows_with_merged_group_cells():
    rows = [["", "DÉCOMPOSITION DU PRIX GLOBAL ET FORFAITAIRE"],  # a title line: never half a header
            ["N°", "Désignation", "QUANTITE", "", "Fournitures", ""],
            ["", "", "U", "Qté", "P.U", "Montant"],
            ["1", "GROS OEUVRE"]]
    header = find_header(rows)
    assert (header.row, header.last_row) == (1, 2)
    assert header.columns == {CODE: 0, DESIGNATION: 1, UNIT: 2, QUANTITY: 3, PRICE: 4, TOTAL: 5}


def test_a_bpu_header_and_a_recap_header():
    bpu = find_header([["N° prix", "Désignation", "Unité", "Prix unitaire HT en chiffres", "Prix unitaire HT en lettres"]])
    assert bpu.columns == {CODE: 0, DESIGNATION: 1, UNIT: 2, PRICE: 3} and not bpu.is_recap
    recap = find_header([["RECAPITULATIF"], ["N°", "Désignation", "Montant HT"]])
    assert recap.row == 1 and recap.is_recap


@pytest.mark.parametrize("rows", [
    [["Client", "Ville de Villejuif"], ["Numéro du lot", 4.0], ["Désignation du lot", "CVC"]],  # an info sheet
    [["Tâche", "Durée (j)", "Début", "Fin", "S1", "S2"]],  # a schedule
    [["Article", "Désignation", "Localisation", "Observations"]],  # a CCTP table: no unit, quantity or price
    [["N°", "Désignation", "Unité", 12.0, "PU", "Total"]],  # a number: a data row, not a header
    [],
])
def test_no_price_table(rows):
    assert find_header(rows) is None


def test_header_only_searched_in_the_first_rows():
    rows = [[f"ligne {i}"] for i in range(60)] + [["N°", "Désignation", "Unité", "Qté"]]
    assert find_header(rows) is None
    assert find_header(rows, scan=70).row == 60
