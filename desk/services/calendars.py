"""Turn stored calendars into :class:`desk.business_time.BusinessCalendar` objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import uuid4

from sqlalchemy import func, select

from desk.business_time import STANDARD_WEEK, BusinessCalendar
from desk.clock import utcnow
from desk.extensions import db
from desk.models import OPEN_STATUSES, Calendar, CalendarDay, Department, ServiceRequest
from desk.services.errors import FieldError
from desk.wording import counted, joined

# Departments without a calendar work the standard week in UTC.
DEFAULT_CALENDAR = BusinessCalendar("UTC", STANDARD_WEEK)


# Built calendars by (calendar id, revision). A BusinessCalendar is immutable
# and caches its converted years, so reusing one across requests saves both
# loading the special days and rebuilding the chunks. The revision is a random
# token renewed by :func:`touch`, so a changed calendar is never served stale.
_CACHE: dict[tuple[int, str], BusinessCalendar] = {}
_CACHE_SIZE = 256


def business_calendar(calendar: Calendar | None) -> BusinessCalendar:
    if calendar is None:
        return DEFAULT_CALENDAR
    key = (calendar.id, calendar.revision)
    if calendar.id is None or calendar.revision is None:  # not flushed yet: build, do not cache
        return _build(calendar)
    built = _CACHE.get(key)
    if built is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()  # calendars are few; a rare full reset is simpler than an LRU
        built = _CACHE[key] = _build(calendar)
    return built


def _build(calendar: Calendar) -> BusinessCalendar:
    weekly = {int(day): [tuple(i) for i in intervals] for day, intervals in calendar.weekly.items()}
    special = {d.day: [tuple(i) for i in d.intervals] for d in calendar.days}
    return BusinessCalendar(calendar.tz, weekly, special)


def department_calendar(department: Department) -> BusinessCalendar:
    return business_calendar(department.calendar)


def touch(calendar: Calendar) -> None:
    """Mark the calendar changed (new revision), after its hours or special days changed.

    :func:`desk.services.sla.recompute_open_requests` calls it for ``calendar_id``,
    so code that recomputes need not call it too.
    """
    calendar.revision = uuid4().hex
    calendar.updated_at = utcnow()


# --- changing calendars (admin pages) -----------------------------------------
# Every change flushes and then recomputes the deadlines of the open requests
# the calendar governs, in the caller's transaction: the view commits once.
# Rules the form cannot check come back as FieldError.


def create_calendar(name: str, tz: str, weekly: dict) -> Calendar:
    """A new calendar; ``weekly`` is {"0": [["09:00", "12:00"], ...]} as the form validated it."""
    _check(name, tz, weekly)
    calendar = Calendar(name=name.strip(), tz=tz, weekly=weekly)
    db.session.add(calendar)
    db.session.flush()
    return calendar


def update_calendar(calendar: Calendar, name: str, tz: str, weekly: dict) -> None:
    """Rename the calendar or change its zone or weekly hours, and recompute the open requests."""
    _check(name, tz, weekly, calendar)
    calendar.name, calendar.tz, calendar.weekly = name.strip(), tz, weekly
    _changed(calendar)


def set_special_day(calendar: Calendar, day: date, intervals: list, note: str = "") -> CalendarDay:
    """Add the date, or replace its hours and note if it is already special. [] is a holiday."""
    row = next((d for d in calendar.days if d.day == day), None)
    if row is None:
        row = CalendarDay(day=day)
        calendar.days.append(row)
    row.intervals = [list(i) for i in intervals]
    row.note = note.strip()[:120]
    _changed(calendar)
    return row


def remove_special_day(calendar: Calendar, row: CalendarDay) -> None:
    """The date follows the normal week again."""
    calendar.days.remove(row)  # delete-orphan deletes the row at flush
    _changed(calendar)


class CalendarInUse(Exception):
    """The calendar still sets some department's hours; the message says which and what to do."""


