"""End to end over the Graph emulator on the embedded default: `dpgf backfill` killed three times
while its daemon's runs import, then resumed, ends with the warehouse of an uninterrupted run."""

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
            "DPGF_DOWNLOAD_BATCH_SIZE": "2", "DPGF_IMPORTS_MAX_PARTITIONS_PER_RUN": "8",
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


def clean_run(graph: GraphEmulator, data_dir: Path) -> tuple[list, list]:
    """`dpgf run` with no fault and no kill into ``data_dir``: the warehouse every other path must equal."""
    clean = subprocess.run(DPGF + ["run"], env=platform_env(graph, data_dir), cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=600)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    return warehouse_dump(data_dir)


def test_a_backfill_killed_three_times_ends_like_an_uninterrupted_one(big_library, tmp_path):
    import psutil

    expected = good_pricing_files(big_library)
    with GraphEmulator(big_library) as graph:
        reference = clean_run(graph, tmp_path / "clean")
        assert {d[0] for d in reference[0]} == set(expected)

        crash_dir = tmp_path / "crashed"
        env = platform_env(graph, crash_dir)
        inventory = subprocess.run(DPGF + ["inventory"], env=env, cwd=PROJECT_ROOT, capture_output=True,
                                   text=True, timeout=300)
        assert inventory.returncode == 0, inventory.stdout + inventory.stderr
        rng = random.Random(7)
        for attempt in range(3):
            done_before = batches_attempted(crash_dir)
            output = tmp_path / f"attempt-{attempt}.txt"
            with output.open("w") as out:
                proc = subprocess.Popen(DPGF + ["backfill"], env=env, cwd=PROJECT_ROOT, stdout=out,
                                        stderr=subprocess.STDOUT, start_new_session=True)
            # kill while it imports: once a batch more is through, at a random moment of the next ones
            deadline = time.monotonic() + 180
            while batches_attempted(crash_dir) == done_before and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.5))
            assert proc.poll() is None, \
                f"attempt {attempt}: the backfill ended before it was killed:\n{output.read_text()[-3000:]}"
            started = psutil.Process(proc.pid).children(recursive=True)  # its daemon, code server, run workers
            assert started, "the command started no daemon of its own"
            os.killpg(proc.pid, signal.SIGKILL)  # the command (its daemon runs in a process group of its own)
            proc.wait()
            # the daemon it started terminates the runs in flight through Dagster, then stops: nothing stays
            _, alive = psutil.wait_procs(started, timeout=120)
            assert alive == [], f"attempt {attempt}: {[p.cmdline()[:4] for p in alive]} outlived the command"
        assert 0 < batches_attempted(crash_dir) < len(expected), "the kills did not land during the import"
        final = subprocess.run(DPGF + ["backfill"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                               timeout=600)
        assert final.returncode == 0, final.stdout + final.stderr
        assert "Unfinished backfill" in final.stdout  # the killed command's backfill, resumed by the daemon
        assert warehouse_dump(crash_dir) == reference
        # nothing is left started or queued, and the daemon recorded the end of every backfill
        from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

        with DagsterInstance.from_config(str(crash_dir / "dagster")) as instance:
            unfinished = instance.get_runs(RunsFilter(statuses=[
                DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.QUEUED,
                DagsterRunStatus.NOT_STARTED, DagsterRunStatus.CANCELING]))
            assert unfinished == []
            ended = {b.backfill_id: (b.status.value, b.error.message if b.error else "") for b in instance.get_backfills()}
            assert {status for status, _ in ended.values()} <= {"COMPLETED_SUCCESS", "COMPLETED_FAILED"}, \
                f"{ended}\n{(crash_dir / 'dagster' / 'dpgf-daemon.log').read_text()[-4000:]}"
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
