"""Facts drawn from a hand-built warehouse: totals, gaps, largest items, special lines, outliers, trades."""

import pytest

from dpgf_assets.content.facts import FactsOptions, load_facts, resolve_projects
from dpgf_assets.warehouse.trades import current_model_version
from dpgf_assets.content.reference import load_reference, refresh_reference
from dpgf_assets_tests.content.builders import add_predictions, document, item, reference_prices


def project_facts(engine, key="Projets/P1", options=FactsOptions()):
    refresh_reference(engine, options.reference_min_count)
    with engine.connect() as conn:
        project = next(p for p in resolve_projects(conn) if p.key == key)
        facts = load_facts(conn, [project], load_reference(conn, options.reference_min_count), options,
                           current_model_version(conn))
    return facts[project.id]


@pytest.fixture
def warehouse(engine):
    # the reference: 'Enduit monocouche' at 20, 21, 22, 23, 24 €/m2 (median 22, quartiles 21 and 23)
    reference_prices(engine, "Projets/Référence", "Enduit monocouche", "m2", [20, 21, 22, 23, 24])
    reference_prices(engine, "Projets/Référence", "Porte coupe-feu EI30", "u", [800, 820, 850, 870, 900])
    # two offers for lot 02 and one blank form for lot 08
    document(engine, "Projets/P1", "Offre A - Lot 02.xlsx", [
        item("Enduit monocouche\nfinition grattée", "m2", 100, 6.0),  # far below 21 - 1.5 × 2: low
        item("Béton de propreté", "m2", 50, 12.0),
        item("Porte coupe-feu EI30", "u", 4, 2000.0),  # far above: high
        item("Nettoyage", "ft", None, None),  # unpriced in a priced document
        item("Classement du bâtiment", "pm", None, None, kind="pm"),
        item("Protection des ouvrages", "cmp", None, None, kind="included"),
        item("Peinture des radiateurs", "m2", 10, 15.0, kind="option"),
    ], declared=10_000.0)  # the lines make 600 + 600 + 8000 = 9200
    document(engine, "Projets/P1", "Offre B - Lot 02.xlsx", [
        item("Enduit monocouche", "m2", 100, 22.5),  # in range
        item("Béton de propreté", "m2", 50, 14.0),
        item("Porte coupe-feu EI30", "u", 4, 850.0),
        item("Brise-soleil", "m2", 5, 300.0, kind="variant"),
    ], declared=6_350.0)  # 2250 + 700 + 3400 = 6350: no gap
    document(engine, "Projets/P1", "DCE Lot 08.xlsx", [
        item("Bloc-porte", "u", 12, None), item("Butoir", "u", 12, None),
        item("Quincaillerie", "pm", None, None, kind="pm")], lot=("08", "Menuiseries intérieures"))
    return engine


def test_totals_per_document_and_lot_and_declared_gaps(warehouse):
    facts = project_facts(warehouse)
    docs = {d.name: d for d in facts.documents}
    a, b, blank = docs["Offre A - Lot 02.xlsx"], docs["Offre B - Lot 02.xlsx"], docs["DCE Lot 08.xlsx"]
    assert (a.lines_total, a.declared_total, a.gap) == (9200.0, 10_000.0, 800.0)
    assert (b.lines_total, b.declared_total, b.gap) == (6350.0, 6350.0, None)
    assert blank.lines_total is None and blank.unpriced == 0  # a blank form is not "unpriced lines"
    assert (a.unpriced, a.pm, a.included, a.options, a.options_total) == (1, 1, 1, 1, 150.0)
    assert (b.variants, b.variants_total) == (1, 1500.0)
    lots = {lot.code: lot for lot in facts.lots}
    assert (lots["02"].documents, lots["02"].priced, lots["02"].lowest, lots["02"].highest) == (2, 2, 6350.0, 9200.0)
    assert (lots["08"].priced, lots["08"].lowest) == (0, None)
    assert facts.lowest_total == 6350.0 and facts.priced_documents == 2 and facts.gaps == 1
    # PM and included lines count in priced documents only; options and variants both listed
    assert (facts.unpriced, facts.pm, facts.included) == (1, 1, 1)
    assert (facts.options_count, facts.variants_count, facts.options_total) == (1, 1, 1650.0)
    assert [o.designation for o in facts.options] == ["Brise-soleil", "Peinture des radiateurs"]


