"""The language of each trade (corps d'état) for generated files: lot names, chapters, articles.

Each trade has lot names written the many ways offices write them, chapter titles (alternatives
separated by ``|``) and article templates whose slots (``{ep}``, ``{dn}``…) take materials and
dimensions, so the same article is rarely written twice the same way. ``designation`` adds what real
files carry: "Fourniture et pose", ``y/c``, upper case, lost accents and typos. Mixed lots (two
trades in one lot, "CVC - Plomberie") and the odd chapter of a neighbouring trade occur as in real
projects. Article templates never start with a parser keyword (Total, Option, TVA…).
"""

from __future__ import annotations

import random
import unicodedata

from dpgf_assets.corpus.content import Lot

Template = tuple[str, str, float, float]  # designation with slots, unit as written, low and high price

SLOTS: dict[str, list[str]] = {
    "ep": ["ép. 5 cm", "ép. 10 cm", "ép. 15 cm", "ép. 18 cm", "ép. 20 cm", "ep 25cm", "épaisseur 16 cm",
           "ép. 30 cm", "ép.12 cm", "e = 20 cm"],
    "dn": ["Ø 16", "Ø 20", "Ø 32", "Ø 40", "Ø 50", "Ø 63", "Ø 100", "Ø 125", "Ø 160", "Ø 200", "DN 25", "DN 40",
           "DN 50", "DN 80", "diam. 110", "D 315"],
    "dim": ["60x60", "90x204", "100x215", "120x135", "80x200", "140x220", "30x30", "45x45", "120x60",
            "200x250", "150x100", "73x204"],
    "kw": ["5 kW", "12 kW", "25 kW", "45 kW", "80 kW", "150 kW", "2,5 kW", "300 kW"],
    "cable": ["3G1,5", "3G2,5", "5G6", "5G10", "3G6", "4x25", "5G16", "2x1,5"],
    "ei": ["EI30", "EI60", "EI 30", "EI120", "E30", "CF 1/2 h", "PF 1h"],
    "ral": ["RAL 7016", "RAL 9010", "RAL 9006", "teinte au choix de l'architecte", "RAL 1015", "RAL 7035"],
    "mm": ["40 mm", "60 mm", "80 mm", "100 mm", "120 mm", "140 mm", "160 mm", "200 mm", "240 mm"],
    "h": ["h = 1,00 m", "H 1,10 m", "hauteur 2,00 m", "h=1,20m", "ht 1,50 m", "H 2,50 m"],
    "ma": ["chêne", "hêtre", "sapin", "pin traité", "aluminium", "acier", "inox", "PVC", "bois exotique"],
    "n": ["1", "2", "3", "4", "6", "8"],
    "vol": ["150 L", "200 L", "300 L", "500 L", "1000 L", "50 L"],
    "deb": ["500 m3/h", "1200 m3/h", "3000 m3/h", "8000 m3/h", "250 m3/h", "15 000 m3/h"],
    "cat": ["cat. 6", "cat. 6A", "Cat 6a", "cat.7"],
}

