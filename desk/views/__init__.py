"""Blueprints. Each view parses a form, asks the policy, calls one service, renders."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from desk.views import actions, admin, auth, catalogue, queue, requests

    for module in (auth, requests, actions, queue, admin, catalogue):
        app.register_blueprint(module.bp)
