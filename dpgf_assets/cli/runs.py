"""Driving Dagster from the command line: the instance and its daemon, the inventory run, and batch
imports as Dagster asset backfills (the object the UI's "Materialize" of partitions creates), run by
the daemon through the run queue and followed from here."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Iterable

from dagster import AssetKey, AssetPartitionStatus, DagsterInstance, DagsterRunStatus, Definitions, RunsFilter

from dpgf_assets.assets.sharepoint import IMPORT_POOL, import_batch_partitions
from dpgf_assets.settings import Settings

IMPORTED_BATCHES = AssetKey("imported_batches")
BACKFILL_TAG = "dagster/backfill"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
RANGE_TAGS = (RANGE_START_TAG, RANGE_END_TAG)
PARTITION_TAG = "dagster/partition"
WILL_RETRY_TAG = "dagster/will_retry"
COMMAND_TAG = "dpgf/command"
# Dagster's backfill loop sleeps a fixed 30 s between iterations (DEFAULT_DAEMON_INTERVAL_SECONDS in
# dagster/_daemon/controller.py, read when the loop starts; no instance setting): the platform's daemon
# ticks every 2 s, so a backfill's runs are requested, and its end recorded, within 2 s.
BACKFILL_LOOP_SECONDS = 2
# once every batch has its outcome, how long a command waits for its own daemon to record the backfills'
# end before it stops that daemon: a few ticks normally, much more on a busy machine or while the daemon
# also finishes the backfills of killed commands (a backfill left unrecorded is only resumed next time)
RECORD_WAIT_OWN_DAEMON_SECONDS = 30 * BACKFILL_LOOP_SECONDS
HEARTBEAT_FRESH_SECONDS = 75  # daemons beat every 30 s: older than this, none runs
UNFINISHED_RUN = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
                  DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


def set_import_slots(instance: DagsterInstance, slots: int) -> None:
    """Give the pool of import runs (``imported_batches``) its number of runs at once."""
    storage = instance.event_log_storage
    if storage.get_concurrency_info(IMPORT_POOL).slot_count != slots:
        storage.set_concurrency_slots(IMPORT_POOL, slots)


def import_slots(settings: Settings) -> int:
    """Import runs at once: the setting, else one per core (at most 4) with a PostgreSQL warehouse
    and one with SQLite (a single writer)."""
    if settings["imports.parallel_runs"]:
        return settings["imports.parallel_runs"]
    if not settings.warehouse_url.startswith("postgresql"):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, cores))


def daemon_alive(instance: DagsterInstance) -> bool:
    """Whether a daemon beats for this instance (the backfill loop is the one the commands need)."""
    beats = instance.get_daemon_heartbeats()
    beat = beats.get("BACKFILL")
    return beat is not None and time.time() - beat.timestamp < HEARTBEAT_FRESH_SECONDS


RETRY_WHILE_LOCATION_UNLOADABLE = "DAGSTER_BACKFILL_RETRY_DEFINITION_CHANGED_ERROR"


def run_daemon(workspace: str) -> int:
    """Dagster's own daemon (``dagster-daemon run``) on ``workspace``, with the backfill loop every
    BACKFILL_LOOP_SECONDS instead of 30 s; returns when interrupted (SIGINT)."""
    import dagster._daemon.controller as controller

    controller.DEFAULT_DAEMON_INTERVAL_SECONDS = BACKFILL_LOOP_SECONDS
    # Dagster's own switch: a backfill whose code location cannot be reached for a moment (a gRPC
    # timeout on a busy machine, a code server restarting) waits for it instead of failing for good
    os.environ.setdefault(RETRY_WHILE_LOCATION_UNLOADABLE, "1")
    from dagster._daemon.cli import run_command

    run_command.main(["-w", workspace, "--log-level", "warning"], prog_name="dpgf daemon", standalone_mode=False)
    return 0


@dataclass
class RunOutcome:
    run_id: str
    partitions: list[str]
    success: bool


def _console(run_config: dict | None, verbose: bool) -> dict:
    """Run config with the terminal logger at ERROR (DEBUG when verbose, i.e. DPGF_DEBUG=1): the
    command shows its own progress and summary, and every event stays in the instance for the UI."""
    level = "DEBUG" if verbose else "ERROR"
    return {**(run_config or {}), "loggers": {"console": {"config": {"log_level": level}}}}


def run_inventory(defs: Definitions, instance: DagsterInstance, source_key: str, run_config: dict | None = None,
                  verbose: bool = False) -> RunOutcome:
    """The inventory, a run of its own in this process: the batches it plans must exist as
    partitions before a backfill can name them."""
    result = defs.resolve_job_def("inventory_job").execute_in_process(
        instance=instance, partition_key=source_key, raise_on_error=False, tags={COMMAND_TAG: "inventory"},
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


def named_batches(instance: DagsterInstance, keys: list[str] | None = None, first: str | None = None,
                  last: str | None = None) -> list[str]:
    """The registered batches a list and/or a range names (all of them when neither is given), in
    registration order; an unknown key raises ValueError."""
    ordered = instance.get_dynamic_partitions(import_batch_partitions.name)
    unknown = sorted(set(keys or ()) - set(ordered))
    if unknown:
        raise ValueError(f"unknown batch(es): {', '.join(unknown)}")
    for bound in (first, last):
        if bound and bound not in ordered:
            raise ValueError(f"unknown batch: {bound}")
    named = ordered[ordered.index(first) if first else 0:ordered.index(last) + 1 if last else len(ordered)]
    wanted = set(keys or ())
    return [k for k in named if k in wanted] if keys else named


def select_batches(
    instance: DagsterInstance,
    *,
    only_failed: bool = False,
    keys: list[str] | None = None,
    first: str | None = None,
    last: str | None = None,
) -> list[str]:
    """The batches a backfill should run: missing or failed ones, narrowed to a list or a range."""
    in_scope = set(named_batches(instance, keys, first, last))
    return [k for k in batches_to_import(instance, only_failed=only_failed) if k in in_scope]


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


def submit_backfill(instance: DagsterInstance, defs: Definitions, keys: list[str], run_config: dict | None = None,
                    title: str = "dpgf backfill") -> str:
    """Store an asset backfill of ``imported_batches`` over ``keys``: the daemon requests its runs
    (ranges of consecutive batches, as many per run as the asset's backfill policy allows) into the
    run queue. Returns its id."""
    from dagster._core.execution.backfill import PartitionBackfill

    backfill_id = uuid.uuid4().hex[:8]
    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id=backfill_id, asset_graph=defs.resolve_asset_graph(), partition_names=keys,
        asset_selection=[IMPORTED_BATCHES], backfill_timestamp=time.time(), tags={COMMAND_TAG: "backfill"},
        dynamic_partitions_store=instance, all_partitions=False, title=title,
        description=f"{len(keys)} batch(es) of import_batch, submitted by the dpgf command line",
        run_config=run_config,
    )
    instance.add_backfill(backfill)
    return backfill_id


def unfinished_backfills(instance: DagsterInstance) -> list[str]:
    """Ids of the backfills of ``imported_batches`` the daemon has not finished (oldest first)."""
    from dagster._core.execution.backfill import BulkActionsFilter, BulkActionStatus

    backfills = instance.get_backfills(filters=BulkActionsFilter(statuses=[
        BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING, BulkActionStatus.FAILING]))
    return [b.backfill_id for b in sorted(backfills, key=lambda b: b.backfill_timestamp)
            if b.is_asset_backfill and IMPORTED_BATCHES in (b.asset_selection or [])]


def cancel_backfill(instance: DagsterInstance, backfill_id: str) -> bool:
    """Ask the daemon to cancel a backfill (its queued runs go, its running ones are terminated)."""
    from dagster._core.execution.backfill import BulkActionStatus

    backfill = instance.get_backfill(backfill_id)
    if backfill is None or backfill.status != BulkActionStatus.REQUESTED:
        return False
    instance.update_backfill(backfill.with_status(BulkActionStatus.CANCELING))
    return True


def targeted_batches(instance: DagsterInstance, defs: Definitions, backfill_id: str) -> list[str]:
    """The ``import_batch`` keys a backfill targets, in registration order."""
    backfill = instance.get_backfill(backfill_id)
    if backfill is None:
        return []
    data = backfill.get_asset_backfill_data(defs.resolve_asset_graph())
    subset = data.target_subset.partitions_subsets_by_asset_key.get(IMPORTED_BATCHES)
    targeted = set(subset.get_partition_keys()) if subset is not None else set()
    return [k for k in instance.get_dynamic_partitions(import_batch_partitions.name) if k in targeted]


@dataclass
class RunView:
    """One run of a backfill as the command shows it."""

    run_id: str
    batches: list[str]
    status: DagsterRunStatus
    will_retry: bool
    seconds: float | None

    @property
    def finished(self) -> bool:
        return self.status not in UNFINISHED_RUN


@dataclass
class BackfillView:
    """Where backfills stand, from their runs (the daemon records the backfill's own end a tick later)."""

    targeted: list[str]
    runs: list[RunView] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)  # backfill id -> BulkActionStatus value
    imported: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    running: set[str] = field(default_factory=set)

    @property
    def waiting(self) -> int:
        return len(self.targeted) - len(self.imported) - len(self.failed) - len(self.running)

    @property
    def work_done(self) -> bool:
        """Every targeted batch has its outcome and no run is unfinished or about to be retried."""
        return (len(self.imported) + len(self.failed) == len(self.targeted)
                and all(r.finished and not r.will_retry for r in self.runs))

    @property
    def recorded(self) -> bool:
        """The daemon has recorded the end of every backfill followed."""
        return all(s not in ("REQUESTED", "CANCELING", "FAILING") for s in self.statuses.values())


def view_backfills(instance: DagsterInstance, backfill_ids: Iterable[str], targeted: list[str]) -> BackfillView:
    """The state of ``targeted`` batches from the runs of the backfills (the latest run of a batch decides)."""
    ids = list(backfill_ids)
    view = BackfillView(targeted=list(targeted))
    wanted = set(targeted)
    ordered = instance.get_dynamic_partitions(import_batch_partitions.name)
    position = {k: i for i, k in enumerate(ordered)}
    records = []
    for backfill_id in ids:
        backfill = instance.get_backfill(backfill_id)
        view.statuses[backfill_id] = backfill.status.value if backfill else "UNKNOWN"
        records += instance.get_run_records(RunsFilter(tags={BACKFILL_TAG: backfill_id}))
    for record in sorted(records, key=lambda r: r.create_timestamp):
        run = record.dagster_run
        batches = _run_batches(run.tags, ordered, position, wanted)
        seconds = record.end_time - record.start_time if record.end_time and record.start_time else None
        view.runs.append(RunView(run.run_id, batches, run.status, run.tags.get(WILL_RETRY_TAG) == "true"
                                 and run.status == DagsterRunStatus.FAILURE, seconds))
    state: dict[str, str] = {}
    for run in view.runs:  # oldest first: a retry's outcome overrides its parent's
        outcome = ("imported" if run.status == DagsterRunStatus.SUCCESS
                   else "running" if not run.finished or run.will_retry else "failed")
        for key in run.batches:
            state[key] = outcome
    view.imported = {k for k, s in state.items() if s == "imported"}
    view.failed = {k for k, s in state.items() if s == "failed"}
    view.running = {k for k, s in state.items() if s == "running"}
    return view


def _run_batches(tags, ordered: list[str], position: dict[str, int], wanted: set[str]) -> list[str]:  # noqa: ANN001
    if PARTITION_TAG in tags:
        keys = [tags[PARTITION_TAG]]
    elif all(t in tags for t in RANGE_TAGS) and tags[RANGE_TAGS[0]] in position:
        keys = ordered[position[tags[RANGE_TAGS[0]]]:position.get(tags[RANGE_TAGS[1]], -2) + 1]
    else:
        keys = []
    return [k for k in keys if k in wanted]


def runs_through(instance: DagsterInstance, port: int) -> list[str]:
    """Unfinished runs launched through the code server on 127.0.0.1:``port`` (Dagster's grpc tag)."""
    import json

    found = []
    for run in instance.get_runs(RunsFilter(statuses=UNFINISHED_RUN)):
        info = run.tags.get("dagster/grpc_info")
        if info and json.loads(info).get("port") == port:
            found.append(run.run_id)
    return found


def terminate_runs(instance: DagsterInstance, run_ids: list[str], timeout: float) -> list[str]:
    """Terminate runs through their launcher (as the UI's Terminate does) and wait for them to end;
    returns those still unfinished after ``timeout``."""
    for run_id in run_ids:
        try:
            instance.run_launcher.terminate(run_id)
        except Exception:  # noqa: BLE001 - an unreachable code server: the run stays to be waited on
            pass
    deadline = time.monotonic() + timeout
    left = list(run_ids)
    while left and time.monotonic() < deadline:
        time.sleep(0.3)
        left = [r for r in left if (run := instance.get_run_by_id(r)) is not None and not run.is_finished]
    return left
