"""desk: an internal-customer service desk."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides the environment (tests use it)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    from desk.config import load_config

    load_config(app, config)
    _init_extensions(app)
    _init_blueprints(app)
    _init_web(app)
    _init_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from desk.database import init_database
    from desk.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    init_database(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from desk import auth  # registers the user loader
    from desk.services.reports import rollup

    auth.init_login(login_manager)
    rollup.install()  # the report rollup follows every change to requests and ratings


def _init_blueprints(app: Flask) -> None:
    from desk.views import register_blueprints

    register_blueprints(app)


def _init_web(app: Flask) -> None:
    from desk.web import init_web

    init_web(app)


def _init_cli(app: Flask) -> None:
    from desk.cli import register_commands

    register_commands(app)
