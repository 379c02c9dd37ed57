"""The full-text index over requests (key, title, body), per database.

SQLite: an FTS5 table with external content (``requests_fts``, rowid =
``requests.id``), kept in step by three triggers; the update trigger fires
only when key, title or body change, so the frequent workflow updates of a
request (status, version) cost nothing here.

PostgreSQL: a GIN index over ``to_tsvector('simple', key || ' ' || title ||
' ' || body)``. An expression index rather than a generated column, so the
model (and Alembic's autogenerate) sees no extra column. Queries must use the
exact expression :data:`PG_VECTOR` for the planner to pick the index.

The statements are registered as DDL events on the ``requests`` table, so
``create_all`` (tests, the bench) builds them; the migration imports
:func:`statements` and runs the same SQL. ``SEARCH_TABLES`` lists the names
an Alembic ``include_object`` hook must ignore (SQLite's FTS5 shadow tables).
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from desk.models.requests import ServiceRequest

PG_CONFIG = "simple"  # no stemming: titles are in any language; prefix search instead
PG_VECTOR = (
    f"to_tsvector('{PG_CONFIG}'::regconfig, requests.key || ' ' || requests.title || ' ' || requests.body)"
)

SQLITE_CREATE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS requests_fts USING fts5(
        key, title, body, content='requests', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS requests_fts_insert AFTER INSERT ON requests BEGIN
        INSERT INTO requests_fts(rowid, key, title, body) VALUES (new.id, new.key, new.title, new.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS requests_fts_delete AFTER DELETE ON requests BEGIN
        INSERT INTO requests_fts(requests_fts, rowid, key, title, body)
        VALUES ('delete', old.id, old.key, old.title, old.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS requests_fts_update AFTER UPDATE OF key, title, body ON requests BEGIN
        INSERT INTO requests_fts(requests_fts, rowid, key, title, body)
        VALUES ('delete', old.id, old.key, old.title, old.body);
        INSERT INTO requests_fts(rowid, key, title, body) VALUES (new.id, new.key, new.title, new.body);
    END""",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS requests_fts"]
# Bulk loads drop the triggers, insert, then rebuild the index in one pass.
SQLITE_TRIGGERS = ["requests_fts_insert", "requests_fts_delete", "requests_fts_update"]
SQLITE_REBUILD = "INSERT INTO requests_fts(requests_fts) VALUES ('rebuild')"

PG_CREATE = [f"CREATE INDEX IF NOT EXISTS ix_requests_search ON requests USING gin ({PG_VECTOR.replace('requests.', '')})"]
PG_DROP = ["DROP INDEX IF EXISTS ix_requests_search"]

SEARCH_TABLES = frozenset(
    {"requests_fts", "requests_fts_data", "requests_fts_idx", "requests_fts_docsize", "requests_fts_config",
     "requests_fts_content"}
)


def statements(dialect: str, *, drop: bool = False) -> list[str]:
    """The SQL that creates (or drops) the search index on this database."""
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
