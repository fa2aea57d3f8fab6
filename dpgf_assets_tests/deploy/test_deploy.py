"""The files under deploy/: every YAML parses, both instance configurations load with the installed
Dagster (production on a real PostgreSQL), and compose and Helm values name what the platform needs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from dpgf_assets.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


def test_every_yaml_parses():
    files = sorted(DEPLOY.rglob("*.y*ml")) + [PROJECT_ROOT / "workspace.yaml", PROJECT_ROOT / "dagster.yaml"]
    assert len(files) >= 6
    for path in files:
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict), path


def _load(config: Path, tmp_path: Path):  # noqa: ANN202 - a DagsterInstance
    from dagster import DagsterInstance

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(config, home / "dagster.yaml")
    return DagsterInstance.from_config(str(home))


def _check_queue_and_retries(instance) -> None:  # noqa: ANN001
    from dagster._core.run_coordinator import QueuedRunCoordinator

    assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
    assert instance.run_coordinator.dequeue_interval_seconds == 1
    assert instance.run_monitoring_enabled and instance.run_retries_enabled
    assert instance.run_retries_max_retries == 2
    pools = instance.get_concurrency_config().pool_config
    assert pools.pool_granularity.value == "run" and pools.default_pool_limit == 1


def test_the_embedded_instance_config_loads(tmp_path):
    with _load(PROJECT_ROOT / "dagster.yaml", tmp_path) as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        _check_queue_and_retries(instance)


@pytest.mark.postgres
def test_the_production_instance_config_loads_on_postgresql(tmp_path, pg_database, monkeypatch):
    from dpgf_assets.cli.home import dagster_pg_url

    monkeypatch.setenv("DPGF_DAGSTER_PG_URL", dagster_pg_url(pg_database))
    monkeypatch.setenv("DAGSTER_COMPUTE_LOGS", str(tmp_path / "logs"))
    with _load(DEPLOY / "dagster.yaml", tmp_path) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.compute_log_manager).__name__ == "LocalComputeLogManager"
        _check_queue_and_retries(instance)
        instance.event_log_storage.set_concurrency_slots("imports", 4)  # the pool import runs share
        assert instance.event_log_storage.get_concurrency_info("imports").slot_count == 4


def test_compose_runs_the_processes_of_a_production_machine():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    assert {"postgres", "code", "webserver", "daemon"} <= set(compose["services"])
    assert compose["services"]["daemon"]["command"][:2] == ["dpgf", "daemon"]
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "dpgf_assets.definitions" in dockerfile and "--location-name" in dockerfile
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text(encoding="utf-8"))
    assert workspace["load_from"][0]["grpc_server"]["location_name"] == "dpgf"


def test_helm_values_run_each_run_in_a_pod_with_credentials_from_secrets():
    values = yaml.safe_load((DEPLOY / "kubernetes" / "values.yaml").read_text(encoding="utf-8"))
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert deployment["name"] == "dpgf" and "dpgf_assets.definitions" in deployment["dagsterApiGrpcArgs"]
    assert {"name": "dpgf-sharepoint"} in deployment["envSecrets"]
    assert not any("SECRET" in e["name"] for e in deployment["env"])  # secrets only through Secrets
    assert values["dagsterDaemon"]["runRetries"]["enabled"] and values["concurrency"]["pools"]["granularity"] == "run"


def test_every_instance_runs_backfill_iterations_in_the_daemon_thread():
    """Dagster closes a stopping daemon's workspace before its backfill pool's threads end: an iteration
    still in a pool thread then finds no assets and fails the backfill for good (seen when a command's
    own daemon stopped mid-backfill). Inline iterations end before the workspace closes."""
    from dagster import DagsterInstance

    from dpgf_assets.settings import PROJECT_ROOT

    embedded = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8"))
    production = yaml.safe_load((DEPLOY / "dagster.yaml").read_text(encoding="utf-8"))
    chart = yaml.safe_load((DEPLOY / "kubernetes" / "values.yaml").read_text(encoding="utf-8"))
    for config in (embedded, production, chart["additionalInstanceConfig"]):
        assert config["backfills"] == {"use_threads": False}
    with DagsterInstance.ephemeral(settings={"backfills": embedded["backfills"]}) as instance:
        from dagster._daemon.daemon import BackfillDaemon

        with BackfillDaemon(instance.get_backfill_settings()) as daemon:
            assert daemon._threadpool_executor is None  # noqa: SLF001 - what the setting must reach
