"""A hostile library on both warehouses: every good file is imported, every crafted one is recorded
failed with its reason, the process survives, and SQLite and PostgreSQL end with the same rows."""

import os
import shutil

from sqlalchemy import select

from dpgf_assets.corpus.hostile import LONG_UNIT, READABLE, REFUSED
from dpgf_assets.warehouse.db import open_warehouse, scratch_database
from dpgf_assets.warehouse.schema import documents, import_errors, line_items, source_files
from dpgf_assets.sources.local import LocalFolderSource
from dpgf_assets_tests.conftest import postgres_admin_url

from .test_importing import inventory_and_import, settings, truth


def hostile_library(library, tmp_path):
    root = tmp_path / "hostile"
    shutil.copytree(library, root)
    folder = root / "Projets" / "Hostile"
    folder.mkdir(parents=True)
    for name, make in {**REFUSED, **READABLE}.items():
        (folder / f"DPGF Lot 04 {name}").write_bytes(make())
    return root


def dump(engine):
    with engine.connect() as conn:
        items = sorted(conn.execute(
            select(documents.c.path, line_items.c.row, line_items.c.code, line_items.c.designation,
                   line_items.c.unit, line_items.c.unit_raw, line_items.c.quantity, line_items.c.unit_price,
                   line_items.c.total).join(documents, documents.c.id == line_items.c.document_id)).all(),
            key=repr)
        warnings = dict(conn.execute(select(documents.c.path, documents.c.warnings)).all())
        failed = dict(conn.execute(select(source_files.c.path, import_errors.c.message)
                                   .join(import_errors, import_errors.c.file_id == source_files.c.file_id)
                                   .where(source_files.c.status == "failed")).all())
    return items, warnings, failed


def test_a_hostile_library_imports_alike_on_sqlite_and_postgresql(library, tmp_path):
    root = hostile_library(library, tmp_path)
    pid = os.getpid()
    results = []
    with scratch_database(postgres_admin_url(), prefix="dpgf_h") as pg_url:
        for url in (f"sqlite:///{tmp_path / 'w.sqlite'}", pg_url):
            engine = open_warehouse(url)
            _, reports = inventory_and_import(engine, LocalFolderSource(root), settings(tmp_path / url[:6]), tmp_path)
            assert not any(r.transient for r in reports)
            results.append(dump(engine))
            engine.dispose()
    assert os.getpid() == pid
    sqlite, postgres = results
    assert sqlite == postgres
    items, warnings, failed = sqlite
    hostile = "Projets/Hostile/DPGF Lot 04 "
    assert {path[len(hostile):] for path in failed if path.startswith(hostile)} == set(REFUSED)
    assert all(message for message in failed.values())
    imported = {row.path for row in items}
    assert set(truth(library)) <= imported
    assert {hostile + name for name in READABLE} <= imported
    assert not any("\x00" in (row.designation or "") for row in items)
    assert all(row.unit is None or len(row.unit) <= 20 for row in items)
    assert any("shortened" in w for w in warnings[hostile + "control_characters.xls"])
    assert any("not a finite number" in w for w in warnings[hostile + "non_finite_numbers.xlsx"])
    assert LONG_UNIT in {row.unit_raw for row in items} or any(
        "unit_raw shortened" in w for w in warnings[hostile + "control_characters.xls"])
