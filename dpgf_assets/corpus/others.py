"""Files that are not good pricing workbooks: look-alike distractors and deliberately broken files.

Distractors are what a real library holds next to the DPGFs: CCTP tables, schedules, invoices,
contact lists, supplier catalogues (spreadsheets, some with prices!), Word and PDF documents.
Broken files are pricing files gone wrong: a damaged zip part, a truncated download, an empty
file, an encrypted workbook, a workbook without any table.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile

from dpgf_assets.corpus.spec import BookSpec
from dpgf_assets.corpus.writers import ZIP_TIME

DISTRACTOR_KINDS = ("cctp", "planning", "invoice", "contacts", "catalogue")
BAD_KINDS = ("corrupt", "truncated", "empty", "encrypted", "no_table")


EQUIPMENTS = ["Centrale de traitement d'air", "Radiateur acier", "Extracteur", "Luminaire étanche",
              "Tableau divisionnaire"]
SERVICES = ["Intervention de dépannage", "Fourniture de pièces", "Déplacement", "Main d'oeuvre"]
ROLES = ["Conducteur de travaux", "Chef de chantier", "Economiste"]
PRODUCTS = ["Câble 3G2,5", "Gaine ICTA 20", "Disjoncteur 16A", "Tube PER 16", "Coude PVC 100"]


def distractor_book(rng: random.Random, kind: str, sheet_name: str, lot_label: str, company: str) -> BookSpec:
    """A spreadsheet that is not a pricing document."""
    book = BookSpec()
    sheet = book.sheet(sheet_name)
    if kind == "cctp":
        sheet.add_row({0: rng.choice(["CAHIER DES CLAUSES TECHNIQUES PARTICULIERES", f"CCTP - {lot_label}"])})
        sheet.add_row({0: f"{lot_label} - tableau des équipements"})
        sheet.skip()
        sheet.add_row({0: "Article", 1: "Désignation", 2: "Localisation", 3: "Observations"})
        for i in range(rng.randint(8, 20)):
            place = rng.choice(["RDC", "R+1", "Toiture", "Local technique"])
            sheet.add_row({0: f"3.{i + 1}", 1: rng.choice(EQUIPMENTS), 2: place, 3: "suivant plans"})
    elif kind == "planning":
        sheet.add_row({0: rng.choice(["PLANNING PREVISIONNEL DES TRAVAUX", "Planning général TCE"])})
        sheet.skip()
        weeks = rng.randint(6, 14)
        weeks_header = {4 + w: f"S{w + 1}" for w in range(weeks)}
        sheet.add_row({0: "Tâche", 1: "Durée (j)", 2: "Début", 3: "Fin", **weeks_header})
        for i in range(rng.randint(8, 25)):
            start = rng.randint(0, weeks - 2)
            sheet.add_row({0: f"Lot {rng.randint(1, 12):02d} - phase {i + 1}", 1: float(rng.randint(2, 30)),
                           2: f"S{start + 1}", 3: f"S{start + 2}", 4 + start: "x", 5 + start: "x"})
    elif kind == "invoice":
        sheet.add_row({0: f"FACTURE N° F{rng.randint(2019, 2024)}-{rng.randint(10, 999):03d}"})
        sheet.add_row({0: company, 3: "Date : 12/03/2024"})
        sheet.skip()
        sheet.add_row({0: "Désignation", 1: "Qté", 2: "PU HT", 3: "Montant HT"})
        total = 0.0
        for _ in range(rng.randint(3, 10)):
            q, pu = float(rng.randint(1, 20)), round(rng.uniform(10, 900), 2)
            total += round(q * pu, 2)
            sheet.add_row({0: rng.choice(SERVICES), 1: q, 2: pu, 3: round(q * pu, 2)})
        sheet.skip()
        sheet.add_row({2: "TOTAL HT", 3: round(total, 2)})
        sheet.add_row({2: "TVA 20 %", 3: round(total * 0.2, 2)})
        sheet.add_row({2: "TOTAL TTC", 3: round(total * 1.2, 2)})
    elif kind == "contacts":
        sheet.add_row({0: rng.choice(["LISTE DES INTERVENANTS", "Annuaire de l'opération"])})
        sheet.skip()
        sheet.add_row({0: "Société", 1: "Nom", 2: "Fonction", 3: "Téléphone", 4: "Email"})
        for i in range(rng.randint(5, 15)):
            phone = f"01 23 45 {rng.randint(10, 99)} {rng.randint(10, 99)}"
            sheet.add_row({0: company, 1: f"Contact {i + 1}", 2: rng.choice(ROLES), 3: phone,
                           4: f"contact{i + 1}@example.fr"})
    else:  # catalogue: shaped like a BPU, which is why names and titles must decide
        sheet.add_row({0: f"CATALOGUE {company.upper()} 2024 - TARIF PUBLIC HT"})
        sheet.skip()
        sheet.add_row({0: "Réf.", 1: "Désignation", 2: "Unité", 3: "Prix unitaire HT"})
        for _ in range(rng.randint(10, 30)):
            sheet.add_row({0: f"REF-{rng.randint(1000, 9999)}", 1: rng.choice(PRODUCTS),
                           2: rng.choice(["u", "ml", "couronne"]), 3: round(rng.uniform(1, 200), 2)})
    return book


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


_WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCX_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?>'
               b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
               b'<Default Extension="xml" ContentType="application/xml"/>'
               b'<Override PartName="/word/document.xml" ContentType="application/'
               b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')


def docx_bytes(title: str, paragraphs: list[str]) -> bytes:
    """A minimal Word document (enough for a library listing and for the parser to refuse it)."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in [title, *paragraphs])
    document = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_WORD_NS}"><w:body>{body}'
                "</w:body></w:document>")
    return _zip({"[Content_Types].xml": _DOCX_TYPES, "word/document.xml": document.encode("utf-8")})


def pdf_bytes(title: str) -> bytes:
    text = title.encode("latin-1", "replace")
    stream = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET"
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj\n"
            b"4 0 obj << /Length " + str(len(stream)).encode() + b" >> stream\n" + stream
            + b"\nendstream endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


def encrypted_lookalike(rng: random.Random) -> bytes:
    """An OLE2 compound file with the streams Excel writes for a password-protected workbook."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, 1)  # one FAT sector
    struct.pack_into("<I", header, 48, 1)  # directory starts at sector 1
    directory = bytearray()
    for name, kind in (("Root Entry", 5), ("EncryptionInfo", 2), ("EncryptedPackage", 2)):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[0:len(encoded)] = encoded
        struct.pack_into("<HB", entry, 64, len(encoded), kind)
        directory += entry
    directory += bytes(512 - len(directory))
    return bytes(header) + bytes(512) + bytes(directory) + rng.randbytes(2048)


def damage(rng: random.Random, kind: str, good: bytes) -> bytes:
    """A broken copy of a good .xlsx: a damaged sheet part or a truncated download."""
    if kind == "truncated":
        return good[: len(good) * rng.randint(35, 70) // 100]
    archive = zipfile.ZipFile(io.BytesIO(good))
    info = next(i for i in archive.infolist() if i.filename.startswith("xl/worksheets/sheet"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 3
    length = max(8, min(64, info.compress_size // 3))
    broken = bytearray(good)
    broken[middle:middle + length] = rng.randbytes(length)
    return bytes(broken)
