"""Resuming through backfills: failed partitions, lists and ranges of batches, in real Dagster runs."""

import os

import pytest
from dagster import AssetKey, instance_for_test
from sqlalchemy import select

from dpgf_assets.definitions import build_definitions
from dpgf_assets.emulator import FaultPlan, GraphEmulator
from dpgf_assets.orchestration import (PID_TAG, batches_to_import, contiguous_runs, import_batches, parallel_runs,
                                      run_groups, run_inventory, select_batches)
from dpgf_assets.settings import load_settings
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets.warehouse.schema import documents, import_errors, source_files


def test_contiguous_runs_cover_only_wanted_keys_in_order():
    keys = list("abcdefgh")
    assert contiguous_runs(keys, "abcfgh", 2) == [["a", "b"], ["c"], ["f", "g"], ["h"]]
    assert contiguous_runs(keys, "", 3) == []


def test_parallel_runs_share_the_batches_evenly():
    keys = [f"b{i:02d}" for i in range(40)]
    alone = run_groups(keys, keys, 25)
    assert [len(g) for g in alone] == [25, 15]
    shared = run_groups(keys, keys, 25, parallel=2)
    assert [len(g) for g in shared] == [10, 10, 10, 10]  # each of two workers gets two runs of 10
    assert [k for g in shared for k in g] == keys
    assert [len(g) for g in run_groups(keys, keys[:3], 25, parallel=4)] == [1, 1, 1]


def test_a_transient_failure_fails_the_partition_and_a_backfill_of_failed_ones_finishes(
        generated_library, tmp_path, monkeypatch):
    with GraphEmulator(generated_library) as graph:
        env = {**graph.env(), "DPGF_SOURCE_KIND": "sharepoint", "DPGF_DATA_DIR": str(tmp_path),
               "DPGF_DOWNLOAD_BATCH_SIZE": "6", "DPGF_DOWNLOAD_RETRY_COUNT": "1", "DPGF_IMPORTS_STEP_RETRIES": "1",
               "DPGF_IMPORTS_RETRY_DELAY_SECONDS": "0.1"}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        defs = build_definitions(load_settings(environ=env))
        with instance_for_test() as instance:
            assert run_inventory(defs, instance, "sharepoint").success
            keys = batches_to_import(instance)
            assert len(keys) >= 3
            graph.set_faults(FaultPlan(unavailable=1.0, target="download", retry_after=0))
            failed = import_batches(defs, instance, keys[:2], max_per_run=1)
            assert [o.success for o in failed] == [False, False]
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
            resumed = import_batches(defs, instance, select_batches(instance, only_failed=True), max_per_run=5)
            assert [o.success for o in resumed] == [True]
            status = instance.get_status_by_partition(AssetKey("imported_batches"), keys[:2],
                                                      defs.resolve_assets_def("imported_batches").partitions_def)
            assert {s.value for s in status.values()} == {"MATERIALIZED"}
            assert select_batches(instance, only_failed=True) == []
            with engine.connect() as conn:
                imported = set(conn.execute(select(documents.c.path)).scalars())
                batched = set(conn.execute(select(source_files.c.path).where(
                    source_files.c.batch_key.in_(keys[:2]), source_files.c.status == "imported")).scalars())
            assert batched and batched <= imported


@pytest.mark.postgres
def test_parallel_runs_import_every_batch_once_from_worker_processes(generated_library, tmp_path, monkeypatch,
                                                                    pg_database):
    with GraphEmulator(generated_library) as graph:
        env = {**graph.env(), "DPGF_SOURCE_KIND": "sharepoint", "DPGF_DATA_DIR": str(tmp_path),
               "DPGF_DOWNLOAD_BATCH_SIZE": "4", "DPGF_WAREHOUSE_URL": pg_database}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings = load_settings(environ=env)
        assert parallel_runs(settings) == min(4, len(os.sched_getaffinity(0)))
        defs = build_definitions(settings)
        with instance_for_test() as instance:
            assert run_inventory(defs, instance, "sharepoint").success
            keys = batches_to_import(instance)
            assert len(keys) >= 4
            seen = []
            outcomes = import_batches(defs, instance, keys, max_per_run=1, on_run=seen.append, parallel=2,
                                      settings=settings)
            assert all(o.success for o in outcomes) and len(seen) == len(keys)
            assert [o.partitions[0] for o in outcomes] == keys  # reported in batch order
            pids = {instance.get_run_by_id(o.run_id).tags[PID_TAG] for o in outcomes}
            assert len(pids) == 2 and str(os.getpid()) not in pids  # two worker processes did the runs
            assert batches_to_import(instance) == []
        engine = open_warehouse(pg_database)
        with engine.connect() as conn:
            paths = conn.execute(select(documents.c.path)).scalars().all()
            queued = conn.execute(select(source_files.c.path).where(source_files.c.batch_key.is_not(None))
                                  ).scalars().all()
        engine.dispose()
        assert len(paths) == len(set(paths)) > 0  # nothing imported twice
        assert set(paths) <= set(queued)
