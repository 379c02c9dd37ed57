"""Who may see and do what. Every view asks here; nothing else decides.

A request is visible to its requester, its watchers, the head of the
requesting department, and the agents and heads of every department that
holds or held it. Confidential requests (by request type) drop the watchers
and the requesting head. Anyone else gets a 404, never a 403, so titles do
not leak.

The rule exists twice on purpose: :func:`can_view` for one loaded request,
:func:`visible_clause` for list queries. ``tests/test_policy.py`` proves they
agree for every seeded user and request.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from desk.models import (
    Department,
    Holding,
    RequestType,
    Role,
    ServiceRequest,
    Status,
    User,
    Watcher,
)


def _staff_department(user: User) -> int | None:
    """The department whose queue the user works, if they are agent or head."""
    if user.active and user.role in (Role.AGENT, Role.HEAD):
        return user.department_id
    return None


def can_view(user: User, req: ServiceRequest) -> bool:
    if not user.is_authenticated or not user.active:
        return False
    if req.requester_id == user.id:
        return True
    staff_of = _staff_department(user)
    if staff_of is not None and staff_of in {h.department_id for h in req.holdings}:
        return True
    if req.confidential:
        return False
    if any(w.user_id == user.id for w in req.watchers):
        return True
    return user.role == Role.HEAD and user.department_id == req.requesting_department_id


def visible_clause(user: User) -> ColumnElement[bool]:
    """The same rule as :func:`can_view`, as a WHERE clause on ``ServiceRequest``."""
    if not user.is_authenticated or not user.active:
        return false()
    r = ServiceRequest
    clauses = [r.requester_id == user.id]
    staff_of = _staff_department(user)
    if staff_of is not None:
        clauses.append(
            exists().where(Holding.request_id == r.id, Holding.department_id == staff_of)
        )
    open_to_others = [exists().where(Watcher.request_id == r.id, Watcher.user_id == user.id)]
    if user.role == Role.HEAD and user.department_id is not None:
        open_to_others.append(r.requesting_department_id == user.department_id)
    clauses.append(and_(r.confidential == false(), or_(*open_to_others)))
    return or_(*clauses)


# --- acting on a request -------------------------------------------------

def can_work(user: User, req: ServiceRequest) -> bool:
    """Agents and heads of the department that holds the request now."""
    return user.works_in(req.department_id)


def is_requester(user: User, req: ServiceRequest) -> bool:
    return user.active and req.requester_id == user.id


def can_reply(user: User, req: ServiceRequest) -> bool:
    if req.status in (Status.CLOSED, Status.REJECTED, Status.CANCELLED):
        return False
    return can_work(user, req) or is_requester(user, req)


def can_see_internal_notes(user: User, req: ServiceRequest) -> bool:
    """Notes are for the providing side: current and past holders, never the requester."""
    staff_of = _staff_department(user)
    return staff_of is not None and staff_of in {h.department_id for h in req.holdings}


def can_add_watcher(user: User, req: ServiceRequest) -> bool:
    return not req.confidential and req.is_open and (is_requester(user, req) or can_work(user, req))


# --- departments and catalogue --------------------------------------------

def can_work_queue(user: User, department: Department) -> bool:
    return user.works_in(department.id)


def can_manage_catalogue(user: User, department: Department) -> bool:
    return user.heads(department.id)


def can_administer(user: User) -> bool:
    return user.is_authenticated and user.active and user.is_admin


def can_see_hr_reports(user: User) -> bool:
    return user.is_authenticated and user.active and user.is_hr


def fileable_types_clause() -> ColumnElement[bool]:
    """Request types an employee may file: live types of departments that take requests."""
    return and_(
        RequestType.archived_at.is_(None),
        RequestType.department_id.in_(select(Department.id).where(Department.takes_requests == true())),
    )

