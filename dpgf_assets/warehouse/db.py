"""One URL selects SQLite or PostgreSQL; the schema is brought to the latest migration at start."""

from __future__ import annotations

import fcntl
import json
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

def strict_json(value: object) -> str:
    """JSON columns as strict JSON: a NaN or an infinity is refused, never written as ``NaN``."""
    return json.dumps(value, allow_nan=False)


MIGRATIONS = Path(__file__).with_name("migrations")
_ADVISORY_LOCK = 7_304_112_025  # any constant; serialises migrations across PostgreSQL clients
_migrated: set[str] = set()
_lock = threading.Lock()


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def redacted(url: str) -> str:
    """The URL as it may be shown: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def create_warehouse_engine(url: str) -> Engine:
    """An engine tuned for the dialect: SQLite in WAL with a busy timeout, PostgreSQL pooled."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60}, json_serializer=strict_json)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # noqa: ANN001 - DBAPI hook
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, json_serializer=strict_json)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Only one process migrates at a time (Dagster runs steps in several processes)."""
    if engine.dialect.name == "sqlite":
        db = engine.url.database
        if not db or db == ":memory:":
            yield
            return
        with open(f"{db}.migrate.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_LOCK})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_LOCK})
                conn.commit()


def migrate(engine: Engine) -> str:
    """Apply pending migrations (idempotent, safe from concurrent processes); return the revision."""
    key = engine.url.render_as_string(hide_password=False)
    with _lock:
        if key in _migrated:
            return head_revision()
        head = head_revision()
        if current_revision(engine) != head:
            with _migration_lock(engine):
                with engine.begin() as conn:
                    cfg = _alembic_config()
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
        _migrated.add(key)
        return head


@contextmanager
def scratch_database(admin_url: str, prefix: str = "dpgf_tmp") -> Iterator[str]:
    """A new empty PostgreSQL database next to ``admin_url``'s, dropped afterwards (tests, benchmarks)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def open_warehouse(url: str) -> Engine:
    """The engine for ``url``, with the schema at the latest migration."""
    engine = create_warehouse_engine(url)
    migrate(engine)
    return engine
