"""The full-text index over requests (key, title, body), per database.

SQLite: an FTS5 table with external content (``requests_fts``, rowid =
``requests.id``), kept in step by three triggers; the update trigger fires
only when key, title, body or department change, so the frequent workflow
updates of a request (status, version) cost nothing here. It also indexes
the request's department (a column that searches name explicitly), so a
search of one department's history is answered inside the index, newest
first, without reading the requests of other departments.

PostgreSQL: a stored generated column ``search_vector`` holding
``to_tsvector('simple', key || ' ' || title || ' ' || body)``, with a GIN
index over it. Stored rather than an expression index because a search of a
department's history reads that department's requests newest first (index
``ix_requests_search_recent``) and tests each one: against a stored vector
that is a fraction of a microsecond, against the expression ~8 microseconds
(``docs/reports.md``). The model does not map the column (nothing reads it
but the search), so Alembic's autogenerate is told to leave it alone.

Both databases also keep a second, small index of the *open* requests only:
an open queue is searched there, so a word found in a quarter of all history
costs what it costs among a few thousand open requests.
SQLite: ``requests_open_fts``, an FTS5 table holding its own copy of the open
requests' text (so a request that closes is simply deleted from it), kept by
triggers on status as well as text. PostgreSQL: a partial GIN index on the
same column ``WHERE status IN (open statuses)``; the planner uses it for any
query whose own status condition implies that.

The statements are registered as DDL events on the ``requests`` table, so
``create_all`` (tests, the bench) builds them; the migrations that made them
hold frozen copies of the same SQL, and ``migrations/env.py`` keeps Alembic's
autogenerate away from them.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from desk.models.requests import OPEN_STATUSES, ServiceRequest

PG_CONFIG = "simple"  # no stemming: titles are in any language; prefix search instead
PG_VECTOR = "requests.search_vector"  # a stored generated column, PostgreSQL only
_PG_EXPRESSION = f"to_tsvector('{PG_CONFIG}'::regconfig, key || ' ' || title || ' ' || body)"

SQLITE_CREATE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS requests_fts USING fts5(
        key, title, body, department_id, content='requests', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS requests_fts_insert AFTER INSERT ON requests BEGIN
        INSERT INTO requests_fts(rowid, key, title, body, department_id)
        VALUES (new.id, new.key, new.title, new.body, new.department_id);
    END""",
    """CREATE TRIGGER IF NOT EXISTS requests_fts_delete AFTER DELETE ON requests BEGIN
        INSERT INTO requests_fts(requests_fts, rowid, key, title, body, department_id)
        VALUES ('delete', old.id, old.key, old.title, old.body, old.department_id);
    END""",
    """CREATE TRIGGER IF NOT EXISTS requests_fts_update AFTER UPDATE OF key, title, body, department_id ON requests
    BEGIN
        INSERT INTO requests_fts(requests_fts, rowid, key, title, body, department_id)
        VALUES ('delete', old.id, old.key, old.title, old.body, old.department_id);
        INSERT INTO requests_fts(rowid, key, title, body, department_id)
        VALUES (new.id, new.key, new.title, new.body, new.department_id);
    END""",
]
OPEN = ", ".join(f"'{status.value}'" for status in sorted(OPEN_STATUSES))
SQLITE_CREATE += [
    """CREATE VIRTUAL TABLE IF NOT EXISTS requests_open_fts USING fts5(
        key, title, body, tokenize='unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER IF NOT EXISTS requests_open_fts_insert AFTER INSERT ON requests
    WHEN new.status IN ({OPEN}) BEGIN
        INSERT INTO requests_open_fts(rowid, key, title, body) VALUES (new.id, new.key, new.title, new.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS requests_open_fts_delete AFTER DELETE ON requests BEGIN
        DELETE FROM requests_open_fts WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS requests_open_fts_update AFTER UPDATE OF status, key, title, body ON requests
    WHEN new.status IN ({OPEN}) OR old.status IN ({OPEN}) BEGIN
        DELETE FROM requests_open_fts WHERE rowid = old.id;
        INSERT INTO requests_open_fts(rowid, key, title, body)
        SELECT new.id, new.key, new.title, new.body WHERE new.status IN ({OPEN});
    END""",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS requests_fts", "DROP TABLE IF EXISTS requests_open_fts"]
# Bulk loads drop the triggers, insert, then rebuild the indexes in one pass each.
SQLITE_TRIGGERS = ["requests_fts_insert", "requests_fts_delete", "requests_fts_update",
                   "requests_open_fts_insert", "requests_open_fts_delete", "requests_open_fts_update"]
SQLITE_FILL_OPEN = f"""INSERT INTO requests_open_fts(rowid, key, title, body)
    SELECT id, key, title, body FROM requests WHERE status IN ({OPEN})"""
SQLITE_REBUILD = [
    "INSERT INTO requests_fts(requests_fts) VALUES ('rebuild')",
    "DELETE FROM requests_open_fts",
    SQLITE_FILL_OPEN,
]

PG_CREATE = [
    "ALTER TABLE requests ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS ({_PG_EXPRESSION}) STORED",
    "CREATE INDEX IF NOT EXISTS ix_requests_search ON requests USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS ix_requests_open_search ON requests USING gin (search_vector) "
    f"WHERE status IN ({OPEN})",
    # A department's requests newest first: a search of its history walks them (desk.services.search).
    "CREATE INDEX IF NOT EXISTS ix_requests_search_recent ON requests (department_id, id)",
]
# The indexes only: the column goes with the table, and a bulk load keeps it (it fills itself).
PG_DROP = ["DROP INDEX IF EXISTS ix_requests_search", "DROP INDEX IF EXISTS ix_requests_open_search",
           "DROP INDEX IF EXISTS ix_requests_search_recent"]


def statements(dialect: str, *, drop: bool = False) -> list[str]:
    """The SQL that creates (or drops) the search indexes on this database."""
    if dialect == "sqlite":
        return SQLITE_DROP if drop else SQLITE_CREATE
    if dialect == "postgresql":
        return PG_DROP if drop else PG_CREATE
    return []


def _register() -> None:
    table = ServiceRequest.__table__
    for dialect in ("sqlite", "postgresql"):
        for sql in statements(dialect):
            event.listen(table, "after_create", DDL(sql).execute_if(dialect=dialect))
        for sql in statements(dialect, drop=True):
            event.listen(table, "before_drop", DDL(sql).execute_if(dialect=dialect))


_register()
