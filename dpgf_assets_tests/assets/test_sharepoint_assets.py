"""The sharepoint group through real Dagster runs in a real (temporary) instance."""

from pathlib import Path

import pytest
import yaml
from dagster import AssetKey, Definitions, instance_for_test
from sqlalchemy import func, select

from dpgf_assets.definitions import build_definitions
from dpgf_assets.cli.home import dagster_pg_url
from dpgf_assets.cli.runs import batches_to_import, run_inventory
from dpgf_assets.settings import PROJECT_ROOT, load_settings
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets.warehouse.schema import documents, import_errors, line_items, source_files
from dpgf_assets_tests.helpers import good_pricing_files, import_in_process


def platform(library: Path, warehouse_url: str, data_dir: Path, **extra: str):
    env = {"DPGF_SOURCE_PATH": str(library), "DPGF_WAREHOUSE_URL": warehouse_url,
           "DPGF_DATA_DIR": str(data_dir), "DPGF_DOWNLOAD_BATCH_SIZE": "3",
           "DPGF_IMPORTS_RETRY_DELAY_SECONDS": "0.1", **extra}
    settings = load_settings(environ=env)
    return settings, build_definitions(settings)


def test_definitions_load(library, tmp_path):
    _, defs = platform(library, f"sqlite:///{tmp_path / 'w.sqlite'}", tmp_path)
    Definitions.validate_loadable(defs)
    assert defs.resolve_assets_def(AssetKey("imported_batches")).partitions_def.name == "import_batch"
    assert defs.resolve_sensor_def("sharepoint_new_files") is not None


def test_inventory_then_two_batch_partitions(library, warehouse_url, tmp_path):
    settings, defs = platform(library, warehouse_url, tmp_path)
    truth = good_pricing_files(library)
    with instance_for_test() as instance:
        assert run_inventory(defs, instance, "local").success
        keys = instance.get_dynamic_partitions("import_batch")
        assert len(keys) >= 3
        engine = open_warehouse(warehouse_url)
        with engine.connect() as conn:
            rows = conn.execute(select(source_files.c.batch_key, source_files.c.confidence)
                                .where(source_files.c.batch_key.is_not(None))).all()
        confidences = [[c for k, c in rows if k == key] for key in keys]
        # partitions are registered in the plan's order, most confident first (not by key)
        assert all(min(a) >= max(b) for a, b in zip(confidences, confidences[1:])), confidences
        job = defs.resolve_job_def("import_job")
        for key in keys[:2]:
            assert job.execute_in_process(instance=instance, partition_key=key).success
        with engine.connect() as conn:
            imported = dict(conn.execute(select(documents.c.path, documents.c.item_count)).all())
            batched = conn.execute(select(source_files.c.path).where(source_files.c.batch_key.in_(keys[:2]))).scalars().all()
            n_items = conn.execute(select(func.count()).select_from(line_items)).scalar_one()
        assert imported, "no document imported"
        assert set(imported) <= set(batched)
        for path, count in imported.items():
            assert path in truth, f"{path} imported but is not a good pricing file"
            assert count == len(truth[path]["items"]), path
        assert n_items == sum(imported.values())
        status = instance.get_status_by_partition(AssetKey("imported_batches"), keys,
                                                  defs.resolve_assets_def(AssetKey("imported_batches")).partitions_def)
        assert [status.get(k).value for k in keys[:2]] == ["MATERIALIZED", "MATERIALIZED"]
        assert len(batches_to_import(instance)) == len(keys) - 2


def test_every_batch_in_range_runs_then_nothing_left_and_rerun_changes_nothing(library, tmp_path):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    settings, defs = platform(library, url, tmp_path)
    truth = good_pricing_files(library)
    logs = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8"))["python_logs"]
    with instance_for_test(overrides={"python_logs": logs}) as instance:  # the domain's log lines reach the runs'
        run_inventory(defs, instance, "local")
        keys = batches_to_import(instance)
        outcomes = import_in_process(defs, instance, keys, per_run=2)
        assert all(outcomes) and len(outcomes) == (len(keys) + 1) // 2
        # each file that fails for good is said once in the runs' logs, naming it
        said = [e.user_message for run in instance.get_runs() for e in instance.all_logs(run.run_id)
                if " failed: " in (e.user_message or "")]
        with open_warehouse(url).connect() as conn:
            failed = conn.execute(select(import_errors.c.path)).scalars().all()
        assert failed and len(said) == len(failed)
        assert all(sum(path in line for line in said) == 1 for path in failed)
        assert batches_to_import(instance) == []
        engine = open_warehouse(url)

        def counts():
            with engine.connect() as conn:
                return (conn.execute(select(func.count()).select_from(documents)).scalar_one(),
                        conn.execute(select(func.count()).select_from(line_items)).scalar_one())

        before = counts()
        assert before == (len(truth), sum(len(f["items"]) for f in truth.values()))
        # re-materialising a partition imports nothing again and changes no row count
        assert defs.resolve_job_def("import_job").execute_in_process(instance=instance, partition_key=keys[0]).success
        assert counts() == before
        # a second inventory over an unchanged folder plans nothing
        assert run_inventory(defs, instance, "local").success
        assert batches_to_import(instance) == []
        assert not list(settings.batches_dir.glob("*/*")), "local copies left behind"


@pytest.mark.postgres
def test_materialises_on_a_postgresql_instance(library, tmp_path, pg_database):
    settings, defs = platform(library, f"sqlite:///{tmp_path / 'w.sqlite'}", tmp_path)
    overrides = {"storage": {"postgres": {"postgres_url": dagster_pg_url(pg_database)}}}
    with instance_for_test(overrides=overrides) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert run_inventory(defs, instance, "local").success
        key = instance.get_dynamic_partitions("import_batch")[0]
        assert defs.resolve_job_def("import_job").execute_in_process(instance=instance, partition_key=key).success
        event = instance.get_latest_materialization_event(AssetKey("imported_batches"))
        assert event is not None and event.asset_materialization.partition == key
        assert event.asset_materialization.metadata["dagster/row_count"].value > 0
