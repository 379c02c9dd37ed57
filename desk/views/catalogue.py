"""The service catalogue: a read-only page for everyone, and its management for each head."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from desk.extensions import db
from desk.forms import EmptyForm
from desk.forms.admin import RequestTypeForm
from desk.models import Department, Priority, RequestType
from desk.services import catalogue, policy
from desk.services.errors import FieldError
from desk.web import render

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


@bp.get("/")
@login_required
def index():
    """What every department offers, with a link to file each kind of request."""
    managed = current_user.department if current_user.department and policy.can_manage_catalogue(
        current_user, current_user.department) else None
    return render("catalogue/index.html", offers=catalogue.public_catalogue(), managed=managed)


def _managed_department(code: str) -> Department:
    """The department by code, if the current user heads it; 404 for everyone else."""
    department = db.session.scalar(select(Department).where(Department.code == code.upper()))
    if department is None or not policy.can_manage_catalogue(current_user, department):
        abort(404)
    return department


def _managed_type(department: Department, type_id: int) -> RequestType:
    return catalogue.type_of(department, type_id) or abort(404)


@bp.get("/<code>/types")
@login_required
def manage(code: str):
    department = _managed_department(code)
    return render("catalogue/manage.html", department=department,
                  types=catalogue.department_types(department), button=EmptyForm())


@bp.route("/<code>/types/new", methods=["GET", "POST"])
@login_required
def new_type(code: str):
    department = _managed_department(code)
    return _save(department, None, RequestTypeForm())


@bp.route("/<code>/types/<int:type_id>/edit", methods=["GET", "POST"])
@login_required
def edit_type(code: str, type_id: int):
    department = _managed_department(code)
    request_type = _managed_type(department, type_id)
    form = RequestTypeForm(data=dict(name=request_type.name, description=request_type.description,
                                     default_priority=request_type.default_priority.value,
                                     confidential=request_type.confidential))
    return _save(department, request_type, form)


def _save(department: Department, request_type: RequestType | None, form: RequestTypeForm):
    if form.validate_on_submit():
        # Only the form's fields are read: anything else posted is ignored.
        values = dict(name=form.name.data, description=form.description.data or "",
                      default_priority=Priority(form.default_priority.data), confidential=form.confidential.data)
        try:
            if request_type is None:
                request_type = catalogue.create_type(department, **values)
            else:
                catalogue.update_type(request_type, **values)
        except FieldError as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(f"“{request_type.name}” is saved.", "success")
            return redirect(url_for("catalogue.manage", code=department.code), code=303)
    return render("catalogue/type_form.html", "form", status=422 if form.errors else 200,
                  form=form, department=department, request_type=request_type)


@bp.post("/<code>/types/<int:type_id>/archive")
@login_required
def archive(code: str, type_id: int):
    department = _managed_department(code)
    request_type = _managed_type(department, type_id)
    if EmptyForm().validate_on_submit():
        catalogue.archive_type(request_type)
        db.session.commit()
        flash(f"“{request_type.name}” is archived: nobody can file it now. Its requests are untouched.", "success")
    return redirect(url_for("catalogue.manage", code=department.code), code=303)


@bp.post("/<code>/types/<int:type_id>/unarchive")
@login_required
def unarchive(code: str, type_id: int):
    department = _managed_department(code)
    request_type = _managed_type(department, type_id)
    if EmptyForm().validate_on_submit():
        catalogue.unarchive_type(request_type)
        db.session.commit()
        flash(f"“{request_type.name}” is offered again.", "success")
    return redirect(url_for("catalogue.manage", code=department.code), code=303)
