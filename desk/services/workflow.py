"""The workflow: the only code that changes a request.

Every function here takes the acting user first, checks that the change is
allowed from the request's current state, changes the request, appends the
event, and flushes. None of them commits: the view or CLI command that called
them commits once, so a request and its event are written together or not at
all.

Permission to act (who) is :mod:`desk.services.policy`'s business and is
checked by the caller; this module guards the state machine (what, when).
Linked requests and escalation are in :mod:`desk.services.workflow_links`,
re-exported here, so callers use this one module.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import flag_modified

from desk.clock import utcnow
from desk.extensions import db
from desk.models import (
    Department,
    Event,
    EventKind,
    Handoff,
    Holding,
    Priority,
    RequestType,
    ServiceRequest,
    Status,
    StatusSpan,
    User,
    Watcher,
    handoff_facts,
)
from desk.services import notify
from desk.services import sla
from desk.services.calendars import department_calendar


class WorkflowError(Exception):
    """A change that is not allowed now; the message is shown to the user."""


class StaleRequest(WorkflowError):
    """The request changed since the form was loaded."""


# Which status an agent may move a request to, from each status.
AGENT_MOVES: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED, Status.REJECTED}),
    Status.IN_PROGRESS: frozenset({Status.WAITING, Status.RESOLVED, Status.REJECTED}),
    Status.WAITING: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED}),
    Status.RESOLVED: frozenset({Status.CLOSED}),
}
NEEDS_REASON = frozenset({Status.REJECTED})


def allowed_moves(req: ServiceRequest) -> frozenset[Status]:
    return AGENT_MOVES.get(req.status, frozenset())


def file_request(
    requester: User,
    request_type: RequestType,
    *,
    title: str,
    body: str,
    priority: Priority | None = None,
    submission_key: str | None = None,
    parent: ServiceRequest | None = None,
) -> ServiceRequest:
    """File a new request; a repeated ``submission_key`` returns the first one.

    ``parent``: a linked request opened from another request (see
    :func:`open_linked_request`); it is filed on behalf of the parent's department.
    """
    if submission_key:
        existing = db.session.scalar(
            select(ServiceRequest).filter_by(requester_id=requester.id, submission_key=submission_key)
        )
        if existing is not None:
            return existing
    provider = request_type.department
    if request_type.archived or not provider.takes_requests:
        raise WorkflowError(f"{provider.name} does not take “{request_type.name}” requests.")
    now = utcnow()
    req = ServiceRequest(
        key=f"{provider.code}-{_next_number(provider)}",
        title=title.strip(),
        body=body.strip(),
        requester=requester,
        requesting_department_id=parent.department_id if parent else requester.department_id,
        parent=parent,
        department=provider,
        type=request_type,
        priority=priority or request_type.default_priority,
        status=Status.NEW,
        confidential=request_type.confidential,
        submission_key=submission_key,
        created_at=now,
        updated_at=now,
    )
    req.holdings.append(Holding(department_id=provider.id))
    db.session.add(req)
    _record(req, requester, EventKind.CREATED, data={"department": provider.code})
    _open_span(req, now)
    sla.start_clock(req, now)
    db.session.flush()
    return req


def _next_number(department: Department) -> int:
    """Atomically take the department's next request number (safe across processes)."""
    number = db.session.execute(
        update(Department)
        .where(Department.id == department.id)
        .values(request_seq=Department.request_seq + 1)
        .returning(Department.request_seq)
    ).scalar_one()
    return number


def take(agent: User, req: ServiceRequest, *, version: int | None = None) -> None:
    """The agent assigns the request to themselves."""
    _check_version(req, version)
    if req.assignee is not None and req.assignee.id != agent.id:
        raise WorkflowError(f"{req.assignee.name} has already taken {req.key}.")
    _require_open(req)
    if req.assignee is agent:
        return
    assign(agent, req, agent)


def assign(
    actor: User, req: ServiceRequest, assignee: User | None, *, version: int | None = None, reason: str = ""
) -> None:
    """Give the request to a colleague of its department (or to nobody).

    ``reason``: shown on the timeline, e.g. why an administrator took it off a deactivated agent.
    """
    _check_version(req, version)
    _require_open(req)
    if assignee is not None and not assignee.works_in(req.department.id):
        raise WorkflowError(f"{assignee.name} is not an agent of {req.department.name}.")
    if req.assignee is assignee:
        return
    previous = req.assignee
    req.assignee = assignee
    _record(
        req,
        actor,
        EventKind.ASSIGNED,
        body=reason.strip(),
        data={"from": previous.name if previous else None, "to": assignee.name if assignee else None},
    )
    if assignee is not None and req.status == Status.NEW:
        _move(req, actor, Status.IN_PROGRESS)


