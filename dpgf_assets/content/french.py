"""French number formatting for briefs: ``1 234 567 €``, ``12,50 €``, ``12,3 %``, plurals."""

from __future__ import annotations

NBSP, THIN = "\u00a0", "\u202f"  # before a unit or a sign; between groups of thousands


def number(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{abs(value):,.{decimals}f}".replace(",", THIN).replace(".", ",")
    return ("−" if value < 0 and text.strip("0,\u202f") else "") + text


def euros(value: float | None, cents: bool = False) -> str:
    """An amount: whole euros, or cents for unit prices below a thousand euros."""
    if value is None:
        return "–"
    return f"{number(value, 2 if cents and abs(value) < 1000 else 0)}{NBSP}€"


def percent(share: float | None, decimals: int = 0) -> str:
    if share is None:
        return "–"
    return f"{number(share * 100, decimals)}{NBSP}%"


def quantity(value: float | None) -> str:
    if value is None:
        return "–"
    return number(value, 0 if float(value).is_integer() else 2)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``3 lignes``, ``1 ligne``, ``0 ligne`` (French keeps the singular below two)."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{number(count)} {word}"


def enumeration(parts: list[str]) -> str:
    """``a``, ``a et b``, ``a, b et c``."""
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " et " + parts[-1]
