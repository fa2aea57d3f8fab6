"""Trades (corps d'état) and the documented rules that read a trade from a lot name.

A lot name is normalised (accents, case, œ, punctuation ignored) and matched against keyword rules,
one list per trade, checked in any order. Outcome:

- exactly one trade matched: the lot's lines are labelled with it;
- several trades matched ("CVC - Electricité", "Plomberie / CVC", "Charpente - Couverture"): the lot
  covers several trades, its lines stay unlabelled (the model predicts them, it does not learn from them);
- none matched ("Lot 12", "Menuiseries", "Tous corps d'état"): unlabelled.

Generic words yield to specific ones of the same family: "électricité" alone means courants forts,
but "Electricité courants faibles" is courants faibles only; "revêtements" says nothing without
"sols" or "muraux".
"""

from __future__ import annotations

import re
import unicodedata

TRADE_LABELS = {
    "vrd": "VRD", "demolition_desamiantage": "démolition – désamiantage", "gros_oeuvre": "gros œuvre",
    "charpente": "charpente", "couverture_etancheite": "couverture – étanchéité",
    "facades_ravalement": "façades – ravalement", "menuiseries_exterieures": "menuiseries extérieures",
    "menuiseries_interieures": "menuiseries intérieures", "metallerie_serrurerie": "métallerie – serrurerie",
    "platrerie_cloisons_plafonds": "plâtrerie – cloisons – plafonds", "revetements_sols": "revêtements de sols",
    "peinture_revetements_muraux": "peinture – revêtements muraux", "plomberie_sanitaires": "plomberie – sanitaires",
    "cvc": "CVC", "electricite_courants_forts": "électricité courants forts", "courants_faibles": "courants faibles",
    "ascenseurs": "ascenseurs", "espaces_verts": "espaces verts",
}
TRADES = tuple(TRADE_LABELS)

# trade → keywords (regular expressions on the normalised name, matched on word boundaries)
RULES: dict[str, list[str]] = {
    "vrd": [r"vrd", r"v r d", r"voiries?", r"reseaux divers", r"terrassements?( generaux)?", r"assainissement"],
    "demolition_desamiantage": [r"demolitions?", r"desamiantage", r"curage", r"deplombage", r"depose", r"amiante"],
    "gros_oeuvre": [r"gros ?oeuvre", r"g ?o", r"maconneries?", r"beton arme"],
    "charpente": [r"charpentes?", r"ossature bois"],
    "couverture_etancheite": [r"couvertures?", r"etancheites?", r"zinguerie", r"toiture( terrasse)?"],
    "facades_ravalement": [r"facades?", r"ravalements?", r"bardages?", r"i ?t ?e", r"isolation thermique par l exterieur"],
    "menuiseries_exterieures": [r"menuiseries? ext(erieures?)?", r"(interieures?|int) et ext(erieures?)?", r"occultations?",
                                r"fermetures"],
    "menuiseries_interieures": [r"menuiseries?( bois)? int(erieures?)?", r"(exterieures?|ext) et int(erieures?)?", r"agencements?"],
    "metallerie_serrurerie": [r"metallerie", r"serrurerie", r"ferronnerie"],
    "platrerie_cloisons_plafonds": [r"platrerie", r"cloisons?( seches)?", r"doublages?", r"faux ?plafonds?",
                                    r"plafonds?"],
    "revetements_sols": [r"revetements? de sols?", r"sols? souples?", r"sols? durs?", r"carrelages?", r"faiences?",
                         r"sols? scelles", r"sols?"],
    "peinture_revetements_muraux": [r"peintures?", r"revetements? muraux", r"tentures?", r"et muraux"],
    "plomberie_sanitaires": [r"plomberie", r"sanitaires?"],
    "cvc": [r"cvc", r"c v c", r"chauffage", r"ventilation", r"climatisation", r"vmc", r"genie (climatique|thermique)",
            r"desenfumage", r"traitement d air", r"gtc", r"gtb"],
    "electricite_courants_forts": [r"courants? forts?", r"cfo", r"eclairage"],
    "courants_faibles": [r"courants? faibles?", r"forts? et faibles?", r"cfa", r"vdi", r"ssi", r"securite incendie", r"controle d acces",
                         r"videosurveillance", r"video", r"interphonie", r"surete"],
    "ascenseurs": [r"ascenseurs?", r"elevateurs?", r"monte ?charges?"],
    "espaces_verts": [r"espaces? verts?", r"paysagers?", r"plantations?", r"paysage"],
}
# Generic words: they name a trade only when no specific word of the same family is there.
GENERIC: dict[str, tuple[str, tuple[str, ...]]] = {
    "electricite_courants_forts": (r"electricite|electrique", ("courants_faibles",)),
}
# "Electricité générale" names both families: courants forts by its rule, courants faibles here.
BOTH = {r"electricite generale": ("electricite_courants_forts", "courants_faibles")}

_COMPILED = {t: re.compile(r"\b(" + "|".join(words) + r")\b") for t, words in RULES.items()}
_GENERIC = {t: (re.compile(r"\b(" + w + r")\b"), others) for t, (w, others) in GENERIC.items()}
_BOTH = {re.compile(r"\b" + w + r"\b"): trades for w, trades in BOTH.items()}


def normalise(text: str) -> str:
    """Lower case, no accents, œ/æ spelt out, every run of non-letters one space."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def trades_named(lot_name: str | None) -> set[str]:
    """Every trade the lot name names."""
    if not lot_name:
        return set()
    name = normalise(lot_name)
    found = {t for t, pattern in _COMPILED.items() if pattern.search(name)}
    for trade, (pattern, specific) in _GENERIC.items():
        if pattern.search(name) and not found & set(specific):
            found.add(trade)
    for pattern, trades in _BOTH.items():
        if pattern.search(name):
            found.update(trades)
    return found


def trade_of_lot(lot_name: str | None) -> str | None:
    """The lot's trade when its name names exactly one, else None (several trades or none)."""
    found = trades_named(lot_name)
    return next(iter(found)) if len(found) == 1 else None
