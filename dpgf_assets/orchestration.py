"""Driving Dagster from the command line: the instance, the inventory run and batch backfills."""

from __future__ import annotations

import math
import os
import socket
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import yaml
import psutil
from dagster import AssetKey, AssetPartitionStatus, DagsterInstance, DagsterRunStatus, Definitions, RunsFilter

from dpgf_assets.assets.sharepoint import import_batch_partitions
from dpgf_assets.processes import worker_pool
from dpgf_assets.settings import PROJECT_ROOT, Settings

PG_URL_VARIABLE = "DPGF_DAGSTER_PG_URL"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
IMPORTED_BATCHES = AssetKey("imported_batches")
PID_TAG, HOST_TAG = "dpgf/pid", "dpgf/host"


def _console(run_config: dict | None, verbose: bool) -> dict:
    """Run config with the terminal logger at ERROR (DEBUG when verbose, i.e. DPGF_DEBUG=1): the
    command shows its own progress and summary, and every event stays in the instance for the UI."""
    level = "DEBUG" if verbose else "ERROR"
    return {**(run_config or {}), "loggers": {"console": {"config": {"log_level": level}}}}


def _process_tags() -> dict[str, str]:
    """Who runs an in-process run, so a later command can tell that it died with its process."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def fail_orphaned_runs(instance: DagsterInstance) -> list[str]:
    """Mark failed the in-process runs whose process is gone (killed, reboot): their batches resume."""
    orphaned = []
    runs = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING],
                                        tags={HOST_TAG: socket.gethostname()}))
    for run in runs:
        pid = int(run.tags.get(PID_TAG, "0"))
        if pid and pid != os.getpid() and not psutil.pid_exists(pid):
            instance.report_run_failed(run, "its process ended without finishing (killed or rebooted)")
            orphaned.append(run.run_id)
    return orphaned


def dagster_pg_url(url: str) -> str:
    """dagster-postgres needs psycopg2; SQLAlchemy 2.1 reads a bare ``postgresql://`` as psycopg 3."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql+psycopg2://{rest}" if sep and scheme in ("postgresql", "postgres") else url


