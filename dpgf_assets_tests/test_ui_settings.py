"""What Dagster shows (the repository snapshot the UI and its GraphQL API read) holds no secret,
whatever the source of the setting; `--config FILE` reaches every process a command starts."""

import argparse
import os

from dagster._core.remote_representation.external_data import RepositorySnap
from dagster._serdes import serialize_value

from dpgf_assets.cli.platform import settings_of
from dpgf_assets.definitions import RESOLVED_URL_VARIABLE, build_definitions
from dpgf_assets.settings import load_settings

PASSWORD = "s3cret-Pa55word"
URL = f"postgresql://dpgf:{PASSWORD}@127.0.0.1:5432/prices"


def snapshot_text(settings) -> str:
    return serialize_value(RepositorySnap.from_def(build_definitions(settings).get_repository_def()))


def test_a_password_from_a_workflow_file_is_not_in_what_the_ui_shows(isolated_env, tmp_path, monkeypatch):
    config = tmp_path / "workflow.yaml"
    config.write_text(f"warehouse:\n  url: {URL}\n", encoding="utf-8")
    monkeypatch.setenv(RESOLVED_URL_VARIABLE, "")  # so that monkeypatch removes what the code sets
    monkeypatch.delenv(RESOLVED_URL_VARIABLE)
    text = snapshot_text(load_settings(config))
    assert PASSWORD not in text and RESOLVED_URL_VARIABLE in text
    assert os.environ[RESOLVED_URL_VARIABLE] == URL  # what the run workers inherit and resolve


def test_a_password_from_the_environment_is_not_shown_either(isolated_env, monkeypatch):
    monkeypatch.setenv("DPGF_WAREHOUSE_URL", URL)
    text = snapshot_text(load_settings())
    assert PASSWORD not in text and "DPGF_WAREHOUSE_URL" in text


def test_the_config_option_reaches_the_processes_a_command_starts(isolated_env, tmp_path, monkeypatch):
    config = tmp_path / "workflow.yaml"
    config.write_text("download:\n  batch_size: 7\n", encoding="utf-8")
    monkeypatch.setenv("DPGF_CONFIG", "")  # so that monkeypatch removes what the code sets
    monkeypatch.delenv("DPGF_CONFIG")
    assert settings_of(argparse.Namespace(config=str(config)))["download.batch_size"] == 7
    assert os.environ["DPGF_CONFIG"] == str(config.resolve())
    assert load_settings()["download.batch_size"] == 7  # what the code server and daemon load
