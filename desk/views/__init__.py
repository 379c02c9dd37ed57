"""Blueprints. Each view parses a form, asks the policy, calls one service, renders."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from desk.views import actions, admin, attachments, auth, catalogue, queue, requests, calendars, agreements, health
    from desk.views import notifications, rating_reports, ratings, reports

    for module in (auth, requests, actions, attachments, queue, admin, catalogue, calendars, agreements, health,
                   notifications, ratings, rating_reports, reports):
        app.register_blueprint(module.bp)
