"""The criteria of a brief (audience × theme × style): their vocabulary, their French labels, their product.

Settings choose a subset of each vocabulary; a value outside it is refused, since the template
generator has wording for these values only.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterable

AUDIENCES = {"maitre_ouvrage": "maître d'ouvrage", "economiste": "économiste", "entreprise": "entreprise",
             "direction": "direction"}
THEMES = {"synthese_financiere": "synthèse financière", "points_de_vigilance": "points de vigilance",
          "comparaison_referentiel": "comparaison au référentiel de prix"}
STYLES = {"court": "court", "detaille": "détaillé", "tableau": "tableau"}
VOCABULARY = {"audience": AUDIENCES, "theme": THEMES, "style": STYLES}


class CriteriaError(ValueError):
    """A criterion value outside its vocabulary; the message names the allowed values."""


def known_values(values: Iterable[str], dimension: str) -> bool:
    """True when ``values`` is a non-empty list of distinct known values of ``dimension``."""
    values = list(values)
    return bool(values) and len(set(values)) == len(values) and set(values) <= set(VOCABULARY[dimension])


@dataclass(frozen=True)
class Combination:
    audience: str
    theme: str
    style: str

    def label(self) -> str:
        return f"{self.audience} × {self.theme} × {self.style}"


@dataclass(frozen=True)
class Criteria:
    """The configured values of each dimension; every combination of them is one brief per project."""

    audiences: tuple[str, ...] = tuple(AUDIENCES)
    themes: tuple[str, ...] = tuple(THEMES)
    styles: tuple[str, ...] = tuple(STYLES)

    def __post_init__(self) -> None:
        for dimension, values in self.allowed().items():
            if not known_values(values, dimension):
                raise CriteriaError(f"{dimension}: {', '.join(values) or '(none)'} is not allowed: expected "
                                    f"distinct values among {', '.join(VOCABULARY[dimension])}")

    def allowed(self) -> dict[str, tuple[str, ...]]:
        return {"audience": self.audiences, "theme": self.themes, "style": self.styles}

    def combinations(self) -> list[Combination]:
        return [Combination(a, t, s) for a, t, s in itertools.product(self.audiences, self.themes, self.styles)]

    def check(self, dimension: str, value: str) -> None:
        """Refuse a value this configuration does not generate, naming the allowed ones."""
        allowed = self.allowed()[dimension]
        if value not in allowed:
            raise CriteriaError(f"unknown {dimension} {value!r}: allowed values are {', '.join(allowed)}")
