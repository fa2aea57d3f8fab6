"""The ``dpgf`` command line: the demo (main job), the UI, and tools around the platform."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dpgf_assets.settings import PROJECT_ROOT, Settings, SettingsError, load_settings

SAMPLE_LIBRARY_FILES = 120
SAMPLE_SEED = 2024

console = Console(highlight=False)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


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


def cmd_demo(args: argparse.Namespace) -> int:
    """Inventory the (sample) library, import every batch, and summarise."""
    from dagster import DagsterInstance

    from dpgf_assets.definitions import build_definitions
    from dpgf_assets.orchestration import batches_to_import, import_batches, prepare_dagster_home, run_inventory
    from dpgf_assets.warehouse.db import open_warehouse
    from dpgf_assets.warehouse.queries import summarise

    settings = _settings(args)
    started = time.perf_counter()
    home = prepare_dagster_home(settings)
    if settings.uses_sample_library:
        console.print(f"Sample library: {settings.sample_library}")
        if ensure_sample_library(settings):
            console.print(f"  generated {SAMPLE_LIBRARY_FILES} files (seed {SAMPLE_SEED})")
    defs = build_definitions(settings)
    source_key = settings.source_kind
    with DagsterInstance.get() as instance:
        console.print(f"Inventory of {settings.source_path if source_key == 'local' else 'SharePoint'} …")
        outcome = run_inventory(defs, instance, source_key)
        if not outcome.success:
            console.print(f"[red]Inventory failed[/red]: see run {outcome.run_id} in the UI")
            return 1
        keys = batches_to_import(instance)
        console.print(f"Batches to import: {len(keys)}")
        failed_runs = 0
        if keys:
            with _progress() as progress:
                task = progress.add_task("importing batches", total=len(keys))

                def advance(run):  # noqa: ANN001 - RunOutcome
                    nonlocal failed_runs
                    failed_runs += 0 if run.success else 1
                    progress.advance(task, len(run.partitions))

                import_batches(defs, instance, keys, on_run=advance)
    summary = summarise(open_warehouse(settings.warehouse_url))
    _print_summary(settings, summary, home, time.perf_counter() - started)
    if failed_runs:
        console.print(f"[red]{failed_runs} import run(s) failed[/red]: run `dpgf demo` again to retry them.")
        return 1
    return 0


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, disable=not console.is_terminal)


def _print_summary(settings: Settings, s, home: Path, seconds: float) -> None:  # noqa: ANN001
    types = ", ".join(f"{t} {n}" for t, n in sorted(s.by_doc_type.items(), key=lambda kv: str(kv[0])))
    console.print()
    console.print(f"Files seen          {s.files_seen}  ({types})")
    console.print(f"Imported documents  {s.documents}  in {s.projects} projects")
    console.print(f"Line items          {s.line_items}")
    console.print(f"Failed files        {s.failed_files}")
    for path, stage, message in s.errors:
        console.print(f"  - {path} ({stage}): {message}")
    console.print(f"Warehouse           {settings.warehouse_url}")
    console.print(f"Dagster instance    {home}")
    console.print(f"Done in {seconds:.1f}s. Open the UI with: .venv/bin/dpgf ui  (then http://127.0.0.1:3000)")


def cmd_ui(args: argparse.Namespace) -> int:
    """``dagster dev`` on the platform's instance and workspace."""
    from dpgf_assets.orchestration import prepare_dagster_home

    settings = _settings(args)
    prepare_dagster_home(settings)
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"),
               "--host", args.host, "--port", str(args.port)]
    os.chdir(PROJECT_ROOT)
    os.execv(command[0], command)
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dpgf", description="Pricing spreadsheets (DPGF, BPU, DQE) from SharePoint into a price database.")
    parser.add_argument("--config", help="workflow configuration file (JSON or YAML); also DPGF_CONFIG")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="the main job: inventory the (sample) library and import every batch")
    demo.set_defaults(func=cmd_demo)
    ui = sub.add_parser("ui", help="open the Dagster UI on the platform's instance (dagster dev)")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        console.print(f"[red]Invalid setting[/red]: {exc}")
        return 2
    except KeyboardInterrupt:
        console.print("Interrupted: run the same command again to continue where it stopped.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
