"""Unit tests of desk.services.workflow: the state machine and what each change leaves behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from desk.extensions import db
from desk.models import EventKind, Holding, ServiceRequest, Status, StatusSpan
from desk.services import workflow
from desk.services.workflow import StaleRequest, WorkflowError

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday; the default calendar opens at 09:00 UTC

# What an agent may do from each status (pinned here, independently of the code).
ALLOWED = {
    Status.NEW: {Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED, Status.REJECTED},
    Status.IN_PROGRESS: {Status.WAITING, Status.RESOLVED, Status.REJECTED},
    Status.WAITING: {Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED},
    Status.RESOLVED: {Status.CLOSED},
    Status.CLOSED: set(),
    Status.REJECTED: set(),
    Status.CANCELLED: set(),
}


@pytest.fixture
def world(make):
    class World:
        it = make.department("IT", name="IT")
        fac = make.department("FAC", name="Facilities")
        mkt = make.department("MKT", name="Marketing")
        laptop = make.request_type(it, "Laptop")
        repair = make.request_type(fac, "Repair")
        agent = make.agent(it, name="Ada Agent")
        colleague = make.agent(it, name="Cole Colleague")
        head = make.head(it, name="Hal Head")
        fac_agent = make.agent(fac, name="Fay Fixer")
        requester = make.user(mkt, name="Rita Requester")

    return World


def _file(world, **kw) -> ServiceRequest:
    req = workflow.file_request(world.requester, world.laptop, title="Screen flickers", body="Since Monday.", **kw)
    db.session.commit()
    return req


def _bring_to(world, req: ServiceRequest, status: Status) -> None:
    """Move a new request to ``status`` through the workflow (as people would)."""
    if status == Status.CANCELLED:
        workflow.cancel(world.requester, req)
    elif status == Status.CLOSED:
        workflow.change_status(world.agent, req, Status.RESOLVED)
        workflow.change_status(world.agent, req, Status.CLOSED)
    elif status != Status.NEW:
        workflow.change_status(world.agent, req, status, reason="not ours" if status == Status.REJECTED else "")
    db.session.commit()
    assert req.status == status


def _kinds(req: ServiceRequest) -> list[EventKind]:
    db.session.expire(req, ["events"])
    return [e.kind for e in req.events]


# --- filing -------------------------------------------------------------------------


def test_filing_makes_a_new_request_with_its_history(world):
    req = _file(world)
    assert (req.key, req.status, req.department_id, req.requesting_department_id) == (
        "IT-1", Status.NEW, world.it.id, world.mkt.id)
    assert req.priority == world.laptop.default_priority
    assert _kinds(req) == [EventKind.CREATED]
    assert req.events[0].actor_id == world.requester.id
    assert [h.department_id for h in req.holdings] == [world.it.id]


def test_keys_are_numbered_per_department(world):
    keys = [
        workflow.file_request(world.requester, t, title="x", body="y").key
        for t in (world.laptop, world.laptop, world.repair, world.laptop, world.repair)
    ]
    db.session.commit()
    assert keys == ["IT-1", "IT-2", "FAC-1", "IT-3", "FAC-2"]


def test_a_double_submission_files_one_request(world):
    first = _file(world, submission_key="form-123")
    second = _file(world, submission_key="form-123")
    assert second.id == first.id
    assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 1
    assert db.session.get(type(world.it), world.it.id).request_seq == 1  # no number wasted
    other = workflow.file_request(world.fac_agent, world.laptop, title="x", body="y", submission_key="form-123")
    assert other.id != first.id  # keys are per requester


def test_an_archived_type_or_closed_department_takes_no_requests(world):
    world.laptop.archived_at = MONDAY_9
    with pytest.raises(WorkflowError, match="IT does not take “Laptop” requests"):
        _file(world)
    world.laptop.archived_at = None
    world.it.takes_requests = False
    with pytest.raises(WorkflowError, match="IT does not take"):
        _file(world)


# --- status moves ---------------------------------------------------------------------


@pytest.mark.parametrize("start", list(Status))
@pytest.mark.parametrize("to", list(Status))
def test_every_status_move(world, start, to):
    req = _file(world)
    _bring_to(world, req, start)
    events_before = len(req.events)
    if to in ALLOWED[start]:
        workflow.change_status(world.agent, req, to, reason="because")
        db.session.commit()
        assert req.status == to
        last = req.events[-1]
        assert (last.kind, last.data, last.actor_id) == (
            EventKind.STATUS_CHANGED, {"from": start.value, "to": to.value}, world.agent.id)
    else:
        with pytest.raises(WorkflowError) as refused:
            workflow.change_status(world.agent, req, to, reason="because")
        assert str(refused.value) == f"IT-1 cannot go from “{start.label}” to “{to.label}”."
        db.session.rollback()
        assert req.status == start and len(req.events) == events_before


def test_rejecting_needs_a_reason(world):
    req = _file(world)
    with pytest.raises(WorkflowError, match="Say why the request is rejected."):
        workflow.change_status(world.agent, req, Status.REJECTED, reason="   ")
    workflow.change_status(world.agent, req, Status.REJECTED, reason=" Not IT's job ")
    assert (req.status, req.events[-1].body) == (Status.REJECTED, "Not IT's job")
    assert req.closed_at is not None


def test_resolving_and_closing_are_stamped(world):
    with time_machine.travel(MONDAY_9, tick=False):
        req = _file(world)
        workflow.change_status(world.agent, req, Status.RESOLVED)
    assert (req.resolved_at, req.closed_at) == (MONDAY_9, None)
    with time_machine.travel(MONDAY_9 + timedelta(days=1), tick=False):
        workflow.change_status(world.agent, req, Status.CLOSED)
    assert req.closed_at == MONDAY_9 + timedelta(days=1)


# --- taking and assigning ---------------------------------------------------------------


def test_take_assigns_to_oneself_and_starts_work(world):
    req = _file(world)
    workflow.take(world.agent, req)
    db.session.commit()
    assert (req.assignee_id, req.status) == (world.agent.id, Status.IN_PROGRESS)
    assert _kinds(req) == [EventKind.CREATED, EventKind.ASSIGNED, EventKind.STATUS_CHANGED]
    assert req.events[1].data == {"from": None, "to": "Ada Agent"}
    workflow.take(world.agent, req)  # taking it again changes nothing
    assert len(_kinds(req)) == 3


def test_take_refuses_a_request_someone_else_has(world):
    req = _file(world)
    workflow.take(world.colleague, req)
    db.session.commit()
    with pytest.raises(WorkflowError) as refused:
        workflow.take(world.agent, req)
    assert str(refused.value) == "Cole Colleague has already taken IT-1."
    assert req.assignee_id == world.colleague.id


def test_take_refuses_a_finished_request(world):
    req = _file(world)
    _bring_to(world, req, Status.REJECTED)
    with pytest.raises(WorkflowError, match="IT-1 is rejected."):
        workflow.take(world.agent, req)


def test_assign_to_a_colleague_and_back_to_nobody(world):
    req = _file(world)
    workflow.assign(world.head, req, world.colleague)
    db.session.commit()
    assert (req.assignee_id, req.status) == (world.colleague.id, Status.IN_PROGRESS)
    workflow.assign(world.head, req, None)
    db.session.commit()
    assert req.assignee_id is None and req.status == Status.IN_PROGRESS
    assert req.events[-1].data == {"from": "Cole Colleague", "to": None}


def test_assign_refuses_anyone_but_an_agent_of_the_department(world, make):
    req = _file(world)
    gone = make.agent(world.it, name="Gus Gone", active=False)
    member = make.user(world.it, name="Mo Member")
    for person, message in [
        (member, "Mo Member is not an agent of IT."),
        (world.fac_agent, "Fay Fixer is not an agent of IT."),
        (world.requester, "Rita Requester is not an agent of IT."),
        (gone, "Gus Gone is not an agent of IT."),
    ]:
        with pytest.raises(WorkflowError) as refused:
            workflow.assign(world.agent, req, person)
        assert str(refused.value) == message
    assert req.assignee_id is None and _kinds(req) == [EventKind.CREATED]


# --- replies and notes ----------------------------------------------------------------


def test_reply_from_the_requester_resumes_a_waiting_request(world):
    req = _file(world)
    _bring_to(world, req, Status.WAITING)
    event = workflow.reply(world.requester, req, "  Here is the serial number.  ")
    db.session.commit()
    assert (event.body, event.internal, event.kind) == ("Here is the serial number.", False, EventKind.REPLIED)
    assert req.status == Status.IN_PROGRESS
    assert _kinds(req)[-2:] == [EventKind.REPLIED, EventKind.STATUS_CHANGED]
    assert req.events[-1].data == {"from": "waiting_on_requester", "to": "in_progress"}


def test_reply_from_an_agent_keeps_the_request_waiting(world):
    req = _file(world)
    _bring_to(world, req, Status.WAITING)
    workflow.reply(world.agent, req, "Any news?")
    assert req.status == Status.WAITING


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REJECTED, Status.CANCELLED])
def test_finished_requests_take_no_replies(world, status):
    req = _file(world)
    _bring_to(world, req, status)
    with pytest.raises(WorkflowError, match=f"IT-1 is {status.label.lower()}; it takes no more replies."):
        workflow.reply(world.requester, req, "Hello?")


def test_notes_are_internal(world):
    req = _file(world)
    note = workflow.add_note(world.agent, req, "Requester is a VIP")
    db.session.commit()
    assert (note.kind, note.internal, note.body, note.actor_id) == (
        EventKind.NOTED, True, "Requester is a VIP", world.agent.id)
    assert req.status == Status.NEW


# --- transfer -------------------------------------------------------------------------


def test_transfer_hands_the_request_over(world):
    req = _file(world)
    workflow.take(world.agent, req)
    db.session.commit()
    workflow.transfer(world.agent, req, world.repair, reason=" The desk itself is broken ")
    db.session.commit()
    assert (req.key, req.department_id, req.type_id, req.status, req.assignee_id, req.transfer_count) == (
        "IT-1", world.fac.id, world.repair.id, Status.NEW, None, 1)
    event = req.events[-1]
    assert (event.kind, event.body, event.data) == (
        EventKind.TRANSFERRED, "The desk itself is broken", {"from": "IT", "to": "FAC", "type": "Repair"})
    holders = db.session.scalars(select(Holding.department_id).where(Holding.request_id == req.id))
    assert sorted(holders) == sorted([world.it.id, world.fac.id])
    spans = db.session.scalars(select(StatusSpan).where(StatusSpan.request_id == req.id).order_by(StatusSpan.id)).all()
    assert [(s.department_id, s.status, s.ended_at is None) for s in spans] == [
        (world.it.id, Status.NEW, False), (world.it.id, Status.IN_PROGRESS, False), (world.fac.id, Status.NEW, True)]


def test_transfer_back_keeps_one_holding_per_department(world, make):
    req = _file(world)
    workflow.transfer(world.agent, req, world.repair, reason="theirs")
    workflow.transfer(world.fac_agent, req, world.laptop, reason="no, yours")
    db.session.commit()
    assert req.department_id == world.it.id and req.transfer_count == 2
    assert len(req.holdings) == 2


def test_transfer_of_a_confidential_type_makes_the_request_confidential(world, make):
    secret = make.request_type(world.fac, "Incident", confidential=True)
    req = _file(world)
    workflow.transfer(world.agent, req, secret, reason="sensitive")
    assert req.confidential is True


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("same department", "IT-1 is already with IT."),
        ("archived type", "Facilities does not take “Repair” requests."),
        ("closed department", "Facilities does not take “Repair” requests."),
        ("no reason", "Say why the request goes to another department."),
        ("finished", "IT-1 is cancelled."),
    ],
)
def test_transfer_refusals(world, make, case, message):
    req = _file(world)
    target = world.repair
    reason = "reason"
    if case == "same department":
        target = make.request_type(world.it, "Other IT type")
    elif case == "archived type":
        world.repair.archived_at = MONDAY_9
    elif case == "closed department":
        world.fac.takes_requests = False
    elif case == "no reason":
        reason = "  "
    elif case == "finished":
        _bring_to(world, req, Status.CANCELLED)
    with pytest.raises(WorkflowError) as refused:
        workflow.transfer(world.agent, req, target, reason=reason)
    assert str(refused.value) == message
    assert req.department_id == world.it.id


# --- the requester's side -------------------------------------------------------------


def test_cancel_while_open(world):
    req = _file(world)
    workflow.cancel(world.requester, req, reason="Found it")
    db.session.commit()
    assert (req.status, req.events[-1].body, req.events[-1].data) == (
        Status.CANCELLED, "Found it", {"from": "new", "to": "cancelled"})
    assert req.closed_at is not None


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.CANCELLED])
def test_cancel_refused_once_not_open(world, status):
    req = _file(world)
    _bring_to(world, req, status)
    with pytest.raises(WorkflowError, match="can no longer be cancelled"):
        workflow.cancel(world.requester, req)
    assert req.status == status


def test_reopen_within_seven_days(world):
    with time_machine.travel(MONDAY_9, tick=False):
        req = _file(world)
        _bring_to(world, req, Status.RESOLVED)
    with time_machine.travel(MONDAY_9 + timedelta(days=7), tick=False):  # the last moment
        workflow.reopen(world.requester, req, reason=" Still flickers ")
        db.session.commit()
    assert (req.status, req.reopen_count, req.resolved_at) == (Status.IN_PROGRESS, 1, None)
    event = req.events[-1]
    assert (event.kind, event.body, event.data) == (
        EventKind.REOPENED, "Still flickers", {"from": "resolved", "to": "in_progress"})


def test_reopen_refused_after_seven_days(world):
    with time_machine.travel(MONDAY_9, tick=False):
        req = _file(world)
        _bring_to(world, req, Status.RESOLVED)
    with time_machine.travel(MONDAY_9 + timedelta(days=7, seconds=1), tick=False):
        with pytest.raises(WorkflowError) as refused:
            workflow.reopen(world.requester, req, reason="Still broken")
    assert str(refused.value) == "IT-1 was resolved more than 7 days ago; file a new request instead."
    assert req.status == Status.RESOLVED


def test_reopen_needs_a_reason_and_a_resolved_request(world):
    req = _file(world)
    with pytest.raises(WorkflowError, match="Only a resolved request can be reopened; IT-1 is new."):
        workflow.reopen(world.requester, req, reason="why")
    _bring_to(world, req, Status.RESOLVED)
    with pytest.raises(WorkflowError, match="Say why the request is not resolved."):
        workflow.reopen(world.requester, req, reason=" ")


def test_watchers(world, make):
    req = _file(world)
    friend = make.user(world.mkt, name="Fred Friend")
    workflow.add_watcher(world.requester, req, friend)
    db.session.commit()
    assert [w.user_id for w in req.watchers] == [friend.id]
    assert req.events[-1].data == {"user": "Fred Friend"}
    with pytest.raises(WorkflowError, match="Fred Friend already follows IT-1."):
        workflow.add_watcher(world.requester, req, friend)
    with pytest.raises(WorkflowError, match="already follows"):
        workflow.add_watcher(world.agent, req, world.requester)
    gone = make.user(world.mkt, name="Gone Girl", active=False)
    with pytest.raises(WorkflowError, match="Gone Girl is no longer with the company."):
        workflow.add_watcher(world.requester, req, gone)
    req.confidential = True
    with pytest.raises(WorkflowError, match="Confidential requests cannot have watchers."):
        workflow.add_watcher(world.requester, req, make.user(world.mkt))


def test_priority_change_is_recorded(world):
    req = _file(world)
    workflow.set_priority(world.agent, req, workflow.Priority.URGENT)
    db.session.commit()
    assert req.priority == workflow.Priority.URGENT
    assert req.events[-1].data == {"from": "normal", "to": "urgent"}
    workflow.set_priority(world.agent, req, workflow.Priority.URGENT)  # no change, no event
    assert len(req.events) == 2


# --- stale forms ----------------------------------------------------------------------


@pytest.mark.parametrize("action", ["take", "assign", "status", "priority", "transfer", "cancel", "reopen"])
def test_a_stale_version_is_refused_and_changes_nothing(world, action):
    req = _file(world)
    if action == "reopen":
        _bring_to(world, req, Status.RESOLVED)
    seen = req.version
    workflow.add_note(world.colleague, req, "someone else was here")  # bumps the version
    db.session.commit()
    assert req.version == seen + 1
    before = (req.status, req.assignee_id, req.department_id, req.priority, len(req.events))
    call = {
        "take": lambda: workflow.take(world.agent, req, version=seen),
        "assign": lambda: workflow.assign(world.agent, req, world.colleague, version=seen),
        "status": lambda: workflow.change_status(world.agent, req, Status.RESOLVED, version=seen),
        "priority": lambda: workflow.set_priority(world.agent, req, workflow.Priority.HIGH, version=seen),
        "transfer": lambda: workflow.transfer(world.agent, req, world.repair, reason="x", version=seen),
        "cancel": lambda: workflow.cancel(world.requester, req, version=seen),
        "reopen": lambda: workflow.reopen(world.requester, req, reason="x", version=seen),
    }[action]
    with pytest.raises(StaleRequest, match="IT-1 changed since you opened it"):
        call()
    db.session.rollback()
    assert (req.status, req.assignee_id, req.department_id, req.priority, len(req.events)) == before


def test_the_current_version_is_accepted(world):
    req = _file(world)
    workflow.take(world.agent, req, version=req.version)
    assert req.assignee_id == world.agent.id


# --- status spans -----------------------------------------------------------------------


def test_status_spans_close_with_business_seconds(world):
    with time_machine.travel(MONDAY_9, tick=False):
        req = _file(world)
    with time_machine.travel(MONDAY_9 + timedelta(hours=2), tick=False):  # Mon 11:00
        workflow.change_status(world.agent, req, Status.IN_PROGRESS)
        db.session.commit()
    with time_machine.travel(MONDAY_9 + timedelta(days=1, hours=1), tick=False):  # Tue 10:00
        workflow.change_status(world.agent, req, Status.WAITING)
        db.session.commit()
    with time_machine.travel(MONDAY_9 + timedelta(days=5), tick=False):  # Sat 09:00: the weekend is free
        workflow.reply(world.requester, req, "Here you go")
        db.session.commit()
    with time_machine.travel(MONDAY_9 + timedelta(days=7, hours=4), tick=False):  # next Mon 13:00
        workflow.change_status(world.agent, req, Status.RESOLVED)
        db.session.commit()
    spans = db.session.scalars(select(StatusSpan).where(StatusSpan.request_id == req.id).order_by(StatusSpan.id)).all()
    assert [(s.status, s.business_seconds) for s in spans] == [
        (Status.NEW, 2 * 3600),  # Mon 09-11
        (Status.IN_PROGRESS, (1 + 5 + 1) * 3600),  # Mon 11-12, 13-18, Tue 09-10
        (Status.WAITING, (2 + 5 + 3 * 8) * 3600),  # Tue 10-12, 13-18, Wed-Fri 8 h each
        (Status.IN_PROGRESS, 3 * 3600),  # Mon 09-12 (the lunch hour does not count)
    ]
    assert all(s.department_id == world.it.id and s.ended_at is not None for s in spans)
    assert spans[-1].ended_at == MONDAY_9 + timedelta(days=7, hours=4)
