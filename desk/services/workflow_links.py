"""Linked requests and escalation: the SLA clock's side of the workflow.

Part of :mod:`desk.services.workflow`, which re-exports these functions:
callers keep writing ``workflow.escalate(...)`` and
``workflow.open_linked_request(...)``. The same rules hold as there: take the
acting user first, guard the state, append the event, flush, never commit.
"""

from __future__ import annotations

from desk.clock import utcnow
from desk.extensions import db
from desk.models import Event, EventKind, RequestType, ServiceRequest, User
from desk.services import sla


def open_linked_request(
    agent: User, parent: ServiceRequest, request_type: RequestType, *, title: str, body: str
) -> ServiceRequest:
    """File a request to another department on behalf of ``parent``'s department.

    While it is open the parent waits on it ("waiting on FIN-12") and the
    parent's resolution clock pauses; the wait is on the other department's clock.
    """
    _require_open(parent)
    if request_type.department_id == parent.department_id:
        raise WorkflowError("A linked request goes to another department; work this one here.")
    child = file_request(agent, request_type, title=title, body=body, parent=parent)
    _record(parent, agent, EventKind.LINK_OPENED, data={"key": child.key, "department": child.department.code})
    sla.sync_pause(parent, child.created_at)
    db.session.flush()
    return child


def _linked_request_moved(child: ServiceRequest, actor: User, now) -> None:
    """A linked request ended (or came back): the parent resumes (or pauses again)."""
    parent = child.parent
    kind = EventKind.LINK_OPENED if child.is_open else EventKind.LINK_CLOSED
    _record(parent, actor, kind, data={"key": child.key, "status": child.status.value})  # tells the parent's agents
    sla.sync_pause(parent, now)


def escalate(requester: User, req: ServiceRequest, *, reason: str, version: int | None = None) -> Event:
    """The requester escalates a breached request to the providing department's head."""
    _check_version(req, version)
    _require_open(req)
    if req.requester_id != requester.id:
        raise WorkflowError("Only the person who filed the request can escalate it.")
    if req.escalated_at is not None:
        raise WorkflowError(f"{req.key} is already escalated to the head of {req.department.name}.")
    now = utcnow()
    if not sla.is_breached(req, now):
        raise WorkflowError(f"{req.key} is within its agreed time; it can be escalated once it is late.")
    if not reason.strip():
        raise WorkflowError("Say why you escalate the request.")
    req.escalated_at = now
    return _record(req, requester, EventKind.ESCALATED, body=reason.strip(), data={"department": req.department.code})


# The workflow's building blocks, imported last on purpose: workflow imports
# this module at its own end to re-export the functions above, so whichever of
# the two Python loads first, the other already finds every name it asks for.
from desk.services.workflow import (  # noqa: E402
    WorkflowError,
    _check_version,
    _record,
    _require_open,
    file_request,
)
