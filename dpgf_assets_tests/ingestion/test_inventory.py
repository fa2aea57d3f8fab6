"""Inventory of a folder source into source_files, with recognition and batch planning."""

import json
import os
import shutil

from sqlalchemy import select

from dpgf_assets.corpus import manifest_path
from dpgf_assets.ingestion.inventory import take_inventory
from dpgf_assets.settings import load_settings
from dpgf_assets.sources.local import LocalFolderSource
from dpgf_assets.warehouse import files as store
from dpgf_assets.warehouse.schema import batch_files, source_files


def settings(**env):
    return load_settings(environ={"DPGF_DOWNLOAD_BATCH_SIZE": "4", **env})


def rows(engine):
    with engine.connect() as conn:
        return {r.path: r for r in conn.execute(select(source_files))}


def test_first_inventory_records_recognises_and_plans(engine, library):
    s = settings()
    report = take_inventory(engine, LocalFolderSource(library), s.scanning, s.download)
    files = [p for p in library.rglob("*") if p.is_file()]
    assert report.seen == report.new == len(files)
    assert sum(report.recognised.values()) == len(files)
    recorded = rows(engine)
    assert set(recorded) == {p.relative_to(library).as_posix() for p in files}
    manifest = {f["path"]: f for f in json.loads(manifest_path(library).read_text())["files"]}
    for path, r in recorded.items():
        assert r.status in ("queued", "skipped") and r.reasons
        if r.status == "queued":
            assert r.doc_type != "OTHER" and r.confidence >= s.scanning.min_confidence and r.batch_key
        if path in manifest and manifest[path]["doc_type"] == "OTHER":
            assert r.status == "skipped", f"{path} is not a pricing file"
    assert all(len(b.files) <= 4 for b in report.planned)
    assert report.files_queued == sum(1 for r in recorded.values() if r.status == "queued")
    with engine.connect() as conn:
        assert len(conn.execute(select(batch_files)).all()) == report.files_queued


def test_unchanged_folder_plans_nothing_and_changes_are_seen(engine, library):
    s = settings()
    source = LocalFolderSource(library)
    take_inventory(engine, source, s.scanning, s.download)
    again = take_inventory(engine, source, s.scanning, s.download)
    assert again.listing_skipped and again.planned == []
    recorded = rows(engine)
    queued = sorted(p for p, r in recorded.items() if r.status == "queued")
    # one new file, one deleted, one renamed, one changed
    new = library / "Nouveau projet" / "DPGF lot 09 Peinture.xlsx"
    new.parent.mkdir()
    shutil.copy(library / queued[0], new)
    (library / queued[1]).unlink()
    renamed_from = library / queued[2]
    renamed_from.rename(renamed_from.with_name("renamed " + renamed_from.name))
    changed = library / queued[3]
    changed.write_bytes(changed.read_bytes())
    os.utime(changed, (1_000_000_000, 1_000_000_000))
    report = take_inventory(engine, source, s.scanning, s.download)
    assert (report.new, report.deleted, report.renamed, report.changed) == (1, 1, 1, 1)
    after = rows(engine)
    assert after[queued[1]].status == "deleted"
    assert after["Nouveau projet/DPGF lot 09 Peinture.xlsx"].status == "queued"
    assert renamed_from.with_name("renamed " + renamed_from.name).relative_to(library).as_posix() in after
    assert {f.path for b in report.planned for f in b.files} == {
        "Nouveau projet/DPGF lot 09 Peinture.xlsx", queued[3]}
    # every planned key is new and names other files than before
    with engine.connect() as conn:
        assert len(store.batch_keys(conn)) == len(set(store.batch_keys(conn)))


def test_min_confidence_and_max_files(engine, library):
    s = settings(DPGF_SCANNING_MAX_FILES="3", DPGF_SCANNING_MIN_CONFIDENCE="0.5")
    report = take_inventory(engine, LocalFolderSource(library), s.scanning, s.download)
    assert report.files_queued == 3
    recorded = rows(engine)
    queued = [r for r in recorded.values() if r.status == "queued"]
    waiting = [r for r in recorded.values() if r.status == "new"]
    assert min(r.confidence for r in queued) >= max((r.confidence for r in waiting), default=0)
    # the next inventory plans the next ones
    nxt = take_inventory(engine, LocalFolderSource(library), s.scanning, s.download, use_saved_cursor=False)
    assert nxt.files_queued == min(3, len(waiting))


def test_a_bad_workbook_is_judged_by_its_name_and_the_log_names_it_by_its_path(engine, tmp_path, caplog):
    folder = tmp_path / "lib" / "Projet"
    folder.mkdir(parents=True)
    (folder / "DPGF lot 01 Gros oeuvre.xlsx").write_bytes(b"")
    (folder / "DPGF lot 02 Charpente.xls").write_bytes(b"\x00not a workbook" * 20_000)  # > read whole
    s = settings()
    with caplog.at_level("INFO", logger="dpgf_assets.ingestion.inventory"):
        take_inventory(engine, LocalFolderSource(tmp_path / "lib"), s.scanning, s.download)
    recorded = rows(engine)
    assert {r.doc_type for r in recorded.values()} == {"DPGF"}
    failures = [r.getMessage() for r in caplog.records if "deep scan" in r.getMessage()]
    assert len(failures) == 2, failures
    assert any("Projet/DPGF lot 01 Gros oeuvre.xlsx: empty file" in m for m in failures), failures
    assert any("Projet/DPGF lot 02 Charpente.xls:" in m for m in failures), failures
    assert not any("workbook.xls" in m for m in failures), failures
