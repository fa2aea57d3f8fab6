"""Numbers as French files write them: ``1 234,56 €`` in cells, ``quarante-sept euros`` in BPU letters."""

from __future__ import annotations

_UNITS = ("zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
          "seize").split()
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def french_number(value: float, decimals: int, *, currency: bool = False, separator: str = " ") -> str:
    """``1234.5`` → ``1 234,50`` (``1 234,50 €`` with ``currency``)."""
    text = f"{value:,.{decimals}f}".replace(",", "\u0001").replace(".", ",").replace("\u0001", separator)
    return f"{text} €" if currency else text


def _below_100(n: int) -> str:
    if n < 17:
        return _UNITS[n]
    if n < 20:
        return "dix-" + _UNITS[n - 10]
    tens, unit = divmod(n, 10)
    if tens in (7, 9):
        base = "soixante" if tens == 7 else "quatre-vingt"
        return base + ("-et-" if tens == 7 and unit == 1 else "-") + _below_100(10 + unit)
    if tens == 8:
        return "quatre-vingts" if unit == 0 else "quatre-vingt-" + _UNITS[unit]
    if unit == 0:
        return _TENS[tens]
    return _TENS[tens] + ("-et-un" if unit == 1 else "-" + _UNITS[unit])


def _below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        words.append("cent" if hundreds == 1 else _UNITS[hundreds] + (" cents" if rest == 0 else " cent"))
    if rest or not hundreds:
        words.append(_below_100(rest))
    return " ".join(words)


def in_words(n: int) -> str:
    """An integer below a billion in French words."""
    if n < 1000:
        return _below_1000(n)
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        head = "mille" if thousands == 1 else _below_1000(thousands) + " mille"
        return head + (" " + _below_1000(rest) if rest else "")
    millions, rest = divmod(n, 1_000_000)
    head = _below_1000(millions) + (" million" if millions == 1 else " millions")
    return head + (" " + in_words(rest) if rest else "")


def price_in_words(value: float) -> str:
    euros = int(value)
    cents = int(round((value - euros) * 100))
    if cents == 100:
        euros, cents = euros + 1, 0
    text = f"{in_words(euros)} euro{'s' if euros > 1 else ''}"
    return text + (f" et {in_words(cents)} centime{'s' if cents > 1 else ''}" if cents else "")
