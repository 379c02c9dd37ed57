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

from flask import g
from sqlalchemy import ColumnElement, Float, Integer, and_, case, cast, func, literal, nulls_last, or_, select

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

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


def department_ids() -> list[int]:
    """Every department id, once per HTTP request."""
    if "report_department_ids" not in g:
        g.report_department_ids = list(db.session.scalars(select(Department.id).order_by(Department.id)))
    return g.report_department_ids


def department_clause(column, department_id: int | None) -> ColumnElement[bool]:
    """``column = department``; for all departments ``column IN (every id)``: that turns a
    scan of the whole index into one range scan per department on the period column."""
    if department_id:
        return column == department_id
    return column.in_(department_ids())


def count_if(condition) -> ColumnElement[int]:
    """The number of rows where ``condition`` holds (portable: no FILTER clause)."""
    return func.sum(case((condition, 1), else_=0))


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
    median_seconds: float | None
    p90_seconds: float | None

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
             percentiles: bool = True) -> list[Outcome]:
    """Outcome figures per group over requests resolved in the period (one query)."""
    where = [*request_clauses(filters, r.resolved_at), *(extra_where or [])]
    source = {f"g{i}": g for i, g in enumerate(groups)}
    source |= {"value": r.resolution_business_seconds, "response_met": r.response_met,
               "resolution_met": r.resolution_met, "reopen_count": r.reopen_count, "escalated_at": r.escalated_at}

    def aggregates(c) -> list:
        return [
            func.count().label("resolved"),
            count_if(c.response_met.is_(True)).label("response_met"),
            func.count(c.response_met).label("response_total"),
            count_if(c.resolution_met.is_(True)).label("resolution_met"),
            func.count(c.resolution_met).label("resolution_total"),
            count_if(c.reopen_count > 0).label("reopened"),
            func.count(c.escalated_at).label("escalated"),
        ]

    if not percentiles:
        query = select(*groups, *aggregates(_Namespace(source))).where(*where)
        if groups:
            query = query.group_by(*groups)
        n = len(groups)
        return [Outcome(tuple(row[:n]), *(int(v or 0) for v in row[n:]), None, None)
                for row in db.session.execute(query)]
    rows = grouped_with_percentiles(source, len(groups), aggregates, where)
    return [Outcome(key=row[0], **row[1], median_seconds=row[2][0], p90_seconds=row[2][1]) for row in rows]


def grouped_with_percentiles(source: dict, n_groups: int, aggregates, where: list, *, join=None):
    """[(group key, {aggregate: value}, (p50, p90) of ``source['value']``)] per group.

    ``source`` maps labels to expressions: ``g0``.. the groups, ``value`` the
    measured column, the rest whatever ``aggregates(columns)`` reads.
    """
    group_names = [f"g{i}" for i in range(n_groups)]
    if dialect() == "postgresql":
        c = _Namespace(source)
        groups = [source[g] for g in group_names]
        query = select(*groups, *aggregates(c), *[
            func.percentile_cont(p).within_group(source["value"]) for p in FRACTIONS
        ]).where(*where)
        if join is not None:
            query = query.select_from(join)
        if groups:
            query = query.group_by(*groups)
        result = []
        for row in db.session.execute(query):
            values = row._mapping
            key = tuple(row[:n_groups])
            figures = {k: values[k] for k in _labels(aggregates, c)}
            result.append((key, _ints(figures), tuple(_float(v) for v in row[-len(FRACTIONS):])))
        return result
    partition = [source[g] for g in group_names] or [literal(1)]
    inner = select(
        *[expr.label(name) for name, expr in source.items()],
        func.row_number().over(partition_by=partition, order_by=nulls_last(source["value"])).label("rn"),
        func.count(source["value"]).over(partition_by=partition).label("n"),
    ).where(*where)
    if join is not None:
        inner = inner.select_from(join)
    inner = inner.subquery()
    c = inner.c
    picks = []
    for p in FRACTIONS:
        low = cast(1 + p * (c.n - 1), Integer)
        picks += [func.max(case((c.rn == low, c.value))), func.max(case((c.rn == low + 1, c.value)))]
    groups = [c[g] for g in group_names]
    query = select(*groups, *aggregates(c), func.max(c.n).label("n"), *picks)
    if groups:
        query = query.group_by(*groups)
    result = []
    for row in db.session.execute(query):
        values = row._mapping
        n = values["n"] or 0
        pairs = row[-2 * len(FRACTIONS):]
        quantiles = tuple(_interpolate(p, n, pairs[2 * i], pairs[2 * i + 1]) for i, p in enumerate(FRACTIONS))
        figures = {k: values[k] for k in _labels(aggregates, c)}
        result.append((tuple(row[:n_groups]), _ints(figures), quantiles))
    return result


def _interpolate(p: float, n: int, low, high) -> float | None:
    """``percentile_cont``: linear interpolation between the ranks around ``1 + p * (n - 1)``."""
    if not n or low is None:
        return None
    position = 1 + p * (n - 1)
    fraction = position - math.floor(position)
    if not fraction or high is None:
        return float(low)
    return float(low) + fraction * (float(high) - float(low))


class _Namespace:
    """Attribute access to the source expressions (PostgreSQL path: no subquery)."""

    def __init__(self, source: dict) -> None:
        self.__dict__.update(source)

    def __getitem__(self, name):
        return self.__dict__[name]


def _labels(aggregates, c) -> list[str]:
    return [a.key for a in aggregates(c)]


def _ints(figures: dict) -> dict:
    return {k: int(v or 0) for k, v in figures.items()}


def _float(value) -> float | None:
    return None if value is None else float(value)


def either_department(column_a, column_b, department_id: int | None) -> list:
    """A clause keeping rows where either side is the department (no clause for None)."""
    if not department_id:
        return []
    return [or_(column_a == department_id, column_b == department_id)]


def all_of(*clauses) -> ColumnElement[bool]:
    return and_(*clauses)


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
