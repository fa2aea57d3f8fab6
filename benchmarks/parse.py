"""Parsing a generated library: our parser against the naive pandas/openpyxl reading, and its accuracy.

    python -m benchmarks.parse [--quick] [--files N] [--seed S]

Generates a corpus (600 files, over 500 of them workbooks of every layout and format; --quick: 150)
with its ground-truth manifest, then in the same run:

- ours: ``parse_workbook`` on every workbook (best of two passes), files/s and line items/s;
- baseline: what the former scripts did, ``pandas.read_excel(engine="openpyxl")`` on every sheet, then
  row by row (``iterrows``) keeping rows with a designation and a number; pandas with openpyxl reads
  .xlsx/.xlsm only, so the speed-up compares both on those same files, read file by file in turn
  (best of two passes each) so that the load of this shared machine weighs on both alike; each pass
  starts with the parser's memory of earlier workbooks emptied, so no file is timed against itself;
- accuracy against the manifest: line-item precision and recall (rows matched by sheet and row),
  field accuracy (code, unit, quantity, unit price, total, section and price components all right),
  notes (notices to bidders) precision and recall, doc type over all
  files including distractors, lots, totals, sections, expected errors.

Prints readable lines, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from dpgf_assets.corpus import generate_library
from dpgf_assets.corpus.scoring import ITEM_FIELDS, Score, parsed_view, score_file
from dpgf_assets.parsing import ParseError, forget_earlier_workbooks, parse_workbook
from dpgf_assets.parsing.peek import peek_file
from dpgf_assets.parsing.recognition import SPREADSHEET_EXTENSIONS, recognise

SHARED_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "real"
REAL_WORKBOOK = SHARED_SAMPLES / "dpgf_25S012_lot04_cvc_elec.xlsx"
BASELINE_FORMATS = ("xlsx", "xlsm")  # what pandas reads with openpyxl (an .xls renamed .xlsx it cannot)


def log(line: str) -> None:
    print(line, flush=True)


def is_workbook(path: str) -> bool:
    return Path(path).suffix.lower() in SPREADSHEET_EXTENSIONS


def run_parser(root: Path, entries: list[dict]) -> tuple[dict[str, tuple], float, dict[str, float]]:
    """(document or error) per path, the total seconds, and seconds per path: one pass over the library."""
    forget_earlier_workbooks()
    results: dict[str, tuple] = {}
    seconds: dict[str, float] = {}
    for entry in entries:
        path = entry["path"]
        started = time.perf_counter()
        try:
            results[path] = (parse_workbook(root / path, source_path=path), None)
        except ParseError as exc:
            results[path] = (None, exc.reason)
        seconds[path] = time.perf_counter() - started
    return results, sum(seconds.values()), seconds


def naive_items(path: Path) -> int:
    """The former scripts' reading: every sheet through pandas, a line item per row with text and a number."""
    import pandas as pd

    items = 0
    for frame in pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl").values():
        header_seen = False
        for _, row in frame.iterrows():
            texts = [v for v in row.tolist() if isinstance(v, str)]
            if not header_seen:
                header_seen = any("signation" in t.lower() for t in texts)
                continue
            numbers = [v for v in row.tolist() if isinstance(v, (int, float)) and v == v]
            if texts and (numbers or len(texts) >= 2):
                items += 1
    return items


def naive_or_nothing(path: Path) -> None:
    try:
        naive_items(path)
    except Exception:  # noqa: BLE001 - the baseline just fails on bad files, as the old scripts did
        pass


def parse_or_nothing(path: Path, source: str) -> None:
    try:
        parse_workbook(path, source_path=source)
    except ParseError:
        pass


def head_to_head(root: Path, paths: list[str], passes: int = 2) -> tuple[float, float]:
    """Seconds for ours and for the baseline on the same files, file by file, turn and turn about.

    Each pass reads every file once with each side, alternating the two, so a load spike on this
    shared machine hits both sides alike; the faster of the passes is kept per file. The parser's
    memory of earlier workbooks is emptied before each pass, as at the start of an import: a file
    may gain from the files before it, never from itself.
    """
    naive_or_nothing(root / paths[0])  # imports and first-call costs are not the reading's
    ours = [float("inf")] * len(paths)
    base = [float("inf")] * len(paths)
    for _ in range(passes):
        forget_earlier_workbooks()
        for i, path in enumerate(paths):
            started = time.perf_counter()
            parse_or_nothing(root / path, path)
            ours[i] = min(ours[i], time.perf_counter() - started)
            started = time.perf_counter()
            naive_or_nothing(root / path)
            base[i] = min(base[i], time.perf_counter() - started)
    return sum(ours), sum(base)


def real_workbook_speedup() -> float | None:
    """The same comparison on the real DPGF of ../shared (an Excel-saved file with styles and images)."""
    if not REAL_WORKBOOK.is_file():
        return None
    ours, base = head_to_head(REAL_WORKBOOK.parent, [REAL_WORKBOOK.name], passes=5)
    return base / ours