# trade → (lot names, chapters [(titles "a|b|c", [templates])])
TRADES: dict[str, tuple[list[str], list[tuple[str, list[Template]]]]] = {
    "vrd": (["VRD", "Voirie et réseaux divers", "V.R.D", "Terrassements - VRD", "VRD - Voiries",
             "Voiries et réseaux divers", "Terrassements généraux - Réseaux", "Voirie - Assainissement"], [
        ("Terrassements|Terrassements généraux|Mouvements de terre", [
            ("Décapage de terre végétale {ep}", "m2", 2, 6), ("Fouilles en pleine masse", "m3", 12, 30),
            ("Fouilles en tranchée pour réseaux", "m3", 25, 60), ("Remblais en grave 0/31,5 compactée", "m3", 30, 55),
            ("Evacuation des déblais en décharge agréée", "m3", 15, 40), ("Purge des zones impropres", "m3", 20, 45),
            ("Réglage et compactage du fond de forme", "m2", 2, 5), ("Géotextile anticontaminant", "m2", 2, 4)]),
        ("Assainissement|Réseaux EU - EV|Réseaux eaux pluviales|Réseaux humides", [
            ("Canalisation PVC CR8 {dn} assainissement", "ml", 45, 110), ("Regard de visite béton {dim}", "u", 600, 1600),
            ("Tampon fonte D400", "u", 250, 600), ("Caniveau à grille fonte classe C250", "ml", 120, 300),
            ("Boîte de branchement EU {dim}", "u", 200, 500), ("Séparateur à hydrocarbures", "u", 3000, 9000),
            ("Bassin de rétention enterré", "m3", 200, 450), ("Avaloir à grille", "u", 400, 900),
            ("Raccordement sur réseau public existant", "ens", 800, 2500)]),
        ("Réseaux secs|Fourreaux et chambres|Réseaux divers", [
            ("Fourreau TPC {dn} rouge", "ml", 8, 18), ("Chambre de tirage L2T", "u", 400, 900),
            ("Grillage avertisseur", "ml", 1, 3), ("Massif pour candélabre", "u", 250, 600),
            ("Adduction eau potable PEHD {dn}", "ml", 30, 70)]),
        ("Voiries|Chaussées et trottoirs|Voirie|Revêtements de voirie", [
            ("Couche de forme en GNT 0/31,5 {ep}", "m3", 28, 45), ("Enrobé BBSG 0/10 {ep}", "m2", 18, 32),
            ("Bordure béton T2", "ml", 22, 40), ("Bordure P1 de trottoir", "ml", 18, 35),
            ("Grave bitume GB3 {ep}", "m2", 20, 38), ("Enduit bicouche gravillonné", "m2", 6, 12),
            ("Marquage au sol peinture routière", "Ft", 400, 1800), ("Pavés béton autobloquants", "m2", 45, 80),
            ("Signalisation verticale", "u", 150, 450), ("Caniveau CC1 béton", "ml", 25, 50)]),
    ]),
    "demolition_desamiantage": (["Démolition", "Démolitions - Curage", "Désamiantage", "Curage - Démolition",
                                 "Démolition - Désamiantage", "Dépose - Curage", "Désamiantage - Déplombage",
                                 "Démolitions"], [
        ("Curage|Curage intérieur|Dépose et curage", [
            ("Dépose des cloisons existantes", "m2", 8, 20), ("Dépose de faux plafonds", "m2", 5, 12),
            ("Dépose des revêtements de sol collés", "m2", 6, 15), ("Dépose des appareils sanitaires", "u", 30, 80),
            ("Curage complet des locaux", "m2", 15, 40), ("Evacuation des gravats en benne", "m3", 40, 90),
            ("Tri sélectif des déchets de chantier", "ens", 1000, 4000), ("Dépose soignée des menuiseries", "u", 40, 120)]),
        ("Démolition|Démolitions lourdes|Démolition gros œuvre", [
            ("Démolition de voile béton {ep}", "m2", 60, 150), ("Démolition de dallage", "m2", 25, 60),
            ("Ouverture de baie dans mur porteur {dim}", "u", 800, 2500), ("Sciage de béton armé", "ml", 60, 150),
            ("Démolition mécanique du bâtiment existant", "m3", 15, 40), ("Etaiement provisoire", "ens", 800, 3000),
            ("Démolition de maçonnerie de moellons", "m3", 90, 220), ("Grignotage de plancher", "m2", 40, 100)]),
        ("Désamiantage|Retrait amiante|Traitement de l'amiante|Déplombage", [
            ("Retrait de dalles vinyle amiantées et colle", "m2", 35, 80),
            ("Retrait de conduits fibre-ciment amiantés", "ml", 40, 90),
            ("Confinement de zone et sas de décontamination", "ens", 3000, 9000),
            ("Plan de retrait et mesures d'empoussièrement", "Ft", 1500, 5000),
            ("Retrait de plaques ondulées amiante-ciment", "m2", 25, 60),
            ("Décapage de peintures au plomb", "m2", 30, 70), ("Conditionnement et évacuation des déchets amiantés", "kg", 1, 3)]),
    ]),
    "gros_oeuvre": (["Gros œuvre", "Gros-Oeuvre", "GROS OEUVRE", "Maçonnerie - Gros œuvre", "Gros œuvre - Maçonnerie",
                     "Maçonnerie", "Gros oeuvre béton armé", "G.O"], [
        ("Fondations|Infrastructure|Fondations superficielles", [
            ("Béton de propreté {ep}", "m2", 8, 15), ("Semelles filantes en béton armé", "m3", 180, 320),
            ("Semelles isolées BA {dim}", "u", 200, 600), ("Longrines béton armé", "ml", 60, 120),
            ("Armatures HA FeE500", "kg", 1.5, 3), ("Pieux forés {dn}", "ml", 90, 200),
            ("Hérisson de cailloux {ep}", "m2", 10, 20), ("Drain agricole {dn}", "ml", 12, 25)]),
        ("Elévations|Superstructure|Murs et poteaux", [
            ("Voiles béton armé {ep}", "m2", 90, 160), ("Maçonnerie de parpaings {ep}", "m2", 45, 80),
            ("Maçonnerie de briques monomur {ep}", "m2", 55, 95), ("Poteaux béton armé 20x20", "ml", 70, 130),
            ("Poutres BA coulées en place", "ml", 90, 180), ("Linteaux préfabriqués", "u", 40, 110),
            ("Chaînages horizontaux et verticaux", "ml", 25, 50), ("Acrotères béton", "ml", 60, 120)]),
        ("Planchers|Dallages|Planchers et dalles", [
            ("Dalle pleine béton armé {ep}", "m2", 85, 140), ("Prédalles précontraintes", "m2", 45, 75),
            ("Plancher poutrelles-hourdis {ep}", "m2", 45, 80), ("Dallage sur terre-plein {ep}", "m2", 45, 90),
            ("Chape ciment {ep}", "m2", 18, 30), ("Trémies et réservations", "u", 50, 200),
            ("Isolant sous dallage polyuréthane {mm}", "m2", 15, 30)]),
        ("Ouvrages divers|Maçonneries diverses|Ouvrages annexes", [
            ("Seuils en béton", "u", 60, 150), ("Appuis de baies préfabriqués", "ml", 35, 70),
            ("Carottage {dn} en voile", "u", 80, 220), ("Escalier béton armé coulé en place", "u", 3000, 8000),
            ("Enduit ciment sur maçonnerie", "m2", 20, 40), ("Regards et caniveaux intérieurs", "u", 150, 400),
            ("Socles béton pour équipements techniques", "u", 100, 350), ("Rebouchages divers", "Ft", 300, 1200)]),
    ]),
    "charpente": (["Charpente", "Charpente bois", "Charpente métallique", "Ossature bois - Charpente",
                   "Charpente lamellé-collé", "CHARPENTE BOIS", "Charpente - Ossature"], [
        ("Charpente bois|Charpente traditionnelle|Ossature bois", [
            ("Fermettes industrielles en sapin traité", "m2", 25, 45), ("Pannes en lamellé-collé GL24h", "m3", 700, 1200),
            ("Chevrons sapin 63x75", "ml", 8, 16), ("Poutres lamellé-collé {dim}", "ml", 80, 200),
            ("Murs à ossature bois {mm}", "m2", 90, 180), ("Contreventement OSB {mm}", "m2", 15, 30),
            ("Traitement fongicide et insecticide", "m2", 4, 9), ("Chevêtres et renforts", "u", 80, 250),
            ("Sablières et entretoises", "ml", 12, 28)]),
        ("Charpente métallique|Structure acier|Ossature métallique", [
            ("Portiques en profilés IPE", "kg", 3, 6), ("Pannes Z galvanisées", "ml", 20, 45),
            ("Poteaux HEA 200", "ml", 90, 180), ("Contreventements en croix de St-André", "ens", 1500, 5000),
            ("Platines et tiges d'ancrage", "u", 60, 180), ("Protection anticorrosion par galvanisation", "kg", 0.5, 1.2),
            ("Peinture intumescente R30 sur structure", "m2", 25, 60)]),
    ]),
    "couverture_etancheite": (["Couverture", "Etanchéité", "Couverture - Zinguerie", "Etanchéité - Toiture terrasse",
                               "Couverture étanchéité", "Couverture - Zinguerie - Ardoises", "ETANCHEITE",
                               "Toiture - Couverture"], [
        ("Couverture|Couverture tuiles|Couverture ardoises|Couverture bac acier", [
            ("Tuiles terre cuite à emboîtement", "m2", 40, 75), ("Ardoises naturelles 32x22", "m2", 70, 130),
            ("Bac acier nervuré 75/100e", "m2", 30, 55), ("Ecran sous toiture HPV", "m2", 6, 12),
            ("Faîtage ventilé", "ml", 25, 45), ("Chatière de ventilation", "u", 20, 50),
            ("Liteaux et contre-liteaux", "m2", 8, 15), ("Fenêtre de toit {dim}", "u", 500, 1100),
            ("Panneaux sandwich de couverture {mm}", "m2", 45, 85)]),
        ("Zinguerie|Evacuations pluviales|Zinguerie - Eaux pluviales", [
            ("Gouttière zinc demi-ronde", "ml", 35, 60), ("Descente EP zinc {dn}", "ml", 30, 55),
            ("Noue en zinc", "ml", 45, 80), ("Solins et abergements", "ens", 400, 1500),
            ("Chéneau encaissé zinc", "ml", 90, 180), ("Dauphin fonte", "u", 80, 200), ("Crochets de gouttière", "u", 3, 8)]),
        ("Etanchéité|Toiture terrasse|Etanchéité multicouche|Complexe d'étanchéité", [
            ("Pare-vapeur bitumineux", "m2", 6, 12), ("Isolant PIR sous étanchéité {mm}", "m2", 25, 50),
            ("Etanchéité bicouche élastomère SBS", "m2", 35, 65), ("Membrane PVC synthétique", "m2", 30, 55),
            ("Protection lourde gravillons", "m2", 8, 16), ("Relevés d'étanchéité", "ml", 25, 55),
            ("Entrée d'eau pluviale {dn}", "u", 120, 300), ("Trop-plein", "u", 80, 200),
            ("Dalles sur plots terrasse accessible", "m2", 60, 120), ("Ligne de vie sur toiture", "ml", 60, 140)]),
    ]),
    "facades_ravalement": (["Façades", "Ravalement", "Ravalement de façades", "Isolation thermique par l'extérieur",
                            "Façades - ITE", "Bardage", "Bardages - Façades", "I.T.E. - Enduits"], [
        ("Ravalement|Traitement des façades|Nettoyage des façades", [
            ("Nettoyage haute pression des façades", "m2", 5, 12), ("Hydrogommage de la pierre", "m2", 15, 35),
            ("Traitement des fissures par agrafage", "ml", 30, 70), ("Peinture pliolite de façade", "m2", 15, 30),
            ("Imperméabilisation de façade classe I4", "m2", 20, 40), ("Rejointoiement des briques", "m2", 40, 90),
            ("Echafaudage de pied de façade", "m2", 8, 18), ("Traitement anti-mousse", "m2", 3, 7)]),
        ("Isolation par l'extérieur|ITE|Enduits|Isolation thermique extérieure", [
            ("Isolant polystyrène graphité calé-chevillé {mm}", "m2", 30, 60),
            ("Isolant laine de roche sous enduit {mm}", "m2", 40, 70), ("Sous-enduit armé treillis fibre de verre", "m2", 10, 20),
            ("Enduit de finition taloché fin", "m2", 12, 25), ("Enduit monocouche gratté", "m2", 25, 45),
            ("Profilés de départ aluminium", "ml", 8, 16), ("Retours en tableaux et voussures", "ml", 20, 45)]),
        ("Bardage|Bardages rapportés|Vêtures", [
            ("Bardage bois {ma} à claire-voie", "m2", 70, 140), ("Bardage composite fibres-ciment", "m2", 80, 150),
            ("Cassettes aluminium {ral}", "m2", 150, 280), ("Ossature secondaire pour bardage", "m2", 20, 40),
            ("Pare-pluie pour bardage", "m2", 5, 10), ("Bavettes et habillages d'angles", "ml", 25, 55)]),
    ]),
    "menuiseries_exterieures": (["Menuiseries extérieures", "Menuiseries extérieures aluminium",
                                 "Menuiseries ext. - Occultations", "MENUISERIES EXTERIEURES",
                                 "Menuiseries extérieures bois", "Menuiseries extérieures PVC",
                                 "Menuiseries ext. alu"], [
        ("Fenêtres|Châssis|Baies vitrées|Menuiseries aluminium", [
            ("Fenêtre aluminium 2 vantaux {dim}", "u", 650, 1400), ("Fenêtre PVC oscillo-battante {dim}", "u", 400, 900),
            ("Châssis fixe aluminium", "m2", 300, 600), ("Porte-fenêtre 2 vantaux {dim}", "u", 900, 1900),
            ("Double vitrage 4/16/4 argon", "m2", 60, 120), ("Mur-rideau aluminium", "m2", 450, 900),
            ("Verrière aluminium {ral}", "m2", 500, 950), ("Dépose des menuiseries existantes", "u", 60, 180),
            ("Bavettes aluminium laqué", "ml", 20, 45)]),
        ("Occultations|Protections solaires|Fermetures", [
            ("Volet roulant électrique", "u", 400, 900), ("Brise-soleil orientable", "m2", 250, 520),
            ("Volets battants {ma}", "u", 300, 700), ("Lames orientables aluminium", "m2", 200, 450),
            ("Coffre de volet roulant isolé", "u", 90, 220), ("Motorisation radio pour volets", "u", 150, 350)]),
        ("Portes extérieures|Entrées|Portes et châssis de façade", [
            ("Porte d'entrée vitrée aluminium", "u", 2500, 6000), ("Porte de service acier isolée {dim}", "u", 900, 2000),
            ("Ferme-porte hydraulique", "u", 150, 400), ("Serrure 3 points", "u", 200, 450),
            ("Porte automatique coulissante 2 vantaux", "u", 6000, 12000), ("Porte sectionnelle {dim}", "u", 2500, 6000)]),
    ]),
    "menuiseries_interieures": (["Menuiseries intérieures", "Menuiseries intérieures bois",
                                 "Menuiserie intérieure - Agencement", "MENUISERIES INTERIEURES",
                                 "Menuiseries int. - Agencements", "Menuiserie bois intérieure"], [
        ("Portes|Blocs-portes|Portes intérieures", [
            ("Bloc-porte âme pleine {dim}", "u", 280, 600), ("Bloc-porte coupe-feu {ei}", "u", 550, 1100),
            ("Porte isoplane à peindre {dim}", "u", 200, 450), ("Huisserie métallique", "u", 80, 180),
            ("Quincaillerie bec de cane", "u", 40, 110), ("Butoir de porte", "u", 10, 30),
            ("Oculus vitré", "u", 80, 200), ("Porte de placard {ma}", "u", 150, 400), ("Plinthes bois", "ml", 6, 14)]),
        ("Agencements|Mobilier intégré|Habillages", [
            ("Placard coulissant 2 portes", "u", 500, 1200), ("Plan de travail stratifié", "ml", 120, 260),
            ("Tablette en bois massif {ma}", "ml", 60, 140), ("Habillage de gaine", "m2", 60, 130),
            ("Banque d'accueil en stratifié", "ens", 3000, 9000), ("Lambris bois {ma}", "m2", 40, 90),
            ("Casiers vestiaires", "u", 150, 350), ("Cimaise en {ma}", "ml", 15, 35), ("Main courante bois", "ml", 40, 90)]),
        ("Parquets|Sols bois|Escaliers bois", [
            ("Parquet contrecollé {ma}", "m2", 50, 110), ("Parquet massif {ma} cloué", "m2", 70, 140),
            ("Escalier bois {ma} quart tournant", "u", 3000, 7000), ("Trappe d'accès combles", "u", 150, 350)]),
    ]),
    "metallerie_serrurerie": (["Métallerie", "Serrurerie", "Serrurerie - Métallerie", "Métallerie - Serrurerie",
                               "SERRURERIE", "Ferronnerie - Métallerie", "Métallerie acier"], [
        ("Garde-corps|Rampes et garde-corps|Protections", [
            ("Garde-corps acier galvanisé {h}", "ml", 180, 380), ("Main courante acier {dn}", "ml", 70, 150),
            ("Garde-corps vitré inox", "ml", 400, 800), ("Barreaudage de fenêtre", "u", 150, 400),
            ("Lisse basse et sous-lisse", "ml", 30, 70), ("Thermolaquage {ral}", "m2", 20, 45)]),
        ("Ouvrages divers|Serrurerie diverse|Ouvrages métalliques", [
            ("Grille de ventilation acier", "u", 40, 110), ("Echelle à crinoline", "ml", 250, 500),
            ("Portillon acier {h}", "u", 900, 2200), ("Portail coulissant acier", "u", 3500, 8000),
            ("Platines et scellements chimiques", "ens", 300, 900), ("Escalier métallique hélicoïdal", "u", 4000, 9000),
            ("Caillebotis acier galvanisé", "m2", 90, 180), ("Auvent métallique", "m2", 250, 500),
            ("Clôture en panneaux rigides {h}", "ml", 45, 100), ("Cornières de protection d'angles", "ml", 15, 35),
            ("Trappe de désenfumage métallique", "u", 500, 1200)]),
    ]),
    "platrerie_cloisons_plafonds": (["Plâtrerie", "Cloisons - Doublages", "Plâtrerie - Isolation",
                                     "Cloisons - Faux plafonds", "Plâtrerie - Cloisons - Faux plafonds",
                                     "Doublages - Cloisons", "PLATRERIE", "Faux plafonds", "Cloisons sèches"], [
        ("Cloisons|Cloisons de distribution|Cloisons sèches", [
            ("Cloison 72/48 une plaque BA13", "m2", 35, 60), ("Cloison 98/48 deux plaques BA13", "m2", 45, 75),
            ("Cloison hydrofuge 98/48 H1", "m2", 45, 75), ("Cloison alvéolaire {ep}", "m2", 25, 45),
            ("Cloison séparative SAD 160", "m2", 60, 100), ("Carreaux de plâtre {mm}", "m2", 35, 60),
            ("Bandes et joints", "cmp", 0, 0), ("Cornières d'angle", "ml", 3, 7)]),
        ("Doublages|Isolation des murs|Contre-cloisons", [
            ("Doublage thermique polystyrène 10+{mm}", "m2", 30, 55), ("Doublage sur ossature métallique laine minérale {mm}", "m2", 35, 65),
            ("Isolation laine de verre {mm}", "m2", 12, 25), ("Contre-cloison BA13 sur fourrures", "m2", 25, 45),
            ("Gaine technique en plaques coupe-feu", "m2", 50, 90), ("Encoffrement de canalisations", "ml", 30, 70)]),
        ("Faux plafonds|Plafonds|Plafonds suspendus", [
            ("Faux plafond dalles minérales 600x600", "m2", 28, 50), ("Faux plafond plaque BA13 sur ossature", "m2", 35, 60),
            ("Plafond acoustique perforé", "m2", 45, 85), ("Trappe de visite {dim}", "u", 80, 200),
            ("Plafond coupe-feu {ei}", "m2", 55, 95), ("Joint creux périphérique", "ml", 4, 9),
            ("Isolation des combles soufflée {mm}", "m2", 12, 25)]),
    ]),
    "revetements_sols": (["Revêtements de sols", "Carrelage - Faïence", "Sols souples", "Revêtements de sols souples",
                          "Carrelage", "Sols scellés - Faïence", "REVETEMENTS DE SOLS", "Sols durs - Carrelage"], [
        ("Sols souples|Revêtements PVC|Sols linoléum", [
            ("Sol PVC en lés U4P3", "m2", 30, 55), ("Linoléum {mm}", "m2", 35, 60),
            ("Ragréage autolissant P3", "m2", 10, 20), ("Plinthes assorties", "ml", 8, 16),
            ("Barre de seuil aluminium", "u", 20, 45), ("Moquette en dalles 50x50", "m2", 25, 50),
            ("Remontées en plinthe à gorge", "ml", 15, 30), ("Sol sportif coulé", "m2", 60, 110)]),
        ("Carrelage|Sols carrelés|Carrelage sols", [
            ("Carrelage grès cérame {dim}", "m2", 45, 85), ("Carrelage antidérapant R11 {dim}", "m2", 50, 95),
            ("Chape de ravoirage", "m2", 18, 30), ("Plinthes carrelées", "ml", 12, 25),
            ("Natte de désolidarisation", "m2", 10, 20), ("Seuils et nez de marche carrelés", "ml", 25, 55),
            ("Tapis de sol encastré", "u", 300, 800)]),
        ("Faïence|Revêtements muraux carrelés|Faïences murales", [
            ("Faïence murale {dim}", "m2", 45, 80), ("Joints souples silicone", "ml", 4, 9),
            ("Système d'étanchéité sous carrelage SPEC", "m2", 20, 40), ("Profilés d'angle PVC", "ml", 5, 12)]),
    ]),
    "peinture_revetements_muraux": (["Peinture", "Peinture - Revêtements muraux", "Peintures", "Peinture - Nettoyage",
                                     "PEINTURE", "Peinture intérieure", "Peintures - Tentures"], [
        ("Préparation des supports|Travaux préparatoires peinture|Préparations", [
            ("Lessivage des murs", "m2", 2, 5), ("Rebouchage et ponçage", "m2", 3, 8),
            ("Impression des fonds", "m2", 3, 7), ("Enduit de lissage 2 passes", "m2", 6, 12),
            ("Protection des ouvrages", "Ft", 200, 900), ("Décapage des anciennes peintures", "m2", 8, 18)]),
        ("Peintures|Peintures intérieures|Mise en peinture", [
            ("Peinture acrylique mate 2 couches", "m2", 9, 18), ("Peinture velours sur plafonds", "m2", 10, 19),
            ("Peinture glycéro sur boiseries", "m2", 15, 30), ("Laque satinée sur huisseries", "u", 30, 60),
            ("Peinture epoxy de sol", "m2", 20, 40), ("Lasure sur bois extérieurs", "m2", 12, 26),
            ("Peinture antirouille sur métaux", "m2", 15, 30), ("Peinture sur canalisations", "ml", 4, 9)]),
        ("Revêtements muraux|Tentures|Revêtements décoratifs", [
            ("Toile de verre à peindre", "m2", 12, 24), ("Revêtement vinylique mural", "m2", 25, 45),
            ("Papier peint intissé", "m2", 15, 30), ("Panneaux muraux acoustiques", "m2", 60, 120),
            ("Nettoyage de fin de chantier", "m2", 2, 5), ("Signalétique adhésive", "u", 20, 60)]),
    ]),
    "plomberie_sanitaires": (["Plomberie - Sanitaires", "Plomberie", "Plomberie sanitaire", "PLOMBERIE SANITAIRES",
                              "Plomberie - Appareils sanitaires", "Installations sanitaires"], [
        ("Alimentations|Distribution eau froide - eau chaude|Réseaux EF - ECS", [
            ("Tube cuivre {dn}", "ml", 18, 35), ("Tube multicouche {dn}", "ml", 12, 25),
            ("Tube PER sous gaine {dn}", "ml", 8, 18), ("Vanne d'arrêt quart de tour", "u", 25, 70),
            ("Calorifuge des réseaux EF-ECS", "ml", 8, 20), ("Compteur divisionnaire", "u", 100, 250),
            ("Disconnecteur BA", "u", 600, 1500), ("Réducteur de pression", "u", 150, 400),
            ("Nourrice de distribution", "u", 80, 200)]),
        ("Evacuations|Réseaux EU - EV|Chutes et évacuations", [
            ("Tube PVC évacuation {dn}", "ml", 10, 35), ("Siphon de sol inox", "u", 60, 150),
            ("Ventilation primaire", "ens", 300, 900), ("Chute EU-EV en PVC {dn}", "ml", 20, 45),
            ("Clapet anti-retour", "u", 80, 200), ("Pompe de relevage eaux usées", "u", 800, 2000)]),
        ("Appareils sanitaires|Appareillage sanitaire|Equipements sanitaires", [
            ("WC suspendu avec bâti-support", "u", 350, 800), ("Lavabo céramique 60 cm", "u", 180, 450),
            ("Mitigeur thermostatique de douche", "u", 150, 380), ("Receveur de douche extra-plat", "u", 250, 600),
            ("Evier inox 2 bacs", "u", 200, 450), ("Urinoir à détection", "u", 400, 900),
            ("Lave-mains PMR", "u", 200, 500), ("Barre d'appui PMR", "u", 60, 160),
            ("Robinet temporisé", "u", 80, 200), ("Miroir sanitaires", "u", 40, 120)]),
        ("Production d'eau chaude|ECS|Eau chaude sanitaire", [
            ("Chauffe-eau électrique {vol}", "u", 600, 1300), ("Ballon ECS thermodynamique {vol}", "u", 2000, 4000),
            ("Groupe de sécurité", "u", 40, 90), ("Bouclage ECS avec circulateur", "ens", 800, 2500)]),
    ]),
    "cvc": (["CVC", "Chauffage - Ventilation", "Génie climatique", "Chauffage Ventilation Climatisation",
             "C.V.C", "Chauffage - VMC", "Climatisation - Ventilation", "CVC - Désenfumage", "Traitement d'air",
             "Génie thermique"], [
        ("Production de chaleur|Chaufferie|Génération de chaleur|Production", [
            ("Chaudière gaz à condensation {kw}", "u", 3000, 12000), ("Pompe à chaleur air-eau {kw}", "u", 8000, 30000),
            ("Pompe double à débit variable", "ens", 2500, 6000), ("Vase d'expansion {vol}", "u", 200, 900),
            ("Conduit de fumées inox {dn}", "ml", 60, 150), ("Bouteille de découplage", "u", 500, 1500),
            ("Traitement d'eau du circuit chauffage", "ens", 600, 2000), ("Sous-station d'échange {kw}", "ens", 8000, 25000)]),
        ("Distribution chauffage|Emission de chaleur|Réseaux de chauffage|Chauffage", [
            ("Radiateur acier panneau {dim}", "u", 200, 500), ("Robinet thermostatique", "u", 60, 250),
            ("Plancher chauffant basse température", "m2", 40, 80), ("Tube acier noir {dn}", "ml", 30, 70),
            ("Calorifuge des réseaux de chauffage {mm}", "ml", 12, 30), ("Equilibrage des réseaux de chauffage", "ens", 1500, 4500),
            ("Ventilo-convecteur 4 tubes", "u", 900, 2000), ("Vidange et remplissage des installations", "cmp", 0, 0)]),
        ("Ventilation|VMC|Traitement d'air|Ventilation mécanique", [
            ("Centrale de traitement d'air double flux {deb}", "u", 8000, 30000),
            ("Caisson d'extraction basse consommation {deb}", "ens", 1200, 4000),
            ("Bouches d'extraction hygroréglables", "u", 40, 120), ("Réseau de gaines galvanisées {dn}", "ml", 25, 60),
            ("Gaine rectangulaire isolée {dim}", "m2", 60, 120), ("Diffuseur plafonnier {dim}", "u", 80, 220),
            ("Clapet coupe-feu {ei}", "u", 300, 800), ("Grille de reprise", "u", 50, 140),
            ("VMC simple flux hygro B", "ens", 1500, 5000), ("Silencieux circulaire {dn}", "u", 150, 400),
            ("Récupérateur de chaleur à roue", "u", 4000, 12000)]),
        ("Climatisation|Rafraîchissement|Froid", [
            ("Groupe de climatisation DRV {kw}", "u", 8000, 30000), ("Unité intérieure murale", "u", 600, 1500),
            ("Cassette 4 voies", "u", 900, 2000), ("Liaisons frigorifiques cuivre {dn}", "ml", 40, 90),
            ("Pompe de relevage des condensats", "u", 90, 200), ("Charge complémentaire en fluide R32", "kg", 40, 90)]),
        ("Désenfumage|Désenfumage mécanique|Sécurité incendie désenfumage", [
            ("Dispositif de désenfumage naturel", "ens", 1500, 6000), ("Exutoire de désenfumage {dim}", "u", 900, 2200),
            ("Commande manuelle de désenfumage", "u", 150, 400), ("Ventilateur de désenfumage 400°C/2h", "u", 3000, 9000),
            ("Volet de désenfumage {ei}", "u", 600, 1500), ("Amenée d'air pour désenfumage", "u", 400, 1000)]),
        ("Régulation|GTC|Régulation - GTB", [
            ("Régulation climatique de chaufferie", "ens", 2000, 6000), ("Sonde de température extérieure", "u", 60, 150),
            ("Automate de gestion technique centralisée", "ens", 5000, 15000), ("Vanne 3 voies motorisée {dn}", "u", 300, 900),
            ("Thermostat d'ambiance programmable", "u", 80, 220), ("Compteur d'énergie thermique", "u", 500, 1200)]),
    ]),
    "electricite_courants_forts": (["Electricité", "Electricité courants forts", "Courants forts", "Electricité CFO",
                                    "ELECTRICITE", "Electricité - Eclairage", "Electricité CFo", "Courants forts - Eclairage"], [
        ("Distribution|Distribution électrique|Alimentation générale|TGBT", [
            ("Tableau général basse tension", "ens", 3000, 12000), ("Tableau divisionnaire", "u", 800, 3000),
            ("Câble U1000 R2V {cable}", "ml", 3, 25), ("Chemin de câbles dalle marine {mm}", "ml", 25, 55),
            ("Liaison équipotentielle", "Ft", 200, 800), ("Disjoncteur différentiel 30 mA", "u", 60, 180),
            ("Branchement EDF tarif jaune", "ens", 2000, 6000), ("Mise à la terre - ceinture de fond de fouille", "ens", 500, 1500),
            ("Goulotte PVC {mm}", "ml", 15, 35), ("Conduit ICTA {dn}", "ml", 2, 6)]),
        ("Appareillage|Petit appareillage|Prises et commandes", [
            ("Prise de courant 2P+T 16 A", "u", 25, 60), ("Interrupteur simple allumage", "u", 20, 50),
            ("Va-et-vient encastré", "u", 25, 55), ("Bouton poussoir lumineux", "u", 25, 60),
            ("Prise 32 A pour plaque de cuisson", "u", 60, 140), ("Boîte de sol 4 postes", "u", 150, 350),
            ("Alimentation de volet roulant", "u", 40, 100), ("Prise étanche IP55", "u", 35, 80)]),
        ("Eclairage|Luminaires|Eclairage intérieur|Eclairage extérieur", [
            ("Luminaire LED encastré 600x600", "u", 80, 220), ("Réglette LED étanche IP65", "u", 50, 130),
            ("Downlight LED {dn}", "u", 40, 110), ("Détecteur de présence", "u", 45, 120),
            ("Candélabre LED {h}", "u", 1500, 3500), ("Hublot LED extérieur", "u", 60, 150),
            ("Projecteur LED {kw}", "u", 200, 600), ("Bloc autonome d'éclairage de sécurité", "u", 70, 160),
            ("Eclairage de sécurité BAES évacuation", "u", 60, 150)]),
        ("Production|Energie|Photovoltaïque - Recharge", [
            ("Panneaux photovoltaïques {kw}", "ens", 5000, 30000), ("Onduleur", "u", 1500, 5000),
            ("Borne de recharge véhicule électrique 7 kW", "u", 1200, 2500), ("Groupe électrogène {kw}", "u", 10000, 40000),
            ("Câblage des circuits terminaux", "ENS", 800, 3000)]),
    ]),
    "courants_faibles": (["Courants faibles", "Electricité courants faibles", "CFA", "Courants faibles - SSI",
                          "VDI - Contrôle d'accès", "Sécurité incendie - SSI", "Electricité CFa", "Réseaux VDI"], [
        ("VDI|Précâblage informatique|Réseau informatique|Câblage VDI", [
            ("Prise RJ45 {cat}", "u", 35, 80), ("Câble F/UTP {cat} 4 paires", "ml", 2, 5),
            ("Baie de brassage 42U", "u", 1500, 4000), ("Panneau de brassage 24 ports", "u", 150, 400),
            ("Fibre optique multimode 12 brins", "ml", 5, 12), ("Borne Wifi", "u", 300, 700),
            ("Recette et certification des liens", "Ft", 500, 2000), ("Cordons de brassage", "u", 5, 15)]),
        ("Sécurité incendie|SSI|Alarme incendie|Système de sécurité incendie", [
            ("Déclencheur manuel", "u", 60, 150), ("Diffuseur sonore", "u", 70, 180),
            ("Centrale d'alarme type 4", "ens", 600, 2000), ("Equipement d'alarme type 2b", "ens", 3000, 8000),
            ("Détecteur optique de fumée", "u", 60, 150), ("Flash lumineux pour malentendants", "u", 80, 200),
            ("CMSI catégorie A", "ens", 5000, 15000), ("Essais et mise en service du SSI", "Ft", 300, 1200)]),
        ("Contrôle d'accès|Interphonie|Vidéosurveillance|Sûreté", [
            ("Portier vidéo 2 fils", "u", 600, 1500), ("Lecteur de badges", "u", 250, 600),
            ("Ventouse électromagnétique", "u", 120, 300), ("Caméra IP dôme", "u", 400, 900),
            ("Enregistreur numérique NVR", "u", 1000, 3000), ("Centrale d'alarme intrusion", "ens", 1000, 4000),
            ("Détecteur volumétrique infrarouge", "u", 60, 150), ("Combiné d'interphonie", "u", 120, 300)]),
        ("Sonorisation|Appels|Téléphonie", [
            ("Sonorisation de la salle", "ens", 2000, 8000), ("Haut-parleur plafonnier", "u", 50, 130),
            ("Appel malade", "u", 150, 400), ("Horloge synchronisée", "u", 150, 400), ("Antenne TV - TNT", "ens", 500, 1500)]),
    ]),
    "ascenseurs": (["Ascenseurs", "Ascenseur", "Appareils élévateurs", "ASCENSEUR", "Ascenseurs - Monte-charges",
                    "Elévateurs PMR"], [
        ("Ascenseurs|Appareil élévateur|Ascenseur", [
            ("Ascenseur électrique 630 kg 8 personnes", "u", 25000, 45000), ("Ascenseur sans local machine 1000 kg", "u", 35000, 60000),
            ("Cabine inox brossé", "ens", 3000, 8000), ("Portes palières automatiques {ei}", "u", 1500, 3500),
            ("Téléalarme et liaison phonique", "ens", 500, 1500), ("Plateforme élévatrice PMR", "u", 12000, 25000),
            ("Monte-charge 500 kg", "u", 20000, 40000), ("Contrat d'entretien première année", "Ft", 1500, 4000),
            ("Machinerie à traction", "ens", 6000, 15000), ("Habillage de gaine d'ascenseur", "ens", 1500, 5000)]),
        ("Equipements|Essais et réglages|Mise en service", [
            ("Eclairage de gaine", "ens", 400, 1200), ("Contrôle technique de mise en service", "Ft", 800, 2000),
            ("Câbles de traction et poulies", "ens", 2000, 6000), ("Tableau de commande de manœuvre", "ens", 2500, 6000)]),
    ]),
    "espaces_verts": (["Espaces verts", "Aménagements paysagers", "Espaces verts - Plantations", "ESPACES VERTS",
                       "Paysage - Plantations", "Aménagements paysagers - Clôtures végétales"], [
        ("Plantations|Arbres et arbustes|Végétalisation", [
            ("Arbre tige 16/18 en motte", "u", 250, 600), ("Arbustes en conteneur C5", "u", 15, 40),
            ("Haie champêtre", "ml", 25, 60), ("Plantes vivaces", "u", 6, 15), ("Tuteurage tripode", "u", 40, 90),
            ("Paillage bois déchiqueté", "m2", 4, 9), ("Fosse de plantation", "u", 80, 200),
            ("Toiture végétalisée extensive", "m2", 40, 80)]),
        ("Engazonnement|Préparation des sols|Terre végétale", [
            ("Apport de terre végétale {ep}", "m3", 25, 50), ("Engazonnement par semis", "m2", 2, 6),
            ("Gazon en plaques", "m2", 8, 16), ("Griffage et nivellement", "m2", 1, 3),
            ("Amendement organique", "m2", 1, 3)]),
        ("Arrosage|Entretien|Mobilier extérieur", [
            ("Arrosage automatique goutte-à-goutte", "ml", 5, 12), ("Programmateur d'arrosage", "u", 200, 600),
            ("Entretien et garantie de reprise", "Ft", 1000, 4000), ("Banc public bois", "u", 500, 1200),
            ("Bordure acier de séparation", "ml", 15, 35), ("Jeux d'enfants sur sol amortissant", "ens", 8000, 25000)]),
    ]),
}

