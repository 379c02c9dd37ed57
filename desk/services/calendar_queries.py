"""Read queries for the calendar admin pages, and the calendar preview."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from desk.extensions import db
from desk.models import Calendar, CalendarDay, Department
from desk.services.calendars import business_calendar

PREVIEW_DAYS = 14
PREVIEW_TARGET_HOURS = 8


def calendars_with_departments() -> list[tuple[Calendar, list[Department]]]:
    """Every calendar with the departments that use it: two queries, whatever the count."""
    calendars = list(db.session.scalars(select(Calendar).order_by(Calendar.name)))
    users: dict[int, list[Department]] = defaultdict(list)
    for department in db.session.scalars(
        select(Department).where(Department.calendar_id.is_not(None)).order_by(Department.name)
    ):
        users[department.calendar_id].append(department)
    return [(calendar, users[calendar.id]) for calendar in calendars]


def calendar_or_404(calendar_id: int) -> Calendar:
    calendar = db.session.scalar(
        select(Calendar).where(Calendar.id == calendar_id).options(selectinload(Calendar.days))
    )
    if calendar is None:
        abort(404)
    return calendar


def special_day_or_404(calendar: Calendar, day_id: int) -> CalendarDay:
    row = next((d for d in calendar.days if d.id == day_id), None)
    if row is None:
        abort(404)
    return row


def departments_using(calendar: Calendar) -> list[Department]:
    return list(db.session.scalars(
        select(Department).where(Department.calendar_id == calendar.id).order_by(Department.name)
    ))


@dataclass(frozen=True)
class PreviewDay:
    day: date
    hours: list[tuple[str, str]]
    note: str | None  # set when the date is a special day
    today: bool

    @property
    def closed(self) -> bool:
        return not self.hours


@dataclass(frozen=True)
class Preview:
    days: list[PreviewDay]
    target_hours: int
    due: datetime | None  # in the calendar's zone; None if the calendar never opens
    error: str | None = None


def preview(calendar: Calendar, now: datetime, *, days: int = PREVIEW_DAYS,
            target_hours: int = PREVIEW_TARGET_HOURS) -> Preview:
    """The opening hours of the next ``days`` local dates, and when a target filed ``now`` falls due."""
    try:
        hours = business_calendar(calendar)
    except ValueError as error:
        return Preview([], target_hours, None, str(error))
    today = now.astimezone(hours.tz).date()
    notes = {d.day: d.note or ("Holiday" if not d.intervals else "Special hours") for d in calendar.days}
    shown = [
        PreviewDay(day, hours.hours_on(day), notes.get(day), day == today)
        for day in (today + timedelta(days=n) for n in range(days))
    ]
    try:
        due = hours.add(now, target_hours * 3600)
    except ValueError as error:
        return Preview(shown, target_hours, None, str(error))
    return Preview(shown, target_hours, due)
