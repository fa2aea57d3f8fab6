"""Downloads and range reads through item content -> 302 -> download URL, and the peek they serve."""

from __future__ import annotations

import zipfile

from dpgf_assets.sources.zippeek import peek_zip, peek_zip_file


def test_download_streams_the_whole_file_through_a_temporary_name(graph, make_source, tmp_path):
    data = bytes(range(256)) * 20_000  # 5 MB: several chunks
    graph.add_file("Projet/DPGF.xlsx", data)
    source = make_source()
    file = source.list_changes(None).files[0]
    dest = tmp_path / "batch" / "DPGF.xlsx"
    assert source.download(file, dest) == len(data) == file.size
    assert dest.read_bytes() == data and sorted(p.name for p in dest.parent.iterdir()) == ["DPGF.xlsx"]
    assert source.bytes_read == len(data)


def test_range_reads_reuse_the_download_url(graph, make_source):
    data = bytes(range(256)) * 100
    graph.add_file("x.xlsx", data)
    source = make_source()
    file = source.list_changes(None).files[0]
    graph.reset_stats()
    assert source.read_range(file, len(data) - 100, 100) == data[-100:]
    assert source.read_range(file, 0, 10) == data[:10]
    assert source.read_range(file, 0, 0) == b""
    # first read: item content (Graph, 302) then the download URL; second read: the download URL only
    assert graph.stats.requests["graph"] == 1 and graph.stats.requests["download"] == 2
    assert source.bytes_read == 110


def test_a_workbook_is_recognised_from_a_small_part_of_it(graph, make_source, workbook):
    graph.add_file("Lot 02/DPGF Lot 02.xlsx", workbook)
    source = make_source()
    file = source.list_changes(None).files[0]
    peek = peek_zip(lambda start, length: source.read_range(file, start, length), file.size)
    assert peek is not None
    assert peek.sheet_names == ["Page de garde", "Paramètres", "Lot 1", "Lot 2", "Lot 3"]
    assert peek.texts[:2] == ["Construction d'un groupe scolaire", "DPGF - Lot 02 Gros œuvre"]
    assert "Prix unitaire HT" in peek.texts and "texte caché" not in peek.texts
    assert not any(text.startswith("Béton armé") for text in peek.texts)  # articles: below the header
    assert file.size > 300_000 and peek.bytes_read == source.bytes_read < file.size * 0.15
    assert peek == peek_zip_file(workbook)  # the same peek over the local file


def test_a_file_that_is_not_a_zip_gives_no_peek(graph, make_source):
    graph.add_file("ancien.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 5000)
    source = make_source()
    file = source.list_changes(None).files[0]
    assert peek_zip(lambda start, length: source.read_range(file, start, length), file.size) is None


def test_every_member_we_skip_is_really_skipped(workbook):
    """The peek reads the directory and a few members' starts, never whole worksheets."""
    reads = []
    with open(workbook, "rb") as handle:
        def read(start, length):  # noqa: ANN001, ANN202
            reads.append((start, length))
            handle.seek(start)
            return handle.read(length)

        peek = peek_zip(read, workbook.stat().st_size)
    sheets = {i.filename: i for i in zipfile.ZipFile(workbook).infolist() if "worksheets/" in i.filename}
    big = max(sheets.values(), key=lambda i: i.compress_size)
    assert sum(length for _, length in reads) == peek.bytes_read < big.compress_size
    assert len(reads) <= 10


def test_prepare_fetches_download_links_twenty_at_a_time(graph, make_source):
    for i in range(45):
        graph.add_file(f"Lots/lot {i:02d}.xlsx", f"classeur {i}".encode())
    source = make_source()
    files = source.list_changes(None).files
    before = source.graph_requests
    assert source.prepare(files) == 45 and source.graph_requests - before == 3
    assert source.prepare(files) == 0  # still fresh: nothing asked again
    graph.reset_stats()
    assert [source.read_range(f, 0, 8) for f in files[:3]] == [b"classeur"] * 3
    assert graph.stats.requests["graph"] == 0 and graph.stats.requests["download"] == 3


def test_the_emulator_serves_a_real_folder(tmp_path, workbook):
    from dpgf_assets.emulator import GraphEmulator
    from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource

    root = tmp_path / "bibliothèque"
    (root / "Projet A" / "DCE").mkdir(parents=True)
    (root / "Projet A" / "DCE" / "DPGF.xlsx").write_bytes(workbook.read_bytes())
    (root / "Projet A" / "notes.txt").write_text("à lire")
    with GraphEmulator(root) as graph:
        source = SharePointSource(SharePointConfig.from_env(graph.env()))
        listing = source.list_changes(None)
        sizes = {f.path: f.size for f in listing.files}
        assert sizes == {"Projet A/DCE/DPGF.xlsx": workbook.stat().st_size, "Projet A/notes.txt": 7}
        notes = next(f for f in listing.files if f.name == "notes.txt")
        assert source.download(notes, tmp_path / "copy.txt") == 7
        assert (tmp_path / "copy.txt").read_text() == "à lire"
        source.close()
