"""The archive handed to the workbook reader: the checked parts stored, everything else as it was."""

import io
import zipfile

from dpgf_assets.parsing.container import open_container

from .books import dpgf_rows, write


def test_the_reader_gets_the_parts_already_inflated_stored_and_the_rest_untouched(tmp_path):
    path = write(tmp_path, "dpgf", {"LOT 04": dpgf_rows(), "Notes": [["Remarque"], ["rien"]]})
    container = open_container(path, "dpgf.xlsx")
    assert {"xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml"} <= set(container.inflated)
    assert len(container.sheet_xml) == 2

    with zipfile.ZipFile(path) as original, zipfile.ZipFile(io.BytesIO(container.reader_data())) as rewritten:
        assert rewritten.testzip() is None  # every part's CRC checks out
        assert [i.filename for i in rewritten.infolist()] == [i.filename for i in original.infolist()]
        for info in rewritten.infolist():
            assert rewritten.read(info) == original.read(info.filename), info.filename
            read_whole = info.filename in container.inflated or info.filename in container.sheet_xml
            assert (info.compress_type == zipfile.ZIP_STORED) == read_whole, info.filename

