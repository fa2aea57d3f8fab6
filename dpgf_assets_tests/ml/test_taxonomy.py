"""Labels come from lot names by the documented keyword rules; several trades leave a lot unlabelled."""

import pytest

from dpgf_assets.corpus.trades import MIXED_LOTS, TRADES as CORPUS_TRADES
from dpgf_assets.ml.taxonomy import TRADE_LABELS, TRADES, trade_of_lot, trades_named


@pytest.mark.parametrize("name, trade", [
    ("Gros œuvre", "gros_oeuvre"), ("GROS OEUVRE", "gros_oeuvre"), ("Gros-Oeuvre - Maçonnerie", "gros_oeuvre"),
    ("Plâtrerie - Cloisons - Faux plafonds", "platrerie_cloisons_plafonds"), ("PLATRERIE", "platrerie_cloisons_plafonds"),
    ("Chauffage Ventilation Climatisation", "cvc"), ("C.V.C", "cvc"), ("Désenfumage", "cvc"),
    ("Electricité", "electricite_courants_forts"), ("ELECTRICITE - Eclairage", "electricite_courants_forts"),
    ("Electricité courants faibles", "courants_faibles"), ("Sécurité incendie - SSI", "courants_faibles"),
    ("Menuiseries extérieures aluminium", "menuiseries_exterieures"), ("Menuiseries int. - Agencements",
                                                                      "menuiseries_interieures"),
    ("Serrurerie - Métallerie", "metallerie_serrurerie"), ("Carrelage - Faïence", "revetements_sols"),
    ("Peinture - Revêtements muraux", "peinture_revetements_muraux"), ("Ascenseurs", "ascenseurs"),
    ("Espaces verts - Plantations", "espaces_verts"), ("V.R.D", "vrd"), ("Désamiantage", "demolition_desamiantage"),
    ("Façades - ITE", "facades_ravalement"), ("Etanchéité", "couverture_etancheite"), ("Charpente bois", "charpente"),
    ("Plomberie - Sanitaires", "plomberie_sanitaires"),
])
def test_a_lot_naming_one_trade_labels_its_lines_whatever_the_accents_and_case(name, trade):
    assert trade_of_lot(name) == trade


@pytest.mark.parametrize("name", ["CVC - Electricité", "Plomberie / CVC", "Charpente - Couverture",
                                  "Electricité courants forts et faibles", "Electricité CFO - CFA",
                                  "Menuiseries intérieures et extérieures", "Gros œuvre - VRD", "Plâtrerie - Peinture"])
def test_a_lot_naming_several_trades_leaves_its_lines_unlabelled(name):
    assert len(trades_named(name)) >= 2
    assert trade_of_lot(name) is None


@pytest.mark.parametrize("name", [None, "", "Lot 12", "Tous corps d'état", "Menuiseries"])
def test_a_lot_naming_no_trade_is_unlabelled(name):
    assert trade_of_lot(name) is None


def test_the_generator_names_its_lots_as_the_taxonomy_reads_them():
    assert tuple(CORPUS_TRADES) == TRADES == tuple(TRADE_LABELS)
    for trade, (names, _) in CORPUS_TRADES.items():
        for name in names:
            assert trade_of_lot(name) == trade, name
    for trades, names in MIXED_LOTS:
        for name in names:
            assert trade_of_lot(name) is None, name
