"""The SLA clock of a request: deadlines computed at events, states computed on read.

The workflow calls these functions when something happens; they set the
clock columns of :class:`~desk.models.ServiceRequest` and flush nothing
themselves. All durations are business seconds of the calendar of the
department that holds the request now.

Rules
-----
* **Start** (filing, and again at every transfer): the most specific agreement
  in force for (provider, type, requesting department) gives the version and
  the targets for the priority; no agreement, no deadlines ("no agreement").
  A transfer resets the clock: new department, agreement, calendar, pauses and
  first response; the old department keeps its status spans.
* **Response**: the first public reply by an agent of the holding department
  stops the response clock; so does resolving or rejecting (the requester got
  an answer). A cancellation stops it without a result.
* **Pauses**: the resolution clock pauses while the request is waiting on the
  requester, waiting on an open linked request, or resolved. When no reason is
  left it resumes: the paused business time is added to
  ``paused_business_seconds`` and the deadline moves by it.
* **Resolved**: ``resolution_business_seconds`` (business time at this
  department minus pauses) and ``resolution_met`` are stored. **Reopened**: the
  clock runs on from the stored state; the time spent resolved counts as a
  pause (it was with the requester), and the stored result is cleared until
  the next resolution. Closed, rejected and cancelled requests keep their clock
  frozen as it was.
* **Priority change / recompute**: deadlines are recomputed from
  ``clock_started_at`` with the targets for the (new) priority. The risk
  instants (75 % of the target used) are stored beside the due dates so queue
  filters and the sweep are plain SQL comparisons.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from desk.business_time import BusinessCalendar
from desk.extensions import db
from desk.models import (
    OPEN_STATUSES,
    AgreementVersion,
    Calendar,
    Department,
    Event,
    EventKind,
    ServiceRequest,
    Status,
    User,
)
from desk.services import agreements
from desk.services.calendars import department_calendar, touch
from desk.services.sla_state import AT_RISK_SHARE, ClockState, clock_state, clock_states, risk_seconds

__all__ = [
    "AT_RISK_SHARE",
    "ClockState",
    "calendar_of",
    "clock_state",
    "clock_states",
    "has_open_links",
    "is_breached",
    "on_priority_changed",
    "on_public_reply",
    "on_status_changed",
    "recompute_open_requests",
    "start_clock",
    "sync_pause",
]


def calendar_of(req: ServiceRequest) -> BusinessCalendar:
    return department_calendar(req.department)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# --- events -----------------------------------------------------------------

def start_clock(req: ServiceRequest, now: datetime) -> None:
    """Filing or transfer: a fresh clock at the department holding the request."""
    version = agreements.effective_agreement(req.department.id, req.type.id, req.requesting_department_id)
    req.agreement_version = version
    req.clock_started_at = now
    req.first_response_at = req.response_business_seconds = req.response_met = None
    req.resolution_business_seconds = req.resolution_met = None
    req.paused_at = None
    req.paused_business_seconds = 0
    req.escalated_at = None  # an escalation went to the previous department's head
    _set_targets(req)
    _set_deadlines(req)
    sync_pause(req, now)


def on_public_reply(req: ServiceRequest, actor: User, now: datetime) -> None:
    """A public reply: the first one by the holding department stops the response clock."""
    if req.first_response_at is None and actor.id != req.requester_id and actor.works_in(req.department_id):
        _stop_response(req, now)


def on_status_changed(req: ServiceRequest, previous: Status, now: datetime) -> None:
    """After the workflow moved the request from ``previous`` to ``req.status``."""
    if req.clock_started_at is None:
        return
    if req.status in (Status.RESOLVED, Status.REJECTED) and req.first_response_at is None:
        _stop_response(req, now)
    if req.status == Status.RESOLVED:
        used = _resolution_used(req, now)
        req.resolution_business_seconds = used
        req.resolution_met = None if req.resolution_target_seconds is None else used <= req.resolution_target_seconds
    elif previous == Status.RESOLVED and req.status.is_open:  # reopened: runs on from the stored state
        req.resolution_business_seconds = req.resolution_met = None
    sync_pause(req, now)


def on_priority_changed(req: ServiceRequest) -> None:
    """New targets for the new priority, counted from the clock's start."""
    _set_targets(req)
    _set_deadlines(req)


def sync_pause(req: ServiceRequest, now: datetime) -> None:
    """Pause or resume the resolution clock to match the request's state.

    Paused while waiting on the requester, resolved, or waiting on an open
    linked request. Resuming adds the paused business time and moves the deadline.
    Final requests keep their clock as it stopped.
    """
    if req.clock_started_at is None or req.status not in OPEN_STATUSES | {Status.RESOLVED}:
        return
    should_pause = req.status in (Status.WAITING, Status.RESOLVED) or has_open_links(req)
    if should_pause and req.paused_at is None:
        req.paused_at = now
    elif not should_pause and req.paused_at is not None:
        req.paused_business_seconds += calendar_of(req).seconds_between(req.paused_at, now)
        req.paused_at = None
        _set_deadlines(req)


def has_open_links(req: ServiceRequest) -> bool:
    """Is an open linked request (opened from this one) still waited on?"""
    if req.id is None:
        return False
    child = ServiceRequest
    return bool(db.session.scalar(
        select(exists().where(child.parent_id == req.id, child.status.in_(OPEN_STATUSES)))
    ))


