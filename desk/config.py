"""Configuration: defaults here, overrides from ``DESK_*`` environment variables.

``DESK_DATABASE_URL=postgresql+psycopg://...`` becomes ``DATABASE_URL`` and so
on (values are parsed as JSON when they look like JSON, so
``DESK_SESSION_COOKIE_SECURE=true`` is a boolean).
"""

import os
import secrets
from pathlib import Path

from flask import Flask

DEFAULTS = {
    "ENV": "development",  # or "production": then a secret key is required
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "SECRET_KEY": None,
    "BASE_URL": "http://127.0.0.1:5000",
    "PER_PAGE": 25,
    "PASSWORD_HASH_METHOD": "scrypt",
    "MAX_TEXT": 20_000,
    "REOPEN_DAYS": 7,
    "SLA_SWEEP_STALE_SECONDS": 300,  # /health calls the sweep stale after this long without a run
    "RATING_DAYS": 14,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_LOGIN": "10 per minute;50 per hour",
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    "MAIL_FROM": "desk@localhost",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
    "UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
    "UPLOAD_MAX_FILES": 5,
    "UPLOAD_FOLDER": None,  # None: instance/uploads (outside static/, never served directly)
}


def load_config(app: Flask, overrides: dict | None) -> None:
    """Fill ``app.config`` from defaults, the environment, then ``overrides``."""
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("DESK")
    if overrides:
        app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config["UPLOAD_FOLDER"]:
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = development_secret(app)


def database_url(app: Flask) -> str:
    url = app.config["DATABASE_URL"]
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{Path(app.instance_path) / 'desk.db'}"
    # Accept the URLs PaaS hosts hand out and pick psycopg 3 as the driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # A generous timeout: SQLite serialises writers; waiting beats "database is locked".
        return {"module": sqlite_driver(), "connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True}


def sqlite_driver():
    """The SQLite driver: sqlean.py, the standard ``sqlite3`` module built with a current
    SQLite and its "stats" extension, whose ``median`` and ``percentile`` aggregates give
    the reports their percentiles in one pass (the standard build has none)."""
    import sqlean

    sqlean.extensions.enable("stats")  # read by every new connection
    return sqlean


def development_secret(app: Flask) -> str:
    """A random key kept under ``instance/`` so sessions survive restarts.

    Production must configure ``DESK_SECRET_KEY`` explicitly: a key generated
    per machine would log everybody out whenever a process lands elsewhere.
    """
    if app.config["ENV"] == "production":
        raise RuntimeError(
            "DESK_SECRET_KEY is not set. Refusing to start in production without a secret key."
        )
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()
