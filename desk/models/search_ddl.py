"""The full-text index over requests (key, title, body), per database.

SQLite: an FTS5 table with external content (``requests_fts``, rowid =
``requests.id``), kept in step by three triggers; the update trigger fires
only when key, title or body change, so the frequent workflow updates of a
request (status, version) cost nothing here.

PostgreSQL: a GIN index over ``to_tsvector('simple', key || ' ' || title ||
' ' || body)``. An expression index rather than a generated column, so the
model (and Alembic's autogenerate) sees no extra column. Queries must use the
exact expression :data:`PG_VECTOR` for the planner to pick the index.

Both databases also keep a second, small index of the *open* requests only:
an open queue is searched there, so a word found in a quarter of all history
costs what it costs among a few thousand open requests (``docs/reports.md``).
SQLite: ``requests_open_fts``, an FTS5 table holding its own copy of the open
requests' text (so a request that closes is simply deleted from it), kept by
triggers on status as well as text. PostgreSQL: a partial GIN index with the
same expression ``WHERE status IN (open statuses)``; the planner uses it for any
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

_PG_EXPRESSION = PG_VECTOR.replace("requests.", "")
PG_CREATE = [
    f"CREATE INDEX IF NOT EXISTS ix_requests_search ON requests USING gin ({_PG_EXPRESSION})",
    f"CREATE INDEX IF NOT EXISTS ix_requests_open_search ON requests USING gin ({_PG_EXPRESSION}) "
    f"WHERE status IN ({OPEN})",
]
PG_DROP = ["DROP INDEX IF EXISTS ix_requests_search", "DROP INDEX IF EXISTS ix_requests_open_search"]


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
