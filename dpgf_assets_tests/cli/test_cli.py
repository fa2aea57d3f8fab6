"""The command line as a user runs it: real processes, real instance, real warehouse."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dpgf_assets.settings import PROJECT_ROOT

DPGF = [sys.executable, "-m", "dpgf_assets.cli"]


def run(args, env, timeout=300):
    return subprocess.run(DPGF + args, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def env(isolated_env):
    return {**os.environ, "DPGF_DATA_DIR": str(isolated_env), "COLUMNS": "160"}


def test_help_lists_the_commands(env):
    out = run(["--help"], env)
    assert out.returncode == 0
    for command in ("demo", "run", "backfill", "monitor", "report", "parse", "inventory", "sharepoint", "ui"):
        assert command in out.stdout


def test_demo_twice_imports_once_and_is_faster_the_second_time(env, isolated_env):
    t0 = time.perf_counter()
    first = run(["demo"], env)
    t1 = time.perf_counter()
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Files seen" in first.stdout and "Line items" in first.stdout
    items = int(next(line for line in first.stdout.splitlines() if line.startswith("Line items")).split()[2])
    assert items > 100
    assert (isolated_env / "warehouse.sqlite").exists() and (isolated_env / "dagster" / "dagster.yaml").exists()
    second = run(["demo"], env)
    t2 = time.perf_counter()
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Batches to import: 0" in second.stdout
    assert f"Line items          {items}" in second.stdout
    assert t2 - t1 < t1 - t0
    report = run(["report", "--format", "json"], env)
    data = json.loads(report.stdout)
    assert data["totals"]["line_items"] == items and data["batches"]
    listing = run(["inventory", "--no-refresh", "--pricing", "--json"], env)
    assert all(r["doc_type"] in ("DPGF", "BPU", "DQE") for r in json.loads(listing.stdout))
    # the same figures in Markdown, the monitor's plain mode, and a backfill with nothing left to do
    markdown = run(["report"], env).stdout
    assert markdown.startswith("# Rapport d'import") and f"| articles | {items} |" in markdown
    batches = len(data["batches"])
    monitor = run(["monitor", "--iterations", "1", "--refresh-rate", "0"], env)
    assert monitor.returncode == 0 and f"batches {batches}/{batches}" in monitor.stdout
    assert "success" in monitor.stdout and "files/s" in monitor.stdout
    backfill = run(["backfill", "--only-failed"], env)
    assert backfill.returncode == 0 and "Batches to import: 0" in backfill.stdout
    # nothing selected says why, and what became of the files that failed for good (the sample
    # library holds corrupt and encrypted workbooks): not retried by a backfill, but when they change
    failed = {b["batch"]: b["failed"] for b in data["batches"] if b["failed"]}
    assert failed
    assert "Nothing to import: no batch failed" in backfill.stdout
    assert (f"{sum(failed.values())} file(s) in {len(failed)} batch(es) failed permanently" in backfill.stdout
            and "when it changes at the source" in backfill.stdout)
    key = next(iter(failed))
    named = run(["backfill", "--partitions", key], env)
    assert named.returncode == 0 and "Batches to import: 0" in named.stdout
    assert f"Nothing to import: {key} is already imported" in named.stdout
    assert f"{failed[key]} file(s) in 1 batch(es) failed permanently" in named.stdout


def test_an_invalid_setting_stops_at_start_with_a_clear_message(env):
    out = run(["demo"], {**env, "DPGF_DOWNLOAD_BATCH_SIZE": "-3"})
    assert out.returncode == 2
    assert "download.batch_size" in out.stderr and "'-3'" in out.stderr and "an integer ≥ 1" in out.stderr


def test_parse_prints_json_and_a_bad_file_is_one_line(env, tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a workbook at all")
    out = run(["parse", str(bad)], env)
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0]


def test_definitions_validate_with_the_dagster_cli(env):
    dagster = Path(sys.executable).with_name("dagster")
    out = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"], env=env,
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr


def test_parse_shows_price_components_notes_and_the_lot_as_written(env, tmp_path):
    from dpgf_assets_tests.parsing.books import write

    rows = [["LOT 3B - Plomberie"], ["⚠ Ne pas modifier le cadre"],
            ["N° de prix", "Désignation", "Unité", "P.U. fourniture", "Temps unitaire (h)", "Taux horaire nuit"],
            ["1", "Robinet d'arrêt DN15", "u", 12.5, 0.5, 61.0]]
    path = write(tmp_path, "BPU maintenance", {"BPU": rows})
    tree = run(["parse", str(path)], env)
    assert tree.returncode == 0, tree.stderr
    assert "lot 3B Plomberie" in tree.stdout and "note ⚠ Ne pas modifier le cadre" in tree.stdout
    assert "P.U. fourniture 12.5  Temps unitaire (h) 0.5  Taux horaire nuit 61" in tree.stdout
    document = json.loads(run(["parse", "--json", str(path)], env).stdout)
    assert document["items"][0]["prices"] == {"P.U. fourniture": 12.5, "Temps unitaire (h)": 0.5,
                                              "Taux horaire nuit": 61.0}
    assert document["items"][0]["unit_price"] == 12.5 and document["notes"] == ["⚠ Ne pas modifier le cadre"]
    assert document["lot"] == {"code": "03B", "name": "Plomberie", "written": "3B"}
