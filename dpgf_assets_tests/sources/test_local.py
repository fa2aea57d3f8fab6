import os

import pytest

from dpgf_assets.sources.base import FileSource, SourceError
from dpgf_assets.sources.local import LocalFolderSource


@pytest.fixture
def library(tmp_path):
    root = tmp_path / "lib"
    (root / "Projet A" / "DCE").mkdir(parents=True)
    (root / "Projet A" / "DCE" / "DPGF Lot 1.xlsx").write_bytes(b"PK" + b"x" * 100)
    (root / "Projet A" / "notes.txt").write_text("hello")
    (root / "Projet A" / "~$DPGF Lot 1.xlsx").write_bytes(b"lock")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "secret.xlsx").write_bytes(b"no")
    return root


def test_lists_every_file_with_stable_ids_and_skips_lock_and_hidden_files(library):
    source = LocalFolderSource(library)
    assert isinstance(source, FileSource)
    listing = source.list_changes(None)
    assert listing.complete
    assert sorted(f.path for f in listing.files) == ["Projet A/DCE/DPGF Lot 1.xlsx", "Projet A/notes.txt"]
    first = {f.path: f for f in listing.files}
    os.rename(library / "Projet A" / "notes.txt", library / "Projet A" / "notes-renamed.txt")
    again = {f.file_id: f for f in source.list_changes(listing.cursor).files}
    renamed = again[first["Projet A/notes.txt"].file_id]
    assert renamed.path == "Projet A/notes-renamed.txt" and renamed.etag == first["Projet A/notes.txt"].etag


def test_cursor_changes_only_when_something_changed(library):
    source = LocalFolderSource(library)
    one = source.list_changes(None)
    assert source.list_changes(one.cursor).cursor == one.cursor
    target = library / "Projet A" / "DCE" / "DPGF Lot 1.xlsx"
    target.write_bytes(b"PK" + b"y" * 200)
    two = source.list_changes(one.cursor)
    assert two.cursor != one.cursor
    changed = next(f for f in two.files if f.name == "DPGF Lot 1.xlsx")
    assert changed.size == 202 and changed.etag != next(f for f in one.files if f.name == "DPGF Lot 1.xlsx").etag


def test_download_and_range_reads(library, tmp_path):
    source = LocalFolderSource(library)
    f = next(f for f in source.list_changes(None).files if f.name.endswith(".xlsx"))
    dest = tmp_path / "copy.xlsx"
    assert source.download(f, dest) == 102
    assert dest.read_bytes().startswith(b"PKx")
    assert source.read_range(f, 100, 10) == b"xx"


def test_missing_folder_and_escaping_paths_are_permanent_errors(library, tmp_path):
    with pytest.raises(SourceError) as err:
        LocalFolderSource(tmp_path / "nowhere").list_changes(None)
    assert not err.value.transient and "does not exist" in str(err.value)
    source = LocalFolderSource(library)
    f = source.list_changes(None).files[0]
    escaping = type(f)(f.file_id, "../../etc/passwd", 1, f.modified, f.etag)
    with pytest.raises(SourceError, match="leaves the source folder"):
        source.download(escaping, tmp_path / "x")
