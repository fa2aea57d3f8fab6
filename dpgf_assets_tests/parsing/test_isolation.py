"""Hostile workbooks never take the reading process down: each is refused with its reason, in a worker
whose memory is capped, and the next good file is read as usual."""

from pathlib import Path

import pytest

from dpgf_assets.corpus.hostile import READABLE, REFUSED
from dpgf_assets.parsing.isolation import MAX_READER_MB, parse_isolated, readers
from dpgf_assets.parsing.model import ParseError

from .books import dpgf_rows, write

REASONS = {"sheet_at_unusual_path.xlsx": "sheet too large: xl/worksheets/sub/sheet1.xml",
           "unreferenced_last_row.xlsx": "sheet too large: xl/worksheets/sheet1.xml has cells beyond row 100,000",
           "sheet_outside_worksheets.xlsx": "sheet too large: xl/data/grid.xml",
           "xls_last_cell.xls": "sheet too large: sheet 1 spans 65,536 rows × 256 columns",
           "late_dtd.xlsx": "declares XML entities or a DTD"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for name, make in {**REFUSED, **READABLE}.items():
        (folder / name).write_bytes(make())
    write(folder, "good", {"LOT 04": dpgf_rows()})
    return folder


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_hostile_workbook_is_refused_with_its_reason_and_the_next_file_is_read(hostile, name):
    with pytest.raises(ParseError) as caught:
        parse_isolated(hostile / name, source_path=f"Projets/X/{name}")
    assert caught.value.file == f"Projets/X/{name}"
    assert REASONS[name] in caught.value.reason
    assert len(parse_isolated(hostile / "good.xlsx").items) == 4


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_inventory_peek_refuses_them_too(hostile, name):
    with pytest.raises(ParseError) as caught:
        readers().peek_bytes((hostile / name).read_bytes(), name)
    assert REASONS[name] in caught.value.reason
    assert readers().peek_file(hostile / "good.xlsx").sheet_names == ["LOT 04"]


def test_a_reading_worker_cannot_use_more_than_its_memory_limit(hostile):
    parse_isolated(hostile / "good.xlsx")
    pids = [w.process.pid for w in readers()._idle]
    assert pids
    limits = Path(f"/proc/{pids[0]}/limits").read_text()
    line = next(line for line in limits.splitlines() if line.startswith("Max address space"))
    assert int(line.split()[3]) == MAX_READER_MB * 1024 * 1024 < 1024 ** 3 + 1


def test_a_worker_that_dies_is_replaced_and_the_file_read_again(hostile):
    readers().close()  # one worker to start with, whatever earlier tests left idle
    parse_isolated(hostile / "good.xlsx")
    for worker in readers()._idle:
        worker.process.kill()
        worker.process.wait()
    assert len(parse_isolated(hostile / "good.xlsx").items) == 4
    assert all(w.process.poll() is None for w in readers()._idle)
