"""The report charts: SVG documents drawn from the same queries as the tables beside them.

Each chart runs only the query its table needs, so an ``<img>`` costs one
aggregate, not the whole page again. The response carries its own strict CSP.
"""

from __future__ import annotations

from flask import Response, abort
from flask_login import login_required

from desk.clock import utcnow
from desk.services.reports import attainment, bottlenecks, charts, handoffs, health, review, waits
from desk.services.reports.tables import Table
from desk.views.reports import bp, report_filters


def _review_weekly(f):
    table = review.weekly_table(f)
    return charts.line("Attainment by week (%)", table, "label",
                       [("resolution_pct", "Resolution met"), ("response_pct", "First response met")], percent=True)


def _review_volume(f):
    table = review.weekly_table(f)
    return charts.bars("Received and resolved by week", table, "label",
                       [("received", "Received"), ("resolved", "Resolved")])


def _worst(f):
    matrix = bottlenecks.bottleneck_matrix(f)
    judged = [r for r in matrix.table.rows if r["resolution_pct"] is not None and r["level"] != "too few to judge"]
    rows = sorted(judged, key=lambda r: r["resolution_pct"])[:10]
    for row in rows:
        row["pair"] = f"{row['requesting']} → {row['providing']}"
    table = Table("worst", "", matrix.table.columns, rows)
    return charts.bars("Lowest resolution attainment (%)", table, "pair", [("resolution_pct", "Resolution met")],
                       horizontal=True, percent=True)


def _waits(f):
    report = waits.where_requests_wait(f)
    return charts.bars("Business hours by stage", report.table, "department",
                       [(key, label) for key, label in waits.STAGES], horizontal=True, stacked=True)


def _flows(f):
    table = handoffs.handoff_report(f).tables["flows"]
    for row in table.rows:
        row["pair"] = f"{row['from']} → {row['to']}"
    return charts.bars("Most frequent hand-offs", table, "pair", [("handoffs", "Hand-offs")], horizontal=True,
                       limit=10)


def _health(f):
    table = health.scorecard_table(health.scorecards(f, utcnow()))
    return charts.bars("Health index (0-100)", table, "department",
                       [("index", "This period"), ("index_before", "Previous period")], horizontal=True, percent=True)


def _agreements(f):
    table = attainment.by_agreement(f)
    for row in table.rows:
        row["name"] = f"{row['agreement']} v{row['version']}" if row["version"] else row["agreement"]
    return charts.bars("Resolution met by agreement version (%)", table, "name",
                       [("resolution_pct", "Resolution met"), ("response_pct", "First response met")],
                       horizontal=True, percent=True)


CHARTS = {
    "review-weekly": _review_weekly,
    "review-volume": _review_volume,
    "bottlenecks-worst": _worst,
    "waits-stages": _waits,
    "handoffs-flows": _flows,
    "health-index": _health,
    "attainment-agreements": _agreements,
}


@bp.get("/chart/<name>.svg")
@login_required
def chart(name: str):
    builder = CHARTS.get(name)
    if builder is None:
        abort(404)
    svg = builder(report_filters())
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = charts.SVG_CSP
    return response
