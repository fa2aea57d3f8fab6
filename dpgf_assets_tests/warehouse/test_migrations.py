from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from dpgf_assets.warehouse.db import create_warehouse_engine, current_revision, head_revision, migrate
from dpgf_assets.warehouse.schema import metadata


def test_migrates_from_empty_to_the_schema_and_twice_is_harmless(warehouse_url):
    engine = create_warehouse_engine(warehouse_url)
    assert current_revision(engine) is None
    assert migrate(engine) == head_revision()
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    # a second process (cache cleared) finds nothing to do
    from dpgf_assets.warehouse import db

    db._migrated.clear()
    assert migrate(engine) == head_revision()
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diffs == [], f"schema.py and the migrations disagree: {diffs}"
    engine.dispose()


def test_a_warehouse_with_planned_batches_migrates_and_keeps_them(warehouse_url):
    """0001 → head on a warehouse in use: batches planned before keep their files and order."""
    from datetime import datetime, timezone

    from alembic import command
    from sqlalchemy import select, text

    from dpgf_assets.warehouse import db
    from dpgf_assets.warehouse.files import batch_keys
    from dpgf_assets.warehouse.schema import batch_files, batches

    engine = create_warehouse_engine(warehouse_url)
    with engine.begin() as conn:
        cfg = db._alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    now = datetime(2026, 1, 5, tzinfo=timezone.utc)
    with engine.begin() as conn:
        for key in ("20260105-bbb", "20260105-aaa"):  # the 0001 tables, written as that revision had them
            conn.execute(text("INSERT INTO batches (batch_key, source, created, files, bytes) "
                              "VALUES (:key, 'local', :now, 1, 10)"), {"key": key, "now": now})
            conn.execute(text("INSERT INTO batch_files (batch_key, position, source, file_id, etag) "
                              "VALUES (:key, 0, 'local', :file, 'e')"), {"key": key, "file": f"file-{key}"})
    db._migrated.clear()
    assert migrate(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(select(batches.c.batch_key, batches.c.plan_order)
                            .order_by(batches.c.batch_key)).all() == [("20260105-aaa", 0), ("20260105-bbb", 0)]
        assert len(conn.execute(select(batch_files)).all()) == 2
        assert batch_keys(conn) == ["20260105-aaa", "20260105-bbb"]  # as before: by key within an inventory
    engine.dispose()
