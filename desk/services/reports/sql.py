"""The SQL every report shares: filter clauses, and grouped outcome figures with
median and 90th percentile, computed in the database on both dialects.

Percentiles: PostgreSQL has ``percentile_cont``. SQLite has none, so the same
value is computed with window functions: each row gets its rank inside its
group (``ROW_NUMBER``) and the group size (``COUNT(*) OVER``); the GROUP BY
then picks the two rows around position ``1 + p * (n - 1)`` and the few
resulting numbers (one pair per group, never one per request) are
interpolated in Python exactly as ``percentile_cont`` does. Both databases
therefore give the same figure to the last digit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Float, Integer, and_, any_, case, cast, func, literal_column, or_, select, true

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from desk.extensions import db
from desk.models import Department, ServiceRequest
from desk.services.policy import enough_ratings
from desk.services.reports.filters import ReportFilters

FRACTIONS = (0.5, 0.9)
r = ServiceRequest


def dialect() -> str:
    return db.session.get_bind().dialect.name


def request_clauses(filters: ReportFilters, when: ColumnElement | None = None, *, provider=True) -> list:
    """WHERE clauses on requests: the period on ``when``, provider department, type, priority."""
    clauses = []
    if when is not None:
        clauses += [when >= filters.start_at, when < filters.end_before]
    if provider:
        clauses.append(department_clause(r.department_id, filters.department_id))
    if filters.type_id:
        clauses.append(r.type_id == filters.type_id)
    if filters.priority:
        clauses.append(r.priority == filters.priority)
    return clauses


def department_clause(column, department_id: int | None) -> ColumnElement[bool]:
    """``column = department``; for all departments ``column IN (every department)``: that
    turns a scan of a whole (department, period, ...) index into one range scan per department."""
    if department_id:
        return column == department_id
    if dialect() == "postgresql":
        # "= ANY(ARRAY(subquery))": the list is computed once (an InitPlan) and the index scanned
        # per value; a plain IN (subquery) becomes a hash semi-join over a sequential scan.
        return column == any_(literal_column("ARRAY(SELECT departments.id FROM departments)"))
    return column.in_(select(Department.id).scalar_subquery())


def count_if(condition) -> ColumnElement[int]:
    """The number of rows where ``condition`` holds (portable: no FILTER clause)."""
    return func.sum(case((condition, 1), else_=0))


@dataclass
class Csat:
    """CSAT: the share of ratings that are 4 or 5; None under the rating threshold."""

    ratings: int = 0
    satisfied: int = 0

    @property
    def enough(self) -> bool:
        return enough_ratings(self.ratings)

    @property
    def pct(self) -> float | None:
        return round(100.0 * self.satisfied / self.ratings, 1) if self.enough else None


@dataclass
class Outcome:
    """What happened to the requests resolved in the period, for one group."""

    key: tuple
    resolved: int
    response_met: int
    response_total: int
    resolution_met: int
    resolution_total: int
    reopened: int
    escalated: int
    median_seconds: float | None = None
    p90_seconds: float | None = None
    ratings: int = 0
    satisfied: int = 0

    @property
    def satisfaction(self) -> Csat:
        return Csat(self.ratings, self.satisfied)

    def add(self, other: Outcome) -> None:
        """Fold another group's counts in (percentiles cannot be added: they are cleared)."""
        for name in ("resolved", "response_met", "response_total", "resolution_met", "resolution_total",
                     "reopened", "escalated", "ratings", "satisfied"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.median_seconds = self.p90_seconds = None

    @property
    def response_pct(self) -> float | None:
        return pct(self.response_met, self.response_total)

    @property
    def resolution_pct(self) -> float | None:
        return pct(self.resolution_met, self.resolution_total)

    @property
    def resolution_missed(self) -> int:
        return self.resolution_total - self.resolution_met

    @property
    def response_missed(self) -> int:
        return self.response_total - self.response_met

    @property
    def reopen_pct(self) -> float | None:
        return pct(self.reopened, self.resolved)

    @property
    def median_hours(self) -> float | None:
        return None if self.median_seconds is None else self.median_seconds / 3600

    @property
    def p90_hours(self) -> float | None:
        return None if self.p90_seconds is None else self.p90_seconds / 3600


def pct(part: int | None, whole: int | None) -> float | None:
    return round(100.0 * (part or 0) / whole, 1) if whole else None


def outcomes(filters: ReportFilters, groups: list[ColumnElement], extra_where: list | None = None, *,
             percentiles: bool = True, ratings: bool = False, rating_groups: list | None = None,
             provider: bool = True) -> list[Outcome]:
    """Outcome figures per group over requests resolved in the period.

    One plain GROUP BY for the counts (an index-only scan); with ``ratings``,
    CSAT from the ratings of the same requests, read from the ratings side
    (``rating_groups``: the same grouping in rating columns, which spares the
    join to requests); with ``percentiles``, one more query for the median and
    90th percentile of the business seconds to resolve.
    """
    where = [*request_clauses(filters, r.resolved_at, provider=provider), *(extra_where or [])]
    keys = [unindexed(g) for g in groups]
    query = select(
        *keys,
        func.count(),
        count_if(r.response_met.is_(True)),
        func.count(r.response_met),
        count_if(r.resolution_met.is_(True)),
        func.count(r.resolution_met),
        count_if(r.reopen_count > 0),
        func.count(r.escalated_at),
    ).select_from(r).where(*where)
    if keys:
        query = query.group_by(*keys)
    n = len(keys)
    found = {}
    for row in db.session.execute(query):
        outcome = Outcome(tuple(row[:n]), *(int(v or 0) for v in row[n:]))
        found[outcome.key] = outcome
    if ratings and found:
        from desk.services.reports.csat import csat

        rated = csat(filters, rating_groups or groups, extra_where=extra_where, provider=provider,
                     join_requests=rating_groups is None)
        for key, figures in rated.items():
            if key in found:
                found[key].ratings, found[key].satisfied = figures.ratings, figures.satisfied
    if percentiles and found:
        for key, (median, p90) in quantiles(r.resolution_business_seconds, keys, where).items():
            if key in found:
                found[key].median_seconds, found[key].p90_seconds = median, p90
    return list(found.values())


def roll_up(rows: list[Outcome], position: int | None) -> dict:
    """Outcomes of a finer grouping summed by one key position (None: everything)."""
    total: dict = {}
    for row in rows:
        key = row.key[position] if position is not None else ()
        if key in total:
            total[key].add(row)
        else:
            total[key] = Outcome((key,) if position is not None else (), 0, 0, 0, 0, 0, 0, 0)
            total[key].add(row)
    return total


def quantiles(value: ColumnElement, groups: list[ColumnElement], where: list) -> dict[tuple, tuple]:
    """{group key: (median, 90th percentile)} of ``value`` over the rows matching ``where``."""
    where = [*where, value.is_not(None)]
    n = len(groups)
    if dialect() == "postgresql":
        query = select(*groups, *[func.percentile_cont(p).within_group(value) for p in FRACTIONS]).where(*where)
        if groups:
            query = query.group_by(*groups)
        return {tuple(row[:n]): tuple(_float(v) for v in row[n:]) for row in db.session.execute(query)}
    # SQLite: rank rows inside their group, count each group, keep only the ranks around
    # 1 + p * (n - 1). unindexed() stops SQLite from walking a whole index on a group column
    # to get the partition order instead of range-scanning the period's covering index.
    names = [f"g{i}" for i in range(n)]
    base = select(*[unindexed(g).label(name) for g, name in zip(groups, names)], value.label("value")) \
        .where(*where).subquery("base")
    keys = [base.c[name] for name in names]
    counts = select(*keys, func.count().label("n")).select_from(base)
    counts = (counts.group_by(*keys) if keys else counts).subquery("counts")
    ranked = select(base, func.row_number().over(partition_by=keys or None, order_by=base.c.value).label("rn")) \
        .subquery("ranked")
    joined = and_(true(), *[ranked.c[name].is_not_distinct_from(counts.c[name]) for name in names])
    wanted = []
    for p in FRACTIONS:
        low = cast(1 + p * (counts.c.n - 1), Integer)
        wanted += [low, low + 1]
    query = select(*[ranked.c[name] for name in names], counts.c.n, ranked.c.rn, ranked.c.value) \
        .select_from(ranked.join(counts, joined)).where(ranked.c.rn.in_(wanted))
    picked: dict[tuple, dict[int, float]] = {}
    sizes: dict[tuple, int] = {}
    for row in db.session.execute(query):
        key = tuple(row[:n])
        sizes[key] = row[n]
        picked.setdefault(key, {})[row[n + 1]] = row[n + 2]
    return {key: tuple(_interpolate(p, sizes[key], ranks) for p in FRACTIONS) for key, ranks in picked.items()}


def _interpolate(p: float, n: int, ranks: dict[int, float]) -> float | None:
    """``percentile_cont``: linear interpolation between the ranks around ``1 + p * (n - 1)``."""
    if not n:
        return None
    position = 1 + p * (n - 1)
    low = math.floor(position)
    fraction = position - low
    if not fraction or low + 1 not in ranks:
        return float(ranks[low])
    return float(ranks[low]) + fraction * (float(ranks[low + 1]) - float(ranks[low]))


class unindexed(FunctionElement):
    """The column's value, in a form SQLite cannot answer from an index ("+x")."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column) -> None:
        super().__init__(column)
        self.type = column.type  # the group keys keep their Python type (dates stay dates)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return "+(%s)" % compiler.process(element.clauses, **kw)


@compiles(unindexed)
def _unindexed_default(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


def _float(value) -> float | None:
    return None if value is None else float(value)


def either_department(column_a, column_b, department_id: int | None) -> list:
    """A clause keeping rows where either side is the department (no clause for None).

    A filter, not an access path: SQLite would otherwise answer the OR from two
    single-column indexes, reading a department's whole history to keep a period.
    """
    if not department_id:
        return []
    return [or_(unindexed(column_a) == department_id, unindexed(column_b) == department_id)]


class epoch(FunctionElement):
    """Seconds since 1970 of a stored UTC timestamp, on both databases."""

    type = Float()
    name = "epoch"
    inherit_cache = True


@compiles(epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return "CAST(strftime('%%s', %s) AS INTEGER)" % compiler.process(element.clauses, **kw)


@compiles(epoch)
def _epoch_default(element, compiler, **kw):
    return "EXTRACT(EPOCH FROM %s)" % compiler.process(element.clauses, **kw)
