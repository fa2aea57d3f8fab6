"""Commands of the import: demo, run, backfill, inventory, monitor and report."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from dpgf_assets.cli import content, ml
from dpgf_assets.cli.platform import Platform, console, errors, print_summary, settings_of
from dpgf_assets.settings import SPEC_BY_KEY, Settings


def _run_workflow(args: argparse.Namespace, inventory_config: dict, import_config: dict) -> int:
    """Inventory, then a Dagster backfill of every missing or failed batch; run again, it resumes."""
    from dpgf_assets.cli.runs import batches_to_import

    started = time.perf_counter()
    platform = Platform(settings_of(args))
    try:
        if not platform.inventory({"ops": {"sharepoint_inventory": {"config": inventory_config}}}):
            return 1
        failed = platform.import_batches(batches_to_import(platform.instance),
                                         {"ops": {"imported_batches": {"config": import_config}}})
        pending = print_summary(platform, time.perf_counter() - started)
    finally:
        platform.close()
    return _exit_code(failed, "run the same command again to retry them", pending)


def _exit_code(failed_batches: int, advice: str, pending: int = 0) -> int:
    """1 with the advice when batches failed or files are left pending, else 0."""
    if pending:
        errors.print(f"{pending} file(s) pending: their content could not be read for now (throttling, "
                     "resets); run the same command again.")
    if failed_batches:
        errors.print(f"{failed_batches} batch(es) failed: {advice}.")
    return 1 if failed_batches or pending else 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded default: inventory the sample library, import every batch, train,
    evaluate and apply the dev trade model, then the price reference and the briefs (with trades)."""
    return max(_run_workflow(args, {}, {}), ml.demo_ml(args), content.demo_content(args))


# `dpgf run` options: each one is a setting, checked by the settings' own rules before anything runs,
# and handed to the asset whose run config takes it (under the setting's last name).
INVENTORY_OPTIONS = {"batch_size": "download.batch_size", "max_files": "scanning.max_files",
                     "min_confidence": "scanning.min_confidence", "deep_scan": "scanning.deep_scan"}
IMPORT_OPTIONS = {"max_memory": "download.max_memory_mb", "max_disk": "download.max_disk_mb"}
RUN_OPTIONS = {**INVENTORY_OPTIONS, **IMPORT_OPTIONS}
RUN_METAVARS = {"min_confidence": "X", "max_memory": "MB", "max_disk": "MB"}  # the others take N


