"""a second full-text index holding only the open requests

Searching an open queue for a common word used to fetch every match in the
whole history (a quarter of a million ids at a million requests) and keep the
few open ones. This index holds the open requests only, so the open queue is
searched among them. Written by hand like f75e0c1d2b3a, and for the same
reason the SQL is a frozen copy of ``desk.models.search_ddl`` as it was.

SQLite: an FTS5 table with its own copy of the open requests' text, kept by
triggers on status, key, title and body, and filled from the requests open now.
PostgreSQL: a partial GIN index over the same tsvector expression.

Revision ID: c4e2a9d17f05
Revises: 3b1d0c7a9e42
"""
from alembic import op

revision = "c4e2a9d17f05"
down_revision = "3b1d0c7a9e42"
branch_labels = None
depends_on = None

OPEN = "'in_progress', 'new', 'waiting_on_requester'"

SQLITE_UP = [
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
    f"""INSERT INTO requests_open_fts(rowid, key, title, body)
    SELECT id, key, title, body FROM requests WHERE status IN ({OPEN})""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS requests_open_fts_insert",
    "DROP TRIGGER IF EXISTS requests_open_fts_delete",
    "DROP TRIGGER IF EXISTS requests_open_fts_update",
    "DROP TABLE IF EXISTS requests_open_fts",
]
PG_UP = [
    "CREATE INDEX IF NOT EXISTS ix_requests_open_search ON requests USING gin "
    f"(to_tsvector('simple'::regconfig, key || ' ' || title || ' ' || body)) WHERE status IN ({OPEN})",
]
PG_DOWN = ["DROP INDEX IF EXISTS ix_requests_open_search"]


def _run(statements):
    for sql in statements:
        op.execute(sql)


def upgrade():
    dialect = op.get_bind().dialect.name
    _run(SQLITE_UP if dialect == "sqlite" else PG_UP if dialect == "postgresql" else [])


def downgrade():
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DOWN if dialect == "sqlite" else PG_DOWN if dialect == "postgresql" else [])
