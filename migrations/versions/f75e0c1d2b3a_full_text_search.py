"""full-text search over requests (key, title, body)

Written by hand: autogenerate does not see virtual tables or expression
indexes. The SQL is kept here (not imported from desk/) so this migration
stays what it was when it ran, whatever the code becomes.

SQLite: an FTS5 table with external content, kept in step by triggers.
PostgreSQL: a GIN index over a 'simple' tsvector of key, title and body.

Revision ID: f75e0c1d2b3a
Revises: da8f8c2c3a1c
"""
from alembic import op

revision = "f75e0c1d2b3a"
down_revision = "da8f8c2c3a1c"
branch_labels = None
depends_on = None

SQLITE_UP = [
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
    "INSERT INTO requests_fts(requests_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS requests_fts_insert",
    "DROP TRIGGER IF EXISTS requests_fts_delete",
    "DROP TRIGGER IF EXISTS requests_fts_update",
    "DROP TABLE IF EXISTS requests_fts",
]
PG_UP = [
    "CREATE INDEX IF NOT EXISTS ix_requests_search ON requests USING gin "
    "(to_tsvector('simple'::regconfig, key || ' ' || title || ' ' || body))",
]
PG_DOWN = ["DROP INDEX IF EXISTS ix_requests_search"]


def _run(statements):
    for sql in statements:
        op.execute(sql)


def upgrade():
    dialect = op.get_bind().dialect.name
    _run(SQLITE_UP if dialect == "sqlite" else PG_UP if dialect == "postgresql" else [])


def downgrade():
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DOWN if dialect == "sqlite" else PG_DOWN if dialect == "postgresql" else [])
