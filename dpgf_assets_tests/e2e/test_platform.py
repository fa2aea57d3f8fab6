"""The three ways users drive the platform, on a production-shaped deployment: a materialisation
launched from the UI (its GraphQL API), the sensor importing a new file by itself, and a backfill of
`dpgf backfill` whose run worker is killed, finished by Dagster's retry, equal to a clean import."""

from __future__ import annotations

import hashlib
import re
import signal
import time
from pathlib import Path

import psutil
from sqlalchemy import func, select

from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets.warehouse.schema import batch_runs, documents, line_items, sections
from dpgf_assets_tests.e2e.conftest import SENSOR_INTERVAL, Deployment
from dpgf_assets_tests.helpers import good_pricing_files

LAUNCH = """mutation($params: ExecutionParams!) { launchPipelineExecution(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
CHECKS = """query($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) {
  ... on AssetNode { assetChecksOrError { ... on AssetChecks { checks { name } } } } } }"""
RUN = """query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"""
SENSOR = """mutation($selector: SensorSelector!) { %s(sensorSelector: $selector) {
  __typename ... on Sensor { sensorState { status } } ... on PythonError { message } } }"""
SENSOR_STOP = """mutation($id: String!) { stopSensor(id: $id) { __typename } }"""
SENSOR_ID = """query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
  ... on Sensor { sensorState { id status } } } }"""
SELECTOR = {"repositoryLocationName": "dpgf", "repositoryName": "__repository__", "sensorName": "sharepoint_new_files"}


def test_a_materialisation_launched_as_the_ui_does_completes(deployment: Deployment):
    key = {"path": ["sharepoint_inventory"]}
    # the UI's Materialize selects the asset with its checks (an asset with checks is not subset without them)
    checks = deployment.graphql(CHECKS, {"key": key})["assetNodeOrError"]["assetChecksOrError"]["checks"]
    assert checks, "sharepoint_inventory has its checks"
    params = {"selector": {"repositoryLocationName": "dpgf", "repositoryName": "__repository__",
                           "pipelineName": "__ASSET_JOB", "assetSelection": [key],
                           "assetCheckSelection": [{"assetKey": key, "name": c["name"]} for c in checks]},
              "mode": "default", "runConfigData": {},
              "executionMetadata": {"tags": [{"key": "dagster/partition", "value": "sharepoint"}]}}
    launched = deployment.graphql(LAUNCH, {"params": params})["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    status = _wait_for_run(deployment, launched["run"]["runId"], timeout=240)
    assert status == "SUCCESS"
    with deployment.instance() as instance:
        assert instance.get_dynamic_partitions("import_batch"), "the inventory registered no batch"


def test_a_file_added_to_the_library_is_imported_by_the_sensor(deployment: Deployment):
    started = deployment.graphql(SENSOR % "startSensor", {"selector": SELECTOR})["startSensor"]
    assert started["sensorState"]["status"] == "RUNNING", started
    time.sleep(SENSOR_INTERVAL)  # a first tick takes stock of what the inventory already saw
    source = next(p for p in good_pricing_files(deployment.library) if p.endswith(".xlsx"))
    path = "Projets/Arrivé ce matin/DPGF Lot 99 Divers.xlsx"
    added = time.time()
    deployment.graph.add_file(path, (deployment.library / source).read_bytes())
    try:
        tick = _wait_for_sensor_run(deployment, added, timeout=4 * SENSOR_INTERVAL + 60)
        # the tick that requested the import started within two sensor intervals of the file's arrival
        assert tick.timestamp - added <= 2 * SENSOR_INTERVAL, tick.timestamp - added
        assert _wait_for_run(deployment, tick.run_ids[0], timeout=240) == "SUCCESS"
        engine = open_warehouse(deployment.warehouse_url)
        with engine.connect() as conn:
            assert conn.execute(select(documents.c.item_count).where(documents.c.path == path)).scalar_one() > 0
        engine.dispose()
    finally:
        state = deployment.graphql(SENSOR_ID, {"selector": SELECTOR})["sensorOrError"]["sensorState"]
        deployment.graphql(SENSOR_STOP, {"id": state["id"]})


def test_a_backfill_whose_run_worker_is_killed_ends_like_a_clean_import(deployment: Deployment, tmp_path):
    import subprocess
    import sys

    from dpgf_assets.settings import PROJECT_ROOT

    source = next(p for p in good_pricing_files(deployment.library) if p.endswith(".xlsx"))
    workbook = (deployment.library / source).read_bytes()
    for i in range(24):
        deployment.graph.add_file(f"Projets/2025-{i:03d} Lot de reprise/DCE/DPGF Lot {i:02d}.xlsx", workbook)
    inventory = deployment.dpgf("inventory")
    assert inventory.returncode == 0, inventory.stdout + inventory.stderr
    engine = open_warehouse(deployment.warehouse_url)
    attempted = _count(engine, batch_runs)
    command = subprocess.Popen([sys.executable, "-m", "dpgf_assets.cli", "backfill"], env=deployment.env,
                               cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        killed = _kill_a_run_worker_midway(deployment, engine, attempted)
        out, _ = command.communicate(timeout=600)
    finally:
        if command.poll() is None:
            command.kill()
    assert killed, "no run worker was caught importing"
    assert int(re.search(r"Batches to import: (\d+)", out).group(1)) >= 20 and "submitted" in out, out
    if command.returncode != 0:  # the retry failed too: the documented resume finishes the job
        resumed = deployment.dpgf("backfill", "--failed")
        assert resumed.returncode == 0, out + resumed.stdout + resumed.stderr
    else:
        assert "Dagster retries it" in out, out  # the killed run was run again by Dagster's run retries
    with deployment.instance() as instance:
        from dagster import AssetKey

        keys = instance.get_dynamic_partitions("import_batch")
        assert len(keys) >= 20
        status = instance.get_status_by_partition(AssetKey("imported_batches"), keys,
                                                  _partitions_def())
        assert {s.value for s in status.values()} == {"MATERIALIZED"}
    assert _warehouse_figures(engine) == _clean_import(deployment, tmp_path)
    engine.dispose()


def _kill_a_run_worker_midway(deployment: Deployment, engine, attempted: int) -> int | None:  # noqa: ANN001
    """SIGKILL a run worker (a child of the code server) once a batch more is through; its pid."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if _count(engine, batch_runs) > attempted + 1:
            workers = [p for p in psutil.Process(deployment.process.pid).children(recursive=True)
                       if "spawn_main" in " ".join(_cmdline(p))]
            if workers:
                workers[0].send_signal(signal.SIGKILL)
                return workers[0].pid
        time.sleep(0.05)
    return None


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _partitions_def():  # noqa: ANN202
    from dpgf_assets.assets.sharepoint import import_batch_partitions

    return import_batch_partitions


