"""The demo's figures as a user checks them: batches of 5 files, 5 batches per Dagster run.

Each partition of ``imported_batches`` carries its own batch's figures (they add up to the
warehouse), each batch is judged by its own checks (the one above the failure limit fails, by
name), and re-running every batch keeps the report as it was, apart from the run count.
"""

import json
import os

import pytest
from dagster import AssetCheckKey, AssetKey, AssetRecordsFilter, DagsterInstance
from sqlalchemy import func, select

from dpgf_assets.definitions import build_definitions
from dpgf_assets.settings import load_settings
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets.warehouse.schema import batches, line_items, source_files
from dpgf_assets_tests.cli.test_cli import run
from dpgf_assets_tests.helpers import import_in_process

BATCHES = AssetKey("imported_batches")


@pytest.fixture
def demo(isolated_env, monkeypatch):
    """The demo's import (the sample library, ``dpgf run`` as ``dpgf demo`` runs it before the briefs)
    with batches of 5 files and 5 batches per run; its settings and instance."""
    monkeypatch.setenv("DPGF_IMPORTS_MAX_PARTITIONS_PER_RUN", "5")  # read by the code location the daemon loads
    out = run(["run", "--batch-size", "5"], {**os.environ})
    assert out.returncode == 0, out.stdout + out.stderr
    monkeypatch.setenv("DAGSTER_HOME", str(isolated_env / "dagster"))
    settings = load_settings()
    instance = DagsterInstance.get()
    yield settings, instance
    instance.dispose()


def latest(instance, key):
    records = instance.fetch_materializations(AssetRecordsFilter(asset_key=BATCHES, asset_partitions=[key]),
                                              limit=1).records
    return records[0].asset_materialization.metadata


def evaluations(instance, asset: str, name: str) -> dict:
    """The latest evaluation of a check, per partition."""
    history = instance.event_log_storage.get_asset_check_execution_history(
        AssetCheckKey(AssetKey(asset), name), limit=1000)
    latest_ones = {}
    for record in history:  # newest first
        if record.evaluation is not None and record.partition not in latest_ones:
            latest_ones[record.partition] = record.evaluation
    return latest_ones


def failing(instance, asset: str, name: str) -> set:
    return {partition for partition, e in evaluations(instance, asset, name).items() if not e.passed}


def report(env):
    out = run(["report", "--format", "json"], env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    data.pop("generated")
    return data, run(["report"], env).stdout


def test_demo_partitions_carry_their_own_figures_checks_judge_each_batch_and_reruns_keep_the_report(demo):
    settings, instance = demo
    keys = instance.get_dynamic_partitions("import_batch")
    engine = open_warehouse(settings.warehouse_url)
    with engine.connect() as conn:
        items = conn.execute(select(func.count()).select_from(line_items)).scalar_one()
        planned = dict(conn.execute(select(batches.c.batch_key, batches.c.files)).all())
        failed = dict(conn.execute(
            select(source_files.c.batch_key, func.count()).where(source_files.c.status == "failed")
            .group_by(source_files.c.batch_key)).all())
    assert len(keys) >= 10 and items > 1000
    runs = {r.run_id for r in instance.get_runs()} - {None}
    assert len(runs) < len(keys), "several batches per run"

    figures = {k: latest(instance, k) for k in keys}
    assert sum(m["dagster/row_count"].value for m in figures.values()) == items
    for key, metadata in figures.items():
        assert metadata["files_planned"].value == planned[key] <= 5
        assert metadata["files_failed"].value == failed.get(key, 0)
        assert metadata["outcome"].text == "succeeded"
    # a batch above the failure limit (20 %) fails its own check, and only such a batch does
    over = {k for k in keys if failed.get(k, 0) / planned[k] > settings["checks.max_failure_rate"]}
    assert over, "the demo has batches above the failure limit"
    verdicts = evaluations(instance, "imported_batches", "failure_rate")
    assert set(verdicts) == set(keys)
    assert failing(instance, "imported_batches", "failure_rate") == over
    for key in over:
        assert verdicts[key].description.startswith(f"batch {key}: {failed[key]} of ")
    # each evaluation targets its partition's latest materialisation: the UI shows it as current
    infos = instance.event_log_storage.get_asset_check_partition_info([AssetCheckKey(BATCHES, "failure_rate")])
    assert {i.partition_key for i in infos} == set(keys) and all(i.is_current for i in infos)
    # the inventory's checks: the demo's damaged workbooks could not be read to be recognised
    unread = evaluations(instance, "sharepoint_inventory", "unread_spreadsheets")
    assert list(unread) == ["local"] and not unread["local"].passed
    with engine.connect() as conn:
        failed_paths = set(conn.execute(select(source_files.c.path)
                                        .where(source_files.c.status == "failed")).scalars())
    listed = unread["local"].metadata["examples"].md_str
    assert 0 < unread["local"].metadata["files"].value < len(failed_paths)
    assert sum(path in listed for path in failed_paths) == unread["local"].metadata["files"].value
    assert evaluations(instance, "sharepoint_inventory", "pending_files")["local"].passed

    env = {**os.environ}
    before, markdown = report(env)
    headings = [line for line in markdown.splitlines() if line.startswith("### ")]
    assert any(h.startswith("### password-protected (encrypted) workbook — ") for h in headings), headings
    assert not any("open it in Excel" in h for h in headings)

    # every batch again (as from the UI or a retry): nothing to import, the figures stay
    defs = build_definitions(settings)
    assert all(import_in_process(defs, instance, keys, per_run=5))
    after, _ = report(env)
    assert after["totals"]["batch_runs"] == before["totals"]["batch_runs"] + len(keys)
    for data in (before, after):
        data["totals"].pop("batch_runs")
        for batch in data["batches"] + data["slowest_batches"]:
            batch.pop("runs")
    assert after == before
    rerun = {k: latest(instance, k) for k in keys}
    assert sum(m["dagster/row_count"].value for m in rerun.values()) == items
    assert {m["outcome"].text for m in rerun.values()} == {"unchanged"}
    assert all(rerun[k]["files_failed"].value == failed.get(k, 0) for k in keys)
    assert "unchanged" in rerun[keys[0]]["this_run"].md_str
    assert failing(instance, "imported_batches", "failure_rate") == over
    infos = instance.event_log_storage.get_asset_check_partition_info([AssetCheckKey(BATCHES, "failure_rate")])
    assert all(i.is_current for i in infos)
