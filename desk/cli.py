"""Command-line entry points (``flask --app desk ...``). They call the same services as the views."""

import click
from flask import Flask
from flask.cli import with_appcontext


def register_commands(app: Flask) -> None:
    from desk.seed.demo import seed_demo_command
    from desk.seed.volume import seed_volume_command
    from desk.services.reports.digest import digest_command

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_volume_command)
    app.cli.add_command(digest_command)
    app.cli.add_command(sla_sweep_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(rebuild_rollup_command)


@click.command("sla-sweep")
@with_appcontext
def sla_sweep_command() -> None:
    """Warn once about requests that became at risk or breached (run every minute from cron)."""
    from desk.clock import utcnow
    from desk.extensions import db
    from desk.services import sla_sweep

    result = sla_sweep.sweep(utcnow())
    db.session.commit()
    for key, clock, level in result.warnings:
        click.echo(f"{key}: {clock.value} {level.value.replace('_', ' ')}")
    click.echo(f"Checked {result.checked} requests, {len(result.warnings)} new warnings.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=str))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@with_appcontext
def backup_command(path: str, force: bool) -> None:
    """Copy the live SQLite database to PATH consistently (PostgreSQL: prints how to use pg_dump)."""
    from pathlib import Path

    from flask import current_app

    from desk.services import backup

    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    source = backup.sqlite_path(uri)
    if source is None:
        click.echo(backup.postgres_instructions(uri, path))
        raise SystemExit(1)  # no copy was made here: a cron job must not take this for success
    try:
        result = backup.backup_sqlite(source, Path(path), overwrite=force)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {source} to {result.path} ({result.size:,} bytes, integrity ok).")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", prompt="Full name", help="The administrator's name.")
@click.password_option(help="Asked for (twice) when not given.")
@with_appcontext
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an administrator account: the first login of a new installation."""
    from desk.extensions import db
    from desk.models import Role
    from desk.passwords import password_problem
    from desk.services import admin
    from desk.services.errors import FieldError

    problem = password_problem(password, user_inputs=[name, email])
    if problem:
        raise click.ClickException(problem)
    try:
        user = admin.create_user(name=name, email=email, department_id=None, role=Role.MEMBER, time_zone="UTC",
                                 is_hr=False, is_admin=True, active=True, password=password)
    except FieldError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Administrator {user.email} created. Log in and add departments and people under Admin.")


@click.command("rebuild-rollup")
@with_appcontext
def rebuild_rollup_command() -> None:
    """Rebuild the report rollup from every request (after loading data behind the app's back)."""
    from desk.extensions import db
    from desk.services.reports.rollup import rebuild

    rows = rebuild()
    db.session.commit()
    click.echo(f"{rows} rollup rows rebuilt.")
