"""Command-line entry points (``flask --app desk ...``). They call the same services as the views."""

from flask import Flask


def register_commands(app: Flask) -> None:
    from desk.seed.demo import seed_demo_command

    app.cli.add_command(seed_demo_command)
