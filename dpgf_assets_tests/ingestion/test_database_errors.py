"""A database error while writing one file: data the database refuses fails that file (the batch goes
on), a database out of reach is transient (the batch is tried again). Real errors from real drivers."""

import sqlite3

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from dpgf_assets.ingestion.importing import _classify
from dpgf_assets_tests.conftest import postgres_admin_url


def raised(fn) -> Exception:  # noqa: ANN001
    with pytest.raises(Exception) as caught:
        fn()
    return caught.value


def test_postgresql_refusing_a_value_fails_the_file_and_an_unreachable_one_is_transient():
    import psycopg

    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        conn.execute("CREATE TEMPORARY TABLE units (unit varchar(20))")
        too_long = raised(lambda: conn.execute("INSERT INTO units VALUES (%s)", ["ensembleforfaitaireglobal"]))
        nul = raised(lambda: conn.execute("INSERT INTO units VALUES (%s)", ["u\x00"]))
    for refused in (too_long, nul):
        assert isinstance(refused, psycopg.DataError)
        transient, message = _classify(refused, "load")
        assert not transient and message.startswith("the database refused this file: ")
    unreachable = raised(lambda: psycopg.connect("postgresql://postgres@127.0.0.1:1/x", connect_timeout=2))
    assert _classify(unreachable, "load") == (True, _classify(unreachable, "load")[1])
    assert _classify(unreachable, "load")[1].startswith("database unavailable: ")


def test_errors_wrapped_by_sqlalchemy_are_sorted_alike(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER NOT NULL)"))
    with engine.begin() as conn:
        refused = raised(lambda: conn.execute(text("INSERT INTO t VALUES (NULL)")))
    assert isinstance(refused, DBAPIError) and isinstance(refused.orig, sqlite3.IntegrityError)
    assert _classify(refused, "load")[0] is False
    locked = DBAPIError.instance("INSERT", {}, sqlite3.OperationalError("database is locked"), sqlite3.Error)
    assert _classify(locked, "load") == (True, "database unavailable: database is locked")
