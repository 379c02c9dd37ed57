"""Medians and 90th percentiles of the business seconds to resolve: exact, two ways.

A percentile cannot be summed from the rollup: it ranks the requests
themselves. Both ways below give what PostgreSQL's ``percentile_cont`` gives:
the value at position ``p (n - 1)`` of the sorted values (counted from 0),
interpolated between the two values around it.

* **One pass** (:func:`in_one_pass`): the period's resolutions of the
  department, read from its (department, resolved_at) covering index, go into
  the database's percentile aggregate, one GROUP BY. Each aggregate collects
  and sorts its values, and a grouping sorts the rows by group first (SQLite):
  about half a microsecond a request. Right for a month.
* **Rank walk** (:func:`by_rank`): given each group's number of resolutions
  in the period (the rollup counts them; the agent's GROUP BY does for the
  agent), read the one or two values around each position straight off an
  index that keeps the department's resolutions of each group in value order
  (``ix_requests_seconds*``): ``ORDER BY seconds LIMIT 2 OFFSET k``, from the
  nearer end. Nothing is sorted; the cost is the index entries walked past,
  which include the resolutions outside the period, so it grows with the
  department's whole history rather than with the period. Right for a year.

:func:`walk_pays` chooses: walk when the period holds at least a fifth of the
department's resolutions ever (measured at a million requests: a head's year,
330,000 resolutions, went from 120-240 ms a grouping to 30-60 ms; a month stays
one pass). ``docs/reports.md`` has the figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, literal, select, union_all

from desk.extensions import db
from desk.models import DepartmentOutcomeDay, ServiceRequest
from desk.services.reports.filters import ReportFilters
from desk.services.reports.sql import dialect, unindexed

FRACTIONS = (0.5, 0.9)
WALK_SHARE = 5  # walk when the period's resolutions are at least 1/5 of the department's history
MAX_WALKS = 200  # subqueries per UNION ALL (SQLite allows 500 terms in a compound SELECT)
r = ServiceRequest
VALUE = r.resolution_business_seconds


def in_one_pass(groups: list[ColumnElement], where: list) -> dict[tuple, tuple]:
    """{group key: (median, 90th percentile)} over the rows matching ``where``, by aggregate."""
    if dialect() == "postgresql":
        measures = [func.percentile_cont(p).within_group(VALUE) for p in FRACTIONS]
    else:  # the sqlean "stats" extension (desk.config.sqlite_driver)
        measures = [func.percentile(VALUE, p * 100) for p in FRACTIONS]
    # unindexed(): SQLite would otherwise walk a whole index on a group column to get the
    # groups in order, rather than range-scan the period's covering index and sort.
    keys = [unindexed(g) for g in groups]
    query = select(*keys, *measures).where(*where, VALUE.is_not(None))
    if keys:
        query = query.group_by(*keys)
    n = len(keys)
    return {tuple(row[:n]): tuple(_float(v) for v in row[n:]) for row in db.session.execute(query)}


def by_rank(groups: list[ColumnElement], where: list, sizes: dict[tuple, int]) -> dict[tuple, tuple]:
    """{group key: (median, 90th percentile)} read at their positions, given each group's size.

    ``where`` must not let the database range-scan the period (write it on
    ``unindexed(resolved_at)``): the walk is meant to follow the value index.
    A ``LIMIT 2 OFFSET k`` subquery per group and fraction, up to :data:`MAX_WALKS` to a statement.
    """
    spots = [Spot(key, p, n) for key, n in sizes.items() if n for p in FRACTIONS]
    walks = [_walk(i, spot, groups, where) for i, spot in enumerate(spots)]
    found: dict[int, list[float]] = {}
    for start in range(0, len(walks), MAX_WALKS):
        for i, value in db.session.execute(union_all(*walks[start:start + MAX_WALKS])):
            found.setdefault(i, []).append(float(value))
    results: dict[tuple, list] = {}
    for i, spot in enumerate(spots):
        results.setdefault(spot.key, []).append(spot.interpolate(found.get(i, [])))
    return {key: tuple(values) for key, values in results.items()}


def _walk(i: int, spot: Spot, groups: list[ColumnElement], where: list):
    """The values read for ``spot``, each tagged with ``i``."""
    walk = (select(literal(i).label("spot"), VALUE.label("value"))
            .where(*where, VALUE.is_not(None), *[g == k for g, k in zip(groups, spot.key)])
            .order_by(VALUE.asc() if spot.from_low_end else VALUE.desc())
            .offset(spot.offset).limit(spot.limit).subquery())
    return select(walk.c.spot, walk.c.value)


@dataclass(frozen=True)
class Spot:
    """Where fraction ``p`` of ``n`` sorted values lies, and which of them to read."""

    key: tuple
    p: float
    n: int

    @property
    def position(self) -> float:
        return self.p * (self.n - 1)

    @property
    def low(self) -> int:
        return math.floor(self.position)

    @property
    def high(self) -> int:
        """The next value too, unless the position falls on a value."""
        return self.low if self.position == self.low else self.low + 1

    @property
    def from_low_end(self) -> bool:
        return self.low < self.n / 2

    @property
    def offset(self) -> int:
        return self.low if self.from_low_end else self.n - 1 - self.high

    @property
    def limit(self) -> int:
        return self.high - self.low + 1

    def interpolate(self, values: Iterable[float]) -> float | None:
        """``percentile_cont``'s figure from the values read at positions low and high."""
        window = sorted(values)
        if not window:
            return None  # the group changed between the count and the walk
        first, second = window[0], window[-1]
        return first + (second - first) * (self.position - self.low)


def walk_pays(filters: ReportFilters, resolved_in_period: int) -> bool:
    """Whether the period holds enough of the department's history for :func:`by_rank`."""
    if not filters.department_id or not resolved_in_period:
        return False
    d = DepartmentOutcomeDay
    ever = db.session.scalar(select(func.sum(d.resolved)).where(d.department_id == filters.department_id)) or 0
    return resolved_in_period * WALK_SHARE >= ever


def _float(value) -> float | None:
    return None if value is None else float(value)
