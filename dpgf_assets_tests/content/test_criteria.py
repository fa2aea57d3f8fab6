"""Criteria are settings: validated, and their product is what gets generated."""

import pytest

from dpgf_assets.content.config import criteria_of
from dpgf_assets.content.criteria import Criteria, CriteriaError
from dpgf_assets.settings import Settings, SettingsError, load_settings


def test_the_default_is_four_audiences_three_themes_three_styles():
    criteria = criteria_of(load_settings(environ={}))
    assert len(criteria.combinations()) == 36
    assert criteria.allowed()["style"] == ("court", "detaille", "tableau")


def test_configured_criteria_from_the_environment_a_file_and_back_through_dagster(tmp_path):
    settings = load_settings(environ={"DPGF_CONTENT_AUDIENCES": "economiste, direction",
                                      "DPGF_CONTENT_STYLES": "tableau"})
    assert len(criteria_of(settings).combinations()) == 2 * 3 * 1
    config = tmp_path / "workflow.yaml"
    config.write_text("content:\n  themes: [points_de_vigilance]\n  audiences: entreprise\n", encoding="utf-8")
    from_file = load_settings(config, environ={})
    assert criteria_of(from_file).combinations()[0].label() == "entreprise × points_de_vigilance × court"
    assert criteria_of(Settings.from_json(settings.to_json())) == criteria_of(settings)


@pytest.mark.parametrize("value", ["court,roman", "", "court,court"])
def test_an_unknown_empty_or_repeated_value_is_refused_naming_the_allowed_ones(value):
    with pytest.raises(SettingsError, match=r"content.styles.*among court, detaille, tableau"):
        load_settings(environ={"DPGF_CONTENT_STYLES": value})
    with pytest.raises(CriteriaError, match="distinct values among court, detaille, tableau"):
        Criteria(styles=tuple(v for v in value.split(",") if v) if value else ())