def doc_type_of(root: Path, entry: dict, result: tuple | None) -> str:
    """What the platform would record: the parser's recognition, else a peek, else the path alone."""
    if result is not None and result[0] is not None:
        return result[0].doc_type
    if is_workbook(entry["path"]):
        try:
            return recognise(entry["path"], peek_file(root / entry["path"])).doc_type
        except ParseError:
            pass
    return recognise(entry["path"]).doc_type


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.parse", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small corpus, under a minute")
    parser.add_argument("--files", type=int, help="library size (default 600, quick 150)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    size = args.files or (150 if args.quick else 600)
    baseline_cap = 40 if args.quick else None

    with tempfile.TemporaryDirectory(prefix="dpgf-bench-parse-") as tmp:
        root = Path(tmp) / "library"
        started = time.perf_counter()
        manifest = generate_library(root, files=size, seed=args.seed)
        entries = manifest["files"]
        workbooks = [e for e in entries if is_workbook(e["path"])]
        others = len(entries) - len(workbooks)
        log(f"corpus: {len(entries)} files ({len(workbooks)} workbooks, {others} other documents), "
            f"generated in {time.perf_counter() - started:.1f} s (seed {args.seed})")

        rounds = [run_parser(root, workbooks) for _ in range(2)]
        results, seconds, per_file = min(rounds, key=lambda r: r[1])
        items = sum(len(doc.items) for doc, _ in results.values() if doc is not None)
        refused = sum(1 for doc, _ in results.values() if doc is None)
        files_per_s = len(workbooks) / seconds
        log(f"parser: {len(workbooks)} workbooks in {seconds:.2f} s → {files_per_s:.0f} files/s, "
            f"{items / seconds:,.0f} line items/s ({items:,} items; {refused} files refused with a reason)")

        same = [e["path"] for e in workbooks if e["format"] in BASELINE_FORMATS
                and not e.get("expect_error")][:baseline_cap]
        ours_seconds, base_seconds = head_to_head(root, same)
        baseline_files_per_s = len(same) / base_seconds
        ours_same = len(same) / ours_seconds
        speedup = base_seconds / ours_seconds
        log(f"baseline (pandas.read_excel + openpyxl, row by row): {len(same)} .xlsx/.xlsm files in "
            f"{base_seconds:.2f} s → {baseline_files_per_s:.1f} files/s; parser on the same files, "
            f"read in turn with it: {ours_seconds:.2f} s → {ours_same:.0f} files/s → speed-up {speedup:.1f}×")

        real = real_workbook_speedup()
        if real is not None:
            log(f"real workbook of ../shared, same comparison: speed-up {real:.1f}×")
        score = Score()
        for entry in entries:
            result = results.get(entry["path"])
            doc, error = result if result is not None else (None, None)
            score.add(score_file(entry, parsed_view(doc) if doc is not None else None,
                                 doc_type_of(root, entry, result), error))
    fields = ", ".join(f"{name} {score.field(name):.2%}" for name in ITEM_FIELDS)
    log(f"accuracy: line items precision {score.precision:.2%}, recall {score.recall:.2%} "
        f"({score.matched_items:,} of {score.true_items:,}); all fields right on "
        f"{score.field_accuracy:.2%} ({fields})")
    log(f"          doc type {score.ratio(score.doc_types_right, score.files):.2%} of {score.files} files "
        f"(distractors included); lot {score.ratio(score.lots_right, score.lot_files):.2%}; totals "
        f"{score.ratio(score.totals_right, score.true_totals):.2%}; sections "
        f"{score.ratio(score.sections_right, score.true_sections):.2%}; totals read as items: "
        f"{score.totals_as_items}; bad files refused: {score.errors_right}/{score.errors_expected}; notes "
        f"precision {score.note_precision:.2%}, recall {score.note_recall:.2%} ({score.true_notes} notes)")
    for mistake in score.mistakes[:10]:
        log(f"  mistake: {mistake}")
    figures = {
        "files": len(entries), "workbooks": len(workbooks), "items": items, "seconds": round(seconds, 3),
        "files_per_s": round(files_per_s, 1), "items_per_s": round(items / seconds, 1),
        "baseline_files": len(same), "baseline_files_per_s": round(baseline_files_per_s, 2),
        "same_files_per_s": round(ours_same, 1), "speedup": round(speedup, 1),
        "real_workbook_speedup": round(real, 1) if real is not None else None,
        "item_precision": round(score.precision, 5), "item_recall": round(score.recall, 5),
        "field_accuracy": round(score.field_accuracy, 5),
        **{f"field_{name}": round(score.field(name), 5) for name in ITEM_FIELDS},
        "doc_type_accuracy": round(score.ratio(score.doc_types_right, score.files), 5),
        "lot_accuracy": round(score.ratio(score.lots_right, score.lot_files), 5),
        "total_accuracy": round(score.ratio(score.totals_right, score.true_totals), 5),
        "section_accuracy": round(score.ratio(score.sections_right, score.true_sections), 5),
        "note_precision": round(score.note_precision, 5), "note_recall": round(score.note_recall, 5),
        "totals_as_items": score.totals_as_items, "bad_files_refused": score.errors_right,
        "bad_files": score.errors_expected, "seed": args.seed, "quick": args.quick,
    }
    print(json.dumps(figures, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