def reply(actor: User, req: ServiceRequest, body: str) -> Event:
    """A public reply. The requester answering a question puts the request back in progress."""
    if req.status in (Status.CLOSED, Status.REJECTED, Status.CANCELLED):
        raise WorkflowError(f"{req.key} is {req.status.label.lower()}; it takes no more replies.")
    event = _record(req, actor, EventKind.REPLIED, body=body.strip())
    sla.on_public_reply(req, actor, event.created_at)
    if actor.id == req.requester_id and req.status == Status.WAITING:
        _move(req, actor, Status.IN_PROGRESS)
    return event


def add_note(agent: User, req: ServiceRequest, body: str) -> Event:
    """An internal note: only the providing side ever sees it."""
    return _record(req, agent, EventKind.NOTED, body=body.strip(), internal=True)


def change_status(
    agent: User, req: ServiceRequest, to: Status, *, reason: str = "", version: int | None = None,
    clarity: int | None = None,
) -> None:
    """An agent moves the request along new -> in progress -> waiting -> resolved -> closed.

    ``clarity``: when resolving, the agent's 1-5 answer to "how clear was the request?".
    """
    _check_version(req, version)
    if to not in allowed_moves(req):
        raise WorkflowError(f"{req.key} cannot go from “{req.status.label}” to “{to.label}”.")
    if to in NEEDS_REASON and not reason.strip():
        raise WorkflowError("Say why the request is rejected.")
    if to == Status.RESOLVED and clarity:
        if clarity not in range(1, 6):
            raise WorkflowError("Request clarity is scored 1 to 5.")
        req.clarity_score = clarity
    _move(req, agent, to, reason=reason.strip())


def cancel(requester: User, req: ServiceRequest, *, reason: str = "", version: int | None = None) -> None:
    """The requester withdraws a request that is not resolved yet."""
    _check_version(req, version)
    if not req.is_open:
        raise WorkflowError(f"{req.key} is {req.status.label.lower()} and can no longer be cancelled.")
    _move(req, requester, Status.CANCELLED, reason=reason.strip())


def reopen(requester: User, req: ServiceRequest, *, reason: str, version: int | None = None) -> None:
    """The requester reopens a resolved request within the reopen window."""
    _check_version(req, version)
    if req.status != Status.RESOLVED:
        raise WorkflowError(f"Only a resolved request can be reopened; {req.key} is {req.status.label.lower()}.")
    if utcnow() > reopen_deadline(req):
        days = current_app.config["REOPEN_DAYS"]
        raise WorkflowError(f"{req.key} was resolved more than {days} days ago; file a new request instead.")
    if not reason.strip():
        raise WorkflowError("Say why the request is not resolved.")
    req.reopen_count += 1
    _move(req, requester, Status.IN_PROGRESS, reason=reason.strip(), kind=EventKind.REOPENED)


def reopen_deadline(req: ServiceRequest):
    return req.resolved_at + timedelta(days=current_app.config["REOPEN_DAYS"])


def rate(requester: User, req: ServiceRequest, *, changed: bool = False) -> None:
    """The requester rated the request (the Rating row is desk.services.ratings' business).

    The first rating of a resolved request closes it; rating a closed one (the
    agent closed it first, or the requester changes the rating) only records it.
    The event carries no score: the timeline is seen by people who may not see ratings.
    """
    if req.resolved_at is None or req.status not in (Status.RESOLVED, Status.CLOSED):
        raise WorkflowError(f"{req.key} is {req.status.label.lower()}; only a resolved request can be rated.")
    if req.status == Status.RESOLVED:
        _move(req, requester, Status.CLOSED, kind=EventKind.RATED)
    else:
        _record(req, requester, EventKind.RATED, data={"changed": changed})


