"""The state of a request's SLA clocks, computed on read and never stored.

``on_track`` / ``at_risk`` (75 % of the business time used) / ``breached``
while a clock runs; ``paused`` while the resolution clock waits (a paused
clock that had already run out stays ``breached``); ``met`` / ``missed`` once
it stopped; ``none`` without an agreement (or when the request ended without
a result, e.g. cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desk.business_time import BusinessCalendar
from desk.models import OPEN_STATUSES, ClockKind, ServiceRequest
from desk.services.calendars import department_calendar
from desk.wording import counted

AT_RISK_SHARE = 0.75
RUNNING = frozenset({"on_track", "at_risk", "breached"})
_SEVERITY = {"breached": 3, "at_risk": 2, "on_track": 1, "paused": 1}

LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "breached": "Breached",
    "met": "Met",
    "missed": "Missed",
    "paused": "Paused",
    "none": "No agreement",
}
# Bootstrap badge classes; the label always says the state too (never colour alone).
BADGES = {
    "on_track": "text-bg-success",
    "at_risk": "text-bg-warning",
    "breached": "text-bg-danger",
    "met": "text-bg-light border",
    "missed": "text-bg-secondary",
    "paused": "text-bg-info",
    "none": "text-bg-light border",
}


def risk_seconds(target: int) -> int:
    """Business seconds after which a clock is at risk: ceil(75 % of the target), in integers."""
    return (3 * target + 3) // 4


@dataclass(frozen=True)
class ClockState:
    kind: ClockKind
    state: str
    due_at: datetime | None = None  # None while paused (the deadline moves) or without a target
    seconds_left: int | None = None  # business seconds; negative: over
    target: int | None = None
    used: int | None = None  # business seconds used so far (or in total, once stopped)

    @property
    def label(self) -> str:
        return LABELS[self.state]

    @property
    def badge(self) -> str:
        return BADGES[self.state]

    @property
    def running(self) -> bool:
        return self.state in RUNNING

    @property
    def left_text(self) -> str:
        """'3 business hours', '45 business minutes' (of what is left, or how far over)."""
        return business_duration(abs(self.seconds_left or 0))

    @property
    def used_text(self) -> str:
        return business_duration(self.used or 0)

    @property
    def target_text(self) -> str:
        return business_duration(self.target or 0)


def business_duration(seconds: int) -> str:
    minutes = -(-seconds // 60)  # round up: "1 business minute" until it is really gone
    if minutes < 60:
        return counted(minutes, "business minute")
    hours, rest = divmod(minutes, 60)
    text = counted(hours, "business hour")
    return f"{text} {rest} min" if rest and hours < 10 else text


def clock_states(req: ServiceRequest, now: datetime,
                 calendar: BusinessCalendar | None = None) -> tuple[ClockState, ClockState]:
    """(response clock, resolution clock) at ``now``."""
    calendar = calendar or department_calendar(req.department)
    return _response(req, now, calendar), _resolution(req, now, calendar)


def clock_state(req: ServiceRequest, now: datetime, calendar: BusinessCalendar | None = None) -> ClockState:
    """The one clock a badge shows: the worse running one, else the resolution result."""
    response, resolution = clock_states(req, now, calendar)
    if response.running and _SEVERITY.get(response.state, 0) >= _SEVERITY.get(resolution.state, 0):
        return response
    if resolution.state == "none" and response.state != "none":
        return response
    return resolution


def _response(req: ServiceRequest, now: datetime, calendar: BusinessCalendar) -> ClockState:
    kind, target = ClockKind.RESPONSE, req.response_target_seconds
    if target is None or req.clock_started_at is None:
        return ClockState(kind, "none")
    if req.first_response_at is not None:
        used = req.response_business_seconds
        state = "none" if req.response_met is None else ("met" if req.response_met else "missed")
        return ClockState(kind, state, req.response_due_at, target - used, target, used)
    if req.status not in OPEN_STATUSES:
        return ClockState(kind, "none", target=target)
    used = calendar.seconds_between(req.clock_started_at, max(now, req.clock_started_at))
    return ClockState(kind, _running(used, target), req.response_due_at, target - used, target, used)


def _resolution(req: ServiceRequest, now: datetime, calendar: BusinessCalendar) -> ClockState:
    kind, target = ClockKind.RESOLUTION, req.resolution_target_seconds
    if target is None or req.clock_started_at is None:
        return ClockState(kind, "none")
    if req.resolution_met is not None:
        used = req.resolution_business_seconds
        return ClockState(kind, "met" if req.resolution_met else "missed", req.resolution_due_at,
                          target - used, target, used)
    if req.status not in OPEN_STATUSES:
        return ClockState(kind, "none", target=target)
    now = max(now, req.clock_started_at)
    used = calendar.seconds_between(req.clock_started_at, now) - req.paused_business_seconds
    if req.paused_at is not None:
        used -= calendar.seconds_between(min(req.paused_at, now), now)
        state = "breached" if used >= target else "paused"
        return ClockState(kind, state, req.resolution_due_at if state == "breached" else None,
                          target - used, target, used)
    return ClockState(kind, _running(used, target), req.resolution_due_at, target - used, target, used)


def _running(used: int, target: int) -> str:
    if used >= target:
        return "breached"
    if used >= risk_seconds(target):
        return "at_risk"
    return "on_track"
