"""The department queue: what agents work from all day."""

from flask import Blueprint, abort, current_app, request
from flask_login import current_user, login_required

from desk.services import policy, queries
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
    )
