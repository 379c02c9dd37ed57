"""Database connection settings that must hold on every connection.

SQLite serialises writers. Its default "deferred" transactions start as
readers and try to upgrade to a writer at the first INSERT/UPDATE; in WAL mode
that upgrade fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT)
when another process committed in between, and no busy timeout helps. So we
take over transaction control (the pysqlite recipe in SQLAlchemy's docs,
"Serializable isolation / Savepoints / Transactional DDL") and start the
transactions of writing HTTP requests (POST, PUT, PATCH, DELETE) and of CLI
commands with ``BEGIN IMMEDIATE``: the write lock is taken up front, and a
second writer waits for it (busy_timeout) instead of failing. Page views
(GET, HEAD) keep plain ``BEGIN`` and read a WAL snapshot without blocking
anybody.
"""

from functools import wraps

from flask import Flask, g, has_request_context, request
from sqlalchemy import event

from desk.extensions import db

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # We emit BEGIN ourselves (see _sqlite_begin); sqlite3 still sends COMMIT/ROLLBACK.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer; several gunicorn workers share one file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writes_expected() else "BEGIN")


def writes_expected() -> bool:
    """A writing HTTP method, or no request at all (CLI commands, the seeder)."""
    if has_request_context():
        return request.method not in READ_METHODS and not g.get("desk_reads_only", False)
    return True


def reads_only(view):
    """Mark a POST view that never writes (the login form): its transactions begin
    deferred, so a slow password hash does not hold SQLite's write lock."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.desk_reads_only = True
        return view(*args, **kwargs)

    return wrapper
