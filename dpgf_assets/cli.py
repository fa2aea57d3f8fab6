"""The ``dpgf`` command line: the demo (main job), the UI, and tools around the platform."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.tree import Tree

from dpgf_assets.settings import PROJECT_ROOT, Settings, SettingsError, load_settings

SAMPLE_LIBRARY_FILES = 120
SAMPLE_SEED = 2024

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


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


class Platform:
    """Settings, Dagster instance and definitions, opened once per command."""

    def __init__(self, settings: Settings) -> None:
        from dagster import DagsterInstance

        from dpgf_assets.definitions import build_definitions
        from dpgf_assets.orchestration import fail_orphaned_runs, prepare_dagster_home

        self.settings = settings
        self.home = prepare_dagster_home(settings)
        if settings.uses_sample_library and ensure_sample_library(settings):
            console.print(f"Generated a sample library of {SAMPLE_LIBRARY_FILES} files in {settings.sample_library}")
        self.defs = build_definitions(settings)
        self.instance = DagsterInstance.get()
        orphaned = fail_orphaned_runs(self.instance)
        if orphaned:
            console.print(f"{len(orphaned)} interrupted run(s) marked failed; their batches will run again.")

    def engine(self):  # noqa: ANN201 - sqlalchemy Engine
        from dpgf_assets.warehouse.db import open_warehouse

        return open_warehouse(self.settings.warehouse_url)

    def inventory(self, run_config: dict | None = None) -> bool:
        from dpgf_assets.orchestration import run_inventory

        where = self.settings.source_path if self.settings.source_kind == "local" else "SharePoint"
        console.print(f"Inventory of {where} …")
        outcome = run_inventory(self.defs, self.instance, self.settings.source_kind, run_config,
                                verbose=self.settings.debug)
        if not outcome.success:
            errors.print(f"Inventory failed: see run {outcome.run_id} in the UI (dpgf ui)")
        return outcome.success

    def backfill(self, keys: list[str], max_per_run: int | None, run_config: dict | None = None) -> int:
        """Import the batches in runs of ≤ N partitions with a progress display; failed runs count."""
        from dpgf_assets.orchestration import import_batches, parallel_runs

        console.print(f"Batches to import: {len(keys)}")
        failed = 0
        if not keys:
            return 0
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TimeRemainingColumn(), console=console, disable=not console.is_terminal) as progress:
            task = progress.add_task("importing batches", total=len(keys))

            def advance(run):  # noqa: ANN001 - RunOutcome
                nonlocal failed
                failed += 0 if run.success else 1
                progress.advance(task, len(run.partitions))
                if not console.is_terminal:
                    state = "done" if run.success else "FAILED"
                    console.print(f"  {run.partitions[0]}..{run.partitions[-1]} ({len(run.partitions)}) {state}")

            import_batches(self.defs, self.instance, keys,
                           max_per_run=max_per_run or self.settings["imports.max_partitions_per_run"], on_run=advance,
                           run_config=run_config, verbose=self.settings.debug,
                           parallel=parallel_runs(self.settings), settings=self.settings)
        return failed

    def close(self) -> None:
        self.instance.dispose()


def _print_summary(platform: Platform, seconds: float) -> None:
    from dpgf_assets.warehouse.db import redacted
    from dpgf_assets.warehouse.queries import summarise

    s = summarise(platform.engine())
    types = ", ".join(f"{t} {n}" for t, n in sorted(s.by_doc_type.items(), key=lambda kv: str(kv[0])))
    console.print()
    console.print(f"Files seen          {s.files_seen}  ({types})")
    console.print(f"Imported documents  {s.documents}  in {s.projects} projects")
    console.print(f"Line items          {s.line_items}")
    console.print(f"Failed files        {s.failed_files}")
    for path, stage, message in s.errors:
        console.print(f"  - {path} ({stage}): {message}")
    console.print(f"Warehouse           {redacted(platform.settings.warehouse_url)}")
    console.print(f"Dagster instance    {platform.home}")
    console.print(f"Done in {seconds:.1f}s. Open the UI with: ./dev.sh ui  (then http://127.0.0.1:3000)")


def _run_workflow(args: argparse.Namespace, inventory_config: dict, import_config: dict) -> int:
    """Inventory, then a backfill of every missing or failed batch; run again, it resumes."""
    from dpgf_assets.orchestration import batches_to_import

    started = time.perf_counter()
    platform = Platform(_settings(args))
    try:
        if not platform.inventory({"ops": {"sharepoint_inventory": {"config": inventory_config}}}):
            return 1
        keys = batches_to_import(platform.instance)
        failed = platform.backfill(keys, args.max_per_run,
                                   {"ops": {"imported_batches": {"config": import_config}}})
        _print_summary(platform, time.perf_counter() - started)
    finally:
        platform.close()
    return _exit_code(failed, "run the same command again to retry them")


def _exit_code(failed_runs: int, advice: str) -> int:
    """1 with the advice when import runs failed, else 0."""
    if failed_runs:
        errors.print(f"{failed_runs} import run(s) failed: {advice}.")
        return 1
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded default: inventory the sample library, import every batch."""
    return _run_workflow(args, {}, {})


