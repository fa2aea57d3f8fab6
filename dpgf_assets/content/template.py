"""The default generator: Jinja2 templates, one per theme, written for each audience and style.

Deterministic: the same facts and criteria always give the same text. The figures are put into
French once per project (``view``) and shared by its briefs, so a brief costs one template render.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from dpgf_assets.content.criteria import AUDIENCES, THEMES, Combination
from dpgf_assets.content.facts import ProjectFacts
from dpgf_assets.content.french import enumeration, euros, number, percent, plural, quantity

TEMPLATES = Path(__file__).with_name("templates")

# What changes with the reader: how the note is addressed, and what it asks them to do.
AUDIENCE_WORDING = {
    "maitre_ouvrage": {
        "to": "Note à l'attention du maître d'ouvrage",
        "synthese": "Ce montant est à rapprocher de l'enveloppe prévisionnelle des travaux avant toute attribution.",
        "synthese_empty": "La comparaison avec l'enveloppe prévisionnelle sera possible à réception des offres.",
        "vigilance": "Nous recommandons d'obtenir des entreprises concernées des précisions écrites sur ces points "
                     "avant toute attribution ; pour un marché public, une offre qui paraît anormalement basse "
                     "impose d'en demander la justification (code de la commande publique, art. R2152-3).",
        "vigilance_none": "Le dossier peut être instruit sans demande de précision préalable sur ces points.",
        "reference": "Un prix signalé n'est pas une erreur avérée : il justifie une demande d'explication à "
                     "l'entreprise avant toute décision.",
    },
    "economiste": {
        "to": "Note d'analyse économique",
        "synthese": "Rapprocher ce montant de l'estimation de la maîtrise d'œuvre, lot par lot, en commençant "
                    "par les postes les plus lourds.",
        "synthese_empty": "Les quantités des cadres peuvent déjà servir à l'estimation, en les valorisant au "
                          "référentiel de prix.",
        "vigilance": "Points à reprendre dans le rapport d'analyse des offres : contrôle arithmétique des totaux, "
                     "lignes à faire chiffrer, prix à faire justifier.",
        "vigilance_none": "Le contrôle arithmétique et la comparaison au référentiel ne relèvent aucune anomalie.",
        "reference": "Les écarts sont mesurés à la médiane du référentiel ; le signalement suppose un prix hors "
                     "de l'intervalle interquartile élargi, et non un simple écart à la moyenne.",
    },
    "entreprise": {
        "to": "Note à l'attention de l'entreprise",
        "synthese": "Vérifiez que ces montants concordent avec ceux portés à l'acte d'engagement.",
        "synthese_empty": "Les cadres sont à chiffrer ligne à ligne, sans en modifier la structure.",
        "vigilance": "Avant remise ou mise au point de l'offre : compléter les lignes non chiffrées, mettre les "
                     "totaux en cohérence avec les lignes et préparer la justification des prix signalés.",
        "vigilance_none": "Aucune correction n'est à prévoir sur ces points avant la remise.",
        "reference": "Un prix signalé bas doit pouvoir être justifié (mode opératoire, prix des fournitures, "
                     "sous-traitance) ; un prix signalé élevé pèse sur le classement de l'offre.",
    },
    "direction": {
        "to": "Note à l'attention de la direction",
        "synthese": "Montant à confronter au budget de l'opération.",
        "synthese_empty": "Pas de montant à arbitrer à ce stade.",
        "vigilance": "Décision attendue : faire lever ces points par les entreprises avant l'attribution.",
        "vigilance_none": "Pas de risque financier identifié sur ces contrôles.",
        "reference": "Les prix hors marché sont à faire expliquer avant de s'engager.",
    },
}
THEME_TITLES = {"synthese_financiere": "Synthèse financière", "points_de_vigilance": "Points de vigilance",
                "comparaison_referentiel": "Comparaison au référentiel de prix"}
DIRECTIONS = {"low": "anormalement bas", "high": "anormalement élevé"}


def lot_label(code: str | None, name: str | None) -> str:
    if code and name:
        return f"lot {code} – {name}"
    if code:
        return f"lot {code}"
    return name or "documents sans lot identifié"


def _signed_percent(ratio: float) -> str:
    text = percent(abs(ratio - 1))
    return ("+" if ratio >= 1 else "−") + text


def checks(facts: ProjectFacts, gaps: list[dict], outliers: list[dict], blank: int) -> list[dict]:
    """The vigilance checklist, most serious first; a check with no finding still shows as passed."""
    low = [o for o in outliers if o["low"]]
    high = [o for o in outliers if not o["low"]]

    def example(found: list[dict]) -> str:
        if not found:
            return ""
        o = found[0]
        return (f" ; le plus marqué : « {o['designation']} » à {o['price']} le {o['unit']}, "
                f"pour une médiane de {o['median']} ({o['count']} prix)")

    extras = facts.options_count + facts.variants_count
    warnings = sum(d.warnings for d in facts.documents)
    return [
        {"title": "Écarts entre total déclaré et somme des lignes", "short": plural(len(gaps), "écart de total", "écarts de total"),
         "count": len(gaps), "level": "élevé",
         "finding": enumeration([f"« {g['document']} » (total déclaré {g['declared']}, somme des lignes "
                                 f"{g['lines']}, écart {g['gap']})" for g in gaps[:3]])
         + (f" et {len(gaps) - 3} autres" if len(gaps) > 3 else ""),
         "action": "faire rectifier l'erreur matérielle ou confirmer le montant qui engage l'entreprise",
         "technical": False},
        {"title": "Prix anormalement bas", "short": plural(facts.outliers_low, "prix anormalement bas", "prix anormalement bas"),
         "count": facts.outliers_low, "level": "élevé",
         "finding": f"{plural(facts.outliers_low, 'prix', 'prix')} sous la fourchette du référentiel{example(low)}",
         "action": "demander la justification des prix concernés (offre anormalement basse)", "technical": False},
        {"title": "Lignes non chiffrées", "short": plural(facts.unpriced, "ligne non chiffrée", "lignes non chiffrées"),
         "count": facts.unpriced, "level": "moyen",
         "finding": f"{plural(facts.unpriced, 'article')} sans prix dans des documents par ailleurs chiffrés",
         "action": "faire compléter le prix ou confirmer par écrit que la prestation est comprise ailleurs",
         "technical": False},
        {"title": "Prix anormalement élevés", "short": plural(facts.outliers_high, "prix anormalement élevé", "prix anormalement élevés"),
         "count": facts.outliers_high, "level": "moyen",
         "finding": f"{plural(facts.outliers_high, 'prix', 'prix')} au-dessus de la fourchette du référentiel{example(high)}",
         "action": "vérifier unité et quantité, puis négocier si le prix est confirmé", "technical": False},
        {"title": "Lignes pour mémoire (PM)", "short": plural(facts.pm, "ligne pour mémoire", "lignes pour mémoire"),
         "count": facts.pm, "level": "faible",
         "finding": f"{plural(facts.pm, 'ligne')} « pour mémoire », sans montant",
         "action": "s'assurer que ces prestations sont couvertes par un autre prix", "technical": False},
        {"title": "Lignes « compris » ou « inclus »", "short": plural(facts.included, "ligne « compris »", "lignes « compris »"),
         "count": facts.included, "level": "faible",
         "finding": f"{plural(facts.included, 'ligne')} déclarée{'s' if facts.included > 1 else ''} comprise"
                    f"{'s' if facts.included > 1 else ''} dans un autre prix",
         "action": "identifier le prix qui les comprend", "technical": False},
        {"title": "Options et variantes", "short": plural(extras, "option ou variante", "options ou variantes"),
         "count": extras, "level": "faible",
         "finding": f"{options_phrase(facts)} pour {euros(facts.options_total)} HT",
         "action": "décider avant l'attribution de les retenir ou non", "technical": False},
        {"title": "Cadres non chiffrés", "short": plural(blank, "cadre non chiffré", "cadres non chiffrés"),
         "count": blank, "level": "faible",
         "finding": f"{plural(blank, 'document')} sans aucun prix (cadre de consultation)",
         "action": "attendre ou relancer les offres correspondantes", "technical": False},
        {"title": "Anomalies de structure à la lecture", "short": plural(warnings, "remarque de lecture", "remarques de lecture"),
         "count": warnings, "level": "faible",
         "finding": f"{plural(warnings, 'remarque')} de lecture (codes en double, chapitres sans parent…)",
         "action": "contrôler la numérotation des documents concernés", "technical": True},
    ]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cell(text: object) -> str:
    """Text safe in a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _split_checks(shown: list[dict]) -> dict:
    return {"shown": shown, "open": [c for c in shown if c["count"]], "passed": [c for c in shown if not c["count"]]}


