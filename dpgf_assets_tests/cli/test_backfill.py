"""Resuming through backfills: failed partitions, lists and ranges of batches, and `dpgf backfill
--failed` finishing them as a Dagster asset backfill run by a daemon the command starts."""

import os
import subprocess
import sys

import pytest
from dagster import AssetKey, DagsterInstance, RunsFilter
from sqlalchemy import select

from dpgf_assets.cli.home import prepare_dagster_home
from dpgf_assets.cli.runs import batches_to_import, run_inventory, select_batches
from dpgf_assets.definitions import build_definitions
from dpgf_assets.emulator import FaultPlan, GraphEmulator
from dpgf_assets.settings import PROJECT_ROOT, load_settings
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets.warehouse.schema import documents, import_errors, source_files
from dpgf_assets_tests.helpers import import_in_process


def test_a_transient_failure_fails_the_partition_and_a_backfill_of_failed_ones_finishes(
        generated_library, tmp_path, monkeypatch):
    with GraphEmulator(generated_library) as graph:
        env = {**graph.env(), "DPGF_SOURCE_KIND": "sharepoint", "DPGF_DATA_DIR": str(tmp_path),
               "DPGF_DOWNLOAD_BATCH_SIZE": "6", "DPGF_DOWNLOAD_RETRY_COUNT": "1", "DPGF_IMPORTS_STEP_RETRIES": "1",
               "DPGF_IMPORTS_RETRY_DELAY_SECONDS": "0.1",
               "DPGF_DOWNLOAD_SPOOL_MB": "0"}  # the imports download every file: the faults below meet them
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("DAGSTER_HOME", raising=False)
        settings = load_settings(environ=env)
        prepare_dagster_home(settings)
        defs = build_definitions(settings)
        with DagsterInstance.get() as instance:
            assert run_inventory(defs, instance, "sharepoint").success
            keys = batches_to_import(instance)
            assert len(keys) >= 3
            graph.set_faults(FaultPlan(unavailable=1.0, target="download", retry_after=0))
            assert import_in_process(defs, instance, keys[:2], per_run=1) == [False, False]
            assert select_batches(instance, only_failed=True) == keys[:2]
            assert select_batches(instance, keys=[keys[1], keys[2]]) == [keys[1], keys[2]]
            assert select_batches(instance, first=keys[1], last=keys[2]) == [keys[1], keys[2]]
            with pytest.raises(ValueError, match="unknown batch"):
                select_batches(instance, keys=["nope"])
            engine = open_warehouse(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
            with engine.connect() as conn:
                assert conn.execute(select(import_errors.c.stage).distinct()).scalars().all() == ["download"]
                # a transient failure is not a verdict on the file: it stays queued for the next attempt
                statuses = set(conn.execute(select(source_files.c.status)
                                            .where(source_files.c.batch_key.in_(keys[:2]))).scalars())
                assert statuses == {"queued"}

            graph.set_faults(FaultPlan())
            resumed = subprocess.run([sys.executable, "-m", "dpgf_assets.cli", "backfill", "--failed"],
                                     env={**os.environ, "COLUMNS": "200"}, cwd=PROJECT_ROOT, capture_output=True,
                                     text=True, timeout=300)
            assert resumed.returncode == 0, resumed.stdout + resumed.stderr
            assert "Batches to import: 2" in resumed.stdout and "2/2 batches imported" in resumed.stdout
            # a real asset backfill, recorded as done by the daemon, whose runs are the instance's own
            backfill = instance.get_backfills()[0]
            assert backfill.status.value == "COMPLETED_SUCCESS" and backfill.tags["dpgf/command"] == "backfill"
            runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill.backfill_id}))
            assert runs and all(r.status.value == "SUCCESS" for r in runs)
            status = instance.get_status_by_partition(AssetKey("imported_batches"), keys[:2],
                                                      defs.resolve_assets_def("imported_batches").partitions_def)
            assert {s.value for s in status.values()} == {"MATERIALIZED"}
            assert select_batches(instance, only_failed=True) == []
            with engine.connect() as conn:
                imported = set(conn.execute(select(documents.c.path)).scalars())
                batched = set(conn.execute(select(source_files.c.path).where(
                    source_files.c.batch_key.in_(keys[:2]), source_files.c.status == "imported")).scalars())
            assert batched and batched <= imported
            engine.dispose()
            # the command's daemon went with it: no heartbeat left behind for the next command to trust
            assert instance.get_daemon_heartbeats() == {}
