"""The archive handed to the workbook reader: the checked parts stored, the other parts it may open as
they were, sheets whose merged ranges calamine need not look for, styles cut to what it reads."""

import io
import os
import zipfile

from python_calamine import CalamineWorkbook

from dpgf_assets.parsing.container import (NOT_FOR_THE_READER, number_formats_only, open_container,
                                           without_merged_ranges)

from .books import dpgf_rows, write


def test_the_reader_gets_the_parts_already_inflated_stored_the_others_it_may_open_as_they_were(tmp_path):
    path = write(tmp_path, "dpgf", {"LOT 04": dpgf_rows(), "Notes": [["Remarque"], ["rien"]]})
    container = open_container(path, "dpgf.xlsx")
    assert {"xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml"} <= set(container.inflated)
    assert len(container.sheet_xml) == 2

    with zipfile.ZipFile(path) as original, zipfile.ZipFile(io.BytesIO(container.reader_data())) as rewritten:
        assert rewritten.testzip() is None  # every part's CRC checks out
        kept = [i.filename for i in original.infolist() if not i.filename.startswith(NOT_FOR_THE_READER)]
        assert [i.filename for i in rewritten.infolist()] == kept
        assert {"[Content_Types].xml", "docProps/core.xml", "xl/theme/theme1.xml"} <= set(original.namelist())
        for info in rewritten.infolist():
            content = original.read(info.filename)
            if info.filename in container.sheet_xml:
                content = without_merged_ranges(content)
            elif info.filename == "xl/styles.xml":
                content = number_formats_only(content)
            assert rewritten.read(info) == content, info.filename
            read_whole = info.filename in container.inflated or info.filename in container.sheet_xml
            assert (info.compress_type == zipfile.ZIP_STORED) == read_whole, info.filename



def test_the_reader_skips_its_merged_ranges_pass_and_reads_the_same_cells(tmp_path):
    rows = dpgf_rows()
    path = write(tmp_path, "dpgf", {"LOT 04": rows}, merges={"LOT 04": [(1, 1, 1, 4), (9, 2, 9, 3)]})
    container = open_container(path, "dpgf.xlsx")
    original = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("LOT 04")
    assert original.merged_cell_ranges  # the workbook does have merged cells...

    given = CalamineWorkbook.from_filelike(io.BytesIO(container.reader_data())).get_sheet_by_name("LOT 04")
    assert given.merged_cell_ranges == []  # ...but calamine's pass for them stops at the empty one first
    assert given.to_python(skip_empty_area=False) == original.to_python(skip_empty_area=False)


def test_an_empty_merged_ranges_element_goes_before_the_cells_whatever_the_prefix():
    plain = b'<worksheet><cols/><sheetData><row r="1"/></sheetData><mergeCells count="1"/></worksheet>'
    assert without_merged_ranges(plain) == (b"<worksheet><cols/><mergeCells></mergeCells><sheetData>"
                                            b'<row r="1"/></sheetData><mergeCells count="1"/></worksheet>')
    prefixed = b"<x:worksheet><x:sheetData/></x:worksheet>"
    assert without_merged_ranges(prefixed) == b"<x:worksheet><mergeCells></mergeCells><x:sheetData/></x:worksheet>"
    assert without_merged_ranges(b"<worksheet/>") == b"<worksheet/>"


def test_a_stream_given_in_pieces_is_read_to_its_end():
    from dpgf_assets.parsing.container import _read_whole

    reader, writer = os.pipe()  # a pipe gives its bytes in pieces
    try:
        os.write(writer, b"PK" * 20_000)
        os.close(writer)
        assert _read_whole(reader, "stream.xlsx") == b"PK" * 20_000
    finally:
        os.close(reader)


def test_the_reader_gets_only_the_number_and_cell_formats_of_the_styles_and_still_tells_dates(tmp_path):
    import datetime

    import openpyxl
    from openpyxl.styles import Font, PatternFill

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Désignation", "Date", "Le", "Montant"])
    sheet.append(["Dalle", datetime.datetime(2024, 3, 12), datetime.datetime(2024, 3, 13), 1234.5])
    sheet["B2"].number_format = "mm-dd-yy"  # a built-in date format
    sheet["C2"].number_format = "d mmm yyyy"  # a custom one, declared in <numFmts>
    sheet["D2"].number_format = "#,##0.00 €"
    sheet["A1"].font, sheet["A1"].fill = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
    path = tmp_path / "dates.xlsx"
    book.save(path)
    container = open_container(path, "dates.xlsx")

    given = zipfile.ZipFile(io.BytesIO(container.reader_data())).read("xl/styles.xml")
    assert b"<numFmts" in given and b"<cellXfs" in given and b"<fonts" not in given and b"<fills" not in given
    original = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet").to_python()
    read = CalamineWorkbook.from_filelike(io.BytesIO(container.reader_data())).get_sheet_by_name("Sheet").to_python()
    assert read == original
    assert read[1][1:] == [datetime.date(2024, 3, 12), datetime.date(2024, 3, 13), 1234.5]


def test_styles_laid_out_otherwise_are_given_whole():
    for styles in (b"<x:styleSheet><x:cellXfs/></x:styleSheet>", b"<styleSheet/>",
                   b'<styleSheet><numFmts count="0"/><cellXfs><xf/></cellXfs></styleSheet>'):
        assert number_formats_only(styles) == styles
    assert number_formats_only(b'<?xml?><styleSheet a="1"><numFmts><numFmt/></numFmts><fonts/><cellXfs><xf/></cellXfs>'
                               b"<cellStyles/></styleSheet>") == \
        b'<?xml?><styleSheet a="1"><numFmts><numFmt/></numFmts><cellXfs><xf/></cellXfs></styleSheet>'


def test_files_of_any_size_are_read_whole(tmp_path):
    from dpgf_assets.parsing.container import FIRST_READ, _read_whole

    for size in (0, 1, FIRST_READ - 1, FIRST_READ, FIRST_READ + 1, 5 * FIRST_READ + 7):
        path = tmp_path / f"{size}.bin"
        content = bytes(range(256)) * (size // 256) + bytes(size % 256)
        path.write_bytes(content)
        fd = os.open(path, os.O_RDONLY)
        try:
            assert _read_whole(fd, path.name) == content, size
        finally:
            os.close(fd)
