"""The content settings as domain objects: the criteria, the rules of the facts, the generator."""

from __future__ import annotations

from dpgf_assets.content.criteria import Criteria
from dpgf_assets.content.facts import FactsOptions
from dpgf_assets.content.generators import Generator
from dpgf_assets.settings import Settings, SettingsError


def criteria_of(settings: Settings) -> Criteria:
    return Criteria(settings["content.audiences"], settings["content.themes"], settings["content.styles"])


def facts_options_of(settings: Settings) -> FactsOptions:
    return FactsOptions(top_items=settings["content.top_items"], outlier_factor=settings["content.outlier_factor"],
                        outlier_min_gap=settings["content.outlier_min_gap"],
                        reference_min_count=settings["content.reference_min_count"])


def generator_of(settings: Settings, api_key: str = "") -> Generator:
    """The generator ``content.generator`` names, configured from the settings."""
    if settings["content.generator"] == "llm":
        from dpgf_assets.content.llm import LLMGenerator, LLMSettings

        if not settings["llm.base_url"] or not settings["llm.model"]:
            raise SettingsError("content.generator = 'llm' needs llm.base_url and llm.model "
                                "(DPGF_LLM_BASE_URL, DPGF_LLM_MODEL)")
        return LLMGenerator(LLMSettings.of(settings, api_key or settings["llm.api_key"]))
    from dpgf_assets.content.template import TemplateGenerator

    return TemplateGenerator()
