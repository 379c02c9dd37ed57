"""The SQL every report shares: filter clauses, portable expressions, and the
median and 90th percentile computed in the database on both dialects.

Percentiles: PostgreSQL has ``percentile_cont``. SQLite has none, so the same
value is computed with window functions: each row gets its rank inside its
group (``ROW_NUMBER``) and the group size (``COUNT(*) OVER``) in one pass; only
the two rows around position ``1 + p * (n - 1)`` leave the database, and
those few numbers (one pair per group, never one per request) are
interpolated in Python exactly as ``percentile_cont`` does. Both databases
therefore give the same figure to the last digit.
"""

from __future__ import annotations

import math

from sqlalchemy import ColumnElement, Float, Integer, any_, case, cast, func, literal_column, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Date

from desk.extensions import db
from desk.models import Department, ServiceRequest
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


def quantiles(value: ColumnElement, groups: list[ColumnElement], where: list) -> dict[tuple, tuple]:
    """{group key: (median, 90th percentile)} of ``value`` over the rows matching ``where``."""
    where = [*where, value.is_not(None)]
    n = len(groups)
    if dialect() == "postgresql":
        query = select(*groups, *[func.percentile_cont(p).within_group(value) for p in FRACTIONS]).where(*where)
        if groups:
            query = query.group_by(*groups)
        return {tuple(row[:n]): tuple(_float(v) for v in row[n:]) for row in db.session.execute(query)}
    # SQLite: one window pass ranks each row in its group and counts the group; only the
    # ranks around 1 + p * (n - 1) leave it. unindexed() stops SQLite from walking a whole
    # index on a group column to get the partition order instead of range-scanning the
    # period's covering index.
    names = [f"g{i}" for i in range(n)]
    partition = [unindexed(g) for g in groups] or None
    ranked = select(
        *[unindexed(g).label(name) for g, name in zip(groups, names)], value.label("value"),
        func.row_number().over(partition_by=partition, order_by=value).label("rn"),
        func.count().over(partition_by=partition).label("n"),
    ).where(*where).subquery("ranked")
    wanted = []
    for p in FRACTIONS:
        low = cast(1 + p * (ranked.c.n - 1), Integer)
        wanted += [ranked.c.rn == low, ranked.c.rn == low + 1]
    query = select(*[ranked.c[name] for name in names], ranked.c.n, ranked.c.rn, ranked.c.value).where(or_(*wanted))
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


class utc_day(FunctionElement):
    """The UTC calendar day of a stored (naive UTC) timestamp."""

    type = Date()
    name = "utc_day"
    inherit_cache = True


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element, compiler, **kw):
    return "date(%s)" % compiler.process(element.clauses, **kw)


@compiles(utc_day)
def _utc_day_default(element, compiler, **kw):
    return "CAST(%s AS DATE)" % compiler.process(element.clauses, **kw)


class month_start(FunctionElement):
    """The first day of the calendar month of a date."""

    type = Date()
    name = "month_start"
    inherit_cache = True


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw):
    return "date(%s, 'start of month')" % compiler.process(element.clauses, **kw)


@compiles(month_start)
def _month_start_default(element, compiler, **kw):
    return "CAST(date_trunc('month', %s) AS DATE)" % compiler.process(element.clauses, **kw)
