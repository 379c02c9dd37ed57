"""Demo calendars and service level agreements, made before any request is filed.

IT works in Berlin with a lunch break and the Berlin public holidays; Finance
in Shanghai with China's public holidays and make-up weekend workdays (from
the ``holidays`` library); everyone else the standard week at head office.
Every providing department publishes a department-wide agreement; IT adds a
stricter one for security incidents and, a month ago, a second version of its
main agreement (requests filed before keep version 1). Requesting heads
agree or dispute, so the agreements matrix has something to show.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import holidays
from sqlalchemy import select

from desk.business_time import STANDARD_WEEK
from desk.clock import travel
from desk.extensions import db
from desk.models import Calendar, CalendarDay, Decision, Department, Priority, RequestType, User
from desk.services import agreements

HOUR = 3600
WEEK = {str(day): [list(i) for i in spans] for day, spans in STANDARD_WEEK.items()}

# (response h, resolution h) for low, normal, high, urgent
DEFAULT_TARGETS = ((8, 40), (4, 24), (2, 8), (0.5, 4))
STRICTER = {
    "IT": ((4, 32), (2, 16), (1, 8), (0.25, 2)),
    "FIN": ((8, 40), (4, 16), (2, 8), (1, 4)),
}
SECURITY_INCIDENT = ((0.5, 4), (0.25, 2), (0.25, 1), (0.1, 0.5))


def seed_calendars(departments: dict[str, Department], now: datetime) -> None:
    years = [now.year - 1, now.year, now.year + 1]
    it = Calendar(name="IT Berlin", tz="Europe/Berlin", weekly=WEEK)
    _holidays(it, holidays.country_holidays("DE", subdiv="BE", years=years, language="en_US"))
    fin = Calendar(name="Finance Shanghai", tz="Asia/Shanghai", weekly=WEEK)
    _holidays(fin, holidays.country_holidays("CN", years=years, language="en_US"))
    office = Calendar(name="Head office", tz="Europe/London", weekly=WEEK)
    _holidays(office, holidays.country_holidays("GB", subdiv="ENG", years=years))
    db.session.add_all([it, fin, office])
    for code, department in departments.items():
        department.calendar = {"IT": it, "FIN": fin}.get(code, office)


def _holidays(calendar: Calendar, found) -> None:
    for day, name in sorted(found.items()):
        calendar.days.append(CalendarDay(day=day, intervals=[], note=name[:120]))
    for day in sorted(getattr(found, "weekend_workdays", ())):
        if day not in found:  # China moves working days onto weekends around long holidays
            calendar.days.append(CalendarDay(day=day, intervals=WEEK["0"], note="Make-up working day"))


def seed_agreements(departments: dict[str, Department], heads: dict[str, User], now: datetime) -> None:
    start = now - timedelta(days=100)
    with travel(start):
        for code, department in departments.items():
            if department.takes_requests:
                agreements.publish_agreement(heads[code], department, _targets(DEFAULT_TARGETS),
                                             note="Our standard service levels.")
        security = db.session.scalar(
            select(RequestType).filter_by(department_id=departments["IT"].id, name="Security incident")
        )
        if security is not None:
            agreements.publish_agreement(heads["IT"], departments["IT"], _targets(SECURITY_INCIDENT),
                                         request_type=security, note="Incidents come first.")
    with travel(start + timedelta(days=2)):
        _sign(heads, "MKT", "IT", Decision.AGREED)
        _sign(heads, "FIN", "IT", Decision.DISPUTED, "A day for purchases is too slow at quarter end.")
        _sign(heads, "HR", "FIN", Decision.AGREED)
        _sign(heads, "IT", "FIN", Decision.AGREED)
    with travel(now - timedelta(days=30)):
        for code, targets in STRICTER.items():
            agreements.publish_agreement(heads[code], departments[code], _targets(targets),
                                         note="Faster, as agreed at the service review.")
    with travel(now - timedelta(days=28)):
        _sign(heads, "FIN", "IT", Decision.AGREED, "Thanks, the faster version works for us.")


def _sign(heads: dict[str, User], requester: str, provider: str, decision: Decision, comment: str = "") -> None:
    version = agreements.effective_agreement(heads[provider].department_id, None, None)
    agreements.sign_off(heads[requester], version, decision, comment)


def _targets(rows) -> dict[Priority, tuple[int, int]]:
    return {p: (int(r * HOUR), int(s * HOUR)) for p, (r, s) in zip(Priority, rows, strict=True)}
