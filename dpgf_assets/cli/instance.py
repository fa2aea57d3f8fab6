"""Commands of the Dagster instance: ``dpgf up`` (code server, daemon and webserver), ``dpgf status``
and ``dpgf daemon`` (Dagster's daemon as the platform runs it)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from datetime import datetime

from dpgf_assets.cli.platform import console, errors, settings_of
from dpgf_assets.settings import PROJECT_ROOT

SENSOR = "sharepoint_new_files"
ANOTHER_DAEMON = 3  # exit code of `dpgf up` when a daemon already runs for the instance


class _Stop(Exception):
    """SIGTERM or SIGINT reached ``dpgf up``."""


def _raise_stop(signum, frame) -> None:  # noqa: ANN001 - signal handler
    raise _Stop(signal.Signals(signum).name)


def cmd_up(args: argparse.Namespace) -> int:
    """A code server, Dagster's daemon and (unless --no-webserver) the webserver on the configured
    instance, until Ctrl-C or SIGTERM; then the daemon and webserver stop, the runs this code server
    started are terminated through Dagster, and nothing started here is left running."""
    from dpgf_assets.cli.home import LOCATION, prepare_dagster_home, session_workspace
    from dpgf_assets.cli.processes import executable, free_port, start_child, wait_for_port

    settings = settings_of(args)
    home = prepare_dagster_home(settings)
    env = dict(os.environ)
    if args.sensor is not None:
        env["DPGF_SENSOR_RUNNING"] = "true" if args.sensor else "false"
    if args.sensor is False:  # a command's own daemon: no automation whose runs it would leave queued
        env["DPGF_CONTENT_AUTOMATION"] = env["DPGF_ML_AUTOMATION"] = "false"
    port = free_port()
    workspace = session_workspace(home, port)
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    children: dict = {}
    instance = None
    try:
        # the code server and the daemon start first (several seconds each to load), the checks meanwhile
        children["code server"] = start_child(
            [executable("dagster"), "api", "grpc", "-m", "dpgf_assets.definitions", "-h", "127.0.0.1",
             "-p", str(port), "--location-name", LOCATION, "--log-level", "warning"],
            env=env, cwd=str(PROJECT_ROOT))
        children["daemon"] = start_child(
            [sys.executable, "-m", "dpgf_assets.cli", "daemon", "-w", str(workspace), "--after-port", str(port)],
            env=env, cwd=str(PROJECT_ROOT))
        from dagster import DagsterInstance

        from dpgf_assets.cli.runs import daemon_alive, import_slots, set_import_slots

        instance = DagsterInstance.get()
        if daemon_alive(instance):
            errors.print(f"A Dagster daemon already runs for the instance {home}: `dpgf status` shows it; "
                         "stop it before starting another.")
            return ANOTHER_DAEMON
        set_import_slots(instance, import_slots(settings))
        if not wait_for_port("127.0.0.1", port, timeout=180, alive=children["code server"]):
            errors.print("The code server did not start: see the messages above (DPGF_DEBUG=1 for more).")
            return 1
        if args.webserver:
            # only once the code server answers: a webserver that finds it unreachable keeps that error
            # for the location until someone reloads it in the UI
            children["webserver"] = start_child(
                [executable("dagster-webserver"), "-w", str(workspace), "-h", args.host, "-p",
                 str(args.port), "--log-level", "warning"], env=env, cwd=str(PROJECT_ROOT))
        if args.webserver and wait_for_port(args.host, args.port, timeout=180, alive=children["webserver"]):
            console.print(f"Dagster UI on http://{args.host}:{args.port}  (instance {home})", markup=False)
        console.print("Daemon running: backfills, the run queue, sensors and run monitoring. Ctrl-C stops.")
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    errors.print(f"The {name} stopped (exit code {child.returncode}): stopping the rest.")
                    return 1
            time.sleep(0.5)
    except _Stop:
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _teardown(instance, children, port)
        workspace.unlink(missing_ok=True)
        if instance is not None:
            instance.dispose()


def _teardown(instance, children: dict, port: int) -> None:  # noqa: ANN001 - DagsterInstance
    """Stop in order: no new run (daemon, webserver), the runs in flight terminated through Dagster
    (recorded as cancelled, their batches failed: a later backfill retries them), then the code server."""
    from dpgf_assets.cli.processes import stop
    from dpgf_assets.cli.runs import runs_through, terminate_runs

    for name in ("daemon", "webserver"):
        if name in children and children[name].poll() is None:
            os.kill(children[name].pid, signal.SIGINT)
    for name in ("daemon", "webserver"):
        if name in children:
            stop(children[name], timeout=8)
    if instance is None:  # stopped before the instance was open: nothing can have run yet
        for child in children.values():
            stop(child, timeout=2)
        return
    if "daemon" in children:
        instance.wipe_daemon_heartbeats()  # it was the only daemon: the next command must not wait for it
    if "code server" in children:
        if children["code server"].poll() is None:
            left = terminate_runs(instance, runs_through(instance, port), timeout=30)
            for run_id in left:
                errors.print(f"Run {run_id} did not end after its termination: it is stopped with its code server.")
        stop(children["code server"], timeout=5)


def cmd_daemon(args: argparse.Namespace) -> int:
    """Dagster's daemon on the instance, with the platform's backfill loop interval."""
    from dpgf_assets.cli.home import prepare_dagster_home
    from dpgf_assets.cli.processes import wait_for_port
    from dpgf_assets.cli.runs import run_daemon

    prepare_dagster_home(settings_of(args))
    if args.after_port:  # started by `dpgf up` beside its code server: load the workspace once it answers
        import dagster._daemon.cli  # noqa: F401 - the daemon's own modules load while the code server does
        if not wait_for_port("127.0.0.1", args.after_port, timeout=180):
            errors.print(f"No code server answered on 127.0.0.1:{args.after_port}.")
            return 1
    return run_daemon(args.workspace)


def cmd_status(args: argparse.Namespace) -> int:
    """What runs, what is queued, the backfills and their progress, the sensor's last tick."""
    from dagster import DagsterRunStatus, RunsFilter

    from dpgf_assets.cli.platform import Platform
    from dpgf_assets.cli.home import instance_config
    from dpgf_assets.cli.runs import UNFINISHED_RUN, daemon_alive, targeted_batches, view_backfills

    platform = Platform(settings_of(args))
    instance = platform.instance
    try:
        beat = instance.get_daemon_heartbeats().get("BACKFILL")
        state = (f"running (last heartbeat {time.time() - beat.timestamp:.0f} s ago)" if daemon_alive(instance)
                 else "not running (commands that need one start their own)")
        console.print(f"Instance  {platform.home}  ({instance_config().name})")
        console.print(f"Daemon    {state}")
        runs = instance.get_runs(RunsFilter(statuses=UNFINISHED_RUN))
        counts = {s: sum(r.status == s for r in runs) for s in UNFINISHED_RUN}
        console.print(f"Runs      {counts[DagsterRunStatus.STARTED] + counts[DagsterRunStatus.STARTING]} running, "
                      f"{counts[DagsterRunStatus.QUEUED] + counts[DagsterRunStatus.NOT_STARTED]} queued")
        for run in runs[: args.limit]:
            what = run.tags.get("dagster/partition") or "…".join(
                filter(None, (run.tags.get("dagster/asset_partition_range_start"),
                              run.tags.get("dagster/asset_partition_range_end"))))
            console.print(f"  {run.status.value.lower():9} {run.run_id[:8]}  {run.job_name}  {what}", markup=False)
        from dagster._core.execution.backfill import BulkActionsFilter

        backfills = instance.get_backfills(filters=BulkActionsFilter(), limit=args.limit)
        console.print(f"Backfills {len(backfills)} latest")
        for backfill in backfills:
            targeted = targeted_batches(instance, platform.defs, backfill.backfill_id) if backfill.is_asset_backfill else []
            view = view_backfills(instance, [backfill.backfill_id], targeted)
            when = datetime.fromtimestamp(backfill.backfill_timestamp).strftime("%Y-%m-%d %H:%M:%S")
            console.print(f"  {backfill.backfill_id}  {backfill.status.value:17} {when}  "
                          f"{len(view.imported)}/{len(targeted)} batches imported, {len(view.failed)} failed, "
                          f"{len(view.running)} running, {view.waiting} waiting", markup=False)
        console.print(f"Sensor    {SENSOR}: {_sensor_line(instance)}", markup=False)
    finally:
        platform.close()
    return 0


