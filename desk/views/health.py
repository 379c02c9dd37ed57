"""``GET /health``: is the app up, can it reach its database, is the SLA sweep running?

Public and tiny, for load balancers and monitoring. A sweep that has not run
for ``SLA_SWEEP_STALE_SECONDS`` (or never) is "stale": cron stopped, so no
SLA warnings go out, although every page still shows the right clock state.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from desk.clock import utcnow
from desk.extensions import db
from desk.services import sla_sweep

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    try:
        db.session.execute(text("SELECT 1"))
        last_run = sla_sweep.last_run()
        database = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("health check: database unreachable")
        last_run, database = None, "error"
    limit = current_app.config.get("SLA_SWEEP_STALE_SECONDS", 300)
    stale = last_run is None or (utcnow() - last_run).total_seconds() > limit
    body = {
        "status": "ok" if database == "ok" else "error",
        "database": database,
        "sla_sweep_last_run": last_run.isoformat() if last_run else None,
        "sla_sweep_stale": stale,
    }
    response = jsonify(body)
    response.status_code = 200 if database == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response
