"""Backups of the database.

SQLite: the online backup API of the SQLite driver copies a live
database page by page while the app keeps reading and writing; the copy is
one consistent snapshot (SQLite restarts the copy if a writer changes a page
it already copied, and in WAL mode readers never block). Copying the file
with ``cp`` instead could catch a half-written page or miss the ``-wal`` file.

PostgreSQL: ``pg_dump`` does the same job better than anything we could
write; :func:`postgres_instructions` says how.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from desk.config import sqlite_driver


class BackupError(Exception):
    """The backup could not be made; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    pages: int


def sqlite_path(database_uri: str) -> Path | None:
    """The database file of a SQLite URL, or None for other databases (or in-memory ones)."""
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def backup_sqlite(source: Path, target: Path, *, overwrite: bool = False, pages_per_step: int = 256) -> BackupResult:
    """Copy the live database ``source`` to ``target`` consistently; checks the copy's integrity."""
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists already; choose another name or pass --force.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # The app's own SQLite library, never a second copy: two SQLite libraries in one process
    # release each other's POSIX locks on the same file (sqlite.org/howtocorrupt.html, 2.2.1).
    sqlite = sqlite_driver()
    src = sqlite.connect(source, timeout=30)
    dst = sqlite.connect(partial)
    try:
        # Small steps with a pause between them, so a busy app is not starved of its lock.
        src.backup(dst, pages=pages_per_step, sleep=0.005)
        # A backup is a plain rollback-journal file: it must open without the -wal beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        pages = dst.execute("PRAGMA page_count").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"The copy failed its integrity check: {check}")
    # Appears under its final name only when complete (rename is atomic on one filesystem).
    os.replace(partial, target)
    return BackupResult(path=target, size=target.stat().st_size, pages=pages)


def postgres_instructions(database_uri: str, target: str) -> str:
    """How to back up (and restore) PostgreSQL with its own tools."""
    url = make_url(database_uri).set(drivername="postgresql")
    safe = url.render_as_string(hide_password=True)
    return (
        "desk runs on PostgreSQL here: back it up with pg_dump, which takes a consistent snapshot\n"
        "of the live database without stopping the app:\n\n"
        f'  pg_dump --format=custom --no-owner --file "{target}" "{safe}"\n\n'
        "(put the password in ~/.pgpass or PGPASSWORD rather than in the URL). Restore into an empty database:\n\n"
        f'  pg_restore --no-owner --dbname "<empty database URL>" "{target}"\n\n'
        "See docs/operations.md."
    )
