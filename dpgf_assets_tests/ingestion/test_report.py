"""A batch's figures across its runs, and the causes errors are grouped under."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from dpgf_assets.ingestion.report import batch_figures, build_report, cause_of, report_markdown
from dpgf_assets.parsing.model import ENCRYPTED
from dpgf_assets.warehouse import files as store
from dpgf_assets.warehouse.schema import documents, import_errors, source_files


def test_a_cause_is_what_the_message_names_first_not_its_advice_nor_the_path():
    assert cause_of(ENCRYPTED) == "password-protected (encrypted) workbook"
    assert cause_of("Projets/A/DPGF: lot 2.xlsx: file no longer exists in the source",
                    "Projets/A/DPGF: lot 2.xlsx") == "file no longer exists in the source"
    assert cause_of("damaged workbook: a part cannot be decompressed (Error -3)") == "damaged workbook"
    assert cause_of("file too large (312 MB): refused") == "file too large (N MB)"
    # a colon inside brackets belongs to a detail; a one-word head names no cause
    assert cause_of("unreadable workbook (KeyError: 'xl/a.xml')") == "unreadable workbook (KeyError: 'xl/a.xml')"
    assert cause_of("refused: the archive holds 20000 parts (zip bomb?)") == \
        "refused: the archive holds N parts (zip bomb?)"


def _run(engine, key: str, outcome: str, when: datetime, **figures) -> None:
    row = {"batch_key": key, "run_id": f"run-{when:%H%M%S}", "finished": when, "outcome": outcome, "planned": 5,
           "imported": 0, "skipped": 0, "failed": 0, "line_items": 0, "bytes_downloaded": 0, "seconds": 0.0,
           "seconds_download": 0.0, "seconds_parse": 0.0, "seconds_load": 0.0, "seconds_cleanup": 0.0,
           "peak_rss_mb": 100.0, "peak_disk_mb": 0.0, "min_free_disk_mb": 5000.0, **figures}
    with engine.begin() as conn:
        store.record_batch_run(conn, row)


def _file(engine, key: str, name: str, status: str, items: int = 0, error: str = "") -> None:
    """A file of batch ``key`` as the warehouse holds it: imported with its items, or failed with its error."""
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(insert(source_files).values(source="s", file_id=name, path=f"P/{name}", name=name, size=1,
                                                 etag="e1", status=status, batch_key=key, first_seen=now,
                                                 last_seen=now))
        if status == "imported":
            conn.execute(insert(documents).values(source="s", file_id=name, etag="e1", path=f"P/{name}",
                                                  doc_type="DPGF", confidence=1.0, sheets=[], declared_totals={},
                                                  warnings=[], item_count=items, batch_key=key, imported_at=now))
        if error:
            conn.execute(insert(import_errors).values(source="s", file_id=name, path=f"P/{name}", etag="e1",
                                                      batch_key=key, stage="parse", error_class="ParseError",
                                                      message=error, occurred_at=now))


def test_a_batch_keeps_the_figures_of_the_runs_that_did_its_work(engine):
    t = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
    # a first run imports 2 files, 1 fails for good, 2 hit transient failures; a retry imports those 2;
    # then the batch is materialised again and finds nothing to do
    _run(engine, "b1", "transient_failure", t, imported=2, failed=1, line_items=40, bytes_downloaded=3_000_000,
         seconds=4.0, seconds_parse=1.5, peak_rss_mb=300.0)
    _run(engine, "b1", "succeeded", t + timedelta(minutes=5), imported=2, skipped=3, line_items=25,
         bytes_downloaded=2_000_000, seconds=2.0, seconds_parse=1.0, peak_rss_mb=250.0, min_free_disk_mb=4000.0)
    _run(engine, "b1", "unchanged", t + timedelta(minutes=9), skipped=5, seconds=0.1, peak_rss_mb=120.0)
    for name, items in (("a", 20), ("b", 20), ("c", 10), ("d", 15)):
        _file(engine, "b1", name, "imported", items)
    _file(engine, "b1", "e", "failed", error=ENCRYPTED)
    _run(engine, "b2", "transient_failure", t, imported=1, line_items=7, seconds=1.0)  # 4 files still to do
    _file(engine, "b2", "f", "imported", 7)
    figures = batch_figures(engine)
    b1 = figures["b1"]
    assert (b1.runs, b1.outcome, b1.last_outcome, b1.work_run_id) == (3, "succeeded", "unchanged", "run-080500")
    assert (b1.planned, b1.imported, b1.failed, b1.skipped, b1.pending) == (5, 4, 1, 0, 0)
    assert (b1.line_items, b1.bytes_downloaded, b1.seconds, b1.stage_seconds["parse"]) == (65, 5_000_000, 6.0, 2.5)
    assert (b1.peak_rss_mb, b1.min_free_disk_mb, round(b1.failure_rate, 2)) == (300.0, 4000.0, 0.2)
    assert b1.errors == [{"path": "P/e", "stage": "parse", "message": ENCRYPTED}]
    b2 = figures["b2"]
    assert (b2.imported, b2.pending, b2.skipped, b2.outcome) == (1, 4, 0, "transient_failure")
    assert set(batch_figures(engine, ["b2"])) == {"b2"}

    report = build_report(engine)
    assert report["totals"]["batch_runs"] == 4 and report["totals"]["seconds"] == 7.0
    row = next(b for b in report["batches"] if b["batch"] == "b1")
    assert (row["outcome"], row["runs"], row["imported"], row["line_items"], row["mb"]) == \
        ("succeeded", 3, 4, 65, 5.0)
    markdown = report_markdown(report)
    assert "| b1 | importé | 3 | 5 | 4 | 0 | 1 | 65 | 5.0 | 6.0 |" in markdown
    assert "| b2 | à reprendre | 1 |" in markdown
    assert "### password-protected (encrypted) workbook — 1 fichier(s), étape lecture" in markdown
