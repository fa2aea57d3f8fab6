"""What every command opens: the settings, the Dagster instance with the definitions, the consoles."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from dpgf_assets.settings import PROJECT_ROOT, Settings, load_settings

SAMPLE_LIBRARY_FILES = 120
SAMPLE_SEED = 2024

# Nothing printed is read as rich markup: file names, sheet names and designations come from
# workbooks and may hold brackets ('prise [bold]USB[/bold]', '[pm]'); styles go through Text objects.
console = Console(highlight=False, markup=False)
errors = Console(stderr=True, highlight=False, markup=False)
UNWRAPPED_WIDTH = 10_000


def fit_consoles_to_output() -> None:
    """Output to a pipe, a file or a CI log keeps its lines whole (rich would wrap them at 80
    columns and split paths); a terminal keeps its own width."""
    for out in (console, errors):
        if not out.is_terminal:
            out.width, out.soft_wrap = UNWRAPPED_WIDTH, True


def settings_of(args: argparse.Namespace) -> Settings:
    """The command's settings; ``--config FILE`` is also put in the environment as DPGF_CONFIG, so every
    process the command starts (code server, daemon, webserver, their runs) loads the same settings."""
    settings = load_settings(args.config)
    if args.config:
        os.environ["DPGF_CONFIG"] = str(Path(args.config).resolve())
    return settings


def ensure_sample_library(settings: Settings) -> bool:
    """Generate the bundled sample library once (into a temporary folder, then renamed)."""
    from dpgf_assets.corpus import generate_library, manifest_path

    target = settings.sample_library
    if target.exists():
        return False
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    generate_library(staging, files=SAMPLE_LIBRARY_FILES, seed=SAMPLE_SEED)
    manifest_path(staging).replace(manifest_path(target))
    staging.rename(target)
    return True


class Platform:
    """Settings, Dagster instance and definitions, opened once per command."""

    def __init__(self, settings: Settings, start_daemon: bool = False) -> None:
        from dpgf_assets.cli.home import prepare_dagster_home

        self.settings = settings
        self.home = prepare_dagster_home(settings)
        self.session: subprocess.Popen | None = None  # the daemon this command started, if any
        self._log = None
        if start_daemon:
            self._start_session()  # it loads while this command does; stopped if a daemon already runs
        from dagster import DagsterInstance

        from dpgf_assets.cli.runs import import_slots, set_import_slots

        if settings.uses_sample_library and ensure_sample_library(settings):
            console.print(f"Generated a sample library of {SAMPLE_LIBRARY_FILES} files in {settings.sample_library}")
        self.instance = DagsterInstance.get()
        set_import_slots(self.instance, import_slots(settings))
        self._defs = None

    @property
    def defs(self):  # noqa: ANN201 - dagster Definitions, loaded when first needed
        if self._defs is None:
            from dpgf_assets.definitions import build_definitions

            self._defs = build_definitions(self.settings)
        return self._defs

    def engine(self):  # noqa: ANN201 - sqlalchemy Engine
        from dpgf_assets.warehouse.db import open_warehouse

        return open_warehouse(self.settings.warehouse_url)

    def inventory(self, run_config: dict | None = None) -> bool:
        from dpgf_assets.cli.runs import run_inventory

        self.engine()  # an unreachable warehouse is said in one line (dpgf's main), not by a failed run
        where = self.settings.source_path if self.settings.source_kind == "local" else "SharePoint"
        console.print(f"Inventory of {where} …")
        outcome = run_inventory(self.defs, self.instance, self.settings.source_kind, run_config,
                                verbose=self.settings.debug)
        if not outcome.success:
            errors.print(f"Inventory failed: see run {outcome.run_id} in the UI (dpgf up)")
        return outcome.success

    def _start_session(self) -> None:
        """`dpgf up --no-webserver` as a child: a code server and Dagster's daemon for this command,
        gone with it even when it is killed (its runs in flight are then terminated through Dagster)."""
        from dpgf_assets.cli.processes import start_child

        self._log = open(self.home / "dpgf-daemon.log", "a", encoding="utf-8")  # earlier commands' lines kept
        self._log.write(f"--- dpgf {' '.join(sys.argv[1:])} (pid {os.getpid()}) at {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        self._log.flush()
        self.session = start_child([sys.executable, "-m", "dpgf_assets.cli", "up", "--no-webserver", "--no-sensor"],
                                   env=dict(os.environ), cwd=str(PROJECT_ROOT), on_parent_death=signal.SIGTERM,
                                   log=self._log)

    def _stop_session(self) -> None:
        from dpgf_assets.cli.processes import stop

        if self.session is not None:
            stop(self.session, timeout=90, sig=signal.SIGTERM)
            self.session = None
            self._log.close()

    @contextmanager
    def daemon(self) -> Iterator[bool]:
        """A daemon for the instance while the block runs: the one already running (False), else this
        command's own (True), started now unless it already loads, and stopped afterwards."""
        from dpgf_assets.cli.runs import daemon_alive

        if daemon_alive(self.instance):
            self._stop_session()
            yield False
            return
        if self.session is None:
            self._start_session()
        try:
            yield True
        finally:
            self._stop_session()

    def import_batches(self, keys: list[str], run_config: dict | None = None) -> int:
        """Import ``keys`` as a Dagster backfill run by the daemon, with the unfinished backfills of
        earlier commands (the daemon resumes them), and follow them; returns the batches that failed."""
        from dpgf_assets.cli.runs import submit_backfill, targeted_batches, unfinished_backfills, view_backfills

        earlier = unfinished_backfills(self.instance)
        targets: list[str] = []
        in_flight: set[str] = set()
        for backfill_id in earlier:
            targeted = targeted_batches(self.instance, self.defs, backfill_id)
            view = view_backfills(self.instance, [backfill_id], targeted)
            in_flight |= set(targeted) - view.imported - view.failed
            targets += [k for k in targeted if k not in set(targets)]
        if earlier:
            console.print(f"Unfinished backfill(s) {', '.join(earlier)}: {len(in_flight)} batch(es) left, followed here")
        new = [k for k in keys if k not in in_flight]
        console.print(f"Batches to import: {len(new)}")
        if not new and not earlier:
            return 0  # an unfinished backfill whose batches are all through still needs a daemon to record its end
        with self.daemon() as owned:
            ids = list(earlier)
            if new:
                ids.append(submit_backfill(self.instance, self.defs, new, run_config))
                by = "this command's daemon" if owned else "the running daemon"
                console.print(f"Backfill {ids[-1]} submitted ({len(new)} batches, runs of at most "
                              f"{self.settings['imports.max_partitions_per_run']}), run by {by}")
            return self._follow(ids, targets + [k for k in new if k not in set(targets)], owned)

    def _follow(self, ids: list[str], targets: list[str], owned: bool) -> int:
        """Progress of the backfills until the daemon records their end (or, with a daemon that
        ticks rarely, until every batch has its outcome); Ctrl-C leaves them to the daemon."""
        from dpgf_assets.cli.runs import RECORD_WAIT_OWN_DAEMON_SECONDS, view_backfills

        started = time.monotonic()
        reported: set[str] = set()
        work_done_at = None
        view = None
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TimeRemainingColumn(), console=console, disable=not console.is_terminal) as progress:
            task = progress.add_task("importing batches", total=len(targets))
            try:
                while True:
                    view = view_backfills(self.instance, ids, targets)
                    done = len(view.imported) + len(view.failed)
                    for run in view.runs:
                        if run.finished and run.run_id not in reported:
                            reported.add(run.run_id)
                            progress.console.print(_run_line(run, done, len(targets)), markup=False)
                    progress.update(task, completed=done,
                                    description=f"importing batches ({len(view.running)} in runs)")
                    if view.recorded:
                        break
                    if view.work_done:
                        work_done_at = work_done_at or time.monotonic()
                        if time.monotonic() - work_done_at > (RECORD_WAIT_OWN_DAEMON_SECONDS if owned else 3):
                            break
                    if self.session is not None and self.session.poll() is not None:
                        errors.print(f"This command's daemon stopped: see {self.home / 'dpgf-daemon.log'}")
                        return len(targets) - len(view.imported)
                    time.sleep(0.5)
            except KeyboardInterrupt:
                progress.stop()
                _interrupted(ids, owned)
                raise SystemExit(130) from None
        failed_runs = sum(1 for r in view.runs if r.status.value == "FAILURE")
        console.print(f"Backfill {', '.join(ids)}: {len(view.imported)}/{len(targets)} batches imported, "
                      f"{len(view.failed)} failed, {len(view.runs)} run(s), in {time.monotonic() - started:.1f}s"
                      + ("" if view.recorded else " (the daemon records its end at its next tick)"))
        if view.failed:
            failed = [k for k in targets if k in view.failed]
            console.print(f"Failed batches: {', '.join(failed[:10])}{' …' if len(failed) > 10 else ''}"
                          f" ({failed_runs} failed run(s): their logs are in the UI)", markup=False)
        return len(view.failed)

    def close(self) -> None:
        self._stop_session()
        self.instance.dispose()


