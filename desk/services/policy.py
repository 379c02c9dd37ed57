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
    return (
        user.role == Role.HEAD
        and user.department_id is not None
        and user.department_id == req.requesting_department_id
    )


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


def can_download(user: User, req: ServiceRequest, attachment) -> bool:
    """An attachment follows its event: visible request, and notes' files only for the provider side."""
    if attachment.request_id != req.id or not can_view(user, req):
        return False
    if attachment.event is not None and attachment.event.internal:
        return can_see_internal_notes(user, req)
    return True


def can_add_watcher(user: User, req: ServiceRequest) -> bool:
    return not req.confidential and req.is_open and (is_requester(user, req) or can_work(user, req))


def can_escalate(user: User, req: ServiceRequest) -> bool:
    """Only the requester escalates (the workflow checks that the request is breached)."""
    return is_requester(user, req) and req.is_open


def can_open_linked_request(user: User, req: ServiceRequest) -> bool:
    """The holding department's agents open linked requests to other departments."""
    return can_work(user, req) and req.is_open


# --- departments and catalogue --------------------------------------------

def can_work_queue(user: User, department: Department) -> bool:
    return user.works_in(department.id)


def can_manage_catalogue(user: User, department: Department) -> bool:
    return user.heads(department.id)


def can_administer(user: User) -> bool:
    return user.is_authenticated and user.active and user.is_admin


def can_see_hr_reports(user: User) -> bool:
    return user.is_authenticated and user.active and user.is_hr


# --- service level agreements ----------------------------------------------

def can_see_agreements(user: User) -> bool:
    """Heads (who publish and sign off) and HR (who watch cross-team health)."""
    if not user.is_authenticated or not user.active:
        return False
    return user.is_hr or (user.role == Role.HEAD and user.department_id is not None)


def can_publish_agreements(user: User, department: Department) -> bool:
    return user.heads(department.id)


def can_retire_agreement(user: User, agreement) -> bool:
    """Whoever publishes the provider's targets may take them out of force."""
    return can_publish_agreements(user, agreement.provider)


def can_sign_off(user: User, agreement) -> bool:
    """The head of a requesting department the agreement covers (never the provider's own)."""
    return (
        user.is_authenticated
        and user.active
        and user.role == Role.HEAD
        and user.department_id is not None
        and user.department_id != agreement.provider_id
        and agreement.requesting_department_id in (None, user.department_id)
    )


def fileable_types_clause() -> ColumnElement[bool]:
    """Request types an employee may file: live types of departments that take requests."""
    return and_(
        RequestType.archived_at.is_(None),
        RequestType.department_id.in_(select(Department.id).where(Department.takes_requests == true())),
    )



# --- ratings ---------------------------------------------------------------
# A rating is seen by its requester, by the heads of the department rated
# (every rating, with its comment), and by the staff who worked the request
# (its agent or anyone who acted on it). HR sees aggregates only. The rule
# exists as can_see_rating (one rating) and rating_visible_clause (lists,
# CSV); every page, fragment, export and e-mail goes through one of them.

# Aggregates over fewer ratings show as "not enough ratings", so nobody can be singled out.
MIN_RATINGS_SHOWN = 5


def enough_ratings(count: int | None) -> bool:
    return (count or 0) >= MIN_RATINGS_SHOWN


def rates_own_department(user: User, req: ServiceRequest) -> bool:
    """Nobody rates their own department's work."""
    return req.department_id in (user.department_id, req.requesting_department_id)


def can_rate(user: User, req: ServiceRequest) -> bool:
    """The requester, unless the work was their own department's (state and window: desk.services.ratings)."""
    return is_requester(user, req) and not rates_own_department(user, req)


def can_see_rating(user: User, rating) -> bool:
    if not user.is_authenticated or not user.active:
        return False
    if rating.requester_id == user.id or user.heads(rating.department_id):
        return True
    if _staff_department(user) is None:
        return False
    if rating.agent_id == user.id:
        return True
    from desk.extensions import db
    from desk.models import Event

    return bool(db.session.scalar(
        select(exists().where(Event.request_id == rating.request_id, Event.actor_id == user.id))
    ))


def rating_visible_clause(user: User) -> ColumnElement[bool]:
    """The same rule as :func:`can_see_rating`, as a WHERE clause on ``Rating``."""
    from desk.models import Event, Rating

    if not user.is_authenticated or not user.active:
        return false()
    clauses = [Rating.requester_id == user.id]
    if user.role == Role.HEAD and user.department_id is not None:
        clauses.append(Rating.department_id == user.department_id)
    if _staff_department(user) is not None:
        clauses.append(Rating.agent_id == user.id)
        clauses.append(exists().where(Event.request_id == Rating.request_id, Event.actor_id == user.id))
    return or_(*clauses)


def can_see_department_ratings(user: User, department: Department) -> bool:
    """Individual ratings with comments, the by-agent table and the service star: the department's heads."""
    return user.heads(department.id)


def can_see_rating_aggregates(user: User) -> bool:
    """The HR ratings page: aggregates over every department, never a single rating."""
    return can_see_hr_reports(user)


# --- reports (desk.services.reports) ---------------------------------------
# Heads see their own department's reports, HR every department's aggregates;
# anyone else gets 404. Only a head reaches the requests behind a figure (and
# then only those the visibility rule shows them); HR never sees request contents.

def can_see_reports(user: User) -> bool:
    if not user.is_authenticated or not user.active:
        return False
    return user.is_hr or (user.role == Role.HEAD and user.department_id is not None)


def report_department(user: User, requested: int | None) -> int | None:
    """The department a report covers for this user: HR any (None: all), a head always their own."""
    if user.is_hr:
        return requested
    return user.department_id


def can_open_report_requests(user: User, *department_ids: int | None) -> bool:
    """A head may list the requests behind a figure of their own department (either side of a pair)."""
    return (user.is_authenticated and user.active and user.role == Role.HEAD
            and user.department_id is not None and user.department_id in department_ids)


def can_see_agent_attainment(user: User, department_id: int | None) -> bool:
    """Per-agent figures: the heads of that department only."""
    return department_id is not None and user.heads(department_id)
