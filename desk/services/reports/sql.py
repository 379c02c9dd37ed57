"""The SQL every report shares: filter clauses and portable expressions
(percentiles have their own module, :mod:`desk.services.reports.percentiles`)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Float, any_, case, func, literal_column, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Date

from desk.extensions import db
from desk.models import Department, ServiceRequest
from desk.services.reports.filters import ReportFilters

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
    return any_of_all(column, Department.id)


def any_of_all(column, id_column) -> ColumnElement[bool]:
    """``column IN (every id_column)``: true of every row, but it lets an index led by
    ``column`` (then the period) be read one value at a time, a period's range each."""
    if dialect() == "postgresql":
        # "= ANY(ARRAY(subquery))": the list is computed once (an InitPlan) and the index scanned
        # per value; a plain IN (subquery) becomes a hash semi-join over a sequential scan.
        table = id_column.table.name
        return column == any_(literal_column(f"ARRAY(SELECT {table}.{id_column.name} FROM {table})"))
    return column.in_(select(id_column).scalar_subquery())


def count_if(condition) -> ColumnElement[int]:
    """The number of rows where ``condition`` holds (portable: no FILTER clause)."""
    return func.sum(case((condition, 1), else_=0))


class Portable(FunctionElement):
    """An expression of one argument spelled per database: ``sqlite`` and ``default``
    (PostgreSQL) are SQL templates with ``%s`` for the argument."""

    inherit_cache = True
    sqlite = default = "%s"


@compiles(Portable, "sqlite")
def _portable_sqlite(element, compiler, **kw):
    return element.sqlite % compiler.process(element.clauses, **kw)


@compiles(Portable)
def _portable_default(element, compiler, **kw):
    return element.default % compiler.process(element.clauses, **kw)


class unindexed(Portable):
    """The column's value, in a form SQLite cannot answer from an index ("+x")."""

    inherit_cache = True
    name = "unindexed"
    sqlite = "+(%s)"

    def __init__(self, column) -> None:
        super().__init__(column)
        self.type = column.type  # the group keys keep their Python type (dates stay dates)


def either_department(column_a, column_b, department_id: int | None) -> list:
    """A clause keeping rows where either side is the department (no clause for None).

    A filter, not an access path: SQLite would otherwise answer the OR from two
    single-column indexes, reading a department's whole history to keep a period.
    """
    if not department_id:
        return []
    return [or_(unindexed(column_a) == department_id, unindexed(column_b) == department_id)]


class epoch(Portable):
    """Seconds since 1970 of a stored UTC timestamp, on both databases."""

    type = Float()
    name = "epoch"
    inherit_cache = True
    sqlite = "CAST(strftime('%%s', %s) AS INTEGER)"
    default = "EXTRACT(EPOCH FROM %s)"


class utc_day(Portable):
    """The UTC calendar day of a stored (naive UTC) timestamp."""

    type = Date()
    name = "utc_day"
    inherit_cache = True
    sqlite = "date(%s)"
    default = "CAST(%s AS DATE)"


class month_start(Portable):
    """The first day of the calendar month of a date or timestamp."""

    type = Date()
    name = "month_start"
    inherit_cache = True
    sqlite = "date(%s, 'start of month')"
    default = "CAST(date_trunc('month', %s) AS DATE)"


class week_start(Portable):
    """The Monday (UTC) of a timestamp's week, as a date."""

    type = Date()
    name = "week_start"
    inherit_cache = True
    # back six days, then forward to the next Monday: the Monday on or before
    sqlite = "date(%s, '-6 days', 'weekday 1')"
    default = "CAST(date_trunc('week', %s) AS DATE)"