def _run_line(run, done: int, total: int) -> str:  # noqa: ANN001 - runs.RunView
    outcome = {"SUCCESS": "imported", "CANCELED": "cancelled"}.get(run.status.value, "FAILED")
    if run.will_retry:
        outcome = "FAILED, Dagster retries it"
    span = f"{run.batches[0]} … {run.batches[-1]}" if len(run.batches) > 1 else "".join(run.batches)
    seconds = f" in {run.seconds:.1f}s" if run.seconds is not None else ""
    return f"  run {run.run_id[:8]}  {len(run.batches)} batch(es) {span}: {outcome}{seconds}  [{done}/{total}]"


def _interrupted(ids: list[str], owned: bool) -> None:
    """Say where the backfill stands after Ctrl-C and how to cancel it."""
    which = ", ".join(ids)
    if owned:
        errors.print(f"Interrupted. No other daemon runs on this instance, so this command's daemon stops with "
                     f"it and terminates the runs in flight; backfill {which} stays requested: `dpgf backfill` "
                     f"(or `dpgf up`) resumes it, `dpgf backfill --cancel {ids[-1]}` cancels it.")
    else:
        errors.print(f"Stopped following. Backfill {which} keeps running in the daemon (`dpgf status`, or the "
                     f"UI's Backfills page); `dpgf backfill --cancel {ids[-1]}` cancels it.")


def print_summary(platform: Platform, seconds: float) -> int:
    """The warehouse's figures after a command; returns how many files are left pending."""
    from dpgf_assets.warehouse.db import redacted
    from dpgf_assets.warehouse.queries import summarise

    s = summarise(platform.engine())
    types = ", ".join(f"{t} {n}" for t, n in sorted(s.by_doc_type.items(), key=lambda kv: str(kv[0])))
    console.print()
    console.print(f"Files seen          {s.files_seen}  ({types})")
    console.print(f"Imported documents  {s.documents}  in {s.projects} projects")
    console.print(f"Line items          {s.line_items}")
    console.print(f"Failed files        {s.failed_files}")
    pending = s.by_status.get("pending", 0)
    if pending:
        console.print(f"Pending files       {pending}  (content unreadable for now: tried again next run)")
    for path, stage, message in s.errors:
        console.print(f"  - {path} ({stage}): {message}")
    console.print(f"Warehouse           {redacted(platform.settings.warehouse_url)}")
    console.print(f"Dagster instance    {platform.home}")
    console.print(f"Done in {seconds:.1f}s. Open the UI with: .venv/bin/dpgf up  (then http://127.0.0.1:3000)")
    return pending


