"""Report pages: heads see their own department, HR every department's aggregates.

Each view parses the filters from the URL, asks the policy, calls one report
service and renders the page (or, for htmx, its ``report`` block; or, with
``?format=csv&table=NAME``, one table as CSV from the same query).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request, url_for
from flask_login import current_user, login_required

from desk.clock import utcnow
from desk.services import policy
from desk.services.reports import attainment as attainment_report
from desk.services.reports import bottlenecks as bottleneck_report
from desk.services.reports import handoffs as handoff_report
from desk.services.reports import health as health_report
from desk.services.reports import lookups
from desk.services.reports import review as review_report
from desk.services.reports import waits as wait_report
from desk.services.reports.filters import PRESETS, ReportFilters
from desk.services.reports.tables import Table, display, to_csv
from desk.web import render

bp = Blueprint("reports", __name__, url_prefix="/reports")

PAGES = [
    ("reports.review", "SLA review"),
    ("reports.bottlenecks", "Bottlenecks"),
    ("reports.waits", "Where requests wait"),
    ("reports.handoffs", "Hand-offs"),
    ("reports.health", "Cross-team health"),
    ("reports.attainment", "Agreement attainment"),
]
# The tabs are drawn by a macro (reports/_macros.html) on the full page and again in each
# htmx fragment, so the list is a template global rather than a variable each view passes.
bp.add_app_template_global(PAGES, "report_pages")


@bp.app_template_filter("report_cell")
def report_cell(value, kind: str = "int") -> str:
    return display(value, kind)


def report_filters() -> ReportFilters:
    """The URL's filters, scoped to what this user may see (404 for anyone without reports)."""
    if not policy.can_see_reports(current_user):
        abort(404)
    filters = ReportFilters.from_args(request.args, today=utcnow().date())
    return filters.for_department(policy.report_department(current_user, filters.department_id))


def page(template: str, filters: ReportFilters, tables: dict[str, Table], **context):
    if request.args.get("format") == "csv":
        table = tables.get(request.args.get("table", ""))
        if table is None:
            abort(404)
        return csv_response(table, filters)
    choices = lookups.filter_choices(filters.department_id)
    return render(template, "report", filters=filters, tables=tables, presets=PRESETS,
                  choices=choices, department=lookups.departments().get(filters.department_id),
                  hr=current_user.is_hr, **context)


def csv_response(table: Table, filters: ReportFilters) -> Response:
    name = f"desk-{table.name}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    return Response(to_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/")
@bp.get("/review")
@login_required
def review():
    filters = report_filters()
    report = review_report.department_review(filters, utcnow())
    return page("reports/review.html", filters, report.tables, report=report)


@bp.get("/bottlenecks")
@login_required
def bottlenecks():
    filters = report_filters()
    matrix = bottleneck_report.bottleneck_matrix(filters)
    own = current_user.department_id if current_user.role.value == "head" else None
    return page("reports/bottlenecks.html", filters, {"matrix": matrix.table}, matrix=matrix, own=own)


@bp.get("/bottlenecks/requests")
@login_required
def cell_requests():
    """The requests behind one cell: heads of either department only (HR: aggregates only)."""
    filters = report_filters()
    requesting = request.args.get("requesting", type=int)
    providing = request.args.get("providing", type=int)
    if not policy.can_open_report_requests(current_user, requesting, providing):
        abort(404)
    show = request.args.get("show", "resolved")
    found = bottleneck_report.cell_requests(current_user, filters.for_department(None), requesting, providing, show,
                                      max(request.args.get("page", 1, type=int), 1),
                                      current_app.config["PER_PAGE"])
    names = lookups.departments()
    return render("reports/cell_requests.html", "results", filters=filters, page=found, show=show,
                  shows=bottleneck_report.SHOW, requesting=names.get(requesting), providing=names.get(providing),
                  args={**filters.as_args(), "requesting": requesting, "providing": providing,
                                     "show": show})


@bp.get("/waits")
@login_required
def waits():
    filters = report_filters()
    report = wait_report.where_requests_wait(filters)
    return page("reports/waits.html", filters, {"waits": report.table}, report=report, stages=wait_report.STAGES)


@bp.get("/handoffs")
@login_required
def handoffs():
    filters = report_filters()
    report = handoff_report.handoff_report(filters)
    return page("reports/handoffs.html", filters, report.tables, report=report)


@bp.get("/health")
@login_required
def health():
    filters = report_filters()
    cards = health_report.scorecards(filters, utcnow())
    return page("reports/health.html", filters, {"scorecard": health_report.scorecard_table(cards)}, cards=cards,
                components=health_report.COMPONENTS)


@bp.get("/attainment")
@login_required
def attainment():
    filters = report_filters()
    tables = {"by_agreement": attainment_report.by_agreement(filters)}
    if policy.can_see_agent_attainment(current_user, filters.department_id):
        tables["by_agent"] = attainment_report.by_agent(filters)
    return page("reports/attainment.html", filters, tables)


def chart_url(name: str, filters: ReportFilters) -> str:
    return url_for("reports.chart", name=name, **filters.as_args())


from desk.views import report_charts  # noqa: E402,F401  (adds the chart route to this blueprint)
