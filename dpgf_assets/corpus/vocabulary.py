"""Words of the trade for generated files: lots, chapters, articles, units, companies, projects.

Chosen so that every line reads like the real thing and none of them collides with the parser's
keywords by accident (no article starts with "Total", "Option", "TVA"…); collisions are generated
on purpose elsewhere.
"""

from __future__ import annotations

# (code, name, chapters: [(title, [(designation, unit, low price, high price)])])
LOTS: list[tuple[str, str, list[tuple[str, list[tuple[str, str, float, float]]]]]] = [
    ("01", "VRD - Terrassements", [
        ("Travaux préparatoires", [("Installation de chantier", "ens", 2000, 9000),
                                   ("Piquetage et implantation", "Ft", 500, 1500),
                                   ("Démolition de chaussée existante", "m2", 8, 25),
                                   ("Abattage d'arbres", "u", 150, 600)]),
        ("Terrassements", [("Décapage de terre végétale", "m2", 2, 6), ("Fouilles en rigoles", "m3", 25, 60),
                           ("Remblais compactés en grave", "m3", 30, 55),
                           ("Evacuation des déblais en décharge", "m3", 15, 40)]),
        ("Réseaux", [("Canalisation PVC Ø 200 assainissement", "ml", 45, 110),
                     ("Regard de visite 1000x1000", "u", 600, 1600), ("Fourreau TPC Ø 90", "m", 8, 18),
                     ("Raccordement au réseau existant", "ens", 800, 2500)]),
        ("Voirie", [("Couche de forme en GNT 0/31,5", "m3", 28, 45),
                    ("Enrobé BBSG 0/10 ép. 6 cm", "m2", 18, 32), ("Bordure T2 béton", "ml", 22, 40),
                    ("Marquage au sol", "Ft", 400, 1800)]),
    ]),
    ("02", "Gros œuvre", [
        ("Fondations", [("Béton de propreté ép. 5 cm", "m2", 8, 15),
                        ("Semelles filantes en béton armé", "m3", 180, 320),
                        ("Longrines préfabriquées", "ml", 60, 120), ("Armatures HA", "kg", 1.5, 3)]),
        ("Elévations", [("Voiles béton armé ép. 20 cm", "m2", 90, 160),
                        ("Maçonnerie de parpaings ép. 20 cm", "m2", 45, 80),
                        ("Poteaux béton armé 20x20", "ml", 70, 130),
                        ("Linteaux préfabriqués", "u", 40, 110)]),
        ("Planchers", [("Dalle pleine béton armé ép. 20 cm", "m2", 85, 140), ("Prédalles", "m2", 45, 75),
                       ("Chape ciment ép. 5 cm", "m2", 18, 30), ("Trémies et réservations", "u", 50, 200)]),
        ("Ouvrages divers", [("Seuils en béton", "u", 60, 150),
                             ("Appuis de baies préfabriqués", "ml", 35, 70),
                             ("Carottage Ø 150 en voile", "u", 80, 220),
                             ("Rebouchages divers", "Ft", 300, 1200)]),
    ]),
    ("03", "Charpente - Couverture", [
        ("Charpente", [("Fermettes industrielles", "m2", 25, 45),
                       ("Pannes en lamellé-collé", "m3", 700, 1200),
                       ("Traitement fongicide et insecticide", "m2", 4, 9),
                       ("Chevêtres et renforts", "u", 80, 250)]),
        ("Couverture", [("Tuiles terre cuite à emboîtement", "m2", 40, 75),
                        ("Ecran sous toiture HPV", "m2", 6, 12), ("Faîtage ventilé", "ml", 25, 45),
                        ("Chatière de ventilation", "u", 20, 50)]),
        ("Zinguerie", [("Gouttière zinc demi-ronde", "ml", 35, 60), ("Descente EP zinc Ø 100", "ml", 30, 55),
                       ("Noue en zinc", "ml", 45, 80), ("Solins et abergements", "ens", 400, 1500)]),
    ]),
    ("04", "CVC - Electricité", [
        ("Désenfumage", [("Classement et catégorie du bâtiment", "PM", 0, 0),
                         ("Dispositif de désenfumage", "ens", 1500, 6000),
                         ("Exutoire de désenfumage 1x1 m", "u", 900, 2200),
                         ("Commande manuelle de désenfumage", "u", 150, 400)]),
        ("Ventilation", [("Bouches d'extraction hygroréglables", "u", 40, 120),
                         ("Caisson d'extraction basse consommation", "ens", 1200, 4000),
                         ("Réseau de gaines galvanisées", "ml", 25, 60),
                         ("Coupure de service", "cmp", 0, 0)]),
        ("Chauffage - Plomberie", [("Pompe double à débit variable", "ens", 2500, 6000),
                                   ("Robinet thermostatique", "u", 60, 250),
                                   ("Equilibrage des réseaux de chauffage", "ens", 1500, 4500),
                                   ("Vidange - remplissage - purge", "cmp", 0, 0)]),
        ("Eclairage", [("Luminaire LED encastré 600x600", "u", 80, 220),
                       ("Bloc autonome d'éclairage de sécurité", "u", 70, 160),
                       ("Détecteur de présence", "u", 45, 120), ("Câblage", "ENS", 800, 3000)]),
    ]),
    ("05", "Plomberie - Sanitaires", [
        ("Alimentations", [("Tube cuivre Ø 14/16", "ml", 18, 35), ("Tube multicouche Ø 20", "ml", 12, 25),
                           ("Vanne d'arrêt quart de tour", "u", 25, 70),
                           ("Calorifuge des réseaux", "ml", 8, 20)]),
        ("Evacuations", [("Tube PVC Ø 40", "ml", 10, 22), ("Tube PVC Ø 100", "ml", 18, 35),
                         ("Siphon de sol", "u", 60, 150), ("Ventilation primaire", "ens", 300, 900)]),
        ("Appareils sanitaires", [("WC suspendu avec bâti-support", "u", 350, 800),
                                  ("Lavabo céramique 60 cm", "u", 180, 450),
                                  ("Mitigeur thermostatique de douche", "u", 150, 380),
                                  ("Chauffe-eau électrique 200 L", "u", 600, 1300)]),
    ]),
    ("06", "Electricité courants forts et faibles", [
        ("Distribution", [("Tableau général basse tension", "ens", 3000, 12000),
                          ("Câble U1000 R2V 3G2,5", "ml", 3, 8), ("Chemin de câbles 200 mm", "ml", 25, 55),
                          ("Liaison équipotentielle", "Ft", 200, 800)]),
        ("Appareillage", [("Prise de courant 2P+T 16 A", "u", 25, 60),
                          ("Interrupteur simple allumage", "u", 20, 50),
                          ("Prise RJ45 catégorie 6", "u", 35, 80), ("Boîte de sol 4 postes", "u", 150, 350)]),
        ("Sécurité incendie", [("Déclencheur manuel", "u", 60, 150), ("Diffuseur sonore", "u", 70, 180),
                               ("Centrale d'alarme type 4", "ens", 600, 2000),
                               ("Essais et mise en service", "Ft", 300, 1200)]),
    ]),
    ("07", "Menuiseries extérieures", [
        ("Fenêtres", [("Fenêtre aluminium 2 vantaux 120x135", "u", 650, 1400),
                      ("Châssis fixe aluminium", "m2", 300, 600), ("Porte-fenêtre 2 vantaux", "u", 900, 1900),
                      ("Dépose des menuiseries existantes", "u", 60, 180)]),
        ("Occultations", [("Volet roulant électrique", "u", 400, 900),
                          ("Brise-soleil orientable", "m2", 250, 520),
                          ("Store intérieur occultant", "u", 120, 300),
                          ("Motorisation et commande", "cmp", 0, 0)]),
        ("Portes extérieures", [("Porte d'entrée vitrée aluminium", "u", 2500, 6000),
                                ("Ferme-porte hydraulique", "u", 150, 400),
                                ("Serrure 3 points", "u", 200, 450), ("Contrôle d'accès", "PM", 0, 0)]),
    ]),
    ("08", "Menuiseries intérieures", [
        ("Portes", [("Bloc-porte âme pleine 83x204", "u", 280, 600),
                    ("Bloc-porte coupe-feu EI30", "u", 550, 1100),
                    ("Quincaillerie bec de cane", "u", 40, 110), ("Butoir de porte", "u", 10, 30)]),
        ("Agencements", [("Placard coulissant 2 portes", "u", 500, 1200),
                         ("Plan de travail stratifié", "ml", 120, 260),
                         ("Tablette en bois massif", "ml", 60, 140), ("Habillage de gaine", "m2", 60, 130)]),
    ]),
    ("09", "Plâtrerie - Cloisons - Faux plafonds", [
        ("Cloisons", [("Cloison 72/48 une plaque BA13", "m2", 35, 60),
                      ("Doublage thermique 10+100", "m2", 30, 55), ("Cloison hydrofuge 98/48", "m2", 45, 75),
                      ("Bandes et joints", "cmp", 0, 0)]),
        ("Faux plafonds", [("Faux plafond dalles 600x600", "m2", 28, 50),
                           ("Faux plafond plaque BA13", "m2", 35, 60),
                           ("Trappe de visite 600x600", "u", 80, 200),
                           ("Isolation laine de verre 200 mm", "m2", 12, 25)]),
    ]),
    ("10", "Peinture - Revêtements muraux", [
        ("Préparation des supports", [("Lessivage des murs", "m2", 2, 5),
                                      ("Rebouchage et ponçage", "m2", 3, 8),
                                      ("Impression des fonds", "m2", 3, 7),
                                      ("Protection des ouvrages", "Ft", 200, 900)]),
        ("Peintures", [("Peinture acrylique mate 2 couches", "m2", 9, 18),
                       ("Peinture glycéro sur boiseries", "m2", 15, 30),
                       ("Lasure sur bois extérieurs", "m2", 12, 26),
                       ("Toile de verre à peindre", "m2", 12, 24)]),
    ]),
    ("11", "Revêtements de sols", [
        ("Sols souples", [("Sol PVC en lés U4P3", "m2", 30, 55), ("Ragréage autolissant", "m2", 10, 20),
                          ("Plinthes assorties", "ml", 8, 16), ("Barre de seuil", "u", 20, 45)]),
        ("Carrelage", [("Carrelage grès cérame 30x30", "m2", 45, 85), ("Faïence murale 20x20", "m2", 45, 80),
                       ("Chape de ravoirage", "m2", 18, 30), ("Joints souples silicone", "ml", 4, 9)]),
    ]),
    ("12", "Serrurerie - Métallerie", [
        ("Garde-corps", [("Garde-corps acier galvanisé", "ml", 180, 380),
                         ("Main courante acier", "ml", 70, 150), ("Barreaudage de fenêtre", "u", 150, 400),
                         ("Thermolaquage", "cmp", 0, 0)]),
        ("Ouvrages divers", [("Grille de ventilation", "u", 40, 110), ("Echelle à crinoline", "ml", 250, 500),
                             ("Portillon acier", "u", 900, 2200),
                             ("Platines et scellements", "ens", 300, 900)]),
    ]),
]

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