def options_phrase(facts: ProjectFacts) -> str:
    return enumeration([plural(facts.options_count, "option") if facts.options_count else "",
                        plural(facts.variants_count, "variante") if facts.variants_count else ""]) or "aucune option"


def view(facts: ProjectFacts) -> dict:
    """The facts of one project put into French, once for all its briefs."""
    types: dict[str, int] = {}
    for d in facts.documents:
        types[d.doc_type] = types.get(d.doc_type, 0) + 1
    total = facts.lowest_total
    lots = [{
        "label": lot_label(lot.code, lot.name), "documents": lot.documents, "priced": lot.priced,
        "lowest": euros(lot.lowest), "highest": euros(lot.highest), "median": euros(lot.median),
        "amount": lot.lowest,
        "spread": percent(lot.highest / lot.lowest - 1) if lot.priced > 1 and lot.lowest else None,
        "share": percent(lot.lowest / total) if total and lot.lowest is not None else None,
    } for lot in facts.lots]
    priced_lots = [lot for lot in lots if lot["amount"] is not None]
    main_lot = max(priced_lots, key=lambda lot: lot["amount"]) if priced_lots else None
    gaps = [{"document": d.name, "declared": euros(d.declared_total, cents=True),
             "lines": euros(d.lines_total, cents=True), "gap": euros(d.gap, cents=True),
             "share": percent(abs(d.gap) / abs(d.declared_total), 1) if d.declared_total else "–"}
            for d in facts.documents if d.gap is not None]
    outliers = [{
        "designation": o.designation, "document": o.document, "unit": o.unit, "price": euros(o.unit_price, True),
        "median": euros(o.median, True), "q1": euros(o.q1, True), "q3": euros(o.q3, True), "count": o.count,
        "direction": DIRECTIONS[o.direction], "low": o.direction == "low", "gap": _signed_percent(o.ratio),
    } for o in facts.outliers]
    rules = facts.rules
    blank = len(facts.documents) - facts.priced_documents
    found = checks(facts, gaps, outliers, blank)
    for c in found:  # capitalised and table-safe once, not in every brief
        c["Finding"], c["Action"] = _cap(c["finding"]), _cap(c["action"])
        c["finding_cell"], c["action_cell"] = _cell(c["Finding"]), _cell(c["Action"])
    level = next((c["level"] for c in found if c["count"] and not c["technical"]), None)
    public = [c for c in found if not c["technical"]]
    return {
        "risk": level,
        "vigilance": {"all": _split_checks(found), "public": _split_checks(public)},
        "name": facts.name,
        "documents": plural(len(facts.documents), "document"),
        "n_documents": len(facts.documents),
        "types": enumeration([f"{n} {t}" for t, n in sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))]),
        "lots": lots, "n_lots": plural(len(lots), "lot"), "main_lot": main_lot,
        "priced_documents": facts.priced_documents,
        "blank_documents": blank,
        "total": euros(total) if total is not None else None,
        "largest": [{"designation": i.designation, "document": i.document, "lot": lot_label(i.lot_code, None)
                   if i.lot_code else "–", "quantity": quantity(i.quantity), "unit": i.unit or "–",
                   "unit_price": euros(i.unit_price, True), "total": euros(i.total),
                   "share": percent(i.share, 1) if i.share is not None else "–"} for i in facts.largest_items],
        "top_share": percent(facts.top_share) if facts.top_share is not None else None,
        "unpriced": facts.unpriced, "pm": facts.pm, "included": facts.included,
        "options": [{"document": o.document, "kind": "option" if o.kind == "option" else "variante",
                     "designation": o.designation, "total": euros(o.total)} for o in facts.options],
        "options_count": facts.options_count, "variants_count": facts.variants_count,
        "options_phrase": options_phrase(facts),
        "options_total": euros(facts.options_total),
        "compared": facts.compared, "outliers": outliers, "low": facts.outliers_low, "high": facts.outliers_high,
        "in_range": percent((facts.compared - facts.outliers_low - facts.outliers_high) / facts.compared)
        if facts.compared else None,
        "gaps": gaps, "warnings": sum(d.warnings for d in facts.documents),
        "has_trades": bool(facts.trades),
        "trades": [{"label": t.label, "lines": t.lines, "amount": euros(t.amount),
                    "share": percent(t.share) if t.share is not None else "–", "low_confidence": t.low_confidence}
                   for t in facts.trades],
        "factor": number(rules.outlier_factor, 1), "min_gap": percent(rules.outlier_min_gap),
        "min_count": rules.reference_min_count,
    }


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=False, autoescape=False)
    env.filters["pl"] = plural
    env.filters["cap"] = _cap
    env.filters["cell"] = _cell
    return env


def templates_digest() -> str:
    """A short hash of the templates and this module: briefs written by other wording are rewritten."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted(TEMPLATES.glob("*.j2")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


class TemplateGenerator:
    concurrent = False

    def __init__(self) -> None:
        env = _environment()
        self.templates = {theme: env.get_template(f"{theme}.md.j2") for theme in THEMES}
        self.name = f"template:{templates_digest()}"
        self._views: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def _view(self, facts: ProjectFacts) -> dict:
        with self._lock:
            found = self._views.get(facts.digest)
        if found is None:
            found = view(facts)
            with self._lock:
                self._views[facts.digest] = found
                while len(self._views) > 64:
                    self._views.popitem(last=False)
        return found

    def generate(self, facts: ProjectFacts, combination: Combination) -> str:
        text = self.templates[combination.theme].render(
            p=self._view(facts), a=AUDIENCE_WORDING[combination.audience], audience=combination.audience,
            audience_label=AUDIENCES[combination.audience], style=combination.style,
            title=THEME_TITLES[combination.theme])
        return text.strip() + "\n"
