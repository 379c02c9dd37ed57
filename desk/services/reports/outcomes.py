"""Outcome figures for the reports: counts from the rollup, percentiles from the requests.

:func:`outcomes` and :func:`sums` add up :class:`desk.models.OutcomeDay` rows
(a few hundred a day, kept in step by :mod:`desk.services.reports.rollup`) by
any grouping of their key columns, reading a long period's whole months from
:class:`desk.models.OutcomeMonth`: a year of every department is some 40,000
small rows, not a million requests. Medians and 90th percentiles cannot be summed:
:func:`add_percentiles` ranks the requests themselves, and the reports ask for
them only once a department is chosen (see ``docs/reports.md``).
:func:`request_outcomes` is for groupings the rollup does not keep (the agent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Column, ColumnElement, func, select, union_all
from sqlalchemy.sql import visitors

from desk.extensions import db
from desk.models import DepartmentOutcomeDay, OutcomeDay, OutcomeMonth, ServiceRequest
from desk.services.policy import enough_ratings
from desk.services.reports import percentiles
from desk.services.reports.filters import ReportFilters
from desk.services.reports.rollup import DEPARTMENT_KEYS, KEYS
from desk.services.reports.sql import count_if, request_clauses, unindexed

r, o = ServiceRequest, OutcomeDay
# Rollup keys stored as 0 for "none" (so the unique key works on both databases).
ZERO_IS_NONE = (o.requesting_department_id, o.agreement_version_id)
COUNTS = ("resolved", "response_met", "response_total", "resolution_met", "resolution_total", "reopened",
          "escalated_resolved", "ratings", "satisfied")


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
    more: dict[str, int] = field(default_factory=dict)  # other rollup sums asked for (filed, received...)

    @property
    def satisfaction(self) -> Csat:
        return Csat(self.ratings, self.satisfied)

    @property
    def has_outcome(self) -> bool:
        """Something was resolved or rated (a group may hold only filings or arrivals)."""
        return bool(self.resolved or self.ratings)

    def add(self, other: Outcome) -> None:
        """Fold another group's counts in (percentiles cannot be added: they are cleared)."""
        for name in ("resolved", "response_met", "response_total", "resolution_met", "resolution_total",
                     "reopened", "escalated", "ratings", "satisfied"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name, value in other.more.items():
            self.more[name] = self.more.get(name, 0) + value
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


def _key_clauses(filters: ReportFilters, *, provider: bool) -> list:
    """WHERE clauses on rollup rows for the filters other than the period."""
    clauses = []
    if provider and filters.department_id:
        clauses.append(o.department_id == filters.department_id)
    if filters.type_id:
        clauses.append(o.type_id == filters.type_id)
    if filters.priority:
        clauses.append(o.priority == filters.priority)
    return clauses


def outcomes(filters: ReportFilters, groups: list[ColumnElement], extra_where: list | None = None, *,
             provider: bool = True, also: tuple[str, ...] = ()) -> list[Outcome]:
    """Outcome figures (with CSAT) per group over requests resolved in the period, from the rollup.

    ``groups`` are :class:`OutcomeDay` columns or expressions of them. ``also``
    names more rollup measures (filed, received, escalated) to sum in the same
    pass, found in :attr:`Outcome.more`. Groups with none of these in the
    period are left out.
    """
    none_at = [i for i, g in enumerate(groups) if any(g is column for column in ZERO_IS_NONE)]
    found = []
    for key, counts in sums(filters, [*COUNTS, *also], groups, extra_where, provider=provider).items():
        key = tuple(None if i in none_at and value == 0 else value for i, value in enumerate(key))
        if any(counts.values()):
            more = {name: counts.pop(name) for name in also}
            escalated = counts.pop("escalated_resolved")
            found.append(Outcome(key, **counts, escalated=escalated, more=more))
    return found


def sums(filters: ReportFilters, measures: list[str], groups: list[ColumnElement] | None = None,
         extra_where: list | None = None, *, provider: bool = True) -> dict[tuple, dict[str, int]]:
    """{group key: {measure: sum}} of rollup measures (filed, received...) in the period.

    ``groups`` and ``extra_where`` are written on :class:`OutcomeDay`; the rows
    are read from the smallest table that can answer them. When they (and the
    filters) name only the department and the day, that is
    :class:`DepartmentOutcomeDay` (a few thousand rows a year). Otherwise, unless
    they need the day itself, the period's whole calendar months come from
    :class:`OutcomeMonth` and only the days before the first and after the last
    whole month from the daily rows: a year is then about 37,000 rows, not 310,000.
    """
    groups = groups or []
    where = [*_key_clauses(filters, provider=provider), *(extra_where or [])]
    source, where = _source(filters, measures, groups, where)
    on = _on(source)
    keys = [on(g) for g in groups]
    query = select(*keys, *[func.sum(on(getattr(o, name))) for name in measures]).select_from(source).where(*where)
    if keys:
        query = query.group_by(*keys)
    n = len(keys)
    return {tuple(row[:n]): {name: int(v or 0) for name, v in zip(measures, row[n:])}
            for row in db.session.execute(query)}


def _source(filters: ReportFilters, measures: list[str], groups: list, where: list) -> tuple:
    """The rollup rows to sum (a table or a subquery with OutcomeDay's column names), and the
    WHERE clauses left to apply to them."""
    used = _rollup_columns([*groups, *where])
    if used <= set(DEPARTMENT_KEYS):  # department and day only: the department-day rows answer
        d = DepartmentOutcomeDay
        return d.__table__, [*map(_on(d.__table__), where), d.day >= filters.start, d.day <= filters.end]
    months = None if "day" in used else whole_months(filters.start, filters.end)
    if months is None:
        return o.__table__, [*where, o.day >= filters.start, o.day <= filters.end]
    return _days_and_months(filters, months, measures, where), []


def whole_months(start: date, end: date) -> tuple[date, date] | None:
    """The first days of the first whole calendar month in [start, end] and of the month after
    the last one; None when the period holds no whole month."""
    first = start if start.day == 1 else _next_month(start)
    after = end + timedelta(days=1)
    stop = after.replace(day=1)
    return (first, stop) if first < stop else None


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _rollup_columns(expressions: list) -> set[str]:
    """Names of the :class:`OutcomeDay` columns that the expressions refer to."""
    return {element.name for e in expressions for element in visitors.iterate(_clause(e))
            if _is_rollup_column(element)}


def _is_rollup_column(element) -> bool:
    return isinstance(element, Column) and element.table is o.__table__


def _clause(expression):
    if hasattr(expression, "__clause_element__"):  # a mapped attribute such as OutcomeDay.type_id
        return expression.__clause_element__()
    return expression


def _days_and_months(filters: ReportFilters, months: tuple[date, date], measures: list[str], where: list):
    """UNION ALL of the whole months' rows and the rows of the days around them, filtered."""
    first, stop = months
    m = OutcomeMonth
    columns = [name for name in KEYS if name != "day"] + list(measures)
    to_month = _on(m.__table__)
    parts = [select(*[getattr(m, name) for name in columns]).where(
        m.month >= first, m.month < stop, *[to_month(clause) for clause in where])]
    for low, high in ((filters.start, first - timedelta(days=1)), (stop, filters.end)):
        if low <= high:  # a period that starts or ends on a month's edge has no days there
            parts.append(select(*[getattr(o, name) for name in columns]).where(o.day >= low, o.day <= high, *where))
    return union_all(*parts).subquery("rollup")


def _on(source):
    """Rewrite an expression on :class:`OutcomeDay` columns onto ``source``'s same-named columns."""
    if source is o.__table__:
        return _clause

    def swap(element):
        return source.c[element.name] if _is_rollup_column(element) else None

    return lambda expression: visitors.replacement_traverse(_clause(expression), {}, swap)


def add_percentiles(found: list[Outcome], filters: ReportFilters, groups: list[ColumnElement],
                    extra_where: list | None = None, *, provider: bool = True) -> None:
    """Fill in the median and 90th percentile business seconds to resolve, ranking the requests
    (:mod:`desk.services.reports.percentiles`: one pass for a short period, a walk of the
    group's value index for a long one).

    ``groups`` are the request columns matching the outcomes' keys, in the same order.
    """
    by_key = {outcome.key: outcome for outcome in found}
    if not by_key:
        return
    extra = extra_where or []
    if provider and percentiles.walk_pays(filters, sum(outcome.resolved for outcome in found)):
        # The rollup counts exactly the resolutions the walk ranks: those with a business time.
        where = [*request_clauses(filters, unindexed(r.resolved_at)), *extra]
        figures = percentiles.by_rank(groups, where, {key: outcome.resolved for key, outcome in by_key.items()})
    else:
        where = [*request_clauses(filters, r.resolved_at, provider=provider), *extra]
        figures = percentiles.in_one_pass(groups, where)
    _fill_in(by_key, figures)


def _fill_in(by_key: dict[tuple, Outcome], figures: dict[tuple, tuple]) -> None:
    for key, (median, p90) in figures.items():
        if key in by_key:
            by_key[key].median_seconds, by_key[key].p90_seconds = median, p90


def request_outcomes(filters: ReportFilters, groups: list[ColumnElement], *, rating_groups: list) -> list[Outcome]:
    """Outcome figures (with CSAT and percentiles) grouped by request columns the rollup does not
    keep: one GROUP BY over the period's requests, CSAT from the ratings side grouped by
    ``rating_groups`` (the same grouping in rating columns), then the percentiles.

    For a long period (:func:`percentiles.walk_pays`) the GROUP BYs read indexes led by the
    group (the agent's value index, the ratings' agent index) instead of sorting the period's
    rows by group, and the first counts what the rank walk needs.
    """
    from desk.services.reports.csat import csat

    resolved = sums(filters, ["resolved"]).get((), {}).get("resolved", 0)
    walk = percentiles.walk_pays(filters, resolved)
    where = request_clauses(filters, unindexed(r.resolved_at) if walk else r.resolved_at)
    keys = list(groups) if walk else [unindexed(g) for g in groups]
    query = select(
        *keys, func.count(), count_if(r.response_met.is_(True)), func.count(r.response_met),
        count_if(r.resolution_met.is_(True)), func.count(r.resolution_met), count_if(r.reopen_count > 0),
        func.count(r.escalated_at), func.count(r.resolution_business_seconds),
    ).where(*where).group_by(*keys)
    n = len(keys)
    found, timed = {}, {}
    for row in db.session.execute(query):
        outcome = Outcome(tuple(row[:n]), *(int(v or 0) for v in row[n:-1]))
        found[outcome.key], timed[outcome.key] = outcome, int(row[-1])
    for key, figures in csat(filters, rating_groups, in_group_order=walk).items():
        if key in found:
            found[key].ratings, found[key].satisfied = figures.ratings, figures.satisfied
    if walk:
        _fill_in(found, percentiles.by_rank(groups, where, timed))
    else:
        add_percentiles(list(found.values()), filters, groups)
    return list(found.values())
