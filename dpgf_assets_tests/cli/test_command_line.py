"""What the command line accepts and prints, as a person reads it: bad values refused at start, help
for every option, workbook text shown as written, whole lines in pipes and logs, a monitor that ends."""

import argparse
import io
import os

import pytest
from dagster import DagsterRunStatus, instance_for_test
from rich.console import Console

from dpgf_assets.cli import build_parser
from dpgf_assets.cli.monitor import run_monitor
from dpgf_assets.definitions import build_definitions
from dpgf_assets.settings import load_settings
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets_tests.cli.test_cli import run
from dpgf_assets_tests.parsing.books import HEADER, TITLE, real_workbook, write


@pytest.fixture
def env(isolated_env):
    """The user's environment, without COLUMNS: output to a pipe must not wrap whatever the width."""
    return {k: v for k, v in {**os.environ, "DPGF_DATA_DIR": str(isolated_env)}.items() if k != "COLUMNS"}


@pytest.mark.parametrize(("option", "value", "allowed"), [
    ("--min-confidence", "7", "a number between 0 and 1"),
    ("--batch-size", "0", "an integer ≥ 1"),
    ("--max-memory", "lots", "an integer ≥ 1"),
    ("--max-files", "-2", "an integer ≥ 0"),
])
def test_run_refuses_a_bad_option_at_start_in_one_line(env, isolated_env, option, value, allowed):
    out = run(["run", option, value], env)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and not out.stdout
    assert option in out.stderr and f"'{value}'" in out.stderr and allowed in out.stderr
    assert not isolated_env.exists(), "nothing was started: no instance, no warehouse"


@pytest.mark.parametrize(("args", "named"), [
    (["--type", "FOO"], "'DPGF', 'BPU', 'DQE', 'OTHER'"),
    (["--status", "bogus"], "'new', 'pending', 'queued', 'imported', 'failed', 'skipped', 'deleted'"),
    (["--min-confidence", "7"], "a number between 0 and 1"),
])
def test_inventory_refuses_a_filter_that_matches_nothing_by_construction(env, args, named):
    out = run(["inventory", "--no-refresh", *args], env)
    assert out.returncode == 2 and named in out.stderr and args[0] in out.stderr and "file(s)" not in out.stdout


def _options(parser: argparse.ArgumentParser, path: str):
    for action in parser._actions:  # argparse keeps its actions there; there is no public accessor
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield f"{path} {choice.dest}", choice.help
            for name, sub in action.choices.items():
                yield from _options(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield f"{path} {'/'.join(action.option_strings) or action.dest}", action.help


def test_every_command_and_option_has_help():
    options = list(_options(build_parser(), "dpgf"))
    assert len(options) > 30
    assert [name for name, text in options if not (text or "").strip()] == []


def test_parse_prints_a_sheet_once_with_its_tags_and_a_folder_is_refused(env, tmp_path):
    out = run(["parse", str(real_workbook())], env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert sum(line.startswith("├── LOT 04") for line in lines) == 1  # one line per sheet, not per row
    assert sum(line.endswith(" [pm]") for line in lines) >= 3  # item tags are shown, not read as markup
    folder = run(["parse", str(tmp_path)], env)
    assert folder.returncode == 1 and "is a folder" in folder.stderr and "one workbook file" in folder.stderr


def test_workbook_text_is_shown_as_written_and_lines_are_not_wrapped_in_a_pipe(env, tmp_path):
    long_text = "Fourniture et pose d'un câble " + "U1000 R2V 3G2,5 mm² sous conduit ICTA encastré " * 4
    rows = [*TITLE, HEADER, ["1", "COURANTS FAIBLES"],
            ["1.1", "Prise [bold]USB[/bold] double", "u", 4.0, 35.0, 140.0],
            ["1.2", long_text.strip(), "ml", 120.0, 8.5, 1020.0],
            ["1.3", "Option : prise RJ45 [cat. 6]", "u", 2.0, 40.0, 80.0]]
    path = write(tmp_path, "DPGF Lot 13 [courants faibles]", {"Lot 13": rows})
    out = run(["parse", str(path)], env)
    assert out.returncode == 0, out.stderr
    assert "DPGF Lot 13 [courants faibles].xlsx" in out.stdout and "── Lot 13\n" in out.stdout
    assert "Prise [bold]USB[/bold] double" in out.stdout
    assert "Option : prise RJ45 [cat. 6]  2.00 × u × 40.00  80.00 [option]" in out.stdout
    long_line = next(line for line in out.stdout.splitlines() if "ICTA" in line)
    assert long_text.strip() in long_line and len(long_line) > 200


def test_monitor_stops_when_nothing_is_under_way_and_follows_only_when_asked(tmp_path, isolated_env):
    settings = load_settings(environ={"DPGF_DATA_DIR": str(isolated_env)})
    defs = build_definitions(settings)
    engine = open_warehouse(settings.warehouse_url)
    out = io.StringIO()
    console = Console(file=out, width=300)
    with instance_for_test() as instance:
        assert not run_monitor(instance, engine, console, 0.01, iterations=50).under_way
        assert len(out.getvalue().splitlines()) == 1  # it stopped by itself, not after 50 refreshes
        run_monitor(instance, engine, console, 0.01, iterations=3, follow=True)
        assert len(out.getvalue().splitlines()) == 4
        started = instance.create_run_for_job(defs.resolve_job_def("inventory_job"), status=DagsterRunStatus.STARTED)
        snap = run_monitor(instance, engine, console, 0.01, iterations=5)
        assert snap.under_way and len(out.getvalue().splitlines()) == 9  # it kept watching the run
        assert "under way: 1 run(s)" in out.getvalue().splitlines()[-1]
        instance.report_run_failed(started, "test: nothing more to do")
        assert not run_monitor(instance, engine, console, 0.01, iterations=5).under_way
        assert out.getvalue().splitlines()[-1].endswith("nothing under way")


def test_monitor_command_ends_by_itself(env):
    out = run(["monitor", "--refresh-rate", "0.1"], env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip().splitlines()[-1].endswith("nothing under way")


def test_a_warehouse_of_another_kind_is_refused_at_start_without_its_password(env):
    out = run(["run"], {**env, "DPGF_WAREHOUSE_URL": "mysql://dpgf:hunter2@db/prices"})
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "warehouse.url" in out.stderr and "postgresql://" in out.stderr and "hunter2" not in out.stderr


def test_an_unreachable_warehouse_is_one_line_without_its_password(env):
    out = run(["run"], {**env, "DPGF_WAREHOUSE_URL": "postgresql://dpgf:hunter2@127.0.0.1:1/prices"})
    assert out.returncode == 1 and "Traceback" not in out.stderr + out.stdout
    assert "cannot be reached" in out.stderr and out.stderr.count("\n") == 1 and "hunter2" not in out.stderr