def cmd_run(args: argparse.Namespace) -> int:
    inventory = {"batch_size": args.batch_size, "max_files": args.max_files, "min_confidence": args.min_confidence,
                 "deep_scan": args.deep_scan}
    imports = {"max_memory_mb": args.max_memory, "max_disk_mb": args.max_disk}
    return _run_workflow(args, {k: v for k, v in inventory.items() if v is not None},
                         {k: v for k, v in imports.items() if v is not None})


def cmd_backfill(args: argparse.Namespace) -> int:
    from dpgf_assets.orchestration import select_batches

    platform = Platform(_settings(args))
    try:
        keys = select_batches(platform.instance, only_failed=args.only_failed,
                              keys=args.partitions.split(",") if args.partitions else None,
                              first=args.start, last=args.end)
        failed = platform.backfill(keys, args.max_per_run)
    except ValueError as exc:
        errors.print(str(exc))
        return 2
    finally:
        platform.close()
    return _exit_code(failed, "`dpgf backfill --only-failed` retries them")


def cmd_monitor(args: argparse.Namespace) -> int:
    from dpgf_assets.monitor import run_monitor

    platform = Platform(_settings(args))
    try:
        run_monitor(platform.instance, platform.engine(), console, args.refresh_rate, args.iterations)
    finally:
        platform.close()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from dpgf_assets.reporting import build_report, report_markdown
    from dpgf_assets.warehouse.db import open_warehouse

    report = build_report(open_warehouse(_settings(args).warehouse_url))
    text = json.dumps(report, indent=2, ensure_ascii=False) if args.format == "json" else report_markdown(report)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        console.print(f"Report written to {args.output}")
    else:
        print(text)
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    from dpgf_assets.parsing import parse_workbook
    from dpgf_assets.parsing.model import ParseError

    path = Path(args.file)
    try:
        if not path.is_file():
            raise ParseError(str(path), "no such file")
        doc = parse_workbook(path, source_path=path.name)
    except ParseError as exc:
        errors.print(f"{args.file}: {exc.reason}", markup=False)
        return 1
    if args.json:
        print(json.dumps(doc.to_json(), ensure_ascii=False, indent=2))
        return 0
    console.print(_document_tree(doc))
    return 0


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}".replace(",", " ")


