"""The figures of imports: each batch's own figures across its runs, and the final report (totals,
per-batch figures, slowest batches, errors by cause; Markdown in French for its readers, or JSON)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import Connection, Engine, func, or_, select

from dpgf_assets.ingestion.importing import STAGES, UNCHANGED
from dpgf_assets.parsing.recognition import SPREADSHEET_EXTENSIONS
from dpgf_assets.warehouse.queries import summarise
from dpgf_assets.warehouse.schema import batch_runs, documents, import_errors, source_files

_DIGITS = re.compile(r"\d+")


@dataclass
class BatchFigures:
    """A batch's own figures: what the warehouse holds from it, and what its runs measured.

    Its documents, line items and failed files are the warehouse's, so they survive a run that was
    killed before recording its figures, and the batches' line items add up to the warehouse's. Time,
    MB and memory add up over the runs that did work: a batch names fixed file versions, each imported
    or failed for good at most once in it, and a retry imports only what a transient failure left. A
    run that found nothing to do (outcome ``unchanged``) adds nothing, so a batch run again keeps the
    figures of the import that did the work; ``last_outcome`` says what the latest run did."""

    batch_key: str
    runs: int = 0
    outcome: str = ""  # of the latest run that did work (``unchanged`` when none did)
    last_outcome: str = ""
    work_run_id: str | None = None
    finished: datetime | None = None  # when the latest run that did work finished
    planned: int = 0
    imported: int = 0  # its files whose document the warehouse holds
    skipped: int = 0
    failed: int = 0  # its files failed for good and not imported since
    pending: int = 0  # left by a transient failure of the latest run
    line_items: int = 0
    bytes_downloaded: int = 0
    seconds: float = 0.0
    stage_seconds: Counter = field(default_factory=Counter)
    peak_rss_mb: float = 0.0
    peak_disk_mb: float = 0.0
    min_free_disk_mb: float = 0.0
    errors: list[dict[str, str]] = field(default_factory=list)  # of its files not imported: path, stage, message

    @property
    def attempted(self) -> int:
        return self.imported + self.failed

    @property
    def failure_rate(self) -> float:
        return self.failed / self.attempted if self.attempted else 0.0

    @property
    def mb(self) -> float:
        return self.bytes_downloaded / 1e6


def _figures(key: str, rows: list[Any]) -> BatchFigures:
    """What a batch's ``batch_runs`` rows (oldest first) say of it."""
    last = rows[-1]
    work = [r for r in rows if r["outcome"] != UNCHANGED] or [last]
    latest_work = work[-1]
    return BatchFigures(
        key, runs=len(rows), outcome=latest_work["outcome"], last_outcome=last["outcome"],
        work_run_id=latest_work["run_id"], finished=latest_work["finished"], planned=last["planned"],
        pending=max(0, last["planned"] - last["skipped"] - last["imported"] - last["failed"]),
        bytes_downloaded=sum(r["bytes_downloaded"] for r in work), seconds=sum(r["seconds"] for r in work),
        stage_seconds=Counter({s: sum(r[f"seconds_{s}"] for r in work) for s in STAGES}),
        peak_rss_mb=max(r["peak_rss_mb"] for r in work), peak_disk_mb=max(r["peak_disk_mb"] for r in work),
        min_free_disk_mb=min(r["min_free_disk_mb"] for r in work),
    )


def _unresolved_errors(conn: Connection, keys: Iterable[str] | None = None) -> list[Any]:
    """Import errors of files not imported since (a later attempt that succeeded clears them)."""
    query = (select(import_errors.c.file_id, import_errors.c.path, import_errors.c.stage,
                    import_errors.c.error_class, import_errors.c.message, import_errors.c.batch_key,
                    source_files.c.status)
             .join(source_files, (source_files.c.source == import_errors.c.source)
                   & (source_files.c.file_id == import_errors.c.file_id), isouter=True)
             .where((source_files.c.status != "imported") | source_files.c.status.is_(None))
             .order_by(import_errors.c.occurred_at, import_errors.c.id))
    if keys is not None:
        query = query.where(import_errors.c.batch_key.in_(list(keys)))
    return list(conn.execute(query).mappings())


