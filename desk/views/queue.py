"""The department queue: what agents work from all day."""

from flask import Blueprint, abort, current_app, request
from flask_login import current_user, login_required

from desk.clock import utcnow
from desk.services import policy, queries, sla_view
from desk.services.sla_queries import SLA_FILTERS
from desk.services.queries import QueueFilters
from desk.models import Priority, Status
from desk.web import render

bp = Blueprint("queue", __name__, url_prefix="/queue")


@bp.get("/")
@login_required
def index():
    department = current_user.department
    if department is None or not policy.can_work_queue(current_user, department):
        abort(404)
    filters = QueueFilters.from_args(request.args)
    page = queries.queue(current_user, department, filters, per_page=current_app.config["PER_PAGE"])
    now = utcnow()
    return render(
        "queue/index.html",
        "results",
        department=department,
        filters=filters,
        page=page,
        agents=queries.department_agents(department.id),
        types=queries.live_types(department.id),
        statuses=list(Status),
        priorities=list(Priority),
        clocks={r.id: sla_view.badge_state(r, now) for r in page.items},
        sla_filters=SLA_FILTERS,
    )