TRADE_IDS = tuple(TRADES)
# Mixed lots as real projects have them: (trades, names)
MIXED_LOTS: list[tuple[tuple[str, ...], list[str]]] = [
    (("cvc", "plomberie_sanitaires"), ["CVC - Plomberie", "Plomberie - Chauffage - Ventilation",
                                       "Chauffage - Plomberie", "Fluides", "Plomberie CVC"]),
    (("electricite_courants_forts", "courants_faibles"), ["Electricité courants forts et faibles",
                                                          "Electricité CFO - CFA", "Electricité générale"]),
    (("cvc", "electricite_courants_forts"), ["CVC - Electricité", "Chauffage - Electricité"]),
    (("charpente", "couverture_etancheite"), ["Charpente - Couverture", "Charpente - Couverture - Zinguerie"]),
    (("gros_oeuvre", "vrd"), ["Gros œuvre - VRD", "Terrassements - Gros œuvre"]),
    (("platrerie_cloisons_plafonds", "peinture_revetements_muraux"), ["Plâtrerie - Peinture", "Cloisons - Peinture"]),
    (("menuiseries_interieures", "menuiseries_exterieures"), ["Menuiseries intérieures et extérieures",
                                                              "Menuiseries bois"]),
    (("revetements_sols", "peinture_revetements_muraux"), ["Revêtements de sols et muraux",
                                                           "Sols - Peinture"]),
]
MIXED_RATE = 0.15  # share of lots covering two trades
STRAY_RATE = 0.08  # share of single-trade lots carrying one chapter of another trade

