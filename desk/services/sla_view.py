"""Read side of the SLA clock for the request page: the clock panel and linked requests.

The panel explains the clock as a timeline: which agreement version and
targets apply, which calendar (name and zone), when the clock started (filing
or the last transfer), the first response, every pause with its reason and
business length, the transfers, and the end-to-end time the requester sees.
Pauses are replayed from the request's events with the same rule
:func:`desk.services.sla.sync_pause` applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from desk.extensions import db
from desk.models import (
    OPEN_STATUSES,
    AgreementVersion,
    Event,
    EventKind,
    ServiceRequest,
    Status,
)
from desk.services.sla import calendar_of
from desk.services.sla_state import ClockState, business_duration, clock_state, clock_states

_CLOCK_EVENTS = (EventKind.CREATED, EventKind.TRANSFERRED, EventKind.STATUS_CHANGED, EventKind.REOPENED,
                 EventKind.LINK_OPENED, EventKind.LINK_CLOSED, EventKind.DEADLINES_CHANGED,
                 EventKind.PRIORITY_CHANGED, EventKind.ESCALATED)
_PAUSING = {Status.WAITING.value: "waiting on the requester", Status.RESOLVED.value: "resolved"}


@dataclass(frozen=True)
class Pause:
    started_at: datetime
    ended_at: datetime | None  # None: still paused
    reason: str
    business_seconds: int

    @property
    def length_text(self) -> str:
        return business_duration(self.business_seconds)


@dataclass(frozen=True)
class Transfer:
    at: datetime
    source: str
    target: str


@dataclass
class ClockPanel:
    headline: ClockState
    response: ClockState
    resolution: ClockState
    version: AgreementVersion | None
    calendar_name: str
    calendar_zone: str
    started_at: datetime | None
    first_response_at: datetime | None
    escalated_at: datetime | None
    end_to_end_seconds: int  # wall-clock time since filing, until resolved (what the requester lived)
    scope: str = ""  # which agreement: "IT, Laptop for Marketing"
    pauses: list[Pause] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    deadline_changes: list[Event] = field(default_factory=list)
    waiting_on: list[ServiceRequest] = field(default_factory=list)  # open linked requests
    linked: list[ServiceRequest] = field(default_factory=list)  # every linked request

    @property
    def paused_seconds(self) -> int:
        return sum(p.business_seconds for p in self.pauses)

    @property
    def steps(self) -> list[Step]:
        """The clock's story in time order: start, transfers, first response, pauses, changes."""
        steps = [Step(t.at, f"Handed over from {t.source} to {t.target}") for t in self.transfers]
        if self.started_at is not None:
            steps.append(Step(self.started_at, "Clock started" if not self.transfers else "New clock started"))
        if self.first_response_at is not None:
            steps.append(Step(self.first_response_at, f"First response, after {self.response.used_text}"
                              if self.response.used is not None else "First response"))
        steps += [Step(p.started_at, f"Paused: {p.reason}", p.ended_at, p.length_text, ongoing=p.ended_at is None)
                  for p in self.pauses]
        for e in self.deadline_changes:
            because = "the calendar" if e.data.get("because") == "calendar" else "the agreements"
            steps.append(Step(e.created_at, f"Deadlines recomputed: {because} changed"))
        if self.escalated_at is not None:
            steps.append(Step(self.escalated_at, "Escalated to the head of the department"))
        return sorted(steps, key=lambda s: s.at)


@dataclass(frozen=True)
class Step:
    at: datetime
    text: str
    until: datetime | None = None
    length: str | None = None  # business time, for pauses
    ongoing: bool = False


def scope_label(version: AgreementVersion) -> str:
    """'IT, every request' / 'IT, Laptop' / 'IT, Laptop for Marketing'."""
    agreement = version.agreement
    text = f"{agreement.provider.code}, " + (agreement.request_type.name if agreement.request_type else "every request")
    if agreement.requesting_department is not None:
        text += f" for {agreement.requesting_department.name}"
    return text


def badge_state(req: ServiceRequest, now: datetime) -> ClockState:
    """The one state a list row shows (see :func:`desk.services.sla_state.clock_state`)."""
    return clock_state(req, now, calendar_of(req))


def linked_requests(req: ServiceRequest) -> list[ServiceRequest]:
    """Requests opened from this one, oldest first, with their department."""
    return list(db.session.scalars(
        select(ServiceRequest).where(ServiceRequest.parent_id == req.id)
        .options(joinedload(ServiceRequest.department)).order_by(ServiceRequest.id)
    ))


def clock_panel(req: ServiceRequest, now: datetime) -> ClockPanel:
    calendar = calendar_of(req)
    response, resolution = clock_states(req, now, calendar)
    stored = req.department.calendar
    events = list(db.session.scalars(
        select(Event).where(Event.request_id == req.id, Event.kind.in_(_CLOCK_EVENTS)).order_by(Event.id)
    ))
    linked = linked_requests(req)
    end = req.resolved_at if req.status == Status.RESOLVED else (req.closed_at or now)
    return ClockPanel(
        headline=clock_state(req, now, calendar),
        response=response,
        resolution=resolution,
        version=req.agreement_version,
        scope=scope_label(req.agreement_version) if req.agreement_version else "",
        calendar_name=stored.name if stored else "Standard week",
        calendar_zone=stored.tz if stored else "UTC",
        started_at=req.clock_started_at,
        first_response_at=req.first_response_at,
        escalated_at=req.escalated_at,
        end_to_end_seconds=max(int((end - req.created_at).total_seconds()), 0),
        pauses=_pauses(req, events, calendar, now),
        transfers=[Transfer(e.created_at, e.data.get("from", ""), e.data.get("to", ""))
                   for e in events if e.kind == EventKind.TRANSFERRED],
        deadline_changes=[e for e in events if e.kind == EventKind.DEADLINES_CHANGED],
        waiting_on=[r for r in linked if r.status in OPEN_STATUSES],
        linked=linked,
    )


def _pauses(req: ServiceRequest, events: list[Event], calendar, now: datetime) -> list[Pause]:
    """Replay the pause rule over the events; list the pauses of the current clock only."""
    status: str | None = None
    open_links: list[str] = []
    spans: list[tuple[datetime, datetime | None, str]] = []
    started, reason = None, ""

    def pausing_reason() -> str | None:
        if status in _PAUSING:
            return _PAUSING[status]
        return "waiting on " + ", ".join(open_links) if open_links else None

    for e in events:
        before = pausing_reason()
        if e.kind in (EventKind.CREATED, EventKind.TRANSFERRED):
            status = Status.NEW.value
        elif e.kind in (EventKind.STATUS_CHANGED, EventKind.REOPENED):
            status = e.data.get("to", status)
        elif e.kind == EventKind.LINK_OPENED and e.data.get("key") not in open_links:
            open_links.append(e.data.get("key"))
        elif e.kind == EventKind.LINK_CLOSED and e.data.get("key") in open_links:
            open_links.remove(e.data.get("key"))
        after = pausing_reason()
        if before is None and after is not None:
            started, reason = e.created_at, after
        elif before is not None and after is None:
            spans.append((started, e.created_at, reason))
    if pausing_reason() is not None and req.status in OPEN_STATUSES | {Status.RESOLVED}:
        spans.append((started, None, reason))
    clock_start = req.clock_started_at or req.created_at
    pauses = []
    for begin, end, why in spans:
        if end is not None and end <= clock_start:
            continue  # an earlier department's pause
        begin = max(begin, clock_start)
        seconds = calendar.seconds_between(begin, max(end or now, begin))
        pauses.append(Pause(begin, end, why, seconds))
    return pauses
