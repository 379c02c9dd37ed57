"""The organisation behind the volume seed: departments of realistic sizes,
two office calendars, people, the catalogue and the agreements.

Small (hundreds of rows), so it is made with ORM objects; the millions of
requests that follow go through Core bulk inserts (:mod:`desk.seed.volume`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from desk.auth import set_password
from desk.business_time import STANDARD_WEEK
from desk.extensions import db
from desk.models import Agreement, AgreementVersion, Calendar, Department, Priority, RequestType, Role, User
from desk.models.sla import scope_key
from desk.seed.demo import DEPARTMENTS, FIRST, LAST, TITLES
from desk.services.calendars import department_calendar

PASSWORD = "volume-desk-2026"
HOUR = 3600

# code: (employees, speed: 1.0 = on target on average, calendar)
SIZES = {
    "IT": (900, 0.7, "berlin"), "HR": (150, 0.9, "berlin"), "FAC": (220, 1.3, "berlin"),
    "FIN": (260, 1.0, "berlin"), "LEG": (60, 1.6, "berlin"), "MKT": (300, 0.9, "shanghai"),
    "ENG": (2600, 1.0, "shanghai"), "SALES": (1800, 1.0, "berlin"), "OPS": (1200, 1.0, "shanghai"),
}
EXTRA_DEPARTMENTS = [("ENG", "Engineering"), ("SALES", "Sales"), ("OPS", "Operations")]
# (response, resolution) business hours per priority, for the department-wide agreements.
TARGET_HOURS = {Priority.LOW: (16, 80), Priority.NORMAL: (8, 40), Priority.HIGH: (4, 16), Priority.URGENT: (1, 4)}


@dataclass
class Provider:
    id: int
    code: str
    speed: float
    calendar: object
    agents: list[int]
    types: list[tuple[int, str, Priority, bool]]  # id, name, default priority, confidential
    # (valid from, version id, {priority: (response s, resolution s)}), oldest first
    versions: list[tuple[datetime, int, dict]] = field(default_factory=list)

    def version_at(self, at: datetime) -> tuple[int, dict]:
        chosen = self.versions[0]
        for version in self.versions:
            if version[0] <= at:
                chosen = version
        return chosen[1], chosen[2]


@dataclass
class Org:
    providers: dict[int, Provider]
    departments: dict[int, str]  # id -> code
    members: dict[int, list[int]]  # department id -> user ids (requesters)
    weights: list[tuple[int, int]]  # (department id, employees)
    heads: dict[int, int]
    hr_user: int


def build_org(rng: random.Random, start: datetime) -> Org:
    """Create (and commit) the organisation; returns the ids the request generator needs."""
    calendars = {
        "berlin": Calendar(name="Berlin office", tz="Europe/Berlin", weekly=_weekly()),
        "shanghai": Calendar(name="Shanghai office", tz="Asia/Shanghai", weekly=_weekly()),
    }
    db.session.add_all(calendars.values())
    specs = [(code, name, types) for code, name, _takes, types in DEPARTMENTS]
    specs += [(code, name, []) for code, name in EXTRA_DEPARTMENTS]
    password_user = User(email="x", name="x")
    set_password(password_user, PASSWORD)  # hash once: scrypt for 7,500 people would take minutes
    departments, types, people = {}, {}, {}
    for code, name, type_specs in specs:
        size, speed, calendar = SIZES[code]
        department = Department(code=code, name=name, takes_requests=bool(type_specs), calendar=calendars[calendar])
        departments[code] = department
        types[code] = [RequestType(department=department, name=t, default_priority=p, confidential=c,
                                   description=d) for t, p, c, d in type_specs]
        staff = max(3, size // 25) if type_specs else 0
        people[code] = [
            User(email=f"{code.lower()}.{n}@volume.example", name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                 department=department, password_hash=password_user.password_hash,
                 session_token=f"{code}{n}", role=Role.HEAD if n == 0 else Role.AGENT if n <= staff else Role.MEMBER,
                 is_hr=code == "HR" and n == 1)
            for n in range(size // 10)  # one in ten employees files requests at all
        ]
        db.session.add(department)
        db.session.add_all(types[code] + people[code])
    db.session.flush()
    org = Org(providers={}, departments={d.id: c for c, d in departments.items()},
              members={d.id: [u.id for u in people[c] if u.role == Role.MEMBER] or [people[c][0].id]
                       for c, d in departments.items()},
              weights=[(d.id, SIZES[c][0]) for c, d in departments.items()],
              heads={d.id: people[c][0].id for c, d in departments.items()},
              hr_user=next(u.id for u in people["HR"] if u.is_hr))
    for code, department in departments.items():
        if not types[code]:
            continue
        provider = Provider(
            id=department.id, code=code, speed=SIZES[code][1], calendar=department_calendar(department),
            agents=[u.id for u in people[code] if u.role in (Role.AGENT, Role.HEAD)],
            types=[(t.id, t.name, t.default_priority, t.confidential) for t in types[code]])
        provider.versions = _agreements(department, start)
        org.providers[department.id] = provider
    db.session.commit()
    return org


def _weekly() -> dict:
    return {str(day): [list(i) for i in intervals] for day, intervals in STANDARD_WEEK.items()}


def _agreements(department: Department, start: datetime) -> list[tuple[datetime, int, dict]]:
    """A department-wide agreement; IT tightened its targets half way through the year (version 2)."""
    agreement = Agreement(provider=department, scope_key=scope_key(department.id, None, None), created_at=start)
    db.session.add(agreement)
    plans = [(start, 1.0)] + ([(start + timedelta(days=182), 0.75)] if department.code == "IT" else [])
    versions = []
    for number, (valid_from, factor) in enumerate(plans, 1):
        targets = {p: (int(r * HOUR * factor), int(s * HOUR * factor)) for p, (r, s) in TARGET_HOURS.items()}
        columns = {f"response_{p.value}": r for p, (r, _) in targets.items()}
        columns |= {f"resolution_{p.value}": s for p, (_, s) in targets.items()}
        version = AgreementVersion(agreement=agreement, number=number, published_at=valid_from, **columns)
        if versions:
            versions[-1][1].superseded_at = valid_from
        versions.append((valid_from, version, targets))
        db.session.add(version)
    db.session.flush()
    return [(at, version.id, targets) for at, version, targets in versions]


def title_for(rng: random.Random, type_name: str) -> str:
    options = TITLES.get(type_name) or [type_name]
    return rng.choice(options)
