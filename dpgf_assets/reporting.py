"""The final report of an import: totals, per-batch figures, slowest batches, errors by cause."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, func, select

from dpgf_assets.warehouse.queries import summarise
from dpgf_assets.warehouse.schema import batch_runs, import_errors, source_files

_DIGITS = re.compile(r"\d+")


def cause_of(error_class: str, message: str) -> str:
    """Errors with the same class and the same words (numbers aside) share a cause."""
    return f"{error_class}: {_DIGITS.sub('N', message.split(': ', 1)[-1])[:120]}"


def build_report(engine: Engine, slowest: int = 5) -> dict[str, Any]:
    summary = summarise(engine, error_limit=0)
    with engine.connect() as conn:
        latest = (select(batch_runs.c.batch_key, func.max(batch_runs.c.id).label("id"))
                  .group_by(batch_runs.c.batch_key).subquery())
        runs = conn.execute(select(batch_runs).join(latest, latest.c.id == batch_runs.c.id)
                            .order_by(batch_runs.c.finished)).mappings().all()
        errors = conn.execute(
            select(import_errors.c.path, import_errors.c.stage, import_errors.c.error_class,
                   import_errors.c.message, import_errors.c.batch_key, source_files.c.status)
            .join(source_files, (source_files.c.source == import_errors.c.source)
                  & (source_files.c.file_id == import_errors.c.file_id), isouter=True)
            .order_by(import_errors.c.occurred_at)).mappings().all()
    batches = [{
        "batch": r["batch_key"], "outcome": r["outcome"], "files": r["planned"], "imported": r["imported"],
        "skipped": r["skipped"], "failed": r["failed"], "line_items": r["line_items"],
        "mb": round(r["bytes_downloaded"] / 1e6, 3), "seconds": round(r["seconds"], 3),
        "peak_rss_mb": round(r["peak_rss_mb"], 1),
    } for r in runs]
    causes: dict[str, dict[str, Any]] = defaultdict(lambda: {"count": 0, "stage": "", "files": []})
    for e in errors:
        if e["status"] == "imported":
            continue  # a later attempt succeeded
        group = causes[cause_of(e["error_class"], e["message"])]
        group["count"] += 1
        group["stage"] = e["stage"]
        group["files"].append({"path": e["path"], "message": e["message"], "batch": e["batch_key"]})
    seconds = sum(b["seconds"] for b in batches)
    imported = sum(b["imported"] for b in batches)
    return {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "totals": {
            "files_seen": summary.files_seen, "by_doc_type": summary.by_doc_type,
            "by_status": summary.by_status, "documents": summary.documents, "projects": summary.projects,
            "line_items": summary.line_items, "batches": len(batches),
            "mb_downloaded": round(sum(b["mb"] for b in batches), 3), "seconds": round(seconds, 3),
            "files_per_s": round(imported / seconds, 2) if seconds else 0.0,
        },
        "batches": batches,
        "slowest_batches": sorted(batches, key=lambda b: -b["seconds"])[:slowest],
        "errors_by_cause": sorted(({"cause": c, **g} for c, g in causes.items()), key=lambda g: -g["count"]),
    }


def report_markdown(report: dict[str, Any]) -> str:
    t = report["totals"]
    lines = [
        "# Import report", "", f"Generated {report['generated']}.", "", "## Totals", "",
        "| figure | value |", "|---|---|",
        f"| files seen | {t['files_seen']} |",
        *(f"| recognised {k} | {v} |" for k, v in sorted(t["by_doc_type"].items(), key=lambda kv: str(kv[0]))),
        *(f"| status {k} | {v} |" for k, v in sorted(t["by_status"].items())),
        f"| documents imported | {t['documents']} |", f"| projects | {t['projects']} |",
        f"| line items | {t['line_items']} |", f"| batches | {t['batches']} |",
        f"| MB downloaded | {t['mb_downloaded']} |", f"| seconds in batches | {t['seconds']} |",
        f"| files/s | {t['files_per_s']} |", "",
        "## Slowest batches", "", "| batch | files | imported | failed | line items | MB | seconds |",
        "|---|---|---|---|---|---|---|",
        *(f"| {b['batch']} | {b['files']} | {b['imported']} | {b['failed']} | {b['line_items']} | {b['mb']} "
          f"| {b['seconds']} |" for b in report["slowest_batches"]),
        "", "## Errors by cause", "",
    ]
    if not report["errors_by_cause"]:
        lines.append("No error.")
    for group in report["errors_by_cause"]:
        lines.append(f"### {group['cause']} ({group['count']}, stage {group['stage']})")
        lines.extend(f"- `{f['path']}`: {f['message']}" for f in group["files"])
        lines.append("")
    lines += ["", "## Batches", "", "| batch | outcome | files | imported | skipped | failed | line items | MB | s |",
              "|---|---|---|---|---|---|---|---|---|",
              *(f"| {b['batch']} | {b['outcome']} | {b['files']} | {b['imported']} | {b['skipped']} | {b['failed']} "
                f"| {b['line_items']} | {b['mb']} | {b['seconds']} |" for b in report["batches"])]
    return "\n".join(lines) + "\n"
