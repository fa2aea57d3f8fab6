"""Words of the trade for generated files: lots, chapters, articles, units, companies, projects.

Chosen so that every line reads like the real thing and none of them collides with the parser's
keywords by accident (no article starts with "Total", "Option", "TVA"…); collisions are generated
on purpose elsewhere.
"""

from __future__ import annotations

SUB_CHAPTERS = ["Travaux préparatoires", "Dépose et démolitions", "Travaux de mise en œuvre", "Fournitures",
                "Mise en service", "Essais et mesures", "Bâtiment A", "Bâtiment B", "Rez-de-chaussée",
                "Etage", "Locaux techniques", "Parties communes", "Logements", "Sanitaires", "Réseaux",
                "Finitions"]

DESCRIPTIONS = ["Marque : {brand} ou techniquement équivalent", "Type : {brand} série {series}",
                "Localisation : {place}", "y compris toutes sujétions de pose",
                "y compris accessoires et raccordements", "Référence : {brand} {series}",
                "- fourniture, pose et réglages", "Finition : {finish}"]
SECTION_DESCRIPTIONS = ["Localisation : {place}", "Prestations suivant CCTP article {article}",
                        "Les ouvrages comprennent la fourniture et la pose",
                        "selon plans et coupes de l'architecte"]
BRANDS = ["ATLANTIC", "DANFOSS", "LEGRAND", "SCHNEIDER", "GROHE", "VELUX", "PLACO", "TECHNAL", "SOMFY",
          "ALDES"]
PLACES = ["tous niveaux", "rez-de-chaussée", "bâtiment A", "salles de classe", "sanitaires",
          "local technique", "circulations", "façade nord"]
FINISHES = ["blanc RAL 9010", "gris anthracite", "naturel", "laqué"]

OPTION_TITLES = ["Remplacement des luminaires extérieurs", "Brise-soleil façade sud",
                 "Réseau de récupération des eaux pluviales", "Peinture des radiateurs", "Portail motorisé",
                 "Isolation renforcée des combles"]

COMPANIES = ["Dupont Bâtiment", "SARL Martin & Fils", "Entreprise Leroy", "BTP Moreau", "Ateliers Bernard",
             "Société Garnier", "Thermique Durand SAS", "Elec Services Petit", "Menuiseries Roux",
             "Faure Construction"]

PROJECT_KINDS = ["Groupe scolaire", "Réhabilitation énergétique", "Construction d'un gymnase",
                 "Crèche municipale", "Logements collectifs", "Extension de la mairie", "Médiathèque",
                 "Maison de santé", "Restructuration du collège", "Centre technique municipal"]
PLACE_NAMES = ["Jean Moulin", "Marcel Cachin", "Les Tilleuls", "Victor Hugo", "du Centre", "Pasteur",
               "Les Acacias", "Jules Ferry", "La Fontaine", "Saint-Exupéry", "Louise Michel", "des Prés"]
CLIENTS = ["Ville de Villejuif", "Commune de Montreuil", "Ville de Nantes", "Département du Val-de-Marne",
           "Office public de l'habitat", "Communauté d'agglomération", "Ville de Lyon",
           "Syndicat intercommunal"]

HEADER_LABELS = {
    "code": ["N°", "Code", "Poste", "Réf", "Art.", "N° prix", "Réf.", "Article"],
    "designation": ["Désignation", "DESIGNATION DES OUVRAGES", "Libellé", "Désignation des travaux",
                    "DESCRIPTION"],
    "unit": ["Unité", "U", "U.", "Unité de mesure", "UNITE"],
    "quantity": ["Qté", "Quantité", "QUANTITE", "Q", "Qtés"],
    "unit_price": ["PU HT", "P.U. HT", "Prix unitaire", "Prix unitaire € HT", "P.U.", "Prix unitaire HT"],
    "total": ["Prix Total HT", "Montant HT", "MONTANT € HT", "Total", "Total HT", "Montant"],
}
BPU_PRICE_LABELS = ["Prix unitaire HT en chiffres", "PU HT (en chiffres)", "Prix unitaire € HT"]
BPU_WORDS_LABELS = ["Prix unitaire HT en lettres", "Prix en lettres"]

UNIT_SPELLINGS = {  # normalised unit → spellings seen in files
    "u": ["u", "U", "u", "U"], "ens": ["ens", "Ens", "ENS"], "ft": ["Ft", "forfait", "Fft"],
    "m": ["ml", "m", "ML"], "m2": ["m²", "m2", "M2"], "m3": ["m³", "m3", "M3"], "kg": ["kg", "Kg"],
    "h": ["h", "H"], "1/2j": ["1/2 j", "1/2j"], "pm": ["PM", "P.M.", "pm"],
    "cmp": ["cmp", "compris", "inclus", "Compris"],
}

NOTICES = [
    "Pour rappel : L'entrepreneur s'engage sur un prix global et forfaitaire. Les quantités inscrites au "
    "présent document sont données à titre indicatif.",
    "Le présent cadre doit être complété par l'entreprise sans modification de sa structure.",
    "Les quantités sont à vérifier par l'entreprise, qui reste seule responsable de son offre.",
]

# Layout classes of real tenders (issue 15)
TABLE_NOTICES = [  # instructions to bidders written inside the table
    "NOTICE DE REMPLISSAGE",
    "Notice de remplissage :\n1) Les prix sont exprimés en euros hors taxes\n2) Toute ligne non chiffrée est "
    "réputée comprise dans les autres prix\n3) Ne pas modifier la structure du cadre",
    "⚠ Ne pas modifier les formules ni insérer de lignes",
    "IMPORTANT : les quantités sont données à titre indicatif, l'entreprise doit les vérifier",
    "Attention : le présent cadre ne se substitue pas au CCTP",
    "Le présent document doit être complété par l'entreprise et remis avec son offre",
]
LOT_PLACEHOLDERS = ["Lot XXX - Désignation du lot", "LOT N° : …", "Lot … - …", "LOT N°", "Lot XX : XXXXXXXX"]
MULTI_PRICE_SUPPLY = ["P.U. fourniture", "Fourniture P.U en euros", "Prix fourniture HT"]
MULTI_PRICE_TIME = ["Temps unitaire (h)", "Temps de pose (h)", "Tps unitaire (h)"]
MULTI_PRICE_PERIODS = ["jour", "nuit", "week-end", "dimanche et jours fériés"]