def test_largest_items_come_first_with_their_share_of_the_document(warehouse):
    facts = project_facts(warehouse, options=FactsOptions(top_items=2))
    first, second = facts.largest_items
    assert (first.designation, first.total, first.document) == ("Porte coupe-feu EI30", 8000.0, "Offre A - Lot 02.xlsx")
    assert first.share == round(8000 / 9200, 4)
    assert (second.designation, second.total) == ("Porte coupe-feu EI30", 3400.0)
    assert facts.top_share == round(11_400 / (9200 + 6350), 4)


def test_outliers_are_flagged_low_and_high_with_the_reference_median_and_quartiles(warehouse):
    facts = project_facts(warehouse)
    flags = {(o.designation, o.direction): o for o in facts.outliers}
    assert set(flags) == {("Enduit monocouche", "low"), ("Porte coupe-feu EI30", "high")}
    low = flags[("Enduit monocouche", "low")]
    # 'Enduit monocouche' in P1 at 6 and 22.5 joins the five reference prices: 6, 20, 21, 22, 22.5, 23, 24
    assert (low.unit_price, low.median, low.q1, low.q3, low.count) == (6.0, 22.0, 20.5, 22.75, 7)
    high = flags[("Porte coupe-feu EI30", "high")]
    assert (high.unit_price, high.median, high.count) == (2000.0, 850.0, 7)
    assert (facts.outliers_low, facts.outliers_high) == (1, 1)
    # compared: every priced line with a reference of 5 prices or more (Béton de propreté has 2)
    assert facts.compared == 4
    # a looser rule flags nothing
    loose = project_facts(warehouse, options=FactsOptions(outlier_factor=100))
    assert loose.outliers == () and loose.compared == 4


def test_the_hash_is_stable_and_follows_the_data(warehouse):
    first = project_facts(warehouse)
    assert project_facts(warehouse).digest == first.digest
    document(warehouse, "Projets/P1", "Offre B - Lot 02.xlsx", [item("Enduit monocouche", "m2", 100, 23.0)])
    assert project_facts(warehouse).digest != first.digest
    assert first.has_predictions is False and first.trades == ()


def test_the_trade_mix_comes_from_the_current_model_when_predictions_exist(warehouse):
    with warehouse.connect() as conn:
        from sqlalchemy import select

        from dpgf_assets.warehouse.schema import documents

        ids = dict(conn.execute(select(documents.c.path, documents.c.id)).all())
    a, b = ids["Projets/P1/Offre A - Lot 02.xlsx"], ids["Projets/P1/Offre B - Lot 02.xlsx"]
    add_predictions(warehouse, {(a, 0): ("facades_ravalement", "élevé"), (a, 1): ("gros_oeuvre", "moyen"),
                                (a, 2): ("menuiseries_interieures", "faible"), (b, 2): ("menuiseries_interieures", "élevé")},
                    mode="dev", version="dev-1")
    add_predictions(warehouse, {(a, 2): ("gros_oeuvre", "faible")}, mode="prod", version="prod-1")
    facts = project_facts(warehouse)
    # the prod model wins over the dev one
    assert facts.has_predictions and [(t.trade, t.lines, t.amount, t.low_confidence) for t in facts.trades] == [
        ("gros_oeuvre", 1, 8000.0, 1)]
    assert facts.trades[0].label == "gros œuvre" and facts.trades[0].share == round(8000 / 15_550, 4)
