"""Rating aggregates, in SQL, reusable by any report (filters: period, departments, type).

Every figure is about *resolved requests that could be rated* (resolved or
closed after resolving, not the requester's own department): requests LEFT
JOIN their rating, so one GROUP BY yields the number resolved, the number
rated (hence the response rate), the average and CSAT (the share of 4 and
5). The period is the resolution time, in UTC.

Any average or share over fewer than ``policy.MIN_RATINGS_SHOWN`` ratings is
masked here, at the source (``None`` and ``enough=False``), so no caller can
show it by accident; pages and CSV print "not enough ratings".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, or_, select

from desk.extensions import db
from desk.models import SERVQUAL, Department, Rating, RequestType, ServiceRequest, Status, User
from desk.services.policy import enough_ratings
from desk.services.reports.sql import month_start, week_start

NOT_ENOUGH = "not enough ratings"


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- filters and figures ---------------------------------------------------

@dataclass(frozen=True)
class RatingFilters:
    start: date | None = None  # first day of resolution, inclusive
    end: date | None = None  # last day of resolution, inclusive
    department_id: int | None = None  # the providing department
    requesting_department_id: int | None = None
    type_id: int | None = None

    def start_at(self) -> datetime | None:
        return datetime.combine(self.start, time(), UTC) if self.start else None

    def end_before(self) -> datetime | None:
        return datetime.combine(self.end + timedelta(days=1), time(), UTC) if self.end else None


@dataclass
class RatingFigures:
    """One row of a rating table. ``average``/``csat`` are None when there are too few ratings."""

    key: tuple
    label: str
    resolved: int
    ratings: int
    average: float | None
    csat: float | None  # percent of ratings that are 4 or 5

    @property
    def enough(self) -> bool:
        return enough_ratings(self.ratings)

    @property
    def response_rate(self) -> float | None:
        return round(100.0 * self.ratings / self.resolved, 1) if self.resolved else None


def _rateable(filters: RatingFilters):
    """WHERE clauses: rateable resolved requests in the filters."""
    r = ServiceRequest
    clauses = [
        r.resolved_at.is_not(None),
        r.status.in_([Status.RESOLVED, Status.CLOSED]),
        or_(r.requesting_department_id.is_(None), r.requesting_department_id != r.department_id),
    ]
    if filters.start:
        clauses.append(r.resolved_at >= filters.start_at())
    if filters.end:
        clauses.append(r.resolved_at < filters.end_before())
    if filters.department_id:
        clauses.append(r.department_id == filters.department_id)
    if filters.requesting_department_id:
        clauses.append(r.requesting_department_id == filters.requesting_department_id)
    if filters.type_id:
        clauses.append(r.type_id == filters.type_id)
    return clauses


def _figures(group: list, filters: RatingFilters, extra_where: list | None = None) -> list[tuple]:
    """(group values..., resolved, ratings, average, satisfied) per group, in one query."""
    r, g = ServiceRequest, Rating
    query = (
        select(
            *group,
            func.count(r.id),
            func.count(g.id),
            func.avg(g.score),
            func.sum(case((g.score >= 4, 1), else_=0)),
        )
        .select_from(r)
        .outerjoin(g, g.request_id == r.id)
        .where(*_rateable(filters), *(extra_where or []))
    )
    if group:
        query = query.group_by(*group)
    return list(db.session.execute(query))


def _row(key: tuple, label: str, resolved, ratings, average, satisfied) -> RatingFigures:
    ratings = int(ratings or 0)
    show = enough_ratings(ratings)
    return RatingFigures(
        key=key, label=label, resolved=int(resolved or 0), ratings=ratings,
        average=round(float(average), 2) if show and average is not None else None,
        csat=round(100.0 * float(satisfied or 0) / ratings, 1) if show else None,
    )


def _names(model, ids, attribute: str = "name") -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, getattr(model, attribute)).where(model.id.in_(ids))).all())


# --- the tables -----------------------------------------------------------

def overall(filters: RatingFilters) -> RatingFigures:
    (resolved, ratings, average, satisfied), = _figures([], filters)
    return _row((), "All", resolved, ratings, average, satisfied)


def by_provider(filters: RatingFilters) -> list[RatingFigures]:
    rows = _figures([ServiceRequest.department_id], filters)
    names = _names(Department, [row[0] for row in rows])
    return sorted((_row((d,), names.get(d, "?"), *rest) for d, *rest in rows), key=lambda f: f.label)


def by_pair(filters: RatingFilters) -> list[RatingFigures]:
    """Requesting -> providing department."""
    rows = _figures([ServiceRequest.requesting_department_id, ServiceRequest.department_id], filters)
    names = _names(Department, [x for row in rows for x in row[:2]])
    figures = [_row((a, b), f"{names.get(a, 'No department')} → {names.get(b, '?')}", *rest) for a, b, *rest in rows]
    return sorted(figures, key=lambda f: f.label)


def by_type(filters: RatingFilters) -> list[RatingFigures]:
    rows = _figures([ServiceRequest.type_id], filters)
    types = {t.id: t for t in db.session.scalars(select(RequestType).where(RequestType.id.in_([r[0] for r in rows])))}
    departments = _names(Department, [t.department_id for t in types.values()])
    figures = [
        _row((t,), f"{departments.get(types[t].department_id, '?')}: {types[t].name}" if t in types else "?", *rest)
        for t, *rest in rows
    ]
    return sorted(figures, key=lambda f: f.label)


def by_agent(filters: RatingFilters) -> list[RatingFigures]:
    """Per agent who resolved (the assignee). For heads of the department only (policy)."""
    rows = _figures([ServiceRequest.assignee_id], filters)
    names = _names(User, [row[0] for row in rows])
    figures = [_row((a,), names.get(a, "Unassigned"), *rest) for a, *rest in rows]
    return sorted(figures, key=lambda f: (f.key[0] is None, f.label))


def by_week(filters: RatingFilters) -> list[RatingFigures]:
    week = week_start(ServiceRequest.resolved_at).label("week")
    rows = _figures([week], filters)
    figures = [_row((_as_date(w),), f"Week of {_as_date(w):%d %b %Y}", *rest) for w, *rest in rows]
    return sorted(figures, key=lambda f: f.key[0])


@dataclass
class DimensionFigure:
    name: str
    ratings: int
    average: float | None  # None: not enough ratings

    @property
    def enough(self) -> bool:
        return enough_ratings(self.ratings)


def servqual_profile(filters: RatingFilters) -> list[DimensionFigure]:
    """The average of each SERVQUAL dimension (each over the ratings that scored it)."""
    return _servqual(filters, group=False)[None]


def servqual_by_provider(filters: RatingFilters) -> list[tuple[int, str, list[DimensionFigure]]]:
    """(department id, name, profile) for each providing department with ratings, by name."""
    profiles = _servqual(filters, group=True)
    names = _names(Department, profiles)
    return sorted(((d, names.get(d, "?"), p) for d, p in profiles.items()), key=lambda item: item[1])


def department_options() -> list[tuple[int, str]]:
    """(id, name) of departments that take requests, for report filters."""
    return [tuple(row) for row in db.session.execute(
        select(Department.id, Department.name).where(Department.takes_requests.is_(True)).order_by(Department.name)
    )]


def _servqual(filters: RatingFilters, *, group: bool) -> dict[int | None, list[DimensionFigure]]:
    g = Rating
    columns = []
    for d in SERVQUAL:
        columns += [func.count(getattr(g, d)), func.avg(getattr(g, d))]
    keys = [ServiceRequest.department_id] if group else []
    query = (
        select(*keys, *columns).select_from(ServiceRequest).join(g, g.request_id == ServiceRequest.id)
        .where(*_rateable(filters))
    )
    if group:
        query = query.group_by(*keys)
    profiles: dict[int | None, list[DimensionFigure]] = {}
    for row in db.session.execute(query):
        key = row[0] if group else None
        values = row[1:] if group else row
        figures = []
        for i, d in enumerate(SERVQUAL):
            count, average = int(values[2 * i] or 0), values[2 * i + 1]
            show = enough_ratings(count) and average is not None
            figures.append(DimensionFigure(d, count, round(float(average), 2) if show else None))
        profiles[key] = figures
    return profiles  # without grouping, the one row of the aggregate is always there


@dataclass
class ServiceStar:
    month: date
    department_id: int
    department: str
    agent_id: int
    agent: str
    ratings: int
    average: float


def service_stars(filters: RatingFilters) -> list[ServiceStar]:
    """Per month and department, the agent with the best average rating (at least
    ``MIN_RATINGS_SHOWN`` ratings; ties go to more ratings). One windowed query."""
    from desk.services.policy import MIN_RATINGS_SHOWN

    g, r = Rating, ServiceRequest
    month = month_start(g.resolved_at).label("month")
    per_agent = (
        select(month, g.department_id.label("department_id"), g.agent_id.label("agent_id"),
               func.avg(g.score).label("average"), func.count(g.id).label("ratings"))
        .join(r, r.id == g.request_id)
        .where(g.agent_id.is_not(None), *_rateable(filters))
        .group_by(month, g.department_id, g.agent_id)
        .having(func.count(g.id) >= MIN_RATINGS_SHOWN)
        .subquery()
    )
    ranked = select(
        per_agent,
        func.row_number().over(
            partition_by=(per_agent.c.month, per_agent.c.department_id),
            order_by=(per_agent.c.average.desc(), per_agent.c.ratings.desc(), per_agent.c.agent_id),
        ).label("place"),
    ).subquery()
    rows = list(db.session.execute(select(ranked).where(ranked.c.place == 1)))
    departments = _names(Department, [row.department_id for row in rows])
    agents = _names(User, [row.agent_id for row in rows])
    stars = [
        ServiceStar(_as_date(row.month), row.department_id, departments.get(row.department_id, "?"), row.agent_id,
                    agents.get(row.agent_id, "?"), int(row.ratings), round(float(row.average), 2))
        for row in rows
    ]
    return sorted(stars, key=lambda s: (s.month, s.department))


@dataclass
class ClarityFigure:
    department_id: int | None
    label: str
    scored: int
    average: float | None  # None: fewer than MIN_RATINGS_SHOWN scores

    @property
    def enough(self) -> bool:
        return enough_ratings(self.scored)


def clarity_by_requesting_department(filters: RatingFilters) -> list[ClarityFigure]:
    """How clear each requesting department's requests were, by the resolving agents' scores."""
    r = ServiceRequest
    where = [r.resolved_at.is_not(None), r.clarity_score.is_not(None)]
    if filters.start:
        where.append(r.resolved_at >= filters.start_at())
    if filters.end:
        where.append(r.resolved_at < filters.end_before())
    if filters.department_id:
        where.append(r.department_id == filters.department_id)
    rows = list(db.session.execute(
        select(r.requesting_department_id, func.count(r.clarity_score), func.avg(r.clarity_score))
        .where(*where).group_by(r.requesting_department_id)
    ))
    names = _names(Department, [row[0] for row in rows])
    figures = [
        ClarityFigure(d, names.get(d, "No department"), int(n),
                      round(float(avg), 2) if enough_ratings(n) and avg is not None else None)
        for d, n, avg in rows
    ]
    return sorted(figures, key=lambda f: f.label)
