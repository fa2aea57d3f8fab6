"""Bulk row writers per dialect: COPY on PostgreSQL, one executemany on SQLite."""

from __future__ import annotations

import io
from typing import Any, Mapping, Sequence

from sqlalchemy import Connection, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def upsert_statement(conn: Connection, table: Table):  # noqa: ANN201 - dialect-specific Insert
    """An INSERT that supports ``on_conflict_do_*`` on the connection's dialect."""
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)


def _pg_text(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows`` into ``table`` inside the caller's transaction, the fastest way the dialect has."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        columns = list(rows[0].keys())
        buffer = io.StringIO()
        buffer.writelines("\t".join(_pg_text(r[c]) for c in columns) + "\n" for r in rows)
        buffer.seek(0)
        quoted = ", ".join(f'"{c}"' for c in columns)
        statement = f'COPY "{table.name}" ({quoted}) FROM STDIN'
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            if conn.dialect.driver == "psycopg2":
                cursor.copy_expert(statement, buffer)
            else:  # psycopg 3, SQLAlchemy 2.1's default for postgresql://
                with cursor.copy(statement) as copy:
                    copy.write(buffer.getvalue())
        finally:
            cursor.close()
    else:
        conn.execute(table.insert(), list(rows))
    return len(rows)

