"""The template generator: every combination reads as French, from the facts, always the same."""

import dataclasses
import re

import pytest

from dpgf_assets.content.criteria import Combination, Criteria
from dpgf_assets.content.facts import (DocumentFacts, FactsOptions, ItemFacts, LotFacts, OutlierFacts,
                                       ProjectFacts, TradeFacts)
from dpgf_assets.content.template import TemplateGenerator

OFFER = DocumentFacts(name="Offre A.xlsx", path="Projets/P/Offre A.xlsx", doc_type="DPGF", lot_code="02",
                      lot_name="Gros œuvre", lines=12, priced_lines=10, lines_total=125_430.5,
                      declared_total=126_000.0, gap=569.5, unpriced=2, pm=1, included=1, options=1,
                      options_total=4_200.0, variants=0, variants_total=0.0, warnings=3)
PRICED = ProjectFacts(
    project="Projets/P", name="Groupe scolaire Jean Moulin", documents=(OFFER,),
    lots=(LotFacts("02", "Gros œuvre", 1, 1, 125_430.5, 125_430.5, 125_430.5),), priced_documents=1,
    lowest_total=125_430.5,
    largest_items=(ItemFacts("Offre A.xlsx", "02", "Voiles béton | ép. 20 cm", "m2", 300, 150.0, 45_000.0, 0.3588),),
    top_share=0.3588, unpriced=2, pm=1, included=1, options=(), options_count=1, variants_count=0,
    options_total=4_200.0, compared=8,
    outliers=(OutlierFacts("Offre A.xlsx", "Enduit monocouche", "m2", 6.0, "low", 22.0, 20.5, 22.75, 7, 0.273),),
    outliers_low=1, outliers_high=0, gaps=1, has_predictions=True,
    trades=(TradeFacts("gros_oeuvre", "gros œuvre", 10, 125_430.5, 1.0, 2),), rules=FactsOptions())
BLANK = dataclasses.replace(
    PRICED, documents=(dataclasses.replace(OFFER, lines_total=None, declared_total=None, gap=None, unpriced=0),),
    lots=(LotFacts("02", "Gros œuvre", 1, 0, None, None, None),), priced_documents=0, lowest_total=None,
    largest_items=(), top_share=None, unpriced=0, pm=0, included=0, options_count=0, options_total=0.0,
    compared=0, outliers=(), outliers_low=0, gaps=0, has_predictions=False, trades=())


@pytest.mark.parametrize("facts", [PRICED, BLANK], ids=["priced", "blank forms"])
def test_every_combination_renders_french_markdown_without_holes(facts):
    generator = TemplateGenerator()
    texts = {c: generator.generate(facts, c) for c in Criteria().combinations()}
    assert len(set(texts.values())) == 36  # each combination says something of its own
    for combination, text in texts.items():
        assert text.startswith("## ") and "Groupe scolaire Jean Moulin" in text, combination
        assert not re.search(r"\b(None|nan|Undefined)\b|\{\{|\{%|\n\n\n", text), (combination, text)
    for combination, text in texts.items():
        if combination.style == "tableau" and (facts is PRICED or combination.theme == "synthese_financiere"):
            assert "|---" in text, combination


def test_the_briefs_quote_the_facts_in_french():
    generator = TemplateGenerator()
    court = generator.generate(PRICED, Combination("maitre_ouvrage", "synthese_financiere", "court"))
    assert "**125\u202f430\u00a0€ HT**" in court and "lot 02 – Gros œuvre" in court
    vigilance = generator.generate(PRICED, Combination("economiste", "points_de_vigilance", "detaille"))
    assert "« Enduit monocouche »" in vigilance and "6,00\u00a0€ le m2" in vigilance
    assert "médiane 22,00\u00a0€, quartiles 20,50\u00a0€ – 22,75\u00a0€ sur 7 prix (−73\u00a0%)" in vigilance
    assert "Anomalies de structure" in vigilance  # the economist sees the reading remarks, others do not
    assert "Anomalies de structure" not in generator.generate(
        PRICED, Combination("direction", "points_de_vigilance", "detaille"))
    table = generator.generate(PRICED, Combination("economiste", "synthese_financiere", "tableau"))
    assert "Voiles béton \\| ép. 20 cm" in table  # a pipe in a designation does not break the table
    assert "| Gros œuvre | 10 | 125\u202f430\u00a0€ | 100\u00a0% |" in table
    blank = generator.generate(BLANK, Combination("maitre_ouvrage", "comparaison_referentiel", "court"))
    assert "cadres encore vierges" in blank


def test_the_same_facts_give_the_same_text_and_the_generator_names_its_wording():
    one, two = TemplateGenerator(), TemplateGenerator()
    combination = Combination("entreprise", "comparaison_referentiel", "detaille")
    assert one.generate(PRICED, combination) == two.generate(PRICED, combination)
    assert one.name == two.name and one.name.startswith("template:")
