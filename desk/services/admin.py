"""Administration: departments and the people in them.

Reads return rows for the admin pages (one query per list); writes check the
rules that need the database, raise :class:`FieldError` for the form, and
flush. The view commits once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from desk.auth import rotate_session, set_password
from desk.extensions import db
from desk.models import OPEN_STATUSES, Calendar, Department, Holding, Role, ServiceRequest, User
from desk.services import sla, workflow
from desk.services.errors import FieldError

# --- reads ------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    people: int
    open_requests: int


def department_rows() -> list[DepartmentRow]:
    """Every department with its active people and open requests, in one query."""
    people = (
        select(func.count(User.id))
        .where(User.department_id == Department.id, User.active.is_(True))
        .correlate(Department)
        .scalar_subquery()
    )
    open_requests = (
        select(func.count(ServiceRequest.id))
        .where(ServiceRequest.department_id == Department.id, ServiceRequest.status.in_(OPEN_STATUSES))
        .correlate(Department)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Department, people, open_requests)
        .options(joinedload(Department.calendar))
        .order_by(Department.name)
    )
    return [DepartmentRow(d, n_people, n_open) for d, n_people, n_open in rows]


def calendars() -> list[Calendar]:
    return list(db.session.scalars(select(Calendar).order_by(Calendar.name)))


def all_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def department_has_requests(department: Department) -> bool:
    """Whether any request was ever held by the department (its keys carry the code)."""
    if department.id is None:
        return False
    return bool(db.session.scalar(select(exists().where(Holding.department_id == department.id))))


def users_page(*, q: str = "", department: str = "", page: int = 1, per_page: int = 25):
    """People matching a name or e-mail fragment, optionally of one department ("none": no department)."""
    query = select(User).options(joinedload(User.department))
    if q:
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(func.lower(User.name).like(pattern, escape="\\"), func.lower(User.email).like(pattern, escape="\\"))
        )
    if department == "none":
        query = query.where(User.department_id.is_(None))
    elif department.isdigit():
        query = query.where(User.department_id == int(department))
    query = query.order_by(func.lower(User.name), User.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


# --- departments -------------------------------------------------------------


def create_department(*, name: str, code: str, takes_requests: bool, calendar_id: int | None) -> Department:
    """A new department; its request keys will start with ``code``."""
    department = Department(request_seq=0)
    _apply_department(department, name=name, code=code, takes_requests=takes_requests, calendar_id=calendar_id)
    db.session.add(department)
    _flush_unique(department, "code", "That code is already taken.")
    return department


def update_department(
    department: Department, *, name: str, code: str, takes_requests: bool, calendar_id: int | None
) -> None:
    """Change a department. The code is fixed once requests carry it in their keys."""
    code = code.strip().upper()
    if code != department.code and department_has_requests(department):
        raise FieldError(
            "code", f"The code stays {department.code}: requests already carry it in their keys."
        )
    calendar_changed = (calendar_id or None) != department.calendar_id
    _apply_department(department, name=name, code=code, takes_requests=takes_requests, calendar_id=calendar_id)
    _flush_unique(department, "code", "That code is already taken.")
    if calendar_changed:
        # Open requests' deadlines follow the department's new hours at once.
        sla.recompute_open_requests(department_id=department.id)


def _apply_department(department: Department, *, name: str, code: str, takes_requests: bool,
                      calendar_id: int | None) -> None:
    name, code = name.strip(), code.strip().upper()
    others = select(Department.id).where(Department.id != department.id) if department.id else select(Department.id)
    if db.session.scalar(others.where(func.lower(Department.name) == name.lower()).limit(1)) is not None:
        raise FieldError("name", "Another department already has this name.")
    if db.session.scalar(others.where(func.upper(Department.code) == code).limit(1)) is not None:
        raise FieldError("code", f"{code} is already the code of another department.")
    calendar = None
    if calendar_id:
        calendar = db.session.get(Calendar, calendar_id)
        if calendar is None:
            raise FieldError("calendar", "Choose one of the calendars.")
    department.name = name
    department.code = code
    department.takes_requests = takes_requests
    department.calendar = calendar


# --- people ------------------------------------------------------------------


def create_user(
    *,
    name: str,
    email: str,
    department_id: int | None,
    role: Role,
    time_zone: str,
    is_hr: bool,
    is_admin: bool,
    active: bool,
    password: str,
) -> User:
    """A new account with a password the administrator hands over."""
    user = User()
    _apply_user(user, name=name, email=email, department_id=department_id, role=role,
                time_zone=time_zone, is_hr=is_hr, is_admin=is_admin, active=active)
    set_password(user, password)
    db.session.add(user)
    _flush_unique(user, "email", "Someone already has this e-mail address.")
    return user


def update_user(
    admin: User,
    user: User,
    *,
    name: str,
    email: str,
    department_id: int | None,
    role: Role,
    time_zone: str,
    is_hr: bool,
    is_admin: bool,
    active: bool,
    password: str | None = None,
) -> int:
    """Change an account. Every change applies from the user's next page view.

    A new password or a deactivation also ends the user's sessions. An
    administrator cannot lock themselves out (deactivate themselves or drop
    their own admin flag): another administrator has to. Open requests the
    person can no longer work (deactivated, moved to another department, or no
    longer an agent) go back, unassigned, to their departments' queues;
    returns how many did.
    """
    if user.id == admin.id:
        if not active:
            raise FieldError("active", "You cannot deactivate your own account; another administrator can.")
        if not is_admin:
            raise FieldError("is_admin", "You cannot remove your own administrator rights; another administrator can.")
    was_active, was_department, was_agent = user.active, user.department_id, user.role != Role.MEMBER
    _apply_user(user, name=name, email=email, department_id=department_id, role=role,
                time_zone=time_zone, is_hr=is_hr, is_admin=is_admin, active=active)
    if password:
        set_password(user, password)
    elif was_active and not active:
        rotate_session(user)
    _flush_unique(user, "email", "Someone already has this e-mail address.")
    if was_active and not active:
        return _back_to_queues(admin, user, f"{user.name}'s account was deactivated")
    if was_agent and user.role == Role.MEMBER:
        return _back_to_queues(admin, user, f"{user.name} no longer works requests")
    if was_department != user.department_id:
        return _back_to_queues(admin, user, f"{user.name} moved to {_department_name(user)}")
    return 0


def _department_name(user: User) -> str:
    return user.department.name if user.department else "no department"


def _back_to_queues(admin: User, user: User, why: str) -> int:
    """Unassign the open requests the person can no longer work, through the workflow so each timeline says why.

    An active agent or head keeps the requests of their (new) home department;
    everyone else gives back every open request assigned to them.
    """
    r = ServiceRequest
    query = select(r).where(r.assignee_id == user.id, r.status.in_(OPEN_STATUSES))
    if user.active and user.role != Role.MEMBER and user.department_id is not None:
        query = query.where(r.department_id != user.department_id)
    assigned = db.session.scalars(query.options(joinedload(r.department)).order_by(r.id)).all()
    for req in assigned:
        workflow.assign(admin, req, None, reason=f"{why}; the request is back in the {req.department.name} queue.")
    db.session.flush()
    return len(assigned)


def _apply_user(user: User, *, name: str, email: str, department_id: int | None, role: Role,
                time_zone: str, is_hr: bool, is_admin: bool, active: bool) -> None:
    email = email.strip().lower()
    taken = select(User.id).where(func.lower(User.email) == email)
    if user.id is not None:
        taken = taken.where(User.id != user.id)
    if db.session.scalar(taken.limit(1)) is not None:
        raise FieldError("email", "Someone already has this e-mail address.")
    department = db.session.get(Department, department_id) if department_id else None
    if department_id and department is None:
        raise FieldError("department", "Choose one of the departments.")
    if department is None and role != Role.MEMBER:
        raise FieldError("role", f"A {role.label.lower()} needs a home department.")
    user.name = name.strip()
    user.email = email
    user.department = department
    user.role = role
    user.time_zone = time_zone.strip()
    user.is_hr = is_hr
    user.is_admin = is_admin
    user.active = active


def _flush_unique(obj, field: str, message: str) -> None:
    """Flush; a unique constraint lost to a concurrent write becomes a message on ``field``."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise FieldError(field, message) from None
