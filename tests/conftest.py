"""Fixtures shared by the whole suite.

One database per xdist worker: a SQLite file in a temporary folder, or, when
``DESK_TEST_DATABASE_URL`` points at PostgreSQL, a database of its own created
on that server. Tables are created once per worker and emptied after each test.
"""

from __future__ import annotations

import os
import re

import pytest
from flask import g, request_started
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from desk import create_app
from desk.extensions import db as _db
from tests.factories import Factory

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,  # tests/test_security.py turns it back on to prove it works
    "RATELIMIT_ENABLED": False,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production uses scrypt
    "SERVER_NAME": "desk.test",
}


def _database_url(tmp_path_factory, worker: str) -> str:
    base = os.environ.get("DESK_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'desk.db'}"
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    # DESK_TEST_DB_PREFIX lets several people share one server without dropping each other's databases.
    name = re.sub(r"\W", "_", f"{os.environ.get('DESK_TEST_DB_PREFIX', 'desk_test')}_{worker}")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    return _database_url(tmp_path_factory, worker_id)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url,
                      "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads"))})
    # Inside the `ctx` fixture every test-client request reuses that one app
    # context, so Flask-Login's cached user (g._login_user) would leak from one
    # client to the next (an anonymous client would be "logged in"). In
    # production each request has its own app context; forget it here too.
    request_started.connect(_forget_cached_user, app)
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _forget_cached_user(sender, **extra) -> None:
    g.pop("_login_user", None)


@pytest.fixture(autouse=True)
def _clean_database(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        _db.session.remove()
        tables = list(reversed(_db.metadata.sorted_tables))
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture
def ctx(app):
    """An application context for tests that call services directly."""
    with app.test_request_context():
        yield
        _db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app, ctx) -> Factory:
    return Factory()


@pytest.fixture
def login(client):
    """Log a user in through the real login form."""

    def login_as(user, password: str = Factory.PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 303, response.text
        return client

    return login_as