def prepare_dagster_home(settings: Settings, environ: dict | None = None) -> Path:
    """Point DAGSTER_HOME at the platform's instance and write its dagster.yaml from the top-level one."""
    env = os.environ if environ is None else environ
    home = Path(env.get("DAGSTER_HOME") or settings.dagster_home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8")) or {}
    if env.get(PG_URL_VARIABLE):
        env[PG_URL_VARIABLE] = dagster_pg_url(env[PG_URL_VARIABLE])  # inherited by dagster dev and runs
        config["storage"] = {"postgres": {"postgres_url": {"env": PG_URL_VARIABLE}}}
    text = yaml.safe_dump(config, sort_keys=False)
    target = home / "dagster.yaml"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    env["DAGSTER_HOME"] = str(home)
    return home


@dataclass
class RunOutcome:
    run_id: str
    partitions: list[str]
    success: bool


def run_inventory(
    defs: Definitions, instance: DagsterInstance, source_key: str, run_config: dict | None = None,
    verbose: bool = False,
) -> RunOutcome:
    result = defs.resolve_job_def("inventory_job").execute_in_process(
        instance=instance, partition_key=source_key, raise_on_error=False, tags=_process_tags(),
        run_config=_console(run_config, verbose),
    )
    return RunOutcome(result.run_id, [source_key], result.success)


def batches_to_import(instance: DagsterInstance, only_failed: bool = False) -> list[str]:
    """``import_batch`` partitions not materialised yet (or only the failed ones), in registration order."""
    keys = instance.get_dynamic_partitions(import_batch_partitions.name)
    if not keys:
        return []
    status = instance.get_status_by_partition(IMPORTED_BATCHES, keys, import_batch_partitions) or {}
    if only_failed:
        return [k for k in keys if status.get(k) == AssetPartitionStatus.FAILED]
    return [k for k in keys if status.get(k) != AssetPartitionStatus.MATERIALIZED]


def select_batches(
    instance: DagsterInstance,
    *,
    only_failed: bool = False,
    keys: list[str] | None = None,
    first: str | None = None,
    last: str | None = None,
) -> list[str]:
    """The batches a backfill should run: missing or failed ones, narrowed to a list or a range."""
    wanted = batches_to_import(instance, only_failed=only_failed)
    ordered = instance.get_dynamic_partitions(import_batch_partitions.name)
    if keys:
        unknown = sorted(set(keys) - set(ordered))
        if unknown:
            raise ValueError(f"unknown batch(es): {', '.join(unknown)}")
        wanted = [k for k in wanted if k in set(keys)]
    if first or last:
        for bound in (first, last):
            if bound and bound not in ordered:
                raise ValueError(f"unknown batch: {bound}")
        lo = ordered.index(first) if first else 0
        hi = ordered.index(last) if last else len(ordered) - 1
        in_range = set(ordered[lo:hi + 1])
        wanted = [k for k in wanted if k in in_range]
    return wanted


def contiguous_runs(all_keys: list[str], wanted: Iterable[str], max_per_run: int) -> list[list[str]]:
    """Group wanted keys into runs of consecutive partitions (a run covers a key range) of ≤ N keys."""
    wanted_set = set(wanted)
    runs: list[list[str]] = []
    current: list[str] = []
    for key in all_keys:
        if key in wanted_set and len(current) < max_per_run:
            current.append(key)
            continue
        if current:
            runs.append(current)
        current = [key] if key in wanted_set else []
    if current:
        runs.append(current)
    return runs


def run_groups(all_keys: list[str], wanted: Iterable[str], max_per_run: int, parallel: int = 1) -> list[list[str]]:
    """The runs a backfill launches: consecutive partitions, at most ``max_per_run`` per run and, with
    parallel runs, few enough per run that every worker gets a share (two runs per worker at least:
    40 batches in runs of 25 would leave one worker 25 batches and the other 15)."""
    wanted = list(wanted)
    size = max_per_run
    if parallel > 1 and wanted:
        size = max(1, min(max_per_run, math.ceil(len(set(wanted)) / (2 * parallel))))
    return contiguous_runs(all_keys, wanted, size)


def import_batches(
    defs: Definitions,
    instance: DagsterInstance,
    keys: list[str],
    max_per_run: int,
    on_run: Callable[[RunOutcome], None] = lambda _: None,
    run_config: dict | None = None,
    verbose: bool = False,
    parallel: int = 1,
    settings: Settings | None = None,
) -> list[RunOutcome]:
    """Materialise the given batches in-process, in runs of at most ``max_per_run`` partitions.

    With ``parallel`` > 1 (and the ``settings`` the definitions came from), that many runs go at
    once, each in a worker process of its own, as Dagster's run queue runs them from the UI."""
    parallel = parallel if settings is not None else 1
    groups = run_groups(instance.get_dynamic_partitions(import_batch_partitions.name), keys, max_per_run, parallel)
    outcomes: list[RunOutcome] = []
    if parallel <= 1 or len(groups) <= 1:
        job = defs.resolve_job_def("import_job")
        for group in groups:
            outcomes.append(_run_group(job, instance, group, run_config, verbose))
            on_run(outcomes[-1])
        return outcomes
    pool = worker_pool(min(parallel, len(groups)), _start_worker, (settings, instance.get_ref()))
    try:
        futures = [pool.submit(_worker_run, group, run_config, verbose) for group in groups]
        for future in as_completed(futures):
            outcomes.append(future.result())
            on_run(outcomes[-1])
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    ordered = {group[0]: i for i, group in enumerate(groups)}
    return sorted(outcomes, key=lambda o: ordered[o.partitions[0]])


def _run_group(job, instance: DagsterInstance, group: list[str], run_config: dict | None,  # noqa: ANN001
               verbose: bool) -> RunOutcome:
    result = job.execute_in_process(
        instance=instance,
        tags={RANGE_START_TAG: group[0], RANGE_END_TAG: group[-1], **_process_tags()},
        raise_on_error=False,
        run_config=_console(run_config, verbose),
    )
    return RunOutcome(result.run_id, group, result.success)


_worker: tuple | None = None  # (import job, instance) of a worker process


def _start_worker(settings: Settings, instance_ref) -> None:  # noqa: ANN001 - dagster InstanceRef
    """A worker's definitions and instance, loaded once."""
    global _worker
    from dpgf_assets.definitions import build_definitions

    _worker = (build_definitions(settings).resolve_job_def("import_job"), DagsterInstance.from_ref(instance_ref))


def _worker_run(group: list[str], run_config: dict | None, verbose: bool) -> RunOutcome:
    assert _worker is not None
    job, instance = _worker
    return _run_group(job, instance, group, run_config, verbose)


def parallel_runs(settings: Settings) -> int:
    """Import runs the command line runs at once: the setting, else one per core (at most 4) on
    PostgreSQL and one on SQLite (a single writer)."""
    if settings["imports.parallel_runs"]:
        return settings["imports.parallel_runs"]
    if not settings.warehouse_url.startswith("postgresql"):
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
