"""search a department's history newest first, inside the index

A search of the queue across all statuses fetched every request matching the
words (17,000 for a common word at a million requests, 115,000 for a very
common one) to count them and sort them. It now lists the newest matches of
the department, up to a limit, and stops there; the indexes change for that.
Written by hand like f75e0c1d2b3a, and for the same reason the SQL is a frozen
copy of ``desk.models.search_ddl`` as it was.

SQLite: ``requests_fts`` is rebuilt with the request's department as a fourth
column (its triggers also fire when a transfer changes it), so the index
answers "this department's matches, newest first" by itself.
PostgreSQL: the tsvector becomes a stored generated column ``search_vector``
(the GIN indexes move onto it), and ``ix_requests_search_recent`` on
(department_id, id) lets a search read a department's requests newest first
and test each stored vector. Adding the column rewrites the table: about a
minute per million requests.

Revision ID: 9d3e5b7a1c24
Revises: 7c1f4a9e2b60
"""
from alembic import op

revision = "9d3e5b7a1c24"
down_revision = "7c1f4a9e2b60"
branch_labels = None
depends_on = None

OPEN = "'in_progress', 'new', 'waiting_on_requester'"
VECTOR = "to_tsvector('simple'::regconfig, key || ' ' || title || ' ' || body)"
SQLITE_TRIGGERS = ["requests_fts_insert", "requests_fts_delete", "requests_fts_update"]
SQLITE_DROP = [*(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS), "DROP TABLE IF EXISTS requests_fts"]


def _sqlite_index(columns: list[str]) -> list[str]:
    """The index of all requests over ``columns``, its three triggers, and its rebuild."""
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"""CREATE VIRTUAL TABLE requests_fts USING fts5({names}, content='requests', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2')""",
        f"""CREATE TRIGGER requests_fts_insert AFTER INSERT ON requests BEGIN
            INSERT INTO requests_fts(rowid, {names}) VALUES (new.id, {new});
        END""",
        f"""CREATE TRIGGER requests_fts_delete AFTER DELETE ON requests BEGIN
            INSERT INTO requests_fts(requests_fts, rowid, {names}) VALUES ('delete', old.id, {old});
        END""",
        f"""CREATE TRIGGER requests_fts_update AFTER UPDATE OF {names} ON requests BEGIN
            INSERT INTO requests_fts(requests_fts, rowid, {names}) VALUES ('delete', old.id, {old});
            INSERT INTO requests_fts(rowid, {names}) VALUES (new.id, {new});
        END""",
        "INSERT INTO requests_fts(requests_fts) VALUES ('rebuild')",
    ]


SQLITE_UP = SQLITE_DROP + _sqlite_index(["key", "title", "body", "department_id"])
SQLITE_DOWN = SQLITE_DROP + _sqlite_index(["key", "title", "body"])
PG_DROP = ["DROP INDEX IF EXISTS ix_requests_search", "DROP INDEX IF EXISTS ix_requests_open_search"]
PG_UP = PG_DROP + [
    f"ALTER TABLE requests ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED",
    "CREATE INDEX ix_requests_search ON requests USING gin (search_vector)",
    f"CREATE INDEX ix_requests_open_search ON requests USING gin (search_vector) WHERE status IN ({OPEN})",
    "CREATE INDEX ix_requests_search_recent ON requests (department_id, id)",
]
PG_DOWN = PG_DROP + [
    "DROP INDEX IF EXISTS ix_requests_search_recent",
    "ALTER TABLE requests DROP COLUMN search_vector",
    f"CREATE INDEX ix_requests_search ON requests USING gin ({VECTOR})",
    f"CREATE INDEX ix_requests_open_search ON requests USING gin ({VECTOR}) WHERE status IN ({OPEN})",
]


def _run(statements):
    for sql in statements:
        op.execute(sql)


def upgrade():
    dialect = op.get_bind().dialect.name
    _run(SQLITE_UP if dialect == "sqlite" else PG_UP if dialect == "postgresql" else [])


def downgrade():
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DOWN if dialect == "sqlite" else PG_DOWN if dialect == "postgresql" else [])
