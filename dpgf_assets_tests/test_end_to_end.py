"""End to end over the Graph emulator: real processes killed and resumed, and the daemon's sensor."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dpgf_assets.corpus import generate_library
from dpgf_assets.emulator import GraphEmulator
from dpgf_assets.settings import PROJECT_ROOT
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets.warehouse.schema import documents, line_items
from dpgf_assets_tests.helpers import good_pricing_files

DPGF = [sys.executable, "-m", "dpgf_assets.cli"]


@pytest.fixture(scope="module")
def big_library(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("e2e") / "library"
    generate_library(root, files=70, seed=21)
    return root


def platform_env(graph: GraphEmulator, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DPGF_") or k == "DPGF_TEST_POSTGRES_URL"}
    env.pop("DAGSTER_HOME", None)
    return {**env, **graph.env(), "DPGF_SOURCE_KIND": "sharepoint", "DPGF_DATA_DIR": str(data_dir),
            "DPGF_DOWNLOAD_BATCH_SIZE": "1", "DPGF_IMPORTS_MAX_PARTITIONS_PER_RUN": "4",
            "DPGF_IMPORTS_RETRY_DELAY_SECONDS": "0.2", **extra}


def warehouse_dump(data_dir: Path) -> tuple[list, list]:
    engine = open_warehouse(f"sqlite:///{data_dir / 'warehouse.sqlite'}")
    with engine.connect() as conn:
        docs = sorted(conn.execute(select(documents.c.path, documents.c.etag, documents.c.item_count,
                                          documents.c.lot_code)).all())
        items = sorted(conn.execute(
            select(documents.c.path, line_items.c.sheet, line_items.c.row, line_items.c.code,
                   line_items.c.designation, line_items.c.unit, line_items.c.quantity, line_items.c.unit_price,
                   line_items.c.total, line_items.c.kind)
            .join(documents, documents.c.id == line_items.c.document_id)).all(), key=repr)
    engine.dispose()
    return docs, items


def test_a_backfill_killed_three_times_ends_like_an_uninterrupted_one(big_library, tmp_path):
    expected = good_pricing_files(big_library)
    with GraphEmulator(big_library) as graph:
        clean_dir = tmp_path / "clean"
        clean = subprocess.run(DPGF + ["run"], env=platform_env(graph, clean_dir), cwd=PROJECT_ROOT,
                               capture_output=True, text=True, timeout=600)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        reference = warehouse_dump(clean_dir)
        assert {d[0] for d in reference[0]} == set(expected)

        crash_dir = tmp_path / "crashed"
        env = platform_env(graph, crash_dir)
        inventory = subprocess.run(DPGF + ["inventory"], env=env, cwd=PROJECT_ROOT, capture_output=True,
                                   text=True, timeout=300)
        assert inventory.returncode == 0, inventory.stdout + inventory.stderr
        rng = random.Random(7)
        for attempt in range(3):
            done_before = batches_attempted(crash_dir)
            proc = subprocess.Popen(DPGF + ["backfill"], env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            # kill while it imports: once a batch more is through, at a random moment of the next ones
            deadline = time.monotonic() + 120
            while batches_attempted(crash_dir) == done_before and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.5))
            assert proc.poll() is None, f"attempt {attempt}: the backfill ended before it was killed"
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        assert 0 < batches_attempted(crash_dir) < len(expected), "the kills did not land during the import"
        final = subprocess.run(DPGF + ["backfill"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                               timeout=600)
        assert final.returncode == 0, final.stdout + final.stderr
        assert warehouse_dump(crash_dir) == reference
        # a run killed mid-way is not left "started" for ever: the next command marked it failed
        from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

        with DagsterInstance.from_config(str(crash_dir / "dagster")) as instance:
            stuck = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING]))
            assert stuck == []
        leftovers = [p for p in (crash_dir / "batches").rglob("*") if p.is_file()]
        assert leftovers == []


def batches_attempted(data_dir: Path, url: str | None = None) -> int:
    """Batch attempts recorded in the warehouse (a row per batch an import finished or gave up on)."""
    from dpgf_assets.warehouse.schema import batch_runs

    engine = open_warehouse(url or f"sqlite:///{data_dir / 'warehouse.sqlite'}")
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(batch_runs)).scalar_one()
    engine.dispose()
    return count


@pytest.mark.postgres
def test_parallel_workers_die_with_a_killed_backfill_which_then_resumes(big_library, tmp_path, pg_database):
    import psutil

    expected = good_pricing_files(big_library)
    data_dir = tmp_path / "parallel"
    with GraphEmulator(big_library) as graph:
        env = platform_env(graph, data_dir, DPGF_WAREHOUSE_URL=pg_database, DPGF_IMPORTS_PARALLEL_RUNS="2")
        inventory = subprocess.run(DPGF + ["inventory"], env=env, cwd=PROJECT_ROOT, capture_output=True,
                                   text=True, timeout=300)
        assert inventory.returncode == 0, inventory.stdout + inventory.stderr
        proc = subprocess.Popen(DPGF + ["backfill"], env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while batches_attempted(data_dir, pg_database) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [c for c in psutil.Process(proc.pid).children() if "spawn_main" in " ".join(c.cmdline())]
        assert len(workers) == 2 and proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)  # the command alone, as `kill -9 PID` does: not its group
        proc.wait()
        gone, alive = psutil.wait_procs(workers, timeout=10)
        assert alive == [], "workers outlived the killed command"
        assert 0 < batches_attempted(data_dir, pg_database) < len(expected)
        final = subprocess.run(DPGF + ["backfill"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                               timeout=600)
        assert final.returncode == 0, final.stdout + final.stderr
    engine = open_warehouse(pg_database)
    with engine.connect() as conn:
        paths = conn.execute(select(documents.c.path)).scalars().all()
        items = conn.execute(select(func.count()).select_from(line_items)).scalar_one()
    engine.dispose()
    assert sorted(paths) == sorted(expected)  # every pricing file once, none twice
    assert items == sum(len(f["items"]) for f in expected.values())
    assert [p for p in (data_dir / "batches").rglob("*") if p.is_file()] == []


def test_a_new_file_is_imported_by_the_sensor_without_anyone_acting(tmp_path):
    library = tmp_path / "library"
    generate_library(library, files=6, seed=3)
    expected = good_pricing_files(library)
    assert expected, "the small library has no pricing file"
    data_dir = tmp_path / "data"
    with GraphEmulator(library) as graph:
        env = platform_env(graph, data_dir, DPGF_SENSOR_RUNNING="true", DPGF_SENSOR_INTERVAL_SECONDS="5",
                           DPGF_DOWNLOAD_BATCH_SIZE="10")
        from dpgf_assets.orchestration import prepare_dagster_home
        from dpgf_assets.settings import load_settings

        env["DAGSTER_HOME"] = str(prepare_dagster_home(load_settings(environ=env), environ=dict(env)))
        daemon = subprocess.Popen([str(Path(sys.executable).with_name("dagster-daemon")), "run",
                                   "-w", "workspace.yaml"], env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_for_documents(data_dir, set(expected), timeout=180)
            first = next(p for p in expected if p.endswith(".xlsx"))
            graph.add_file("Projets/Arrivé ce matin/DPGF Lot 99 Divers.xlsx", (library / first).read_bytes())
            wait_for_documents(data_dir, set(expected) | {"Projets/Arrivé ce matin/DPGF Lot 99 Divers.xlsx"},
                               timeout=180)
        finally:
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)


def wait_for_documents(data_dir: Path, paths: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    got: set[str] = set()
    while time.monotonic() < deadline:
        if (data_dir / "warehouse.sqlite").exists():
            try:
                got = {d[0] for d in warehouse_dump(data_dir)[0]}
            except Exception:  # noqa: BLE001 - the schema may not exist yet
                got = set()
            if paths <= got:
                return
        time.sleep(1)
    raise AssertionError(f"not imported within {timeout}s: {sorted(paths - got)}")
