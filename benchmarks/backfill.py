"""The real path of a bulk import: `dpgf backfill` submits a Dagster asset backfill that the daemon runs
through the run queue, on SQLite and PostgreSQL instances, with 1, 2 and 4 import runs at once.

    python -m benchmarks.backfill [--quick] [--files N] [--instances sqlite,postgresql] [--runs 1,2,4]
                                  [--pg-url URL]

Builds its inputs: N copies (5,000; --quick: 300) of the generated xlsx/xlsm pricing workbooks served
by the Graph emulator on 127.0.0.1, in batches of 25 files (200 batches at full size), runs of at
most 50 batches (--per-run; --quick: 3). For each instance (SQLite files under DAGSTER_HOME, or a
fresh PostgreSQL database) and each number of runs at once: a fresh PostgreSQL warehouse, `dpgf inventory` (timed apart), then
`dpgf backfill` timed from the command's start to its end (it starts its own daemon, as on a laptop).
Reads every run's events from the instance: seconds from the command to the first run started, each
run's start overhead (launched → its process running the code), queue waits, import work.

Baseline, in the same run: the same batches imported by one process calling the import directly
(no Dagster, no daemon), which is what the Dagster machinery is measured against.
Prints readable lines, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.imports import DEFAULT_PG, build_library, log
from dpgf_assets.warehouse.db import scratch_database

BATCH_SIZE = 25
# imports.max_partitions_per_run for this bulk import: 4 runs of 1,250 files (the setting's default, 25,
# makes 8 runs, each paying a process start: 64 files/s against 68-87 with 50 at a load of 3; deploy/README)
PER_RUN = 50


def dpgf(args: list[str], env: dict) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a dpgf command; its result, start time (epoch) and wall seconds."""
    from dpgf_assets.settings import PROJECT_ROOT

    started = time.time()
    out = subprocess.run([sys.executable, "-m", "dpgf_assets.cli", *args], env=env, cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"dpgf {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out, started, time.time() - started


def run_figures(home: Path, env: dict, command_started: float) -> dict:
    """Per-run figures of the (only) backfill of the instance under ``home``."""
    os.environ.update({k: env[k] for k in ("DPGF_DAGSTER_PG_URL",) if k in env})
    from dagster import DagsterEventType, DagsterInstance, RunsFilter

    with DagsterInstance.from_config(str(home)) as instance:
        backfill = instance.get_backfills()[0]
        records = instance.get_run_records(RunsFilter(tags={"dagster/backfill": backfill.backfill_id}))
        overheads, waits, work = [], [], []
        for record in records:
            times = {}
            for event in instance.all_logs(record.dagster_run.run_id, of_type={
                    DagsterEventType.PIPELINE_ENQUEUED, DagsterEventType.PIPELINE_STARTING,
                    DagsterEventType.PIPELINE_START, DagsterEventType.PIPELINE_SUCCESS}):
                times.setdefault(event.dagster_event.event_type_value, event.timestamp)
            overheads.append(times["PIPELINE_START"] - times["PIPELINE_STARTING"])
            waits.append(times["PIPELINE_STARTING"] - times["PIPELINE_ENQUEUED"])
            work.append(times["PIPELINE_SUCCESS"] - times["PIPELINE_START"])
        first = min(records, key=lambda r: r.start_time)
        launched = min(e.timestamp for e in instance.all_logs(first.dagster_run.run_id, of_type={
            DagsterEventType.PIPELINE_STARTING}))
        return {"runs": len(records), "submit_to_first_run_s": round(first.start_time - command_started, 2),
                "backfill_submitted_s": round(backfill.backfill_timestamp - command_started, 2),
                # the first run's way: requested by the daemon's backfill loop, launched by its run
                # queue, then running once its worker process has loaded the code
                "first_run_queued_s": round(first.create_timestamp.timestamp() - command_started, 2),
                "first_run_launched_s": round(launched - command_started, 2),
                "run_start_overhead_s": round(sum(overheads) / len(overheads), 2),
                "queue_wait_s": round(sum(waits) / len(waits), 2), "run_work_s": round(sum(work), 1)}


def measure(kind: str, slots: int, library_env: dict, admin_url: str, work: Path, per_run: int) -> dict:
    """One `dpgf inventory` then one timed `dpgf backfill` on a fresh instance and warehouse."""
    from dpgf_assets.cli.home import dagster_pg_url
    from dpgf_assets.warehouse.db import open_warehouse
    from dpgf_assets.warehouse.schema import documents

    data = work / f"{kind}-{slots}"
    with scratch_database(admin_url, prefix="dpgf_bench_w") as warehouse, \
            scratch_database(admin_url, prefix="dpgf_bench_i") as instance_db:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DPGF_", "DAGSTER_"))}
        env.update({**library_env, "DPGF_SOURCE_KIND": "sharepoint", "DPGF_DATA_DIR": str(data),
                    "DPGF_WAREHOUSE_URL": warehouse, "DPGF_DOWNLOAD_BATCH_SIZE": str(BATCH_SIZE),
                    "DPGF_IMPORTS_MAX_PARTITIONS_PER_RUN": str(per_run), "DPGF_IMPORTS_PARALLEL_RUNS": str(slots)})
        if kind == "postgresql":
            env["DPGF_DAGSTER_PG_URL"] = dagster_pg_url(instance_db)
        _, _, inventory_s = dpgf(["inventory"], env)
        _, started, seconds = dpgf(["backfill"], env)
        engine = open_warehouse(warehouse)
        with engine.connect() as conn:
            from sqlalchemy import func, select

            files = conn.execute(select(func.count()).select_from(documents)).scalar_one()
        engine.dispose()
        figures = run_figures(data / "dagster", env, started)
    load = [round(x, 1) for x in os.getloadavg()]  # the machine's 1/5/15-minute load as the run ends
    return {"instance": kind, "runs_at_once": slots, "per_run": per_run, "load_average": load,
            "files": files, "seconds": round(seconds, 1),
            "files_per_s": round(files / seconds, 1), "inventory_s": round(inventory_s, 1), **figures}


def baseline(library_env: dict, admin_url: str, work: Path) -> dict:
    """The same import in one process, batch after batch, with no Dagster at all."""
    from dpgf_assets.ingestion.importing import import_batch
    from dpgf_assets.ingestion.inventory import take_inventory
    from dpgf_assets.ingestion.spool import spool_of
    from dpgf_assets.settings import load_settings
    from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource
    from dpgf_assets.warehouse import files as store
    from dpgf_assets.warehouse.db import open_warehouse

    with scratch_database(admin_url, prefix="dpgf_bench_b") as url:
        env = {**library_env, "DPGF_DATA_DIR": str(work / "baseline"), "DPGF_WAREHOUSE_URL": url,
               "DPGF_DOWNLOAD_BATCH_SIZE": str(BATCH_SIZE)}
        settings = load_settings(environ=env)
        engine = open_warehouse(url)
        source = SharePointSource(SharePointConfig.from_env(env))
        spool = spool_of(settings)
        take_inventory(engine, source, settings.scanning, settings.download, spool=spool)
        with engine.connect() as conn:
            keys = store.batch_keys(conn)
        started = time.perf_counter()
        files = sum(import_batch(engine, source, key, settings.download, settings.batches_dir, 2,
                                 spool=spool).imported for key in keys)
        seconds = time.perf_counter() - started
        source.close()
        engine.dispose()
    return {"files": files, "seconds": round(seconds, 1), "files_per_s": round(files / seconds, 1),
            "load_average": [round(x, 1) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 files, PostgreSQL instance, 2 runs at once")
    parser.add_argument("--files", type=int, help="files to import (default 5,000; --quick 300)")
    parser.add_argument("--instances", default="sqlite,postgresql", help="instance kinds to measure")
    parser.add_argument("--runs", default="1,2,4", help="numbers of import runs at once to measure")
    parser.add_argument("--per-run", type=int, help="batches per run at most (imports.max_partitions_per_run; "
                        f"default {PER_RUN}, --quick 3)")
    parser.add_argument("--pg-url", default=os.environ.get("DPGF_TEST_POSTGRES_URL", DEFAULT_PG))
    args = parser.parse_args(argv)
    files = args.files or (300 if args.quick else 5000)
    per_run = args.per_run or (3 if args.quick else PER_RUN)  # --quick: 12 batches in 4 runs side by side
    configs = [("postgresql", 2)] if args.quick else [
        (k, int(n)) for k in args.instances.split(",") for n in args.runs.split(",")]
    from dpgf_assets.emulator import GraphEmulator

    results = []
    with tempfile.TemporaryDirectory(prefix="dpgf-bench-") as tmp, GraphEmulator() as graph:
        build_library(Path(tmp), graph, files)
        log(f"{files} files served by the emulator; batches of {BATCH_SIZE}, runs of at most {per_run} batches")
        base = baseline(graph.env(), args.pg_url, Path(tmp))
        log(f"baseline (one process, no Dagster): {base['files']} files in {base['seconds']}s = "
            f"{base['files_per_s']} files/s; load average {base['load_average']}")
        for kind, slots in configs:
            r = measure(kind, slots, graph.env(), args.pg_url, Path(tmp), per_run)
            results.append(r)
            log(f"{kind:10} {slots} at once: {r['files']} files in {r['seconds']}s = {r['files_per_s']} files/s; "
                f"{r['runs']} runs; first run started {r['submit_to_first_run_s']}s after the command "
                f"(backfill stored at {r['backfill_submitted_s']}s, run queued at {r['first_run_queued_s']}s, "
                f"launched at {r['first_run_launched_s']}s); start overhead {r['run_start_overhead_s']}s "
                f"per run, queue wait {r['queue_wait_s']}s, import work {r['run_work_s']}s in all; "
                f"inventory {r['inventory_s']}s apart; load average {r['load_average']}")
    best = max([r for r in results if r["instance"] == "postgresql"] or results, key=lambda r: r["files_per_s"])
    print(json.dumps({
        "files": best["files"], "files_per_s": best["files_per_s"], "best_instance": best["instance"],
        "best_runs_at_once": best["runs_at_once"], "per_run": per_run,
        "submit_to_first_run_s": best["submit_to_first_run_s"],
        "run_start_overhead_s": best["run_start_overhead_s"], "baseline_files_per_s": base["files_per_s"],
        "ratio_to_baseline": round(best["files_per_s"] / base["files_per_s"], 2),
        "load_average": [round(x, 1) for x in os.getloadavg()], "baseline_load_average": base["load_average"],
        "table": [{k: r[k] for k in ("instance", "runs_at_once", "files", "seconds", "files_per_s",
                                     "submit_to_first_run_s", "run_start_overhead_s", "load_average")}
                  for r in results],
    }, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
