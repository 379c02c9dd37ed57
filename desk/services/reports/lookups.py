"""Names for the ids that aggregates group by: one small query per kind, never per row."""

from __future__ import annotations

from sqlalchemy import select

from desk.extensions import db
from desk.models import Department, Priority, RequestType, User


def departments() -> dict[int, Department]:
    """Every department by id (a company has tens, not thousands)."""
    return {d.id: d for d in db.session.scalars(select(Department).order_by(Department.name))}


def department_label(departments_by_id: dict[int, Department], department_id: int | None) -> str:
    if department_id is None:
        return "No department"
    department = departments_by_id.get(department_id)
    return department.name if department else "?"


def type_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(RequestType.id, RequestType.name, Department.code)
        .join(Department, Department.id == RequestType.department_id)
        .where(RequestType.id.in_(ids))
    )
    return {i: f"{code}: {name}" for i, name, code in rows}


def user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def priority_label(value: str | None) -> str:
    try:
        return Priority(value).label
    except ValueError:
        return str(value)


def filter_choices(department_id: int | None) -> dict:
    """Options for the filter form: departments that take requests, their types, priorities."""
    types = select(RequestType.id, RequestType.name, Department.code).join(
        Department, Department.id == RequestType.department_id)
    if department_id:
        types = types.where(RequestType.department_id == department_id)
    return {
        "departments": [(d.id, d.name) for d in db.session.scalars(
            select(Department).where(Department.takes_requests.is_(True)).order_by(Department.name))],
        "types": [(i, f"{code}: {name}") for i, name, code in db.session.execute(types.order_by(Department.code, RequestType.name))],
        "priorities": [(p.value, p.label) for p in Priority],
    }