def _wait_for_run(deployment: Deployment, run_id: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = deployment.graphql(RUN, {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            return status
        time.sleep(1)
    raise AssertionError(f"run {run_id} still {status} after {timeout}s")


def _wait_for_sensor_run(deployment: Deployment, after: float, timeout: float):  # noqa: ANN202 - a tick
    from dagster._core.definitions.run_request import InstigatorType

    deadline = time.monotonic() + timeout
    with deployment.instance() as instance:
        while time.monotonic() < deadline:
            for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
                for tick in instance.get_ticks(state.instigator_origin_id, state.selector_id, after=after - 1):
                    if tick.run_ids:
                        return tick
            time.sleep(1)
    raise AssertionError(f"no sensor tick requested a run within {timeout}s")


def _count(engine, table) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _warehouse_figures(engine) -> tuple:  # noqa: ANN001
    """Row counts and a checksum of every line item (its document's path, place and values)."""
    with engine.connect() as conn:
        rows = sorted(conn.execute(
            select(documents.c.path, line_items.c.sheet, line_items.c.row, line_items.c.code,
                   line_items.c.designation, line_items.c.unit, line_items.c.quantity, line_items.c.unit_price,
                   line_items.c.total, line_items.c.kind)
            .join(documents, documents.c.id == line_items.c.document_id)).all(), key=repr)
        counts = tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                       for t in (documents, sections, line_items))
    return counts, hashlib.sha256(repr(rows).encode()).hexdigest()


def _clean_import(deployment: Deployment, tmp_path: Path) -> tuple:
    """The same library imported in one go, without Dagster or interruption, into a new warehouse."""
    from dpgf_assets.ingestion.importing import import_batch
    from dpgf_assets.ingestion.inventory import take_inventory
    from dpgf_assets.settings import load_settings
    from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource
    from dpgf_assets.warehouse import files as store

    env = {**deployment.env, "DPGF_DATA_DIR": str(tmp_path), "DPGF_WAREHOUSE_URL": ""}
    settings = load_settings(environ=env)
    engine = open_warehouse(settings.warehouse_url)
    source = SharePointSource(SharePointConfig.from_env(env))
    try:
        take_inventory(engine, source, settings.scanning, settings.download)
        with engine.connect() as conn:
            keys = store.batch_keys(conn)
        for key in keys:
            import_batch(engine, source, key, settings.download, settings.batches_dir, settings["projects.depth"])
        return _warehouse_figures(engine)
    finally:
        source.close()
        engine.dispose()
