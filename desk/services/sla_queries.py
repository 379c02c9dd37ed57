"""The SLA clock as SQL: queue filters and the due-date sort.

The same rule as :mod:`desk.services.sla_state`, over stored columns: the
due and risk instants were computed at the events, so "breached" and "at
risk" are comparisons with now and an index serves them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, not_, or_

from desk.models import OPEN_STATUSES, ServiceRequest

SLA_FILTERS = {"at_risk": "At risk", "breached": "Breached", "escalated": "Escalated"}

r = ServiceRequest


def _response_running() -> ColumnElement[bool]:
    return and_(r.first_response_at.is_(None), r.response_due_at.is_not(None))


def _resolution_running() -> ColumnElement[bool]:
    return and_(r.resolution_met.is_(None), r.resolution_due_at.is_not(None))


def breached(now: datetime) -> ColumnElement[bool]:
    """An open request with a running clock past its deadline (a paused one only if it ran out before)."""
    return and_(
        r.status.in_(OPEN_STATUSES),
        or_(
            and_(_response_running(), r.response_due_at <= now),
            and_(_resolution_running(), r.resolution_due_at <= now,
                 or_(r.paused_at.is_(None), r.resolution_due_at <= r.paused_at)),
        ),
    )


def at_risk(now: datetime) -> ColumnElement[bool]:
    """75 % of a running clock used, and not breached."""
    return and_(
        r.status.in_(OPEN_STATUSES),
        or_(
            and_(_response_running(), r.response_risk_at <= now),
            and_(_resolution_running(), r.paused_at.is_(None), r.resolution_risk_at <= now),
        ),
        not_(breached(now)),
    )


def sla_filter(name: str, now: datetime) -> ColumnElement[bool] | None:
    if name == "breached":
        return breached(now)
    if name == "at_risk":
        return at_risk(now)
    if name == "escalated":
        return and_(r.escalated_at.is_not(None), r.status.in_(OPEN_STATUSES))
    return None


def next_due():
    """The deadline that comes next: the response while it is pending, else the resolution.

    A paused resolution clock has no deadline until it resumes (NULL, sorted
    last), unless it ran out before the pause.
    """
    return case(
        (_response_running(), r.response_due_at),
        (and_(r.paused_at.is_not(None), r.resolution_due_at > r.paused_at), None),
        else_=r.resolution_due_at,
    )


def escalated_first():
    """Sort key putting open escalated requests first (the head's queue)."""
    return case((and_(r.escalated_at.is_not(None), r.status.in_(OPEN_STATUSES)), 0), else_=1)