def is_breached(req: ServiceRequest, now: datetime) -> bool:
    """Is a running clock of the request past its deadline (what allows an escalation)?"""
    return any(s.state == "breached" for s in clock_states(req, now, calendar_of(req)))


# --- computing the columns --------------------------------------------------

def _stop_response(req: ServiceRequest, now: datetime) -> None:
    req.first_response_at = now
    req.response_business_seconds = calendar_of(req).seconds_between(req.clock_started_at, now)
    _set_results(req)


def _resolution_used(req: ServiceRequest, now: datetime) -> int:
    calendar = calendar_of(req)
    used = calendar.seconds_between(req.clock_started_at, now) - req.paused_business_seconds
    if req.paused_at is not None:
        used -= calendar.seconds_between(req.paused_at, now)
    return max(used, 0)


def _set_targets(req: ServiceRequest) -> None:
    version: AgreementVersion | None = req.agreement_version
    if version is None:
        req.response_target_seconds = req.resolution_target_seconds = None
    else:
        req.response_target_seconds = version.response_seconds(req.priority)
        req.resolution_target_seconds = version.resolution_seconds(req.priority)


def _set_deadlines(req: ServiceRequest) -> None:
    """Due and risk instants from the start, the targets and the closed pauses."""
    calendar = calendar_of(req)
    start = req.clock_started_at
    response, resolution = req.response_target_seconds, req.resolution_target_seconds
    if response is None:
        req.response_due_at = req.response_risk_at = None
    else:
        req.response_due_at = _utc(calendar.add(start, response))
        req.response_risk_at = _utc(calendar.add(start, risk_seconds(response)))
    if resolution is None:
        req.resolution_due_at = req.resolution_risk_at = None
    else:
        paused = req.paused_business_seconds
        req.resolution_due_at = _utc(calendar.add(start, resolution + paused))
        req.resolution_risk_at = _utc(calendar.add(start, risk_seconds(resolution) + paused))
    _set_results(req)


def _set_results(req: ServiceRequest) -> None:
    """met/missed of stopped clocks under the current targets."""
    if req.response_business_seconds is not None:
        target = req.response_target_seconds
        req.response_met = None if target is None else req.response_business_seconds <= target
    if req.resolution_business_seconds is not None:
        target = req.resolution_target_seconds
        req.resolution_met = None if target is None else req.resolution_business_seconds <= target


# --- recompute after a calendar or agreement change ---------------------------

def recompute_open_requests(department_id: int | None = None, calendar_id: int | None = None) -> int:
    """Recompute the deadlines of the open requests a change governs, in the caller's transaction.

    ``calendar_id``: the calendar's hours or special days changed (it is
    touched here, so cached copies are dropped); every open request held by a
    department using it is recomputed, including first-response durations.
    ``department_id``: the provider's agreements changed (or the department
    switched to another calendar); each open request that has an agreement is
    re-resolved: it keeps the version it was filed under while that agreement
    is still the most specific one in force, otherwise it moves to the one that
    now is (or to none). Requests filed without any agreement stay without
    deadlines. First-response durations are measured again with the calendar
    in force; closed pauses keep the business seconds they were measured
    with. Returns how many requests got new deadlines.
    """
    r = ServiceRequest
    query = select(r).where(r.status.in_(OPEN_STATUSES)).options(
        joinedload(r.department), joinedload(r.agreement_version)
    )
    if calendar_id is not None:
        calendar = db.session.get(Calendar, calendar_id)
        if calendar is not None:
            touch(calendar)
            db.session.flush()
            db.session.expire(calendar, ["days"])  # days added through calendar_id, not the relation
        query = query.where(r.department_id.in_(select(Department.id).where(Department.calendar_id == calendar_id)))
    if department_id is not None:
        query = query.where(r.department_id == department_id)
    if department_id is None and calendar_id is None:
        return 0
    effective: dict[tuple, AgreementVersion | None] = {}
    changed = 0
    for req in db.session.scalars(query).unique():
        before = (req.response_due_at, req.resolution_due_at)
        if department_id is not None and req.agreement_version is not None:
            key = (req.department_id, req.type_id, req.requesting_department_id)
            if key not in effective:
                effective[key] = agreements.effective_agreement(*key)
            now_in_force = effective[key]
            if now_in_force is None or now_in_force.agreement_id != req.agreement_version.agreement_id:
                req.agreement_version = now_in_force
            _set_targets(req)
        if req.first_response_at is not None:
            req.response_business_seconds = calendar_of(req).seconds_between(
                req.clock_started_at, req.first_response_at
            )
        _set_deadlines(req)
        if (req.response_due_at, req.resolution_due_at) != before:
            changed += 1
            db.session.add(Event(
                request=req, kind=EventKind.DEADLINES_CHANGED, internal=False,
                data={
                    "because": "calendar" if calendar_id is not None else "agreement",
                    "response_due_at": _iso(req.response_due_at),
                    "resolution_due_at": _iso(req.resolution_due_at),
                    "previous_resolution_due_at": _iso(before[1]),
                },
            ))
    db.session.flush()
    return changed


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()