PREFIXES = ["Fourniture et pose de ", "F. et P. de ", "Fourn. et pose ", "Fourniture et mise en œuvre de ",
            "FP ", "Mise en œuvre de ", "Fourniture, pose et raccordement de ", "F/P "]
SUFFIXES = [" y/c accessoires", " y compris sujétions", ", y.c. fixations", " compris raccordements",
            " - fourniture et pose", " y/c toutes sujétions", " suivant CCTP", " (ens. complet)", " - tous niveaux",
            " en rénovation", " neuf"]


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _typo(rng: random.Random, text: str) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 6:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.random()
    if kind < 0.4:
        return text[:i] + text[i + 1:]  # a letter dropped
    if kind < 0.7 and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]  # two letters swapped
    return text[:i] + text[i] + text[i:]  # a letter doubled


def fill(rng: random.Random, template: str) -> str:
    """The template with each slot filled with one of its values."""
    return template.format(**{k: rng.choice(v) for k, v in SLOTS.items() if "{" + k + "}" in template})


def designation(rng: random.Random, template: str) -> str:
    """One way a person writes this article: slots filled, sometimes prefixed, abbreviated, misspelt."""
    text = fill(rng, template)
    if rng.random() < 0.25:
        text = rng.choice(PREFIXES) + text[0].lower() + text[1:]
    if rng.random() < 0.2:
        text += rng.choice(SUFFIXES)
    if rng.random() < 0.1:
        text = _strip_accents(text)
    if rng.random() < 0.08:
        text = _typo(rng, text)
    if rng.random() < 0.1:
        text = text.upper()
    return text