def _document_tree(doc: Any) -> Tree:
    """A readable tree: sections, their items, and the totals, in sheet order."""
    lot = f"lot {doc.lot_code or '?'} {doc.lot_name or ''}".strip()
    root = Tree(f"[bold]{doc.file}[/bold]  {doc.doc_type} ({doc.confidence:.0%})  {lot}")
    nodes: dict[tuple[str, str | None], Tree] = {}
    sheets: dict[str, Tree] = {}
    rows = sorted([(s.sheet, s.row, "section", s) for s in doc.sections]
                  + [(i.sheet, i.row, "item", i) for i in doc.items]
                  + [(t.sheet, t.row, "total", t) for t in doc.totals], key=lambda r: r[1])
    for sheet, _row, what, obj in rows:
        branch = sheets.setdefault(sheet, root.add(f"[bold]{sheet}[/bold]"))
        if what == "section":
            parent = nodes.get((sheet, obj.parent_code), branch)
            nodes[(sheet, obj.code)] = parent.add(f"[cyan]{obj.code or ''} {obj.title}[/cyan]")
        elif what == "item":
            parent = nodes.get((sheet, obj.section_code), branch)
            figures = " × ".join(x for x in (_money(obj.quantity), obj.unit_raw or "", _money(obj.unit_price)) if x)
            kind = "" if obj.kind == "article" else f" [{obj.kind}]"
            parent.add(f"{obj.code or '·'} {obj.designation}  {figures}  {_money(obj.total)}{kind}", style=None)
        else:
            branch.add(f"[magenta]{obj.label}[/magenta]  {_money(obj.amount)}  ({obj.kind})")
    for warning in doc.warnings:
        root.add(f"[yellow]warning[/yellow] {warning}")
    return root


