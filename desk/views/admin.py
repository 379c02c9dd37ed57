"""Administration: departments and people. Administrators only; anyone else gets a 404."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from desk.extensions import db, login_manager
from desk.forms import choices
from desk.forms.admin import DepartmentForm, NewUserForm, UserForm
from desk.models import Department, Role, User
from desk.services import admin, policy
from desk.services.errors import FieldError
from desk.web import render

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _administrators_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not policy.can_administer(current_user):
        abort(404)  # the admin area does not exist for anyone else
    return None


@bp.get("/")
@login_required
def index():
    return redirect(url_for("admin.departments"))


# --- departments -------------------------------------------------------------


@bp.get("/departments")
@login_required
def departments():
    return render("admin/departments.html", rows=admin.department_rows())


@bp.route("/departments/new", methods=["GET", "POST"])
@login_required
def new_department():
    form = _department_form()
    return _save_department(form, None)


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@login_required
def edit_department(department_id: int):
    department = db.session.get(Department, department_id) or abort(404)
    form = _department_form(department)
    return _save_department(form, department)


def _department_form(department: Department | None = None) -> DepartmentForm:
    if department is None:
        form = DepartmentForm()
    else:
        # data=, not obj=: WTForms prefers obj's attributes (department.calendar is an object).
        form = DepartmentForm(data=dict(name=department.name, code=department.code,
                                        takes_requests=department.takes_requests,
                                        calendar=department.calendar_id or 0))
    form.calendar.choices = choices(
        [(0, "Standard week (UTC)")] + [(c.id, f"{c.name} ({c.tz})") for c in admin.calendars()]
    )
    return form


def _save_department(form: DepartmentForm, department: Department | None):
    if form.validate_on_submit():
        # Only the form's fields are read: anything else posted is ignored.
        values = dict(name=form.name.data, code=form.code.data, takes_requests=form.takes_requests.data,
                      calendar_id=form.calendar.data or None)
        try:
            if department is None:
                department = admin.create_department(**values)
            else:
                admin.update_department(department, **values)
        except FieldError as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(f"{department.name} ({department.code}) is saved.", "success")
            return redirect(url_for("admin.departments"), code=303)
    code_locked = department is not None and admin.department_has_requests(department)
    return render("admin/department_form.html", "form", status=422 if form.errors else 200,
                  form=form, department=department, code_locked=code_locked)


# --- people ------------------------------------------------------------------


@bp.get("/users")
@login_required
def users():
    q = request.args.get("q", "").strip()[:120]
    department = request.args.get("department", "")
    page = admin.users_page(q=q, department=department, page=request.args.get("page", 1, type=int),
                            per_page=current_app.config["PER_PAGE"])
    return render("admin/users.html", "results", page=page, q=q, department=department,
                  departments=admin.all_departments())


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    form = NewUserForm()
    _user_choices(form)
    return _save_user(form, None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(data=dict(name=user.name, email=user.email, department=user.department_id or 0,
                              role=user.role.value, time_zone=user.time_zone, is_hr=user.is_hr,
                              is_admin=user.is_admin, active=user.active))
    _user_choices(form)
    return _save_user(form, user)


def _user_choices(form: UserForm) -> None:
    form.department.choices = choices(
        [(0, "No department (files requests only)")] + [(d.id, d.name) for d in admin.all_departments()]
    )


def _save_user(form: UserForm, user: User | None):
    if form.validate_on_submit():
        # Only the form's fields are read: anything else posted is ignored.
        values = dict(
            name=form.name.data, email=form.email.data, department_id=form.department.data or None,
            role=Role(form.role.data), time_zone=form.time_zone.data, is_hr=form.is_hr.data,
            is_admin=form.is_admin.data, active=form.active.data,
        )
        released = 0
        try:
            if user is None:
                user = admin.create_user(**values, password=form.password.data)
            else:
                released = admin.update_user(current_user, user, **values, password=form.password.data or None)
        except FieldError as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(f"{user.name}'s account is saved.{_back_in_queues(released)}", "success")
            return redirect(url_for("admin.users"), code=303)
    return render("admin/user_form.html", "form", status=422 if form.errors else 200, form=form, user=user)


def _back_in_queues(count: int) -> str:
    """The flash's second sentence after a deactivation or a move: how many requests lost their assignee."""
    if count == 0:
        return ""
    if count == 1:
        return " 1 open request went back to its queue, unassigned."
    return f" {count} open requests went back to their queues, unassigned."
