"""Turn stored calendars into :class:`desk.business_time.BusinessCalendar` objects."""

from __future__ import annotations

from desk.business_time import STANDARD_WEEK, BusinessCalendar
from desk.models import Calendar, Department

# Departments without a calendar work the standard week in UTC.
DEFAULT_CALENDAR = BusinessCalendar("UTC", STANDARD_WEEK)


def business_calendar(calendar: Calendar | None) -> BusinessCalendar:
    if calendar is None:
        return DEFAULT_CALENDAR
    weekly = {int(day): [tuple(i) for i in intervals] for day, intervals in calendar.weekly.items()}
    special = {d.day: [tuple(i) for i in d.intervals] for d in calendar.days}
    return BusinessCalendar(calendar.tz, weekly, special)


def department_calendar(department: Department) -> BusinessCalendar:
    return business_calendar(department.calendar)
