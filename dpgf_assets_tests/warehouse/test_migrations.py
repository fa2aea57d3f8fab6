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