def batch_figures(engine: Engine, keys: Iterable[str] | None = None) -> dict[str, BatchFigures]:
    """The figures of the given batches (every batch that ran, by default)."""
    keys = None if keys is None else list(keys)
    with engine.connect() as conn:
        query = select(batch_runs).order_by(batch_runs.c.id)
        held = (select(documents.c.batch_key, func.count(), func.coalesce(func.sum(documents.c.item_count), 0))
                .group_by(documents.c.batch_key))
        if keys is not None:
            query = query.where(batch_runs.c.batch_key.in_(keys))
            held = held.where(documents.c.batch_key.in_(keys))
        rows: dict[str, list[Any]] = defaultdict(list)
        for row in conn.execute(query).mappings():
            rows[row["batch_key"]].append(row)
        in_warehouse = {key: (files, items) for key, files, items in conn.execute(held)}
        errors = _unresolved_errors(conn, keys)
    figures = {key: _figures(key, runs) for key, runs in rows.items()}
    failed: dict[str, set[str]] = defaultdict(set)
    seen: set[tuple[str, str, str, str]] = set()
    for e in errors:
        mark = (e["batch_key"], e["path"], e["stage"], e["message"])
        if e["batch_key"] in figures and mark not in seen:  # a transient error retried several times shows once
            seen.add(mark)
            figures[e["batch_key"]].errors.append({"path": e["path"], "stage": e["stage"], "message": e["message"]})
        if e["status"] == "failed":
            failed[e["batch_key"]].add(e["file_id"])
    for key, fig in figures.items():
        fig.imported, fig.line_items = in_warehouse.get(key, (0, 0))
        fig.failed = len(failed[key])
        fig.skipped = max(0, fig.planned - fig.imported - fig.failed - fig.pending)
    return figures


SETTLED = ("queued", "imported", "failed", "skipped", "deleted")  # any other status still waits for a decision


@dataclass
class InventoryFigures:
    """What the inventory of a source leaves undecided: files waiting that no batch holds, and
    spreadsheets recognised too unsurely to be imported (with a few examples of each)."""

    spreadsheets: int = 0
    unsure: int = 0
    waiting: int = 0
    unsure_examples: list[dict[str, Any]] = field(default_factory=list)  # path, doc_type, confidence
    waiting_examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def unsure_share(self) -> float:
        return self.unsure / self.spreadsheets if self.spreadsheets else 0.0


def inventory_figures(engine: Engine, source: str, min_confidence: float, examples: int = 10) -> InventoryFigures:
    live = (source_files.c.source == source) & (source_files.c.status != "deleted")
    spreadsheet = or_(*(func.lower(source_files.c.name).like(f"%{ext}") for ext in SPREADSHEET_EXTENSIONS))
    unsure = live & spreadsheet & (source_files.c.status == "skipped") & (source_files.c.confidence < min_confidence)
    waiting = live & source_files.c.status.not_in(SETTLED)
    shown = (source_files.c.path, source_files.c.doc_type, source_files.c.confidence)
    with engine.connect() as conn:
        def count(where: Any) -> int:
            return conn.execute(select(func.count()).select_from(source_files).where(where)).scalar_one()

        def some(where: Any) -> list[dict[str, Any]]:
            rows = conn.execute(select(*shown).where(where).order_by(source_files.c.path).limit(examples))
            return [dict(r) for r in rows.mappings()]

        return InventoryFigures(spreadsheets=count(live & spreadsheet), unsure=count(unsure), waiting=count(waiting),
                                unsure_examples=some(unsure), waiting_examples=some(waiting))


def markdown_table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """A Markdown table; a ``|`` or a line break in a value (a file name, a message) stays in its cell."""
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def cause_of(message: str, path: str = "") -> str:
    """The cause a message names, without its details or advice: messages read ``cause: details``
    (``password-protected (encrypted) workbook: open it in Excel…`` is an encrypted workbook), some
    after the file's path. A one-word head (``refused: the archive holds …``) names no cause, so the
    whole message does. Numbers become N, so files with the same cause group together."""
    if path and message.startswith(f"{path}: "):
        message = message[len(path) + 2:]
    head, depth = message, 0
    for i, ch in enumerate(message):  # a colon inside brackets is part of a detail
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == ":" and depth == 0 and message[i + 1:i + 2] == " ":
            head = message[:i]
            break
    if len(head.split()) < 2:
        head = message
    return _DIGITS.sub("N", head)[:120]


