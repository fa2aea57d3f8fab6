"""Importing batches (domain level, real parser and warehouse): idempotent, bounded, honest errors."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dpgf_assets.ingestion.importing import TransientImportError, import_batch, local_copy_path
from dpgf_assets.ingestion.inventory import take_inventory
from dpgf_assets.settings import load_settings
from dpgf_assets.sources.base import SourceError
from dpgf_assets.sources.local import LocalFolderSource
from dpgf_assets.warehouse import files as store
from dpgf_assets.warehouse.schema import batch_runs, documents, import_errors, line_items, source_files
from dpgf_assets_tests.helpers import good_pricing_files


def truth(library: Path) -> dict[str, int]:
    return {path: len(f["items"]) for path, f in good_pricing_files(library).items()}


def settings(tmp_path, **env):
    return load_settings(environ={"DPGF_DATA_DIR": str(tmp_path / "data"), "DPGF_DOWNLOAD_BATCH_SIZE": "4", **env})


def inventory_and_import(engine, source, s, tmp_path):
    take_inventory(engine, source, s.scanning, s.download)
    with engine.connect() as conn:
        keys = store.batch_keys(conn)
    return keys, [import_batch(engine, source, k, s.download, s.batches_dir, 1) for k in keys]


def counts(engine):
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (documents, line_items))


def test_import_matches_the_manifest_and_a_second_pass_changes_nothing(engine, library, tmp_path):
    s = settings(tmp_path)
    source = LocalFolderSource(library)
    keys, reports = inventory_and_import(engine, source, s, tmp_path)
    expected = truth(library)
    with engine.connect() as conn:
        got = dict(conn.execute(select(documents.c.path, documents.c.item_count)).all())
    assert got == expected
    assert counts(engine) == (len(expected), sum(expected.values()))
    again = [import_batch(engine, source, k, s.download, s.batches_dir, 1) for k in keys]
    assert sum(r.imported for r in again) == 0 and sum(r.skipped for r in again) == sum(r.planned for r in again)
    assert counts(engine) == (len(expected), sum(expected.values()))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(batch_runs)).scalar_one() == 2 * len(keys)
    # auto_cleanup: no temporary file remains
    assert not s.batches_dir.exists() or not any(s.batches_dir.rglob("*"))
    assert all(r.peak_rss_mb > 0 for r in reports)


def test_a_changed_file_replaces_its_previous_rows(engine, library, tmp_path):
    s = settings(tmp_path)
    source = LocalFolderSource(library)
    inventory_and_import(engine, source, s, tmp_path)
    expected = truth(library)
    victim = next(p for p, n in expected.items() if n > 0 and p.endswith(".xlsx"))
    other = next(p for p, n in expected.items() if n > 0 and p != victim and p.endswith(".xlsx"))
    shutil.copy(library / other, library / victim)  # same file id, new content
    report = take_inventory(engine, source, s.scanning, s.download)
    assert report.changed == 1 and report.files_queued == 1
    import_batch(engine, source, report.planned[0].key, s.download, s.batches_dir, 1)
    with engine.connect() as conn:
        got = dict(conn.execute(select(documents.c.path, documents.c.item_count)).all())
    assert got[victim] == expected[other]
    assert counts(engine)[1] == sum(expected.values()) - expected[victim] + expected[other]


def test_a_permanent_error_is_recorded_and_the_rest_of_the_batch_goes_on(engine, library, tmp_path):
    s = settings(tmp_path, DPGF_DOWNLOAD_BATCH_SIZE="50")
    expected = truth(library)
    # a file whose name says what it is, so that it is planned even though it cannot be read
    broken = next(p for p in expected if p.endswith(".xlsx") and "DPGF" in p.rsplit("/", 1)[-1])
    (library / broken).write_bytes(b"PK\x03\x04 this is not a workbook")
    source = LocalFolderSource(library)
    _, reports = inventory_and_import(engine, source, s, tmp_path)
    assert sum(r.failed for r in reports) >= 1
    with engine.connect() as conn:
        err = conn.execute(select(import_errors).where(import_errors.c.path == broken)).one()
        status = conn.execute(select(source_files.c.status).where(source_files.c.path == broken)).scalar_one()
        imported = set(conn.execute(select(documents.c.path)).scalars())
    assert err.stage == "parse" and err.message and status == "failed"
    assert imported == set(expected) - {broken}


class FlakySource(LocalFolderSource):
    """The real folder source, with a transient failure injected on chosen files."""

    def __init__(self, root, failing: set[str], failures: int):
        super().__init__(root)
        self.failing, self.left = failing, {p: failures for p in failing}

    def download(self, file, dest):
        if self.left.get(file.path, 0) > 0:
            self.left[file.path] -= 1
            raise SourceError(f"{file.path}: 503 Service Unavailable after retries", transient=True)
        return super().download(file, dest)


def test_a_transient_failure_fails_the_batch_and_running_it_again_finishes_it(engine, library, tmp_path):
    s = settings(tmp_path, DPGF_DOWNLOAD_BATCH_SIZE="50")
    expected = truth(library)
    # a real zip workbook: recognised by range reads, so the first download is the import's
    flaky_path = next(p for p in expected if (library / p).read_bytes()[:2] == b"PK")
    source = FlakySource(library, {flaky_path}, failures=1)
    take_inventory(engine, source, s.scanning, s.download)
    with engine.connect() as conn:
        (key,) = store.batch_keys(conn)
    with pytest.raises(TransientImportError, match="run the batch again"):
        import_batch(engine, source, key, s.download, s.batches_dir, 1)
    assert counts(engine)[0] == len(expected) - 1  # the others are written
    report = import_batch(engine, source, key, s.download, s.batches_dir, 1)
    assert report.imported == 1 and counts(engine)[0] == len(expected)


def test_a_memory_limit_below_use_still_completes_one_file_at_a_time(engine, library, tmp_path):
    s = settings(tmp_path, DPGF_DOWNLOAD_MAX_MEMORY_MB="1", DPGF_DOWNLOAD_BATCH_SIZE="50")
    _, reports = inventory_and_import(engine, LocalFolderSource(library), s, tmp_path)
    assert all(r.throttled for r in reports)
    assert counts(engine)[0] == len(truth(library))


def test_keeping_copies_under_a_tiny_disk_allowance_cleans_rather_than_fails(engine, library, tmp_path):
    s = settings(tmp_path, DPGF_DOWNLOAD_MAX_DISK_MB="1", DPGF_DOWNLOAD_AUTO_CLEANUP="false",
                 DPGF_DOWNLOAD_BATCH_SIZE="50")
    _, reports = inventory_and_import(engine, LocalFolderSource(library), s, tmp_path)
    assert counts(engine)[0] == len(truth(library))
    assert all(r.peak_disk_mb <= 1.0 + max(f.stat().st_size for f in library.rglob("*") if f.is_file()) / 2**20
               for r in reports)


def test_a_file_name_never_leaves_the_batch_folder(tmp_path):
    batch = tmp_path / "batches" / "b1"
    for name in ("../../x.xlsx", "..\\..\\x.xlsx", "/etc/passwd", "a/../../b.xls", "...", "x.XLSX"):
        path = local_copy_path(batch, 3, name)
        assert path.parent == batch and path.resolve().is_relative_to(batch.resolve())
    assert local_copy_path(batch, 3, "../../x.xlsx").name == "00003.xlsx"
