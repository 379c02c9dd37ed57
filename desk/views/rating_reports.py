"""Rating reports: the department's page (its heads) and the HR page (aggregates only).

Each table is built once here from :mod:`desk.services.rating_reports` and
shown on the page and exported as CSV from the same rows, so the page and the
download can never disagree, nor show what the other hides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import Blueprint, abort, current_app, request
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from desk.clock import utcnow
from desk.csv_export import csv_response
from desk.forms import choices
from desk.forms.feedback import DIMENSIONS, RatingFilterForm
from desk.models import Department
from desk.services import policy, ratings
from desk.services import rating_reports as reports
from desk.services.rating_reports import NOT_ENOUGH, RatingFilters
from desk.web import render

bp = Blueprint("rating_reports", __name__, url_prefix="/ratings")

DEFAULT_DAYS = 90
FIGURE_HEADERS = ["Resolved", "Ratings", "Response rate %", "CSAT %", "Average"]


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""

    @property
    def numeric(self) -> set[str]:
        """Headers of columns that hold numbers (right-aligned on the page)."""
        return {h for i, h in enumerate(self.headers)
                if i and any(isinstance(row[i], int | float) or row[i] == NOT_ENOUGH for row in self.rows)}


def _figures_table(name: str, title: str, first: str, figures, note: str = "") -> Table:
    rows = [[f.label, f.resolved, f.ratings, f.response_rate,
             f.csat if f.enough else NOT_ENOUGH, f.average if f.enough else NOT_ENOUGH] for f in figures]
    return Table(name, title, [first, *FIGURE_HEADERS], rows, note)


def _servqual_table(profile) -> Table:
    rows = [[DIMENSIONS[d.name][0], d.ratings, d.average if d.enough else NOT_ENOUGH] for d in profile]
    return Table("servqual", "SERVQUAL profile", ["Dimension", "Scored", "Average"], rows,
                 "Each dimension is optional, so each has its own count.")


def _stars_table(stars, *, with_department: bool) -> Table:
    headers = ["Month", *(["Department"] if with_department else []), "Agent", "Ratings", "Average"]
    rows = [[f"{s.month:%B %Y}", *([s.department] if with_department else []), s.agent, s.ratings, s.average]
            for s in reversed(stars)]
    return Table("stars", "Service star", headers, rows,
                 f"Each month, the agent with the best average (at least {policy.MIN_RATINGS_SHOWN} ratings; ties go to more ratings).")


# --- the department page (heads) --------------------------------------------

def _department_tables(department: Department, filters: RatingFilters) -> dict:
    return {
        "summary": lambda: _figures_table("summary", "All ratings", "Period", [reports.overall(filters)]),
        "weekly": lambda: _figures_table("weekly", "Per week", "Week", reports.by_week(filters)),
        "types": lambda: _figures_table("types", "By request type", "Request type", reports.by_type(filters)),
        "requesting": lambda: _figures_table("requesting", "By requesting department", "Requesting → providing",
                                             reports.by_pair(filters)),
        "agents": lambda: _figures_table("agents", "By agent", "Agent (who resolved)", reports.by_agent(filters)),
        "servqual": lambda: _servqual_table(reports.servqual_profile(filters)),
        "stars": lambda: _stars_table(reports.service_stars(filters), with_department=False),
        "ratings": lambda: _individual_table(department, filters),
    }


def _individual_table(department: Department, filters: RatingFilters) -> Table:
    page = ratings.visible_ratings(current_user, department_id=department.id, start=filters.start_at(),
                                   end=filters.end_before(), page=1, per_page=10_000)
    rows = [[r.request.key, f"{r.resolved_at:%Y-%m-%d}", r.agent.name if r.agent else "", r.requester.name, r.score,
             *(getattr(r, d) for d in DIMENSIONS), r.comment] for r in page.items]
    return Table("ratings", "Individual ratings", ["Request", "Resolved", "Agent", "Requester", "Score",
                                                   *(label for label, _ in DIMENSIONS.values()), "Comment"], rows)


def _head_department() -> Department:
    department = current_user.department
    if department is None or not policy.can_see_department_ratings(current_user, department):
        abort(404)
    return department


@bp.get("/department")
@login_required
def department():
    department = _head_department()
    form, filters = _filters(department_id=department.id)
    tables = {name: build() for name, build in _department_tables(department, filters).items() if name != "ratings"}
    individual = ratings.visible_ratings(current_user, department_id=department.id, start=filters.start_at(),
                                         end=filters.end_before(), page=request.args.get("page", 1, type=int),
                                         per_page=current_app.config["PER_PAGE"])
    return render("ratings/department.html", "report", department=department, form=form, filters=filters,
                  tables=tables, individual=individual, dimensions=DIMENSIONS, args=_args(form),
                  min_shown=policy.MIN_RATINGS_SHOWN)


@bp.get("/department/<name>.csv")
@login_required
def department_csv(name: str):
    department = _head_department()
    form, filters = _filters(department_id=department.id)
    builders = _department_tables(department, filters)
    if name not in builders:
        abort(404)
    table = builders[name]()
    return csv_response(f"{department.code}-ratings-{name}.csv", table.headers, table.rows)


# --- the HR page (aggregates only) -------------------------------------------

def _hr_tables(filters: RatingFilters) -> dict:
    return {
        "providers": lambda: _figures_table("providers", "By providing department", "Providing department",
                                            reports.by_provider(filters)),
        "pairs": lambda: _figures_table("pairs", "Requesting → providing", "Requesting → providing",
                                        reports.by_pair(filters)),
        "types": lambda: _figures_table("types", "By request type", "Request type", reports.by_type(filters)),
        "weekly": lambda: _figures_table("weekly", "Per week", "Week", reports.by_week(filters)),
        "servqual": lambda: _servqual_by_department(filters),
        "stars": lambda: _stars_table(reports.service_stars(filters), with_department=True),
        "clarity": lambda: _clarity_table(filters),
    }


def _servqual_by_department(filters: RatingFilters) -> Table:
    rows = [[name, *(f.average if f.enough else NOT_ENOUGH for f in profile)]
            for _, name, profile in reports.servqual_by_provider(filters)]
    return Table("servqual", "SERVQUAL profile by providing department",
                 ["Providing department", *(label for label, _ in DIMENSIONS.values())], rows,
                 f"Averages over at least {policy.MIN_RATINGS_SHOWN} scores per dimension.")


def _clarity_table(filters: RatingFilters) -> Table:
    rows = [[f.label, f.scored, f.average if f.enough else NOT_ENOUGH]
            for f in reports.clarity_by_requesting_department(filters)]
    return Table("clarity", "Request clarity by requesting department", ["Requesting department", "Scored",
                                                                          "Average clarity"], rows,
                 "Agents score how clear a request was (1-5) when they resolve it.")


def _hr_only() -> None:
    if not policy.can_see_rating_aggregates(current_user):
        abort(404)


@bp.get("/hr")
@login_required
def hr():
    _hr_only()
    form, filters = _filters(departments=True)
    tables = {name: build() for name, build in _hr_tables(filters).items()}
    return render("ratings/hr.html", "report", form=form, filters=filters, tables=tables, args=_args(form),
                  min_shown=policy.MIN_RATINGS_SHOWN)


@bp.get("/hr/<name>.csv")
@login_required
def hr_csv(name: str):
    _hr_only()
    form, filters = _filters(departments=True)
    builders = _hr_tables(filters)
    if name not in builders:
        abort(404)
    table = builders[name]()
    return csv_response(f"ratings-{name}.csv", table.headers, table.rows)


# --- filters -----------------------------------------------------------------

def _filters(*, department_id: int | None = None, departments: bool = False) -> tuple[RatingFilterForm, RatingFilters]:
    """The period (default: the last 90 days) and, for HR, a providing department, from the query string."""
    args = MultiDict(request.args)
    if not args.get("start") and not args.get("end"):
        args["start"] = (utcnow().date() - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    form = RatingFilterForm(formdata=args)
    options = [(0, "All departments")]
    if departments:
        options += reports.department_options()
    form.department.choices = choices(options)
    valid = form.validate()
    start = form.start.data if valid or not form.start.errors else None
    end = form.end.data if valid else None
    chosen = department_id or (form.department.data if departments and not form.department.errors else None) or None
    return form, RatingFilters(start=start, end=end, department_id=chosen)


def _args(form: RatingFilterForm) -> dict:
    args = {"start": form.start.data.isoformat() if form.start.data else None,
            "end": form.end.data.isoformat() if form.end.data else None,
            "department": form.department.data or None}
    return {k: v for k, v in args.items() if v}
