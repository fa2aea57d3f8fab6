"""The instance's home: DAGSTER_HOME and its dagster.yaml, the embedded default or the production
variant as DPGF_DAGSTER_PG_URL says. No Dagster import here: processes start from it at once."""

from __future__ import annotations

import os
from pathlib import Path

from dpgf_assets.settings import PROJECT_ROOT, Settings

PG_URL_VARIABLE = "DPGF_DAGSTER_PG_URL"
LOCAL_INSTANCE = PROJECT_ROOT / "dagster.yaml"
PRODUCTION_INSTANCE = PROJECT_ROOT / "deploy" / "dagster.yaml"
LOCATION = "dpgf"  # the code location's name in the UI
EVENT_BATCH_VARIABLE, EVENT_BATCH_SIZE = "DAGSTER_EVENT_BATCH_SIZE", "1000"  # Dagster's own knob


def instance_config(environ: dict | None = None) -> Path:
    """The instance configuration in force: production (PostgreSQL) when DPGF_DAGSTER_PG_URL is set."""
    env = os.environ if environ is None else environ
    return PRODUCTION_INSTANCE if env.get(PG_URL_VARIABLE) else LOCAL_INSTANCE


def dagster_pg_url(url: str) -> str:
    """dagster-postgres needs psycopg2 (its NOTIFY takes a bound parameter psycopg 3 sends to the
    server); SQLAlchemy 2.1 reads a bare ``postgresql://`` as psycopg 3."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql+psycopg2://{rest}" if sep and scheme in ("postgresql", "postgres") else url


def prepare_dagster_home(settings: Settings, environ: dict | None = None) -> Path:
    """Point DAGSTER_HOME at the platform's instance (an absolute path, as Dagster requires) and
    write its dagster.yaml: the embedded default, or the production variant when DPGF_DAGSTER_PG_URL
    is set. One variable switches, and the UI, the daemon and the commands read that one file."""
    env = os.environ if environ is None else environ
    home = Path(env.get("DAGSTER_HOME") or settings.dagster_home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    text = instance_config(env).read_text(encoding="utf-8")
    target = home / "dagster.yaml"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    if env.get(PG_URL_VARIABLE):
        env[PG_URL_VARIABLE] = dagster_pg_url(env[PG_URL_VARIABLE])  # inherited by the processes started
    env["DAGSTER_HOME"] = str(home)
    env.setdefault("DAGSTER_COMPUTE_LOGS", str(home / "logs"))
    # Dagster writes the events it emits together (a run's planned batches, a multi-batch step's
    # materialisations) in one statement each instead of one per batch; 0 would turn it off
    env.setdefault(EVENT_BATCH_VARIABLE, EVENT_BATCH_SIZE)
    return home


def session_workspace(home: Path, port: int) -> Path:
    """A workspace whose one code location, ``dpgf``, is the code server on 127.0.0.1:``port``."""
    path = home / f"workspace-{port}.yaml"
    path.write_text(f"load_from:\n  - grpc_server:\n      host: 127.0.0.1\n      port: {port}\n"
                    f"      location_name: {LOCATION}\n", encoding="utf-8")
    return path
