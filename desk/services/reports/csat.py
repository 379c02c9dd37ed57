"""CSAT for the reports: the share of ratings that are 4 or 5.

Most CSAT figures are sums over the daily rollup (:mod:`desk.services.reports.outcomes`).
This module is for groupings the rollup does not keep, such as the agent: ratings
carry their provider, agent and resolution time (see :class:`desk.models.Rating`),
so they are read from the ratings table (index ``ix_ratings_department``), joined
to the requests only for a type or priority filter. The period is the resolution
time, as for every outcome figure. Fewer than ``policy.MIN_RATINGS_SHOWN``
ratings show as "not enough ratings": :attr:`Csat.pct` is None then, so no page,
CSV or e-mail can show it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select

from desk.extensions import db
from desk.models import Rating, ServiceRequest
from desk.services.reports.filters import ReportFilters
from desk.services.reports.outcomes import Csat
from desk.services.reports.sql import count_if, department_clause, unindexed

NOT_ENOUGH = "not enough ratings"


def csat(filters: ReportFilters, groups: list[ColumnElement], *, in_group_order: bool = False) -> dict[tuple, Csat]:
    """{group key: Csat} over the ratings of requests resolved in the period, by rating columns.

    ``in_group_order``: read the department's ratings in the order of an index led by the
    group (``ix_ratings_department_agent``) rather than the period's range and a sort; for a
    period that holds much of the department's history.
    """
    g, r = Rating, ServiceRequest
    when = unindexed(g.resolved_at) if in_group_order else g.resolved_at
    where = [when >= filters.start_at, when < filters.end_before,
             department_clause(g.department_id, filters.department_id)]
    if filters.type_id:
        where.append(r.type_id == filters.type_id)
    if filters.priority:
        where.append(r.priority == filters.priority)
    keys = list(groups) if in_group_order else [unindexed(column) for column in groups]
    query = select(*keys, func.count(), count_if(g.score >= 4)).select_from(g).where(*where)
    if filters.type_id or filters.priority:
        query = query.join(r, r.id == g.request_id)
    if keys:
        query = query.group_by(*keys)
    n = len(keys)
    return {tuple(row[:n]): Csat(int(row[n] or 0), int(row[n + 1] or 0)) for row in db.session.execute(query)}
