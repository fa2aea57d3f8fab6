"""A production-shaped deployment for the end-to-end and browser tests: `dpgf up` (a code server,
Dagster's daemon and dagster-webserver) on a PostgreSQL instance, a PostgreSQL warehouse, the Graph
emulator as the SharePoint source; every process stopped by the fixture, even when a test fails."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import psutil
import pytest

from dpgf_assets.cli.processes import free_port, wait_for_port
from dpgf_assets.corpus import generate_library
from dpgf_assets.emulator import GraphEmulator
from dpgf_assets.settings import PROJECT_ROOT
from dpgf_assets_tests.conftest import postgres_admin_url

SENSOR_INTERVAL = 10


@dataclass
class Deployment:
    graph: GraphEmulator
    library: Path
    env: dict[str, str]
    url: str  # the webserver
    warehouse_url: str
    home: Path
    process: subprocess.Popen

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        """POST a query to the webserver's GraphQL endpoint, as the UI does."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            data = json.loads(response.read())
        assert "errors" not in data, data
        return data["data"]

    def dpgf(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dpgf_assets.cli", *args], env=self.env, cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=timeout)

    def instance(self):  # noqa: ANN201 - DagsterInstance on the deployment's PostgreSQL storage
        from dagster import DagsterInstance

        os.environ.update({k: v for k, v in self.env.items() if k in ("DPGF_DAGSTER_PG_URL", "DAGSTER_COMPUTE_LOGS")})
        return DagsterInstance.from_config(str(self.home))


@pytest.fixture(scope="package")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    from dpgf_assets.cli.home import dagster_pg_url
    from dpgf_assets.warehouse.db import scratch_database

    admin = postgres_admin_url()
    root = tmp_path_factory.mktemp("deployment")
    library = root / "library"
    generate_library(library, files=6, seed=3)
    with scratch_database(admin, prefix="dpgf_e2e_instance") as instance_url, \
            scratch_database(admin, prefix="dpgf_e2e_warehouse") as warehouse_url, \
            GraphEmulator(library) as graph:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DPGF_", "DAGSTER_"))}
        env.update(graph.env())
        env.update({"DPGF_SOURCE_KIND": "sharepoint", "DPGF_DATA_DIR": str(root / "data"),
                    "DPGF_WAREHOUSE_URL": warehouse_url, "DPGF_DAGSTER_PG_URL": dagster_pg_url(instance_url),
                    "DPGF_DOWNLOAD_BATCH_SIZE": "1", "DPGF_IMPORTS_MAX_PARTITIONS_PER_RUN": "4",
                    "DPGF_IMPORTS_PARALLEL_RUNS": "2", "DPGF_IMPORTS_RETRY_DELAY_SECONDS": "0.2",
                    "DPGF_SENSOR_INTERVAL_SECONDS": str(SENSOR_INTERVAL), "COLUMNS": "200"})
        log = open(root / "up.log", "w", encoding="utf-8")
        process = subprocess.Popen([sys.executable, "-m", "dpgf_assets.cli", "up", "--port", str(port), "--no-sensor"],
                                   env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        started: dict[int, psutil.Process] = {}
        try:
            up = wait_for_port("127.0.0.1", port, timeout=240, alive=process)
            assert up, (root / "up.log").read_text()
            deployment = Deployment(graph, library, env, f"http://127.0.0.1:{port}", warehouse_url,
                                    root / "data" / "dagster", process)
            _wait_for_daemon(deployment, started)
            yield deployment
        finally:
            started.update({p.pid: p for p in psutil.Process(process.pid).children(recursive=True)}
                           if process.poll() is None else {})
            _stop(process, list(started.values()))
            log.close()


def _wait_for_daemon(deployment: Deployment, started: dict) -> None:
    """Until the daemon beats (its loops run), remembering every process up started."""
    deadline = time.monotonic() + 180
    with deployment.instance() as instance:
        while time.monotonic() < deadline:
            started.update({p.pid: p for p in psutil.Process(deployment.process.pid).children(recursive=True)})
            if "BACKFILL" in instance.get_daemon_heartbeats():
                return
            assert deployment.process.poll() is None, "dpgf up stopped"
            time.sleep(0.5)
    raise AssertionError("the daemon never beat")


def _stop(process: subprocess.Popen, started: list) -> None:
    """Ctrl-C to `dpgf up` (SIGINT: it stops its children in order), then SIGKILL to whatever is
    left after a while (Dagster's processes may take tens of seconds over a signal); a process that
    outlived up's own stop fails the run, once everything is killed."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            pass
    survivors = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    for p in started:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    assert not survivors, f"dpgf up left {[p.pid for p in survivors]} running after Ctrl-C"
