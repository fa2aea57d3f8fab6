"""End-to-end import through the Graph emulator into PostgreSQL, against a naive baseline.

    python -m benchmarks.imports [--quick] [--pg-url URL]

Builds its inputs: a generated library whose xlsx/xlsm pricing workbooks (every layout the generator
makes) are copied under numbered folders until there are N files (1,000; --quick: 150), served by the
Graph emulator on 127.0.0.1. Then, each path in a fresh process so that memory figures are its own:

- ours: inventory (delta listing, range-read recognition) in a process of its own, then every
  planned batch through ``import_batch`` (downloads ahead in a small pool, calamine parser, writes
  overlapping the next parse, one transaction per file, COPY), exactly what ``sharepoint_inventory``
  and ``imported_batches`` run, grouped as a backfill's runs are (ranges of consecutive batches,
  small enough that every process gets a share) and run ``imports.parallel_runs`` at a time (one
  per core: the run queue's limit of import runs) in processes of their own, into a fresh
  PostgreSQL database; ``peak_rss_mb`` is the largest import process's own peak;
- baseline: what the former scripts did: download each file in turn, ``pandas.read_excel`` (openpyxl),
  then one INSERT and one COMMIT per row, into another fresh database.

The full run also imports 5,000 files with our path, to compare the import's peak memory with
1,000 files' (it must not grow with the number of files; the inventory's, which holds the listing,
is reported beside it). Prints readable lines, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

from dpgf_assets.warehouse.db import scratch_database

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def log(line: str) -> None:
    print(line, flush=True)


def build_library(folder: Path, graph, files: int) -> int:  # noqa: ANN001 - GraphEmulator
    """Serve ``files`` copies of the generated xlsx/xlsm pricing workbooks; return their line items."""
    from dpgf_assets.corpus import generate_library, manifest_path

    source = folder / "generated"
    generate_library(source, files=120, seed=77)
    manifest = json.loads(manifest_path(source).read_text(encoding="utf-8"))
    good = [f for f in manifest["files"] if f["doc_type"] != "OTHER" and not f.get("expect_error")
            and f["path"].endswith((".xlsx", ".xlsm")) and not f["path"].endswith(".xls.xlsx")]
    items = 0
    for i in range(files):
        f = good[i % len(good)]
        graph.add_file(f"Copie {i // len(good):03d}/{f['path']}", (source / f["path"]).read_bytes())
        items += len(f["items"])
    return items


def peak_rss_mb() -> float:
    """This process's own peak (VmHWM). Not getrusage's ru_maxrss: Linux carries that across the
    fork + exec that starts a worker, so it would include the parent's memory (the emulator's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _platform(env: dict, url: str, work: str):  # noqa: ANN202 - settings, engine, source
    os.environ.update(env)
    # every module either side uses is imported before its clock starts (the baseline's pandas,
    # psycopg and openpyxl likewise): the figures compare the work, not the interpreter's start
    import dpgf_assets.ingestion.importing  # noqa: F401
    import dpgf_assets.ingestion.inventory  # noqa: F401
    import dpgf_assets.parsing.grid  # noqa: F401
    from dpgf_assets.settings import load_settings
    from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource
    from dpgf_assets.warehouse.db import open_warehouse

    settings = load_settings(environ={**env, "DPGF_DATA_DIR": work})
    source = SharePointSource(SharePointConfig.from_env(env, timeout_seconds=30, retry_count=5))
    return settings, open_warehouse(url), source


def ours_inventory(env: dict, url: str, work: str) -> dict:
    """The inventory run (sharepoint_inventory), in a process of its own as Dagster runs it."""
    from dpgf_assets.ingestion.inventory import take_inventory
    from dpgf_assets.ingestion.spool import spool_of

    settings, engine, source = _platform(env, url, work)
    started = time.perf_counter()
    report = take_inventory(engine, source, settings.scanning, settings.download, spool=spool_of(settings))
    seconds = time.perf_counter() - started
    source.close()
    return {"seconds": seconds, "queued": report.files_queued, "batches": len(report.planned),
            "requests": source.requests_made, "peak_rss_mb": peak_rss_mb()}


_worker: tuple | None = None  # (settings, engine, source) of an import worker process


def _start_import_worker(env: dict, url: str, work: str) -> None:
    global _worker
    _worker = _platform(env, url, work)


