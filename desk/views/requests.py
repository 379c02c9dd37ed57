"""Filing and following requests: the pages every employee uses."""

import secrets

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from desk.extensions import db
from desk.forms.requests import NewRequestForm
from desk.forms import choices
from desk.models import Department, Priority, RequestType, Role
from desk.services import attachments, queries, workflow
from desk.services.workflow import WorkflowError
from desk.views.request_page import render_request_page
from desk.web import render

bp = Blueprint("requests", __name__)


@bp.get("/")
@login_required
def home():
    if current_user.role in (Role.AGENT, Role.HEAD) and current_user.department_id:
        return redirect(url_for("queue.index"))
    return redirect(url_for("requests.mine"))


@bp.get("/requests")
@login_required
def mine():
    scope = request.args.get("scope", "open")
    scope = scope if scope in {"open", "all", "watching"} else "open"
    page = queries.my_requests(
        current_user, scope=scope, page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"],
    )
    return render("requests/mine.html", "results", page=page, scope=scope)


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def new():
    form = NewRequestForm()
    departments = queries.providing_departments()
    form.department.choices = choices([(0, "Choose a department…")] + [(d.id, d.name) for d in departments])
    preset = _preset_type(departments) if request.method == "GET" else None
    wanted = form.department.data or (preset.department_id if preset else request.args.get("department", 0, type=int))
    # Only a department that takes requests can be chosen, whatever the URL or the form says.
    chosen = next((d for d in departments if d.id == wanted), None)
    types = queries.live_types(chosen.id) if chosen else []
    form.type.choices = choices([(0, "Choose a request type…")] + [(t.id, t.name) for t in types])
    if request.method == "GET":
        form.submission_key.data = secrets.token_urlsafe(24)
        if chosen:
            form.department.data = chosen.id
        if preset:  # "File a request" from the catalogue: department and type chosen already
            form.type.data = preset.id
            form.priority.data = preset.default_priority.value

    if form.validate_on_submit():
        request_type = db.session.get(RequestType, form.type.data)
        if not chosen:
            form.department.errors.append("Choose a department.")
        elif request_type is None or request_type.department_id != chosen.id:
            form.type.errors.append("Choose one of the department's request types.")
        else:
            # The same form sent twice (a double click, a resend): show the request it filed.
            filed = queries.filed_with_key(current_user, form.submission_key.data)
            if filed is not None:
                return redirect(url_for("requests.show", key=filed.key), code=303)
            try:
                req = workflow.file_request(
                    current_user, request_type, title=form.title.data, body=form.body.data,
                    priority=Priority(form.priority.data), submission_key=form.submission_key.data,
                )
                attachments.store(current_user, req, req.events[0], form.attachments.uploads)
                db.session.commit()
            except WorkflowError as error:
                db.session.rollback()
                form.type.errors.append(str(error))
            except IntegrityError:
                # Both sends raced past the check above; the other one filed it.
                db.session.rollback()
                filed = queries.filed_with_key(current_user, form.submission_key.data)
                if filed is None:
                    raise
                return redirect(url_for("requests.show", key=filed.key), code=303)
            else:
                return redirect(url_for("requests.show", key=req.key), code=303)
    status = 422 if form.errors else 200
    return render("requests/new.html", "form", status=status, form=form, types=types)


def _preset_type(departments: list[Department]) -> RequestType | None:
    """The live request type named by ``?type=`` in the URL, if it can be filed."""
    type_id = request.args.get("type", 0, type=int)
    request_type = db.session.get(RequestType, type_id) if type_id else None
    if request_type is None or request_type.archived or request_type.department_id not in {d.id for d in departments}:
        return None
    return request_type


@bp.get("/requests/new/types")
@login_required
def type_options():
    """htmx: the request types of the chosen department, for the second select."""
    department = db.session.get(Department, request.args.get("department", 0, type=int))
    types = queries.live_types(department.id) if department and department.takes_requests else []
    return render("requests/_type_options.html", types=types)


@bp.get("/requests/<key>")
@login_required
def show(key: str):
    req = queries.request_or_404(current_user, key)
    return render_request_page(req)


@bp.get("/people")
@login_required
def people():
    """htmx: colleagues matching what was typed, for the watcher field's suggestions."""
    from sqlalchemy import or_, select

    from desk.models import User

    text = request.args.get("email", "").strip()
    if len(text) < 2:
        return ""
    pattern = f"%{text.replace('%', '')}%"
    users = db.session.scalars(
        select(User).where(User.active.is_(True), or_(User.email.ilike(pattern), User.name.ilike(pattern)))
        .order_by(User.name).limit(8)
    )
    return render("requests/_people.html", users=list(users))


def not_found_unless(condition: bool) -> None:
    if not condition:
        abort(404)