def _option(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def checked_options(args: argparse.Namespace, settings: Settings, options: dict[str, str]) -> dict[str, Any]:
    """The options given, as valid setting values (by setting key). A value the setting does not allow
    raises SettingsError naming the option, the value and what is allowed, as for a setting from a
    file or the environment: the command stops at start, before any run."""
    values = {}
    for dest, key in options.items():
        if getattr(args, dest) is not None:
            values[key] = settings.with_overrides({key: getattr(args, dest)}, origin=f"option {_option(dest)}")[key]
    return values


def _run_config(values: dict[str, Any], options: dict[str, str]) -> dict[str, Any]:
    """The checked values of these options under their run-config names (the setting's last name)."""
    return {key.rsplit(".", 1)[1]: values[key] for key in options.values() if key in values}


def cmd_run(args: argparse.Namespace) -> int:
    values = checked_options(args, settings_of(args), RUN_OPTIONS)
    return _run_workflow(args, _run_config(values, INVENTORY_OPTIONS), _run_config(values, IMPORT_OPTIONS))


def cmd_backfill(args: argparse.Namespace) -> int:
    """A Dagster backfill of the missing or failed batches (or a list, or a range), run by the daemon."""
    from dpgf_assets.cli.runs import select_batches

    platform = Platform(settings_of(args), start_daemon=True)
    try:
        if args.cancel:
            return _cancel(platform, args.cancel)
        keys = select_batches(platform.instance, only_failed=args.only_failed,
                              keys=args.partitions.split(",") if args.partitions else None,
                              first=args.start, last=args.end)
        if not keys:
            _explain_nothing_selected(platform, args)
        failed = platform.import_batches(keys)
    except ValueError as exc:
        errors.print(str(exc), markup=False)
        return 2
    finally:
        platform.close()
    return _exit_code(failed, "`dpgf backfill --only-failed` retries them")


def _cancel(platform: Platform, backfill_id: str) -> int:
    """Cancel a backfill through the daemon (this command's own when none runs) and wait for it."""
    from dpgf_assets.cli.runs import cancel_backfill, view_backfills

    if not cancel_backfill(platform.instance, backfill_id):
        errors.print(f"No backfill {backfill_id} in progress (`dpgf status` lists them).", markup=False)
        return 2
    console.print(f"Cancelling backfill {backfill_id} …")
    with platform.daemon():
        while not view_backfills(platform.instance, [backfill_id], []).recorded:
            time.sleep(0.5)
    console.print(f"Backfill {backfill_id}: {platform.instance.get_backfill(backfill_id).status.value.lower()}")
    return 0


def _explain_nothing_selected(platform: Platform, args: argparse.Namespace) -> None:
    """Why a backfill selected nothing: the batches are imported, and files that failed for good
    (corrupt, encrypted, not a pricing table) are not retried by a backfill but when they change."""
    from dpgf_assets.cli.runs import named_batches
    from dpgf_assets.warehouse.files import failed_files_by_batch

    with platform.engine().connect() as conn:
        failed = failed_files_by_batch(conn)
    named = None
    if args.partitions or args.start or args.end:  # the failed files counted are those of the batches named
        named = named_batches(platform.instance, args.partitions.split(",") if args.partitions else None,
                              args.start, args.end)
        failed = {k: n for k, n in failed.items() if k in set(named)}
    what = (", ".join(named) if len(named) <= 3 else f"the {len(named)} batches from {named[0]} to {named[-1]}"
            ) if named else ""
    if named == []:
        console.print(f"Nothing to import: no batch from {args.start} to {args.end} (registration order, "
                      "as `dpgf status` and the UI list them).", markup=False)
    elif args.only_failed:
        console.print(f"Nothing to import: no batch{' among ' + what if named else ''} failed (a batch fails "
                      "when a transient error, network or throttling, outlasts its retries).", markup=False)
    elif named:
        console.print(f"Nothing to import: {what} {'is' if len(named) == 1 else 'are'} already "
                      "imported (materialised).", markup=False)
    else:
        console.print("Nothing to import: every batch is imported.")
    files = sum(failed.values())
    if files:
        console.print(f"{files} file(s) in {len(failed)} batch(es) failed permanently (see `dpgf report`): a "
                      "backfill does not retry them; the inventory queues each again when it changes at the "
                      "source (a new version).")


def cmd_monitor(args: argparse.Namespace) -> int:
    from dpgf_assets.cli.monitor import run_monitor

    platform = Platform(settings_of(args))
    try:
        run_monitor(platform.instance, platform.engine(), console, args.refresh_rate, args.iterations,
                    follow=args.follow)
    finally:
        platform.close()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from dpgf_assets.ingestion.report import build_report, report_markdown
    from dpgf_assets.warehouse.db import open_warehouse

    report = build_report(open_warehouse(settings_of(args).warehouse_url))
    text = json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) if args.format == "json" else report_markdown(report)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        console.print(f"Report written to {args.output}")
    else:
        print(text)
    return 0