def _pool(rng: random.Random, templates: list[Template]) -> list[Template]:
    """The chapter's articles as this document writes them (each template one to two ways)."""
    pool = []
    for text, unit, low, high in templates:
        for _ in range(rng.randint(1, 2)):
            pool.append((designation(rng, text), unit, low, high))
    return pool


def _chapters(rng: random.Random, trade: str, count: int | None = None) -> list[tuple[str, list[Template]]]:
    chapters = TRADES[trade][1]
    chosen = chapters if count is None else rng.sample(chapters, min(count, len(chapters)))
    return [(rng.choice(titles.split("|")), _pool(rng, templates)) for titles, templates in chosen]


def trade_lot(rng: random.Random, trade: str, code: str | None = None) -> Lot:
    """A single-trade lot, its name written one of the trade's ways."""
    chapters = _chapters(rng, trade)
    if rng.random() < STRAY_RATE:  # a chapter of a neighbouring trade, as in real lots
        chapters += _chapters(rng, rng.choice([t for t in TRADE_IDS if t != trade]), 1)
    return Lot(code or f"{TRADE_IDS.index(trade) + 1:02d}", rng.choice(TRADES[trade][0]), chapters)


def mixed_lot(rng: random.Random) -> tuple[Lot, tuple[str, ...]]:
    """A lot covering two trades under one name, and the trades it covers."""
    trades, names = rng.choice(MIXED_LOTS)
    chapters = [c for t in trades for c in _chapters(rng, t, 2)]
    rng.shuffle(chapters)
    return Lot(f"{TRADE_IDS.index(trades[0]) + 1:02d}", rng.choice(names), chapters), trades


def pick_trade_lot(rng: random.Random) -> Lot:
    """A lot of a generated document: mostly one trade, sometimes two."""
    if rng.random() < MIXED_RATE:
        return mixed_lot(rng)[0]
    return trade_lot(rng, rng.choice(TRADE_IDS))


def other_lots(rng: random.Random, lot: Lot, count: int) -> list[Lot]:
    """Other lots of an all-trades document, in lot order."""
    trades = rng.sample([t for t in TRADE_IDS if f"{TRADE_IDS.index(t) + 1:02d}" != lot.code], count)
    return sorted((trade_lot(rng, t) for t in trades), key=lambda x: x.code)


def canonical_lots() -> list[tuple[str, str, list[tuple[str, list[Template]]]]]:
    """Each trade as one lot in its plainest wording (first name, first titles, first slot values):
    for loads that need the same designation to recur, such as the price-reference benchmark."""
    first = {k: v[0] for k, v in SLOTS.items()}
    return [(f"{i + 1:02d}", names[0],
             [(titles.split("|")[0], [(text.format(**first), unit, low, high) for text, unit, low, high in templates])
              for titles, templates in chapters])
            for i, (names, chapters) in enumerate(TRADES.values())]
