"""The service catalogue: request types a department offers, managed by its head.

Types are archived, never deleted: requests filed under them keep pointing at
them, and an archived type can come back. Writes flush; the view commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from desk.clock import utcnow
from desk.extensions import db
from desk.models import Department, Priority, RequestType
from desk.services.errors import FieldError

# --- reads ------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """One department in the public catalogue, with its live request types."""

    department: Department
    types: list[RequestType]


def public_catalogue() -> list[Offer]:
    """Departments that take requests, each with its live types (two queries in all)."""
    departments = list(
        db.session.scalars(select(Department).where(Department.takes_requests.is_(True)).order_by(Department.name))
    )
    by_department: dict[int, list[RequestType]] = {d.id: [] for d in departments}
    live = db.session.scalars(
        select(RequestType)
        .where(RequestType.archived_at.is_(None), RequestType.department_id.in_(list(by_department)))
        .order_by(RequestType.name)
    )
    for request_type in live:
        by_department[request_type.department_id].append(request_type)
    return [Offer(d, by_department[d.id]) for d in departments]


def department_types(department: Department) -> list[RequestType]:
    """All of a department's types, live first, then archived, each by name."""
    return list(
        db.session.scalars(
            select(RequestType)
            .where(RequestType.department_id == department.id)
            .order_by(RequestType.archived_at.is_not(None), func.lower(RequestType.name))
        )
    )


def type_of(department: Department, type_id: int) -> RequestType | None:
    """The department's request type with this id (None for another department's)."""
    request_type = db.session.get(RequestType, type_id)
    if request_type is None or request_type.department_id != department.id:
        return None
    return request_type


# --- writes ------------------------------------------------------------------


def create_type(
    department: Department, *, name: str, description: str, default_priority: Priority, confidential: bool
) -> RequestType:
    """Add a request type to the department's catalogue."""
    request_type = RequestType(department=department)
    _apply(request_type, department, name=name, description=description,
           default_priority=default_priority, confidential=confidential)
    db.session.add(request_type)
    _flush_unique()
    return request_type


def update_type(
    request_type: RequestType, *, name: str, description: str, default_priority: Priority, confidential: bool
) -> None:
    """Change a type. Requests already filed keep their priority and confidentiality."""
    _apply(request_type, request_type.department, name=name, description=description,
           default_priority=default_priority, confidential=confidential)
    _flush_unique()


def archive_type(request_type: RequestType) -> None:
    """Stop offering the type; requests filed under it are untouched."""
    if request_type.archived_at is None:
        request_type.archived_at = utcnow()
        db.session.flush()


def unarchive_type(request_type: RequestType) -> None:
    """Offer an archived type again."""
    if request_type.archived_at is not None:
        request_type.archived_at = None
        db.session.flush()


def _apply(request_type: RequestType, department: Department, *, name: str, description: str,
           default_priority: Priority, confidential: bool) -> None:
    name = name.strip()
    same_name = select(RequestType.id).where(
        RequestType.department_id == department.id, func.lower(RequestType.name) == name.lower()
    )
    if request_type.id is not None:
        same_name = same_name.where(RequestType.id != request_type.id)
    if db.session.scalar(same_name.limit(1)) is not None:
        raise FieldError("name", f"{department.name} already has a request type with this name (perhaps archived).")
    request_type.name = name
    request_type.description = description.strip()
    request_type.default_priority = default_priority
    request_type.confidential = confidential


def _flush_unique() -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise FieldError("name", "A request type with this name was just added.") from None
