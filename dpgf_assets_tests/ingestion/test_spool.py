"""The spool: each small workbook is fetched from SharePoint once, by the inventory, and its import
takes that copy; another version, a full allowance or a file no longer waiting means no copy."""

from pathlib import Path

from sqlalchemy import select

from dpgf_assets.emulator import GraphEmulator
from dpgf_assets.ingestion.importing import import_batch
from dpgf_assets.ingestion.inventory import WHOLE_FILE_BELOW, take_inventory
from dpgf_assets.ingestion.spool import Spool, spool_of
from dpgf_assets.settings import load_settings
from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource
from dpgf_assets.warehouse import files as store
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets.warehouse.schema import documents, source_files
from dpgf_assets_tests.helpers import good_pricing_files


def test_a_copy_is_taken_only_for_its_version_and_size(tmp_path):
    spool = Spool(tmp_path / "spool", max_mb=1)
    assert spool.keep("A1", "v1", b"workbook bytes")
    assert not spool.take("A1", "v2", 14, tmp_path / "other-version")  # the file changed since
    assert not spool.take("A1", "v1", 15, tmp_path / "other-size")
    assert spool.take("A1", "v1", 14, tmp_path / "copy.xlsx")
    assert (tmp_path / "copy.xlsx").read_bytes() == b"workbook bytes"
    assert not spool.take("A1", "v1", 14, tmp_path / "again")  # a copy serves one import
    assert list((tmp_path / "spool").iterdir()) == []


def test_the_allowance_is_kept_and_freed_by_what_is_taken(tmp_path):
    spool = Spool(tmp_path / "spool", max_mb=1)
    half = b"x" * (512 * 1024)
    assert spool.keep("A", "1", half) and spool.keep("B", "1", half)
    assert not spool.keep("C", "1", b"y")  # full: C will be downloaded by its import
    assert not spool.holds("C", "1", 1)
    assert spool.take("A", "1", len(half), tmp_path / "a")
    assert spool.keep("C", "1", b"y")
    # a new process counts what an earlier one left
    assert not Spool(tmp_path / "spool", max_mb=1).keep("D", "1", half)


def test_prune_keeps_only_the_versions_still_waiting(tmp_path):
    spool = Spool(tmp_path / "spool", max_mb=1)
    for file_id in "ABC":
        spool.keep(file_id, "1", file_id.encode())
    assert spool.prune({("A", "1"), ("B", "2")}) == 2
    assert spool.holds("A", "1", 1) and not spool.holds("B", "1", 1) and not spool.holds("C", "1", 1)


def test_an_unwritable_spool_costs_a_download_and_nothing_else(tmp_path):
    (tmp_path / "spool").write_text("a file where the folder should be")
    spool = Spool(tmp_path / "spool" / "inner", max_mb=1)
    assert not spool.keep("A", "1", b"data")  # the folder cannot be made: the import will download
    assert not spool.take("A", "1", 4, tmp_path / "copy") and spool.prune(set()) == 0


def test_each_small_workbook_is_fetched_once_and_imported_the_same(generated_library, tmp_path):
    settings = load_settings(environ={"DPGF_DATA_DIR": str(tmp_path / "data"), "DPGF_DOWNLOAD_BATCH_SIZE": "5"})
    expected = {path: len(f["items"]) for path, f in good_pricing_files(generated_library).items()}
    with GraphEmulator() as graph:
        graph.load_folder(generated_library)
        sizes = {p.relative_to(generated_library).as_posix(): p.stat().st_size
                 for p in generated_library.rglob("*") if p.is_file()}
        source = SharePointSource(SharePointConfig.from_env(graph.env(), timeout_seconds=10))
        engine = open_warehouse(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
        take_inventory(engine, source, settings.scanning, settings.download, spool=spool_of(settings))
        with engine.connect() as conn:
            keys = store.batch_keys(conn)
            queued = set(conn.execute(select(source_files.c.path)
                                      .where(source_files.c.status == "queued")).scalars())
        small_queued = {p for p in queued if 0 < sizes[p] <= WHOLE_FILE_BELOW}
        assert small_queued and len(list(settings.spool_dir.iterdir())) == len(small_queued)

        graph.reset_stats()
        reports = [import_batch(engine, source, k, settings.download, settings.batches_dir, 2,
                                spool=spool_of(settings)) for k in keys]
        downloads = graph.stats.requests["download"]
    with engine.connect() as conn:
        got = dict(conn.execute(select(documents.c.path, documents.c.item_count)).all())
    assert got == expected  # the copies import exactly as downloads do
    assert sum(r.from_spool for r in reports) == len(small_queued)
    assert downloads == len(queued - small_queued)  # only the workbooks the inventory read by range
    assert list(settings.spool_dir.iterdir()) == []


def test_a_changed_file_is_imported_in_its_new_version(generated_library, tmp_path):
    settings = load_settings(environ={"DPGF_DATA_DIR": str(tmp_path / "data")})
    path = next(p for p in good_pricing_files(generated_library)
                if (generated_library / p).stat().st_size <= WHOLE_FILE_BELOW and p.endswith(".xlsx"))
    other = next(p for p in good_pricing_files(generated_library)
                 if p != path and p.endswith(".xlsx") and good_pricing_files(generated_library)[p]["items"])
    with GraphEmulator() as graph:
        graph.add_file(path, (generated_library / path).read_bytes())
        source = SharePointSource(SharePointConfig.from_env(graph.env(), timeout_seconds=10))
        engine = open_warehouse(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
        take_inventory(engine, source, settings.scanning, settings.download, spool=spool_of(settings))
        assert len(list(settings.spool_dir.iterdir())) == 1
        graph.change_file(path, (generated_library / other).read_bytes())  # another workbook, same name
        take_inventory(engine, source, settings.scanning, settings.download, spool=spool_of(settings))
        (copy,) = settings.spool_dir.iterdir()  # the first version's copy is gone, the new one kept
        assert copy.read_bytes() == (generated_library / other).read_bytes()
        with engine.connect() as conn:
            keys = store.batch_keys(conn)
        for key in keys:
            import_batch(engine, source, key, settings.download, settings.batches_dir, 2, spool=spool_of(settings))
    with engine.connect() as conn:
        (count,) = conn.execute(select(documents.c.item_count).where(documents.c.path == path)).one()
    assert count == len(good_pricing_files(generated_library)[other]["items"])