def cmd_inventory(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from dpgf_assets.warehouse.schema import source_files

    settings = _settings(args)
    if not args.no_refresh:
        platform = Platform(settings)
        try:
            config = {"deep_scan": True} if args.deep_scan else {}
            if not platform.inventory({"ops": {"sharepoint_inventory": {"config": config}}}):
                return 1
            engine = platform.engine()
        finally:
            platform.close()
    else:
        from dpgf_assets.warehouse.db import open_warehouse

        engine = open_warehouse(settings.warehouse_url)
    query = select(source_files).where(source_files.c.status != "deleted").order_by(source_files.c.path)
    if args.type:
        query = query.where(source_files.c.doc_type == args.type.upper())
    if args.min_confidence is not None:
        query = query.where(source_files.c.confidence >= args.min_confidence)
    if args.status:
        query = query.where(source_files.c.status == args.status)
    if args.pricing:
        query = query.where(source_files.c.doc_type != "OTHER")
    with engine.connect() as conn:
        rows = conn.execute(query.limit(args.limit) if args.limit else query).mappings().all()
    if args.json:
        print(json.dumps([{"path": r["path"], "doc_type": r["doc_type"], "confidence": r["confidence"],
                           "reasons": r["reasons"], "status": r["status"], "size": r["size"],
                           "batch": r["batch_key"]} for r in rows], ensure_ascii=False, indent=2))
        return 0
    from rich.table import Table

    table = Table(title=f"{len(rows)} file(s)")
    for column in ("type", "conf.", "status", "path", "reasons"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r["doc_type"] or "", f"{(r['confidence'] or 0):.2f}", r["status"], r["path"],
                      "; ".join(r["reasons"] or []))
    console.print(table)
    return 0


def cmd_sharepoint_check(args: argparse.Namespace) -> int:
    from dpgf_assets.sources.base import SourceError
    from dpgf_assets.sources.sharepoint import SharePointConfig, check_connection

    settings = _settings(args)
    try:
        config = SharePointConfig.from_env(os.environ, timeout_seconds=settings.download.timeout_seconds,
                                           retry_count=settings.download.retry_count)
        paths = check_connection(config, limit=args.limit)
    except (SourceError, ValueError) as exc:
        errors.print(f"SharePoint check failed: {exc}", markup=False)
        return 1
    console.print(f"Connected to {config.site_url}, library {config.library!r}; first items:", markup=False)
    for path in paths:
        console.print(f"  {path}", markup=False)
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    """``dagster dev`` on the platform's instance and workspace."""
    from dpgf_assets.orchestration import prepare_dagster_home

    prepare_dagster_home(_settings(args))
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
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="the main job: inventory the (sample) library and import every batch")
    demo.set_defaults(func=cmd_demo, max_per_run=None)

    run = sub.add_parser("run", help="inventory then import everything missing, with settings as flags; resumes")
    run.add_argument("--batch-size", type=int)
    run.add_argument("--max-memory", type=int, help="MB")
    run.add_argument("--max-disk", type=int, help="MB")
    run.add_argument("--max-files", type=int)
    run.add_argument("--min-confidence", type=float)
    run.add_argument("--deep-scan", action=argparse.BooleanOptionalAction, default=None)
    run.add_argument("--max-per-run", type=int, help="batches per Dagster run (imports.max_partitions_per_run)")
    run.set_defaults(func=cmd_run)

    backfill = sub.add_parser("backfill", help="import the missing or failed batches, resumable")
    which = backfill.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="every missing or failed batch (the default)")
    which.add_argument("--only-failed", action="store_true", help="only the batches whose last run failed")
    which.add_argument("--partitions", help="comma-separated batch keys")
    backfill.add_argument("--from", dest="start", help="first batch of a range (registration order)")
    backfill.add_argument("--to", dest="end", help="last batch of a range")
    backfill.add_argument("--max-per-run", type=int, help="batches per Dagster run (imports.max_partitions_per_run)")
    backfill.set_defaults(func=cmd_backfill)

    monitor = sub.add_parser("monitor", help="live dashboard of an import (plain text when not a terminal)")
    monitor.add_argument("--refresh-rate", type=float, default=2.0, help="seconds between refreshes")
    monitor.add_argument("--iterations", type=int, help="stop after N refreshes")
    monitor.set_defaults(func=cmd_monitor)

    report = sub.add_parser("report", help="final report of the import (Markdown or JSON)")
    report.add_argument("--format", choices=("md", "json"), default="md")
    report.add_argument("--output", help="file to write (default: standard output)")
    report.set_defaults(func=cmd_report)

    parse = sub.add_parser("parse", help="parse one workbook and print its tree (or --json)")
    parse.add_argument("file")
    parse.add_argument("--json", action="store_true")
    parse.set_defaults(func=cmd_parse)

    inventory = sub.add_parser("inventory", help="take stock of the source and list what was found")
    inventory.add_argument("--no-refresh", action="store_true", help="list what is recorded without listing again")
    inventory.add_argument("--deep-scan", action="store_true", help="read sheet contents to recognise")
    inventory.add_argument("--type", help="DPGF, BPU, DQE or OTHER")
    inventory.add_argument("--pricing", action="store_true", help="only DPGF/BPU/DQE")
    inventory.add_argument("--min-confidence", type=float)
    inventory.add_argument("--status", help="new, queued, imported, failed, skipped")
    inventory.add_argument("--limit", type=int)
    inventory.add_argument("--json", action="store_true")
    inventory.set_defaults(func=cmd_inventory)

    sharepoint = sub.add_parser("sharepoint", help="SharePoint tools")
    sp_sub = sharepoint.add_subparsers(dest="sp_command", required=True, metavar="COMMAND")
    check = sp_sub.add_parser("check", help="authenticate with the DPGF_SHAREPOINT_* settings and list the first items")
    check.add_argument("--limit", type=int, default=10)
    check.set_defaults(func=cmd_sharepoint_check)

    ui = sub.add_parser("ui", help="open the Dagster UI on the platform's instance (dagster dev)")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Dagster marks backfill policies as beta; users of the command line need not read that each time
    warnings.filterwarnings("ignore", message=r".*(is currently in beta|is currently in preview).*")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        errors.print(f"Invalid setting: {exc}", markup=False)
        return 2
    except KeyboardInterrupt:
        errors.print("Interrupted: run the same command again to continue where it stopped.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