def delete_calendar(calendar: Calendar) -> int:
    """Delete a calendar no department uses, with its special days; returns how many days went.

    Deadlines are counted in the hours of the calendar of the department that
    holds a request, and departments are the only holders of a calendar, so
    "no department uses it" is exactly "no request's deadlines depend on it"
    (closed spans keep the business seconds they were measured with).
    """
    users = list(db.session.scalars(
        select(Department).where(Department.calendar_id == calendar.id).order_by(Department.name)
    ))
    if users:
        raise CalendarInUse(_in_use_message(calendar, users))
    days = len(calendar.days)
    db.session.delete(calendar)  # its days go with it (delete-orphan)
    db.session.flush()
    return days


def _in_use_message(calendar: Calendar, users: list[Department]) -> str:
    open_requests = db.session.scalar(select(func.count(ServiceRequest.id)).where(
        ServiceRequest.department_id.in_([d.id for d in users]), ServiceRequest.status.in_(OPEN_STATUSES)))
    names = [d.name for d in users]
    who = joined(names)
    uses = "uses" if len(users) == 1 else "use"
    clocks = f"; the deadlines of {counted(open_requests, 'open request')} are counted in its hours" \
        if open_requests else ""
    return f"{calendar.name} stays: {who} {uses} it{clocks}. Give {who} another calendar on the Departments page first."


@dataclass(frozen=True)
class HolidayImport:
    holidays: int
    workdays: int


def import_public_holidays(calendar: Calendar, country: str, year: int) -> HolidayImport:
    """Copy a country's public holidays for ``year`` into the calendar as closed special days.

    Names become the notes. Where the country moves working days to weekends
    (China's make-up workdays, ``weekend_workdays`` in the holidays library),
    those dates become working days with the calendar's normal Monday hours.
    An existing special day on an imported date is overwritten; the admin can
    edit any of them afterwards.
    """
    import holidays

    try:
        languages = getattr(holidays.country_holidays(country), "supported_languages", ())
        found = holidays.country_holidays(country, years=year, language="en_US" if "en_US" in languages else None)
    except NotImplementedError:
        raise FieldError("country", f"The holidays library has no public holidays for {country!r}.") from None
    workday_hours = calendar.weekly.get("0") or [list(i) for i in STANDARD_WEEK[0]]
    workdays = sorted(d for d in getattr(found, "weekend_workdays", ()) if d.year == year)
    existing = {d.day: d for d in calendar.days}
    for day, name in sorted(found.items()):
        _upsert(calendar, existing, day, [], name)
    for day in workdays:
        _upsert(calendar, existing, day, workday_hours, "Make-up working day")
    _changed(calendar)
    return HolidayImport(holidays=len(found), workdays=len(workdays))


def _upsert(calendar: Calendar, existing: dict, day: date, intervals: list, note: str) -> None:
    row = existing.get(day)
    if row is None:
        row = existing[day] = CalendarDay(day=day)
        calendar.days.append(row)
    row.intervals = [list(i) for i in intervals]
    row.note = note[:120]


def _check(name: str, tz: str, weekly: dict, calendar: Calendar | None = None) -> None:
    taken = db.session.scalar(select(Calendar.id).where(Calendar.name == name.strip()))
    if taken is not None and (calendar is None or taken != calendar.id):
        raise FieldError("name", f"A calendar named {name.strip()!r} exists already.")
    try:
        BusinessCalendar(
            tz,
            {int(day): [tuple(i) for i in spans] for day, spans in weekly.items()},
            {d.day: [tuple(i) for i in d.intervals] for d in calendar.days} if calendar else {},
        )
    except ValueError as error:  # the form validated the parts; this catches what only the whole shows
        raise FieldError("", str(error)) from None


def _changed(calendar: Calendar) -> None:
    touch(calendar)  # recompute touches it too; this keeps the cache right even without open requests
    db.session.flush()
    from desk.services import sla  # sla imports this module (touch, business_calendar)

    sla.recompute_open_requests(calendar_id=calendar.id)