def import_run(keys: list[str]) -> dict:
    """One import run's work (what imported_batches runs for its partitions), in a worker process."""
    from dpgf_assets.ingestion.importing import import_batch
    from dpgf_assets.ingestion.spool import spool_of

    assert _worker is not None
    settings, engine, source = _worker
    requests_before = source.requests_made
    started, cpu = time.time(), time.process_time()
    imported = items = 0
    stages: dict[str, float] = {}
    spool = spool_of(settings)
    for key in keys:
        report = import_batch(engine, source, key, settings.download, settings.batches_dir, 2, spool=spool)
        imported += report.imported
        items += report.line_items
        for stage, seconds in report.stage_seconds.items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    return {"files": imported, "items": items, "started": started, "ended": time.time(),
            "cpu_seconds": time.process_time() - cpu, "requests": source.requests_made - requests_before,
            "peak_rss_mb": peak_rss_mb(), "stage_seconds": stages}


def run_groups(keys: list[str], per_run: int, parts: int) -> list[list[str]]:
    """Consecutive batches, at most ``per_run`` per run and few enough that each of ``parts``
    processes gets two runs at least (the import work alone: this benchmark measures no daemon)."""
    size = max(1, min(per_run, -(-len(keys) // (2 * parts))))
    return [keys[i:i + size] for i in range(0, len(keys), size)]


def parallel_imports(env: dict, url: str, work: str, parts: int) -> dict:
    """The import runs, ``parts`` at a time in processes that take the next run when free; seconds
    from the first run's start to the last's end."""
    from dpgf_assets.settings import load_settings
    from dpgf_assets.warehouse import files as store
    from dpgf_assets.warehouse.db import open_warehouse

    engine = open_warehouse(url)
    with engine.connect() as conn:
        keys = store.batch_keys(conn)
    engine.dispose()
    per_run = load_settings(environ=env)["imports.max_partitions_per_run"]
    groups = run_groups(keys, per_run, parts)
    with multiprocessing.get_context("spawn").Pool(parts, _start_import_worker, (env, url, work)) as pool:
        results = pool.map(import_run, groups, chunksize=1)
    stages: dict[str, float] = {}
    for r in results:
        for stage, seconds in r["stage_seconds"].items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    return {"files": sum(r["files"] for r in results), "items": sum(r["items"] for r in results),
            "seconds": max(r["ended"] for r in results) - min(r["started"] for r in results),
            "requests": sum(r["requests"] for r in results), "processes": parts, "runs": len(groups),
            "cpu_seconds": sum(r["cpu_seconds"] for r in results),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in results), "stage_seconds": stages}


def baseline(env: dict, url: str, work: str) -> dict:
    """The former scripts: sequential downloads, pandas read_excel, one INSERT and COMMIT per row."""
    import openpyxl  # noqa: F401 - pandas imports it on its first read_excel: before the clock here
    import pandas as pd
    import psycopg

    from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource

    source = SharePointSource(SharePointConfig.from_env(env, timeout_seconds=30, retry_count=5))
    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    conn.execute("CREATE TABLE elements (file text, sheet text, row integer, cells text)")
    conn.commit()
    started = time.perf_counter()
    files = rows = 0
    for f in source.list_changes(None).files:
        local = Path(work, "download" + Path(f.name).suffix)
        source.download(f, local)
        for sheet, frame in pd.read_excel(local, sheet_name=None, header=None, engine="openpyxl").items():
            for index, values in frame.iterrows():
                cells = [str(v) for v in values.tolist() if not pd.isna(v)]
                if cells:
                    conn.execute("INSERT INTO elements VALUES (%s, %s, %s, %s)",
                                 (f.path, sheet, int(index) + 1, " | ".join(cells)))
                    conn.commit()
                    rows += 1
        files += 1
    seconds = time.perf_counter() - started
    conn.close()
    source.close()
    return {"files": files, "rows": rows, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def in_fresh_process(fn, *args):  # noqa: ANN001, ANN201 - a benchmark side and its arguments
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, args)


def measure(files: int, admin_url: str, with_baseline: bool) -> tuple[dict, dict | None, int]:
    from dpgf_assets.emulator import GraphEmulator
    from dpgf_assets.cli.runs import import_slots  # here: the measured processes need no dagster
    from dpgf_assets.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="dpgf-bench-") as tmp, GraphEmulator() as graph:
        expected_items = build_library(Path(tmp), graph, files)
        env = {**graph.env(), "DPGF_DOWNLOAD_BATCH_SIZE": "25"}
        with scratch_database(admin_url, prefix="dpgf_bench") as url:
            inventory = in_fresh_process(ours_inventory, env, url, str(Path(tmp, "ours")))
            imports = parallel_imports(env, url, str(Path(tmp, "ours")), import_slots(load_settings(environ={
                **env, "DPGF_WAREHOUSE_URL": url})))
        mine = {**imports, "seconds": inventory["seconds"] + imports["seconds"],
                "inventory_seconds": inventory["seconds"], "import_seconds": imports["seconds"],
                "requests": inventory["requests"] + imports["requests"],
                "inventory_peak_rss_mb": inventory["peak_rss_mb"]}
        base = None
        if with_baseline:
            with scratch_database(admin_url, prefix="dpgf_bench") as url:
                os.makedirs(Path(tmp, "base"), exist_ok=True)
                base = in_fresh_process(baseline, env, url, str(Path(tmp, "base")))
        return mine, base, expected_items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="150 files, under a minute")
    parser.add_argument("--files", type=int, help="files to import (default 1,000; --quick 150)")
    parser.add_argument("--pg-url", default=os.environ.get("DPGF_TEST_POSTGRES_URL", DEFAULT_PG))
    args = parser.parse_args(argv)
    files = args.files or (150 if args.quick else 1000)

    log(f"importing {files} files through the Graph emulator into PostgreSQL …")
    mine, base, expected_items = measure(files, args.pg_url, with_baseline=True)
    files_per_s = mine["files"] / mine["seconds"]
    log(f"ours:     {mine['files']} files, {mine['items']} line items in {mine['seconds']:.1f}s "
        f"(inventory {mine['inventory_seconds']:.1f}s, imports {mine['import_seconds']:.1f}s in "
        f"{mine['processes']} processes) = "
        f"{files_per_s:.1f} files/s, {mine['items'] / mine['seconds']:.0f} line items/s, "
        f"peak {mine['peak_rss_mb']:.0f} MB (inventory {mine['inventory_peak_rss_mb']:.0f} MB), "
        f"{mine['requests']} HTTP requests")
    base_fps = base["files"] / base["seconds"]
    log(f"baseline: {base['files']} files, {base['rows']} rows in {base['seconds']:.1f}s = {base_fps:.2f} files/s, "
        f"peak {base['peak_rss_mb']:.0f} MB")
    figures = {
        "files": mine["files"], "files_per_s": round(files_per_s, 2),
        "items_per_s": round(mine["items"] / mine["seconds"], 1), "line_items": mine["items"],
        "inventory_peak_rss_mb": round(mine["inventory_peak_rss_mb"], 1),
        "expected_line_items": expected_items, "peak_rss_mb": round(mine["peak_rss_mb"], 1),
        "seconds": round(mine["seconds"], 2), "inventory_seconds": round(mine["inventory_seconds"], 2),
        "import_processes": mine["processes"],
        "baseline_files_per_s": round(base_fps, 2), "baseline_seconds": round(base["seconds"], 2),
        "speedup": round(files_per_s / base_fps, 2),
    }
    if not args.quick and not args.files:
        log("ours again with 5,000 files, for memory …")
        big, _, _ = measure(5000, args.pg_url, with_baseline=False)
        figures["peak_rss_mb_5000"] = round(big["peak_rss_mb"], 1)
        figures["files_per_s_5000"] = round(big["files"] / big["seconds"], 2)
        figures["memory_growth_5000_vs_1000"] = round(big["peak_rss_mb"] / mine["peak_rss_mb"] - 1, 4)
        figures["inventory_peak_rss_mb_5000"] = round(big["inventory_peak_rss_mb"], 1)
        log(f"5,000 files: import peak {big['peak_rss_mb']:.0f} MB, inventory {big['inventory_peak_rss_mb']:.0f} MB "
            f"({figures['memory_growth_5000_vs_1000']:+.1%} against 1,000), {figures['files_per_s_5000']} files/s")
    if mine["items"] != expected_items:
        log(f"WARNING: {mine['items']} line items imported, {expected_items} expected")
    print(json.dumps(figures, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
