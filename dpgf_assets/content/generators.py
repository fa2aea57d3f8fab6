"""The one small interface every brief writer meets (templates, a language model)."""

from __future__ import annotations

from typing import Protocol

from dpgf_assets.content.criteria import Combination
from dpgf_assets.content.facts import ProjectFacts


class GenerationError(Exception):
    """One brief could not be written (the endpoint failed past its retries, or answered nonsense)."""


class Generator(Protocol):
    name: str  # stored with each brief: a brief by another generator is rewritten
    concurrent: bool  # True when one project's briefs gain from being written in parallel (I/O-bound)

    def generate(self, facts: ProjectFacts, combination: Combination) -> str:
        """The brief's text (Markdown, in French), or GenerationError."""
        ...
