"""`flask --app desk backup PATH`: a consistent copy of a live SQLite database, read back."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from desk import create_app
from desk.config import sqlite_driver
from desk.extensions import db
from desk.models import EventKind, ServiceRequest, User
from tests.conftest import TEST_CONFIG


@pytest.fixture
def sqlite_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the online backup API is SQLite's; PostgreSQL uses pg_dump")


def test_backup_copies_a_database_that_restores(app, make, tmp_path, sqlite_only):
    it = make.department("IT")
    requester = make.user(make.department("MKT"), name="Backup Person")
    make.request(requester, make.request_type(it, "Laptop"), title="Keep me safe")
    target = tmp_path / "desk-backup.db"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    # Restore: a fresh app on the copy reads the data back through the ORM.
    restored = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{target}"})
    with restored.app_context():
        assert db.session.scalar(select(User.name).where(User.id == requester.id)) == "Backup Person"
        req = db.session.scalar(select(ServiceRequest))
        assert (req.key, req.title) == ("IT-1", "Keep me safe")
        assert [e.kind for e in req.events] == [EventKind.CREATED]
        db.session.remove()
        db.engine.dispose()
    # The copy stands alone: no -wal file is needed to read it.
    assert not (tmp_path / "desk-backup.db-wal").exists() or (tmp_path / "desk-backup.db-wal").stat().st_size == 0


def test_backup_refuses_to_overwrite_unless_forced(app, make, tmp_path, sqlite_only):
    target = tmp_path / "exists.db"
    target.write_text("precious")
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code != 0
    assert "exists already" in result.output
    assert target.read_text() == "precious"
    assert app.test_cli_runner().invoke(args=["backup", str(target), "--force"]).exit_code == 0
    assert sqlite_driver().connect(target).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_of_a_database_being_written_is_consistent(app, make, tmp_path, sqlite_only):
    """A writer files requests while the backup runs: the copy is one snapshot, so
    every request in it has its 'created' event (both are written in one transaction)."""
    it = make.department("IT")
    laptop = make.request_type(it, "Laptop")
    requester = make.user(make.department("MKT"))
    ids = (laptop.id, requester.id)
    stop = threading.Event()
    filed = []

    def writer():
        from desk.services import workflow

        with app.test_request_context(method="POST"):
            request_type = db.session.get(type(laptop), ids[0])
            person = db.session.get(User, ids[1])
            while not stop.is_set() and len(filed) < 300:
                workflow.file_request(person, request_type, title=f"Load {len(filed)}", body="x" * 2000)
                db.session.commit()
                filed.append(1)
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(filed) < 20:
            stop.wait(0.01)
        targets = [tmp_path / f"live-{n}.db" for n in range(3)]
        for target in targets:
            result = app.test_cli_runner().invoke(args=["backup", str(target)])
            assert result.exit_code == 0, result.output
    finally:
        stop.set()
        thread.join(timeout=60)
    for target in targets:
        copy = sqlite_driver().connect(target)
        requests = copy.execute("SELECT count(*) FROM requests").fetchone()[0]
        created = copy.execute("SELECT count(*) FROM events WHERE kind = 'created'").fetchone()[0]
        assert requests >= 20 and requests == created
        copy.close()


def test_postgres_gets_pg_dump_instructions(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://desk:secret@db.internal/desk")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "desk.dump")])
    assert result.exit_code == 1  # no copy made: a cron job must not mistake this for success
    assert "pg_dump --format=custom" in result.output
    assert "pg_restore" in result.output
    assert "secret" not in result.output  # the password is never echoed
    assert not (tmp_path / "desk.dump").exists()

