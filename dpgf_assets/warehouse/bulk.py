"""Bulk row writers per dialect: COPY on PostgreSQL, one executemany on SQLite."""

from __future__ import annotations

import io
import json
from typing import Any, Sequence

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def upsert_statement(conn: Connection, table: Table):  # noqa: ANN201 - dialect-specific Insert
    """An INSERT that supports ``on_conflict_do_*`` on the connection's dialect."""
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)


def _pg_text(value: Any) -> str:
    """One value in COPY text format (for psycopg2, which has no row writer)."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` inside the caller's transaction,
    the fastest way the dialect has: COPY on PostgreSQL (psycopg 3 formats each row in C), one
    executemany elsewhere."""
    if not rows:
        return 0
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), [dict(zip(columns, row)) for row in rows])
        return len(rows)
    json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    if json_at:  # COPY takes JSON as its text
        rows = [tuple(json.dumps(v) if i in json_at and v is not None else v for i, v in enumerate(row))
                for row in rows]
    quoted = ", ".join(f'"{c}"' for c in columns)
    statement = f'COPY "{table.name}" ({quoted}) FROM STDIN'
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        if conn.dialect.driver == "psycopg2":
            buffer = io.StringIO()
            buffer.writelines("\t".join(_pg_text(v) for v in row) + "\n" for row in rows)
            buffer.seek(0)
            cursor.copy_expert(statement, buffer)
        else:  # psycopg 3, SQLAlchemy 2.1's default for postgresql://
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
    finally:
        cursor.close()
    return len(rows)