def _sensor_line(instance) -> str:  # noqa: ANN001 - DagsterInstance
    from dagster._core.definitions.run_request import InstigatorType

    states = [s for s in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
              if s.origin.instigator_name == SENSOR]
    if not states:
        return "never started (it starts with `dpgf up`, or DPGF_SENSOR_RUNNING=true)"
    state = states[0]
    ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
    if not ticks:
        return f"{state.status.value.lower()}, no tick yet"
    tick = ticks[0]
    when = datetime.fromtimestamp(tick.timestamp).strftime("%Y-%m-%d %H:%M:%S")
    detail = tick.skip_reason or (f"{len(tick.run_ids)} run(s) requested" if tick.run_ids else "")
    return f"{state.status.value.lower()}, last tick {when} {tick.status.value.lower()} {detail}".rstrip()


def register(sub) -> None:  # noqa: ANN001 - argparse's subparsers
    up = sub.add_parser("up", aliases=["ui"], help="the Dagster UI and daemon on the configured instance, "
                        "with the sensor on; Ctrl-C stops everything")
    up.add_argument("--host", default="127.0.0.1", help="address the UI listens on (default 127.0.0.1)")
    up.add_argument("--port", type=int, default=3000, help="port of the UI (default 3000)")
    up.add_argument("--no-webserver", dest="webserver", action="store_false",
                    help="only the code server and the daemon (what commands start when no daemon runs)")
    up.add_argument("--sensor", action=argparse.BooleanOptionalAction, default=True,
                    help="start the sharepoint_new_files sensor running (default: on); --no-sensor also "
                         "leaves the content and ML automation sensors off (what a command's own daemon does)")
    up.set_defaults(func=cmd_up)

    status = sub.add_parser("status", help="runs in progress and queued, backfills and their progress, "
                            "the sensor's last tick")
    status.add_argument("--limit", type=int, default=10, help="runs and backfills listed at most")
    status.set_defaults(func=cmd_status)

    daemon = sub.add_parser("daemon", help="Dagster's daemon on the configured instance (what `dpgf up` "
                            "and docker-compose run), backfills ticking every 2 s")
    daemon.add_argument("-w", "--workspace", default=str(PROJECT_ROOT / "workspace.yaml"),
                        help="workspace file (default: the project's workspace.yaml)")
    daemon.add_argument("--after-port", type=int, help=argparse.SUPPRESS)
    daemon.set_defaults(func=cmd_daemon)