def transfer(
    agent: User,
    req: ServiceRequest,
    to_type: RequestType,
    *,
    reason: str,
    version: int | None = None,
) -> None:
    """Hand the request to another department, as one of that department's request types."""
    _check_version(req, version)
    _require_open(req)
    target = to_type.department
    if target.id == req.department_id:
        raise WorkflowError(f"{req.key} is already with {target.name}.")
    if to_type.archived or not target.takes_requests:
        raise WorkflowError(f"{target.name} does not take “{to_type.name}” requests.")
    if not reason.strip():
        raise WorkflowError("Say why the request goes to another department.")
    now = utcnow()
    source = req.department
    # The same fact as the TRANSFERRED event, in plain columns for the hand-off reports.
    earlier = db.session.scalars(select(Handoff).where(Handoff.request_id == req.id).order_by(Handoff.seq)).all()
    held = {h.department_id for h in req.holdings}
    db.session.add(Handoff(request_id=req.id, seq=req.transfer_count + 1, from_department_id=source.id,
                           to_department_id=target.id, from_type_id=req.type_id, to_type_id=to_type.id, at=now,
                           **handoff_facts(earlier, held, source.id, target.id, req.type_id)))
    _close_span(req, now)
    req.department = target
    req.type = to_type
    req.confidential = req.confidential or to_type.confidential
    req.assignee = None
    req.status = Status.NEW
    req.transfer_count += 1
    if target.id not in held:
        req.holdings.append(Holding(department_id=target.id))
    _record(
        req,
        agent,
        EventKind.TRANSFERRED,
        body=reason.strip(),
        data={"from": source.code, "to": target.code, "type": to_type.name},
    )
    _open_span(req, now)
    sla.start_clock(req, now)  # the new department's own agreement and calendar, from now
    db.session.flush()


def set_priority(agent: User, req: ServiceRequest, priority: Priority, *, version: int | None = None) -> None:
    _check_version(req, version)
    _require_open(req)
    if priority == req.priority:
        return
    _record(req, agent, EventKind.PRIORITY_CHANGED, data={"from": req.priority.value, "to": priority.value})
    req.priority = priority
    sla.on_priority_changed(req)


def add_watcher(actor: User, req: ServiceRequest, watcher: User) -> None:
    if req.confidential:
        raise WorkflowError("Confidential requests cannot have watchers.")
    if not watcher.active:
        raise WorkflowError(f"{watcher.name} is no longer with the company.")
    if watcher.id == req.requester_id or any(w.user_id == watcher.id for w in req.watchers):
        raise WorkflowError(f"{watcher.name} already follows {req.key}.")
    req.watchers.append(Watcher(user=watcher))
    _record(req, actor, EventKind.WATCHER_ADDED, data={"user": watcher.name})


# --- the pieces every change is made of ----------------------------------

def _record(
    req: ServiceRequest,
    actor: User | None,
    kind: EventKind,
    *,
    body: str = "",
    internal: bool = False,
    data: dict | None = None,
) -> Event:
    """Append an event and mark the request as touched (bumping its version)."""
    now = utcnow()
    event = Event(kind=kind, actor=actor, body=body, internal=internal, data=data or {}, created_at=now)
    req.events.append(event)
    req.updated_at = now
    # Even within the same second (same updated_at): every event makes open forms stale.
    flag_modified(req, "updated_at")
    notify.event_recorded(req, event)  # in-app now; e-mails queued until the commit
    return event


def _move(
    req: ServiceRequest,
    actor: User,
    to: Status,
    *,
    reason: str = "",
    kind: EventKind = EventKind.STATUS_CHANGED,
) -> None:
    now = utcnow()
    previous = req.status
    _close_span(req, now)
    req.status = to
    if to == Status.RESOLVED:
        req.resolved_at = now
    elif previous == Status.RESOLVED and to.is_open:
        req.resolved_at = None
    if to in (Status.CLOSED, Status.REJECTED, Status.CANCELLED):
        req.closed_at = now
    _record(req, actor, kind, body=reason, data={"from": previous.value, "to": to.value})
    _open_span(req, now)
    sla.on_status_changed(req, previous, now)
    if req.parent_id is not None and previous.is_open != to.is_open:
        _linked_request_moved(req, actor, now)


def _open_span(req: ServiceRequest, now) -> None:
    # Only open requests accrue waiting time; resolved ones are on the requester.
    if req.is_open:
        db.session.add(StatusSpan(request=req, department_id=req.department.id, status=req.status, started_at=now))


def _close_span(req: ServiceRequest, now) -> None:
    span = db.session.scalar(
        select(StatusSpan).where(StatusSpan.request_id == req.id, StatusSpan.ended_at.is_(None))
    ) if req.id is not None else None
    if span is None:
        return
    span.ended_at = now
    calendar = department_calendar(db.session.get(Department, span.department_id))
    span.business_seconds = calendar.seconds_between(span.started_at, now)


def _require_open(req: ServiceRequest) -> None:
    if not req.is_open:
        raise WorkflowError(f"{req.key} is {req.status.label.lower()}.")


def _check_version(req: ServiceRequest, version: int | None) -> None:
    if version is not None and version != req.version:
        raise StaleRequest(
            f"{req.key} changed since you opened it (see the latest activity below). "
            "Nothing was saved; check and try again."
        )


# Linked requests and escalation live in workflow_links (this module's size);
# re-exported so callers keep one module: workflow.escalate, workflow.open_linked_request.
from desk.services.workflow_links import _linked_request_moved, escalate, open_linked_request  # noqa: E402, F401
