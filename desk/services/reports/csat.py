"""CSAT for the reports: the share of ratings that are 4 or 5, by any grouping.

Ratings carry their provider, agent and resolution time (see
:class:`desk.models.Rating`), so most figures read the ratings table alone
(index ``ix_ratings_department``); the requests table is joined only when a
filter or grouping needs a request column (type, priority, requesting
department). The period is the resolution time, as for every outcome figure.
Fewer than ``policy.MIN_RATINGS_SHOWN`` ratings show as "not enough ratings":
:attr:`Csat.pct` is None then, so no page, CSV or e-mail can show it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select

from desk.extensions import db
from desk.models import Rating, ServiceRequest
from desk.services.reports.filters import ReportFilters
from desk.services.reports.outcomes import Csat
from desk.services.reports.sql import count_if, department_clause, unindexed

NOT_ENOUGH = "not enough ratings"


def csat(filters: ReportFilters, groups: list[ColumnElement] | None = None, *, extra_where: list | None = None,
         join_requests: bool = False, provider: bool = True) -> dict[tuple, Csat]:
    """{group key: Csat} over ratings of requests resolved in the period."""
    g, r = Rating, ServiceRequest
    groups = groups or []
    if provider:  # from the ratings of the provider (or of every provider: an index range each)
        where = [g.resolved_at >= filters.start_at, g.resolved_at < filters.end_before,
                 department_clause(g.department_id, filters.department_id)]
    else:  # ``extra_where`` narrows the requests (a requesting department): start from them
        where = [unindexed(g.resolved_at) >= filters.start_at, unindexed(g.resolved_at) < filters.end_before,
                 r.resolved_at >= filters.start_at, r.resolved_at < filters.end_before]
        join_requests = True
    where += extra_where or []
    if filters.type_id:
        where.append(r.type_id == filters.type_id)
    if filters.priority:
        where.append(r.priority == filters.priority)
    groups = [unindexed(column) for column in groups]
    query = select(*groups, func.count(), count_if(g.score >= 4)).select_from(g).where(*where)
    if join_requests or filters.type_id or filters.priority:
        query = query.join(r, r.id == g.request_id)
    if groups:
        query = query.group_by(*groups)
    n = len(groups)
    return {tuple(row[:n]): Csat(int(row[n] or 0), int(row[n + 1] or 0)) for row in db.session.execute(query)}


def overall(filters: ReportFilters) -> Csat:
    return csat(filters).get((), Csat())