def build_report(engine: Engine, slowest: int = 5) -> dict[str, Any]:
    summary = summarise(engine, error_limit=0)
    figures = sorted(batch_figures(engine).values(),
                     key=lambda f: (_aware(f.finished) if f.finished else datetime.min.replace(tzinfo=timezone.utc),
                                    f.batch_key))
    with engine.connect() as conn:
        errors = _unresolved_errors(conn)
    batches = [{
        "batch": f.batch_key, "outcome": f.outcome, "runs": f.runs, "files": f.planned, "imported": f.imported,
        "skipped": f.skipped, "failed": f.failed, "pending": f.pending, "line_items": f.line_items,
        "mb": round(f.mb, 3), "seconds": round(f.seconds, 3), "peak_rss_mb": round(f.peak_rss_mb, 1),
    } for f in figures]
    causes: dict[tuple[str, str], dict[str, Any]] = {}
    for e in errors:
        cause = cause_of(e["message"], e["path"])
        group = causes.setdefault((e["error_class"], cause), {
            "cause": cause, "error_class": e["error_class"], "count": 0, "stage": e["stage"], "files": []})
        group["count"] += 1
        group["files"].append({"path": e["path"], "message": e["message"], "batch": e["batch_key"]})
    seconds = sum(b["seconds"] for b in batches)
    imported = sum(b["imported"] for b in batches)
    return {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "totals": {
            "files_seen": summary.files_seen, "by_doc_type": summary.by_doc_type,
            "by_status": summary.by_status, "documents": summary.documents, "projects": summary.projects,
            "line_items": summary.line_items, "batches": len(batches),
            "batch_runs": sum(b["runs"] for b in batches),
            "mb_downloaded": round(sum(b["mb"] for b in batches), 3), "seconds": round(seconds, 3),
            "files_per_s": round(imported / seconds, 2) if seconds else 0.0,
        },
        "batches": batches,
        "slowest_batches": sorted(batches, key=lambda b: -b["seconds"])[:slowest],
        "errors_by_cause": sorted(causes.values(), key=lambda g: -g["count"]),
    }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# The Markdown report is read by economists and bid offices: in French.
STATUS_FR = {"new": "nouveaux", "queued": "en attente d'import", "imported": "importés", "failed": "en échec",
             "skipped": "écartés", "deleted": "supprimés"}
OUTCOME_FR = {"succeeded": "importé", "transient_failure": "à reprendre", UNCHANGED: "inchangé"}
STAGE_FR = {"peek": "reconnaissance", "download": "téléchargement", "parse": "lecture", "load": "écriture"}


def report_markdown(report: dict[str, Any]) -> str:
    t = report["totals"]
    totals = [
        ("fichiers vus", t["files_seen"]),
        *((f"reconnus {k or 'non reconnus'}", v)
          for k, v in sorted(t["by_doc_type"].items(), key=lambda kv: str(kv[0]))),
        *((f"fichiers {STATUS_FR.get(k, k)}", v) for k, v in sorted(t["by_status"].items())),
        ("documents importés", t["documents"]), ("projets", t["projects"]), ("articles", t["line_items"]),
        ("paquets", t["batches"]), ("exécutions de paquets", t["batch_runs"]), ("Mo téléchargés", t["mb_downloaded"]),
        ("secondes d'import", t["seconds"]), ("fichiers/s", t["files_per_s"]),
    ]
    lines = ["# Rapport d'import", "", f"Généré le {report['generated']}.", "", "## Totaux", "",
             markdown_table(("chiffre", "valeur"), totals), "", "## Paquets les plus lents", "",
             markdown_table(("paquet", "fichiers", "importés", "en échec", "articles", "Mo", "secondes"),
                            ((b["batch"], b["files"], b["imported"], b["failed"], b["line_items"], b["mb"],
                              b["seconds"]) for b in report["slowest_batches"])),
             "", "## Erreurs par cause", ""]
    if not report["errors_by_cause"]:
        lines.append("Aucune erreur.")
    for group in report["errors_by_cause"]:
        lines.append(f"### {group['cause']} — {group['count']} fichier(s), étape "
                     f"{STAGE_FR.get(group['stage'], group['stage'])}")
        lines.extend(f"- `{f['path']}` : {f['message']}" for f in group["files"])
        lines.append("")
    lines += ["", "## Paquets", "", markdown_table(
        ("paquet", "issue", "exécutions", "fichiers", "importés", "écartés", "en échec", "articles", "Mo", "s"),
        ((b["batch"], OUTCOME_FR.get(b["outcome"], b["outcome"]), b["runs"], b["files"], b["imported"], b["skipped"],
          b["failed"], b["line_items"], b["mb"], b["seconds"]) for b in report["batches"]))]
    return "\n".join(lines) + "\n"
