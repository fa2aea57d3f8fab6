"""The inventory's checks through a real inventory run: what it leaves waiting, unsure or unread."""

from pathlib import PurePosixPath

from dagster import AssetCheckKey, AssetKey, instance_for_test
from sqlalchemy import select

from dpgf_assets.cli.runs import run_inventory
from dpgf_assets.definitions import build_definitions
from dpgf_assets.parsing.recognition import SPREADSHEET_EXTENSIONS
from dpgf_assets.settings import load_settings
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets.warehouse.schema import source_files


def test_inventory_checks_name_what_it_left_waiting_or_unsure(library, tmp_path):
    env = {"DPGF_SOURCE_PATH": str(library), "DPGF_DATA_DIR": str(tmp_path), "DPGF_SCANNING_MAX_FILES": "4",
           "DPGF_SCANNING_MIN_CONFIDENCE": "0.9", "DPGF_CHECKS_MAX_UNRECOGNISED_SHARE": "0.01"}
    settings = load_settings(environ=env)
    with instance_for_test() as instance:
        assert run_inventory(build_definitions(settings), instance, "local").success
        verdicts = {}
        for name in ("pending_files", "unrecognised_spreadsheets", "unread_spreadsheets"):
            [record] = instance.event_log_storage.get_asset_check_execution_history(
                AssetCheckKey(AssetKey("sharepoint_inventory"), name), limit=5)
            assert record.partition == "local"
            verdicts[name] = record.evaluation
    with open_warehouse(settings.warehouse_url).connect() as conn:
        files = conn.execute(select(source_files)).mappings().all()
    # pricing files sure enough beyond the 4 imported at most wait, and the check says how many
    sure = [f for f in files if f["doc_type"] != "OTHER" and f["confidence"] >= 0.9]
    assert len(sure) > 4
    assert not verdicts["pending_files"].passed
    assert verdicts["pending_files"].metadata["files"].value == len(sure) - 4
    assert verdicts["pending_files"].description.startswith(f"{len(sure) - 4} file(s) wait")
    # spreadsheets recognised below 0.9 are left out: their share is judged
    sheets = [f for f in files if PurePosixPath(f["name"].lower()).suffix in SPREADSHEET_EXTENSIONS]
    unsure = [f for f in sheets if f["confidence"] < 0.9]
    assert unsure and not verdicts["unrecognised_spreadsheets"].passed
    assert verdicts["unrecognised_spreadsheets"].metadata["files"].value == len(unsure)
    assert verdicts["unrecognised_spreadsheets"].metadata["spreadsheets"].value == len(sheets)
    listed = verdicts["unrecognised_spreadsheets"].metadata["examples"].md_str
    assert sum(f["path"] in listed for f in unsure) == min(len(unsure), 10)
    # the library's damaged workbooks could not be read: each is named
    unread = verdicts["unread_spreadsheets"]
    assert not unread.passed and unread.metadata["files"].value >= 1
