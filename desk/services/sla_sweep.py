"""The SLA sweep: warn once when a request becomes at risk or breached.

Run every minute from cron (``flask --app desk sla-sweep``). Correctness never
depends on it: states are computed on read. The sweep only records warnings,
one :class:`~desk.models.SlaWarning` row per (request, department, clock,
level), so running it twice warns once, and records when it last ran so
``/health`` can show a stopped cron.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from desk.extensions import db
from desk.models import (
    OPEN_STATUSES,
    ClockKind,
    Event,
    EventKind,
    ServiceRequest,
    Setting,
    SlaWarning,
    WarningLevel,
)
from desk.services import notify
from desk.services.sla_state import clock_states

LAST_RUN_KEY = "sla_sweep_last_run"
BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    checked: int
    warnings: list[tuple[str, ClockKind, WarningLevel]]  # (request key, clock, level)


def sweep(now: datetime) -> SweepResult:
    """Record a warning for every running clock that reached 75 % or its deadline."""
    candidates = list(db.session.scalars(_candidates(now).options(joinedload(ServiceRequest.department))))
    seen = _existing_warnings([r.id for r in candidates])
    found: list[tuple[str, ClockKind, WarningLevel]] = []
    for req in candidates:
        for clock in clock_states(req, now):
            level = {"at_risk": WarningLevel.AT_RISK, "breached": WarningLevel.BREACHED}.get(clock.state)
            if level is None:
                continue
            key = (req.id, req.department_id, clock.kind, level)
            if key in seen or (level == WarningLevel.AT_RISK and
                               (req.id, req.department_id, clock.kind, WarningLevel.BREACHED) in seen):
                continue
            if _warn(req, clock.kind, level, now):
                seen.add(key)
                found.append((req.key, clock.kind, level))
    _record_run(now)
    db.session.flush()
    return SweepResult(len(candidates), found)


def _candidates(now: datetime):
    """Open requests with a running clock past its risk instant and not yet warned as breached."""
    r, w = ServiceRequest, SlaWarning

    def not_breached_yet(kind: ClockKind):
        return ~exists().where(w.request_id == r.id, w.department_id == r.department_id,
                               w.kind == kind, w.level == WarningLevel.BREACHED)

    response_due = and_(r.first_response_at.is_(None), r.response_risk_at <= now,
                        not_breached_yet(ClockKind.RESPONSE))
    # A paused clock is skipped unless it ran out before the pause (then it is breached).
    resolution_due = and_(r.resolution_risk_at <= now, not_breached_yet(ClockKind.RESOLUTION),
                          or_(r.paused_at.is_(None), r.resolution_due_at <= r.paused_at))
    return select(r).where(r.status.in_(OPEN_STATUSES), or_(response_due, resolution_due)).order_by(r.id)


def _existing_warnings(request_ids: list[int]) -> set[tuple]:
    seen: set[tuple] = set()
    for start in range(0, len(request_ids), BATCH):
        rows = db.session.execute(
            select(SlaWarning.request_id, SlaWarning.department_id, SlaWarning.kind, SlaWarning.level)
            .where(SlaWarning.request_id.in_(request_ids[start:start + BATCH]))
        )
        seen.update(tuple(row) for row in rows)
    return seen


def _warn(req: ServiceRequest, kind: ClockKind, level: WarningLevel, now: datetime) -> bool:
    """Insert the warning row; a concurrent sweep that got there first wins (unique row)."""
    try:
        with db.session.begin_nested():
            db.session.add(SlaWarning(request_id=req.id, department_id=req.department_id,
                                      kind=kind, level=level, created_at=now))
    except IntegrityError:
        return False
    # Not through workflow._record: a warning is not activity, so updated_at stays.
    event = Event(request_id=req.id, kind=EventKind.SLA_WARNING, internal=True, created_at=now,
                  data={"clock": kind.value, "level": level.value, "department": req.department.code})
    db.session.add(event)
    db.session.flush()
    notify.event_recorded(req, event)  # the assignee and the department's heads, in-app and by e-mail
    return True


def _record_run(now: datetime) -> None:
    setting = db.session.get(Setting, LAST_RUN_KEY)
    if setting is None:
        setting = Setting(key=LAST_RUN_KEY)
        db.session.add(setting)
    setting.value = {"at": now.isoformat()}
    setting.updated_at = now


def last_run() -> datetime | None:
    setting = db.session.get(Setting, LAST_RUN_KEY)
    return None if setting is None else setting.updated_at
