"""The zip peek on local files: workbooks of several producers, damaged and hostile archives."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from dpgf_assets.sources.zippeek import ZipPeekError, peek_zip

WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets>
<x:sheet name="Garde &amp; notes" sheetId="1" r:id="rId1"/>
<x:sheet name="Cachée" sheetId="2" state="veryHidden" r:id="rId2"/>
<x:sheet name='BPU' sheetId="3" r:id="rId3"/></x:sheets></x:workbook>"""
RELS = """<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type=".../worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type=".../worksheet" Target="/xl/worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type=".../worksheet" Target="worksheets/sheet3.xml"/>
<Relationship Id="rId9" Type=".../sharedStrings" Target="sharedStrings.xml"/></Relationships>"""
SHEET1 = """<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>12.5</v></c></row>
<row r="2"/><row r="3">
<c r="A3" t="inlineStr"><is><t xml:space="preserve"> Bordereau _x0026_ prix </t></is></c>
<c r="B3" t="str"><f>A1</f><v>formule</v></c><c r="C3" t="b"><v>1</v></c></row></sheetData></worksheet>"""
SHEET2 = """<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>secret</t></is></c></row></sheetData>
</worksheet>"""
SHEET3 = """<worksheet><sheetData><row r="1"><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row></sheetData>
</worksheet>"""
STRINGS = """<sst count="3"><si><t>Décomposition du prix global</t></si>
<si><r><t>Prix </t></r><r><rPr><b/></rPr><t>unitaire</t></r><rPh><t>ignored</t></rPh></si>
<si><t/></si></sst>"""


def build(members: dict[str, str], *, method: int = zipfile.ZIP_DEFLATED, comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
        archive.comment = comment
    return buffer.getvalue()


def workbook_members() -> dict[str, str]:
    return {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": WORKBOOK,
            "xl/_rels/workbook.xml.rels": RELS,
            "xl/worksheets/sheet1.xml": SHEET1, "xl/worksheets/sheet2.xml": SHEET2,
            "xl/worksheets/sheet3.xml": SHEET3, "xl/sharedStrings.xml": STRINGS}


def peek_bytes(data: bytes, **kw):  # noqa: ANN003, ANN201
    return peek_zip(lambda start, length: data[start:start + length], len(data), **kw)


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_sheet_names_and_texts_of_visible_sheets(method):
    data = build(workbook_members(), method=method)
    peek = peek_bytes(data)
    assert peek.sheet_names == ["Garde & notes", "Cachée", "BPU"]
    assert peek.texts == ["Décomposition du prix global", "Bordereau & prix", "formule", "Prix unitaire"]
    assert peek.bytes_read == len(data)  # a tiny archive: everything is within the first reads


def test_the_texts_are_the_titles_and_the_header_not_the_articles_below_it():
    def text(ref: str, value: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'

    header = "".join(text(f"{col}3", label) for col, label in zip("BCDEFG", ["N°", "Désignation", "U", "Qté",
                                                                             "PU HT", "Montant HT"]))
    article = (text("B4", "1.1") + text("C4", "Planning des travaux") + text("D4", "Ft")
               + '<c r="E4"><v>1</v></c><c r="F4"><v>500</v></c><c r="G4"><v>500</v></c>')
    sheet = (f'<worksheet><sheetData><row r="1">{text("B1", "DPGF LOT 01 INSTALLATION DE CHANTIER")}</row>'
             f'<row r="3">{header}</row><row r="4">{article}</row></sheetData></worksheet>')
    members = workbook_members() | {"xl/worksheets/sheet1.xml": sheet}
    peek = peek_bytes(build(members))
    assert peek.texts[:7] == ["DPGF LOT 01 INSTALLATION DE CHANTIER", "N°", "Désignation", "U", "Qté", "PU HT",
                              "Montant HT"]
    assert "Planning des travaux" not in peek.texts and "1.1" not in peek.texts
    assert peek.texts[7:] == ["Prix unitaire"]  # the last sheet holds no table: its first rows are read


def test_rows_beyond_the_limit_are_not_read():
    data = build(workbook_members())
    assert peek_bytes(data, max_rows=1).texts == ["Décomposition du prix global", "Prix unitaire"]


def test_a_long_archive_comment_does_not_hide_the_end_record():
    data = build(workbook_members(), comment=b"c" * 30_000)
    assert peek_bytes(data).sheet_names[-1] == "BPU"


def test_zip64_end_records_are_followed(monkeypatch):
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 64)  # makes zipfile write zip64 records for a tiny archive
    data = build(workbook_members())
    assert b"PK\x06\x06" in data
    monkeypatch.undo()
    assert peek_bytes(data).texts[0] == "Décomposition du prix global"


def test_not_a_zip_and_not_a_workbook():
    assert peek_bytes(b"") is None
    assert peek_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 10_000) is None
    assert peek_bytes(b"PK\x05\x06" + b"\xff" * 18) is None  # an end record describing nothing here
    other = peek_bytes(build({"word/document.xml": "<w/>"}))
    assert other is not None and other.sheet_names == [] and other.texts == []


def _patch_central(data: bytes, name: str, offset: int, value: int, fmt: str = "<I") -> bytes:
    """Overwrite a field of ``name``'s central directory entry (24: uncompressed size, 8: flags)."""
    at = data.index(b"PK\x01\x02")
    while data[at + 46:at + 46 + len(name)] != name.encode():
        at = data.index(b"PK\x01\x02", at + 4)
    size = struct.calcsize(fmt)
    return data[:at + offset] + struct.pack(fmt, value) + data[at + offset + size:]


def test_an_absurd_declared_size_is_refused_before_inflating():
    data = _patch_central(build(workbook_members()), "xl/workbook.xml", 24, 0xFFFF0000)
    with pytest.raises(ZipPeekError, match="zip bomb"):
        peek_bytes(data)


def test_a_member_that_inflates_past_its_declared_size_is_refused():
    members = workbook_members() | {"xl/sharedStrings.xml": "<sst>" + "<si><t>x</t></si>" * 50_000 + "</sst>"}
    members["xl/worksheets/sheet1.xml"] = SHEET1.replace("<v>0</v>", "<v>49999</v>")
    data = _patch_central(build(members), "xl/sharedStrings.xml", 24, 100)
    with pytest.raises(ZipPeekError, match="declared size"):
        peek_bytes(data)


def test_a_damaged_directory_or_encrypted_member_is_an_error_not_a_crash():
    data = build(workbook_members())
    cd = data.index(b"PK\x01\x02")
    with pytest.raises(ZipPeekError, match="damaged"):
        peek_bytes(data[:cd] + b"XXXX" + data[cd + 4:])
    encrypted = _patch_central(data, "xl/workbook.xml", 8, 1, "<H")
    with pytest.raises(ZipPeekError, match="encrypted"):
        peek_bytes(encrypted)
