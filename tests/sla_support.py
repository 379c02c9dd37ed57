"""Helpers for the SLA tests: calendars, agreements, frozen time in a zone."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import holidays
import time_machine

from desk.business_time import STANDARD_WEEK
from desk.extensions import db
from desk.models import Calendar, CalendarDay, Department, Priority
from desk.services import agreements

HOUR = 3600
BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(zone: ZoneInfo, *args) -> datetime:
    return datetime(*args, tzinfo=zone)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@contextmanager
def at(moment: datetime):
    """Freeze the app's clock at ``moment`` (time-machine, no ticking)."""
    with time_machine.travel(moment, tick=False):
        yield


def give_calendar(department: Department, tz: str, *, name: str | None = None,
                  special: dict[date, list] | None = None) -> Calendar:
    """A standard week (09-12, 13-18, Mon-Fri) in ``tz``, with special days."""
    calendar = Calendar(
        name=name or f"{department.code} hours",
        tz=tz,
        weekly={str(day): [list(i) for i in spans] for day, spans in STANDARD_WEEK.items()},
    )
    for day, spans in (special or {}).items():
        calendar.days.append(CalendarDay(day=day, intervals=[list(i) for i in spans]))
    department.calendar = calendar
    db.session.add(calendar)
    db.session.commit()
    return calendar


def china_2026() -> dict[date, list]:
    """2026 public holidays of China closed, make-up weekend workdays open (from `holidays`)."""
    found = holidays.country_holidays("CN", years=2026)
    special: dict[date, list] = {day: [] for day in found}
    for day in found.weekend_workdays:
        if day.year == 2026:
            special[day] = [list(i) for i in STANDARD_WEEK[0]]
    return special


def hours(response: float, resolution: float) -> tuple[int, int]:
    return int(response * HOUR), int(resolution * HOUR)


def targets(low=(8, 40), normal=(2, 16), high=(1, 8), urgent=(0.5, 4)) -> dict[Priority, tuple[int, int]]:
    return {Priority.LOW: hours(*low), Priority.NORMAL: hours(*normal),
            Priority.HIGH: hours(*high), Priority.URGENT: hours(*urgent)}


def agree(head, provider: Department, request_type=None, requesting_department=None, **kw):
    """Publish an agreement (defaults: normal = 2 h response, 16 h resolution) and commit."""
    version = agreements.publish_agreement(
        head, provider, targets(**kw), request_type=request_type, requesting_department=requesting_department
    )
    db.session.commit()
    return version
