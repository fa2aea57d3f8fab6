import json

import pytest

from dpgf_assets.settings import SPEC, SettingsError, load_settings, settings_table_markdown


def test_defaults_are_the_documented_ones():
    s = load_settings(environ={})
    assert s.download.batch_size == 25
    assert s.download.auto_cleanup is True
    assert s.scanning.min_confidence == 0.5
    assert s.scanning.deep_scan is True
    assert s.warehouse_url.startswith("sqlite:///") and s.warehouse_url.endswith("warehouse.sqlite")
    assert not s.debug


def test_file_then_environment_then_run_config(tmp_path):
    cfg = tmp_path / "workflow.json"
    cfg.write_text(json.dumps({"download": {"batch_size": 10, "retry_count": 7},
                               "scanning": {"min_confidence": 0.8}}))
    env = {"DPGF_CONFIG": str(cfg), "DPGF_DOWNLOAD_BATCH_SIZE": "12"}
    s = load_settings(environ=env)
    assert s.download.batch_size == 12  # environment beats the file
    assert s.download.retry_count == 7  # the file beats the default
    assert s.scanning.min_confidence == 0.8
    assert s.origins["download.batch_size"] == "environment DPGF_DOWNLOAD_BATCH_SIZE"
    run = s.with_overrides({"download.batch_size": 3, "scanning.deep_scan": None})
    assert run.download.batch_size == 3  # run config beats everything
    assert run.scanning.deep_scan is True  # None keeps the setting


def test_yaml_file_with_dotted_keys(tmp_path):
    cfg = tmp_path / "workflow.yaml"
    cfg.write_text("download.max_batch_size_mb: 12.5\nscanning:\n  deep_scan: no\n")
    s = load_settings(config_file=cfg, environ={})
    assert s.download.max_batch_size_mb == 12.5
    assert s.scanning.deep_scan is False


@pytest.mark.parametrize("key,value,allowed", [
    ("DPGF_DOWNLOAD_BATCH_SIZE", "0", "an integer ≥ 1"),
    ("DPGF_DOWNLOAD_BATCH_SIZE", "ten", "an integer ≥ 1"),
    ("DPGF_SCANNING_MIN_CONFIDENCE", "1.5", "between 0 and 1"),
    ("DPGF_DOWNLOAD_AUTO_CLEANUP", "maybe", "true or false"),
    ("DPGF_SOURCE_KIND", "ftp", "local or sharepoint"),
])
def test_invalid_value_is_refused_naming_key_value_and_allowed(key, value, allowed):
    with pytest.raises(SettingsError) as err:
        load_settings(environ={key: value})
    message = str(err.value)
    spec = next(s for s in SPEC if s.env == key)
    assert spec.key in message and repr(value) in message and allowed in message and key in message


def test_unknown_key_in_file_is_refused(tmp_path):
    cfg = tmp_path / "w.json"
    cfg.write_text(json.dumps({"download": {"batchsize": 3}}))
    with pytest.raises(SettingsError, match="download.batchsize"):
        load_settings(config_file=cfg, environ={})


def test_debug_switch():
    assert load_settings(environ={"DPGF_DEBUG": "1"}).debug is True


def test_readme_lists_every_setting():
    from dpgf_assets.settings import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table_markdown() in readme
