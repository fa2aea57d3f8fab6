"""Every kind of bad file gets a ParseError naming the file and saying why, fast, and nothing else."""

import io
import random
import struct
import zipfile

import pytest

from dpgf_assets.corpus.others import encrypted_lookalike
from dpgf_assets.parsing import ParseError, parse_workbook
from dpgf_assets.parsing.peek import peek_file

from .books import dpgf_rows, write

LIBRARY_PATH = "Projets/2024-017 Groupe scolaire/DCE/DPGF Lot 04 CVC.xlsx"
LOL = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
       + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%s;" % (str(i - 1).encode() if i > 1 else b"",)
                                                          for _ in range(10))) for i in range(1, 10)) + b"]>")


def good_xlsx(tmp_path, name="good"):
    return write(tmp_path, name, {"LOT 04": dpgf_rows()})


def rezip(source, target, change):
    """Copy a zip, passing each part's bytes through ``change(name, data)``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info)))
    return target


def refused(path, *words, source_path=LIBRARY_PATH):
    with pytest.raises(ParseError) as caught:
        parse_workbook(path, source_path=source_path)
    error = caught.value
    assert error.file == source_path and str(error).startswith(source_path + ": ")
    assert all(word in error.reason for word in words), error.reason
    return error.reason


def test_empty_file(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"")
    refused(path, "empty file")
    path.write_bytes(b"   \r\n")
    refused(path, "empty")


def test_not_a_zip(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(random.Random(1).randbytes(3000))
    refused(path, "not a spreadsheet")


def test_truncated_download(tmp_path):
    data = good_xlsx(tmp_path).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    refused(path, "truncated")


def test_damaged_sheet_part(tmp_path):
    data = bytearray(good_xlsx(tmp_path).read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 3
    data[start:start + 40] = random.Random(2).randbytes(40)
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    refused(path, "damaged")


def test_password_protected(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(encrypted_lookalike(random.Random(3)))
    refused(path, "password-protected")


def test_no_table(tmp_path):
    path = write(tmp_path, "cover", {"Page de garde": [["DPGF - Lot 04 CVC"], ["Document en cours de rédaction"]]})
    refused(path, "no price table found")


def test_other_documents_are_not_workbooks(tmp_path):
    word = tmp_path / "cctp.xlsx"
    with zipfile.ZipFile(word, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    refused(word, "Word document")
    pdf = tmp_path / "rc.xls"
    pdf.write_bytes(b"%PDF-1.4\n%...")
    refused(pdf, "PDF")
    html = tmp_path / "export.xls"
    html.write_bytes(b"<html><body><table><tr><td>1</td></tr></table></body></html>")
    refused(html, "HTML")


def test_sheet_of_a_million_rows(tmp_path):
    import xlsxwriter

    path = tmp_path / "huge.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("LOT 01")
    sheet.write_row(0, 0, ["N°", "Désignation", "Unité", "Qté"])
    sheet.write(999_999, 1, "une ligne au millionième rang")
    workbook.close()
    refused(path, "sheet too large")


def test_a_cell_at_the_far_end_of_the_sheet(tmp_path):
    source = good_xlsx(tmp_path)
    far = rezip(source, tmp_path / "far.xlsx", lambda name, data: data.replace(
        b"</sheetData>", b'<row r="5"><c r="XFD5" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
        if name == "xl/worksheets/sheet1.xml" else data)
    refused(far, "sheet too large")


def far_cell(tmp_path, reference, name="stray"):
    """The good workbook with one stray value at ``reference`` (rows and columns within the limits)."""
    row = reference.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return rezip(good_xlsx(tmp_path), tmp_path / f"{name}.xlsx", lambda part, data: data.replace(
        b"</sheetData>", b'<row r="%s"><c r="%s"><v>1</v></c></row></sheetData>' % (row.encode(), reference.encode()))
        if part == "xl/worksheets/sheet1.xml" else data)


def test_a_stray_value_far_down_and_far_right_is_refused_before_the_reader_allocates_the_rectangle(tmp_path):
    # row 99,999 and column 1,000 are each within the limits, but calamine would allocate the
    # 100 million cells between them and A1 (3 GB) before anything could look at them
    with pytest.raises(ParseError) as caught:
        parse_workbook(far_cell(tmp_path, "ALL99999"), source_path=LIBRARY_PATH)
    assert caught.value.reason == ("sheet too large: xl/worksheets/sheet1.xml spans 99,999 rows × 1,000 columns "
                                   "(more than 5,000,000 cells)")


@pytest.mark.parametrize("reference, reason", [
    ("ALM40", "beyond column 1000"), ("ABCDEFGHIJ7", "beyond column 1000"),
    ("H100001", "beyond row 100,000"), ("H00000000000000000000123456789", "beyond row 100,000")])
def test_a_value_beyond_the_limits_is_refused_whatever_its_reference_looks_like(tmp_path, reference, reason):
    with pytest.raises(ParseError) as caught:
        parse_workbook(far_cell(tmp_path, reference), source_path=LIBRARY_PATH)
    assert caught.value.reason == f"sheet too large: xl/worksheets/sheet1.xml has cells {reason}"


@pytest.mark.parametrize("reference", ["ALL40", "H99999", "SF9999", "H0000000000000000000000000042"])
def test_a_stray_value_far_down_or_far_right_alone_is_read(tmp_path, reference):
    doc = parse_workbook(far_cell(tmp_path, reference), source_path=LIBRARY_PATH)
    assert [item.code for item in doc.items] == ["1.1", "1.2", "2.1", "2.2"]


def test_ods_rows_repeated_a_million_times(tmp_path):
    content = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               b'<table:table table:name="S"><table:table-row table:number-rows-repeated="1048000">'
               b'<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="3"/>'
               b"</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>")
    path = tmp_path / "rows.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    refused(path, "sheet too large")


def test_csv_of_too_many_rows(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"N;Designation;Unite\r\n" + b"1;x;u\r\n" * 100_001)
    refused(path, "sheet too large")


def test_zip_bomb_refused_from_its_declared_sizes(tmp_path):
    source = good_xlsx(tmp_path).read_bytes()
    bomb = bytearray(source)
    end = bomb.rfind(b"PK\x05\x06")
    offset = struct.unpack_from("<L", bomb, end + 16)[0]
    struct.pack_into("<L", bomb, offset + 24, 3_000_000_000)  # first entry's uncompressed size: 3 GB
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bytes(bomb))
    assert refused(path, "declares 3,000 MB uncompressed, over the limit of") == (
        "refused: the archive declares 3,000 MB uncompressed, over the limit of 1,074 MB")


def test_zip_bomb_of_real_zeros(tmp_path):
    path = tmp_path / "zeros.xlsx"
    with zipfile.ZipFile(good_xlsx(tmp_path)) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
        new.writestr("xl/media/padding.bin", bytes(40_000_000))  # compresses a thousand times
    refused(path, "zip bomb", "over the limit of 200×")


def test_a_genuine_huge_export_is_refused_by_the_size_limit_it_crosses(tmp_path):
    data = bytearray(good_xlsx(tmp_path).read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    end = data.rfind(b"PK\x05\x06")
    entry = data.find(b"PK\x01\x02", struct.unpack_from("<L", data, end + 16)[0])
    while data[entry + 46:entry + 46 + len(info.filename)] != info.filename.encode():
        entry = data.find(b"PK\x01\x02", entry + 4)
    struct.pack_into("<L", data, entry + 24, 250_000_000)  # a sheet of a million rows declares that much
    path = tmp_path / "export.xlsx"
    path.write_bytes(bytes(data))
    assert refused(path, "over the limit") == ("refused: part xl/worksheets/sheet1.xml declares 250 MB "
                                               "uncompressed, over the limit of 210 MB a part")


def with_lol(part):
    def change(name, data):
        if name != part:
            return data
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        return LOL + body
    return change


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
                                  "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/styles.xml"])
def test_xml_entity_expansion(tmp_path, part):
    refused(rezip(good_xlsx(tmp_path), tmp_path / "lol.xlsx", with_lol(part)), "entit")


@pytest.mark.parametrize("part", ["[Content_Types].xml", "docProps/core.xml"])
def test_entities_in_a_part_no_reader_parses_expand_nothing(tmp_path, part):
    doc = parse_workbook(rezip(good_xlsx(tmp_path), tmp_path / "lol.xlsx", with_lol(part)), source_path=LIBRARY_PATH)
    assert [item.code for item in doc.items] == ["1.1", "1.2", "2.1", "2.2"]


def test_external_entity(tmp_path):
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    path = rezip(good_xlsx(tmp_path), tmp_path / "xxe.xlsx", lambda name, data: xxe + data.split(b"?>", 1)[1]
                 if name == "xl/sharedStrings.xml" else data)
    refused(path, "entit")


def test_unsupported_compression(tmp_path):
    source = good_xlsx(tmp_path)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(tmp_path / "bz.xlsx", "w", zipfile.ZIP_BZIP2) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
    refused(tmp_path / "bz.xlsx", "damaged")


def test_peek_refuses_what_the_parser_refuses(tmp_path):
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good_xlsx(tmp_path).read_bytes()[:500])
    with pytest.raises(ParseError):
        peek_file(path)


def test_damaged_copies_never_raise_anything_but_parse_error(tmp_path):
    """Flip bytes and cut a good workbook at many places: parsed, or refused with a reason, never a crash."""
    data = good_xlsx(tmp_path).read_bytes()
    rng = random.Random(7)
    path = tmp_path / "fuzz.xlsx"
    outcomes = set()
    for i in range(120):
        broken = bytearray(data)
        if i % 3 == 0:
            broken = broken[: rng.randrange(len(broken))]
        else:
            for _ in range(rng.randint(1, 8)):
                broken[rng.randrange(len(broken))] = rng.randrange(256)
        path.write_bytes(bytes(broken))
        try:
            parse_workbook(path, source_path="fuzz.xlsx")
            outcomes.add("parsed")
        except ParseError as exc:
            assert exc.reason and exc.file == "fuzz.xlsx"
            outcomes.add("refused")
    assert "refused" in outcomes


def test_sheet_checked_against_its_crc_even_when_stored(tmp_path):
    source = good_xlsx(tmp_path)
    path = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
    parse_workbook(path)  # stored parts are fine
    data = bytearray(path.read_bytes())
    data[data.find(b"<sheetData>") + 20] ^= 0x01  # inside the sheet: the XML may still read, the CRC does not
    path.write_bytes(bytes(data))
    refused(path, "damaged", source_path="stored.xlsx")


def test_a_file_too_large_is_refused_from_its_size_without_reading_it(tmp_path):
    from dpgf_assets.parsing.container import MAX_FILE_BYTES

    path = tmp_path / "huge.xlsx"
    with open(path, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing written
    refused(path, "file too large")
