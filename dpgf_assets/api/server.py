"""Starting the API: the bind address decides whether a token is required; the database is opened
read-only, without migrating (a read-only role could not)."""

from __future__ import annotations

import ipaddress

from sqlalchemy import Engine, event, inspect

from dpgf_assets.warehouse.db import create_warehouse_engine

CONTENT_TABLES = ("projects", "pregenerated_content", "price_reference")


class ApiStartError(RuntimeError):
    """The API must not start as configured; the message says what to change."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve to anything


def check_bind(host: str, token: str) -> None:
    """Refuse any address but loopback without a token."""
    if not is_loopback(host) and not token:
        raise ApiStartError(f"refusing to listen on {host} without a token: set DPGF_API_TOKEN to a long random "
                            "string (clients send 'Authorization: Bearer <token>'), or bind 127.0.0.1")


def read_only_engine(url: str) -> Engine:
    """An engine whose sessions cannot write, on top of whatever rights the database role has."""
    engine = create_warehouse_engine(url)
    statement = ("PRAGMA query_only = ON" if engine.dialect.name == "sqlite"
                 else "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn, _record):  # noqa: ANN001 - DBAPI hook
        autocommit = getattr(dbapi_conn, "autocommit", None)
        if engine.dialect.name != "sqlite" and autocommit is False:
            dbapi_conn.autocommit = True  # a SET outside any transaction, then back
            cursor = dbapi_conn.cursor()
            cursor.execute(statement)
            cursor.close()
            dbapi_conn.autocommit = False
            return
        cursor = dbapi_conn.cursor()
        cursor.execute(statement)
        cursor.close()

    missing = [t for t in CONTENT_TABLES if not inspect(engine).has_table(t)]
    if missing:
        engine.dispose()
        raise ApiStartError(f"the warehouse has no {', '.join(missing)} table yet: run `dpgf content generate` "
                            "(or `dpgf demo`) once with a role that may migrate it")
    return engine


def serve(url: str, host: str, port: int, token: str, criteria) -> None:  # noqa: ANN001 - Criteria
    """Run the API until interrupted (uvicorn)."""
    import uvicorn

    from dpgf_assets.api.app import create_app

    check_bind(host, token)
    engine = read_only_engine(url)
    uvicorn.run(create_app(engine, criteria, token), host=host, port=port, access_log=False,
                log_level="warning", server_header=False)