def cmd_inventory(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from dpgf_assets.warehouse.schema import source_files

    settings = settings_of(args)
    min_confidence = checked_options(args, settings, {"min_confidence": "scanning.min_confidence"})
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
        query = query.where(source_files.c.doc_type == args.type)
    if min_confidence:
        query = query.where(source_files.c.confidence >= min_confidence["scanning.min_confidence"])
    if args.status:
        query = query.where(source_files.c.status == args.status)
    if args.pricing:
        query = query.where(source_files.c.doc_type != "OTHER")
    with engine.connect() as conn:
        rows = conn.execute(query.limit(args.limit) if args.limit else query).mappings().all()
        pending = 0 if args.no_refresh else conn.execute(
            select(func.count()).where(source_files.c.status == "pending")).scalar_one()
    if args.json:
        print(json.dumps([{"path": r["path"], "doc_type": r["doc_type"], "confidence": r["confidence"],
                           "reasons": r["reasons"], "status": r["status"], "size": r["size"],
                           "batch": r["batch_key"]} for r in rows], ensure_ascii=False, indent=2, allow_nan=False))
        return _exit_code(0, "", pending)
    from rich.table import Table

    table = Table(title=f"{len(rows)} file(s)")
    for column in ("type", "conf.", "status", "path", "reasons"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r["doc_type"] or "", f"{(r['confidence'] or 0):.2f}", r["status"], r["path"],
                      "; ".join(r["reasons"] or []))
    console.print(table)
    return _exit_code(0, "", pending)


def _setting_help(key: str) -> str:
    """An option that sets a setting is described by the setting itself."""
    spec = SPEC_BY_KEY[key]
    return f"{spec.help} Sets {key}: {spec.allowed}."


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer ≥ 1, got {text!r}")
    return value


def register(sub) -> None:  # noqa: ANN001 - argparse's subparsers
    from dpgf_assets.parsing.recognition import DOC_TYPES
    from dpgf_assets.warehouse.schema import FILE_STATUSES

    demo = sub.add_parser("demo", help="the main job: inventory the (sample) library and import every batch")
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser("run", help="inventory then import everything missing, with settings as flags; resumes")
    for dest, key in RUN_OPTIONS.items():  # values are checked by the settings' own rules (checked_options)
        if SPEC_BY_KEY[key].kind is bool:
            run.add_argument(_option(dest), action=argparse.BooleanOptionalAction, help=_setting_help(key))
        else:
            run.add_argument(_option(dest), metavar=RUN_METAVARS.get(dest, "N"), help=_setting_help(key))
    run.set_defaults(func=cmd_run)

    backfill = sub.add_parser("backfill", help="import the missing or failed batches as a Dagster backfill, "
                              "run by the daemon (this command's own when none runs); resumable")
    which = backfill.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="every missing or failed batch (the default)")
    which.add_argument("--only-failed", "--failed", action="store_true",
                       help="only the batches whose last run failed")
    which.add_argument("--partitions", help="comma-separated batch keys")
    backfill.add_argument("--from", dest="start", help="first batch of a range (registration order)")
    backfill.add_argument("--to", dest="end", help="last batch of a range")
    which.add_argument("--cancel", metavar="BACKFILL_ID", help="cancel a backfill (its runs are terminated)")
    backfill.set_defaults(func=cmd_backfill)

    monitor = sub.add_parser("monitor", help="live dashboard of an import, until nothing is under way "
                                              "(plain text when not a terminal)")
    monitor.add_argument("--refresh-rate", type=float, default=2.0, help="seconds between refreshes")
    monitor.add_argument("--follow", action="store_true",
                         help="keep watching after everything is done, until interrupted (Ctrl-C)")
    monitor.add_argument("--iterations", type=_positive_int, help="stop after N refreshes")
    monitor.set_defaults(func=cmd_monitor)

    report = sub.add_parser("report", help="final report of the import (Markdown or JSON)")
    report.add_argument("--format", choices=("md", "json"), default="md",
                        help="Markdown (in French, for people) or JSON (for programs); default md")
    report.add_argument("--output", help="file to write (default: standard output)")
    report.set_defaults(func=cmd_report)

    inventory = sub.add_parser("inventory", help="take stock of the source and list what was found")
    inventory.add_argument("--no-refresh", action="store_true", help="list what is recorded without listing again")
    inventory.add_argument("--deep-scan", action="store_true", help="read sheet contents to recognise")
    inventory.add_argument("--type", type=str.upper, choices=DOC_TYPES, help="only files recognised as this type")
    inventory.add_argument("--pricing", action="store_true", help="only DPGF/BPU/DQE")
    inventory.add_argument("--min-confidence", metavar="X",
                           help="only files recognised with at least this confidence, between 0 and 1")
    inventory.add_argument("--status", choices=FILE_STATUSES, help="only files in this state")
    inventory.add_argument("--limit", type=_positive_int, help="list at most N files")
    inventory.add_argument("--json", action="store_true", help="print the list as JSON")
    inventory.set_defaults(func=cmd_inventory)
