"""Shared fixtures: warehouses on SQLite and on a real PostgreSQL, and isolated settings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import Engine

PG_VARIABLE = "DPGF_TEST_POSTGRES_URL"


def postgres_admin_url() -> str:
    url = os.environ.get(PG_VARIABLE)
    if not url:
        pytest.skip(f"{PG_VARIABLE} is not set: no PostgreSQL to test against (.ci/run sets it)")
    return url


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    from dpgf_assets.warehouse.db import scratch_database

    with scratch_database(postgres_admin_url(), prefix="dpgf_t") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a SQLite file and on a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
def engine(warehouse_url: str) -> Iterator[Engine]:
    from dpgf_assets.warehouse.db import open_warehouse

    eng = open_warehouse(warehouse_url)
    yield eng
    eng.dispose()


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No DPGF_* variable from the outside leaks into a test; data lives under tmp_path."""
    for name in list(os.environ):
        if name.startswith("DPGF_") and name != PG_VARIABLE:
            monkeypatch.delenv(name)
    monkeypatch.setenv("DPGF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return tmp_path / "data"


@pytest.fixture(scope="session")
def generated_library(tmp_path_factory) -> Path:
    """A small generated library (every layout, distractors, bad files) shared read-only by tests."""
    from dpgf_assets.corpus import generate_library

    root = tmp_path_factory.mktemp("generated") / "library"
    generate_library(root, files=30, seed=9)
    return root


@pytest.fixture
def library(generated_library: Path, tmp_path: Path) -> Path:
    """A private copy of the generated library (with its manifest) that a test may change."""
    import shutil

    from dpgf_assets.corpus import manifest_path

    copy = tmp_path / "library"
    shutil.copytree(generated_library, copy)
    shutil.copy(manifest_path(generated_library), manifest_path(copy))
    return copy

