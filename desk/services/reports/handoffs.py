"""Hand-offs between departments, over the hand-offs made in the period.

* **Flows**: A -> B hand-offs and how many requests made them.
* **Ping-pong**: a request handed A -> B and then straight back B -> A (the
  second hand-off in the period), counted once per request and pair.
* **Three or more departments**: requests handed off in the period that have
  been held by at least three departments (their holdings).
* **By request type**: hand-offs by the type the request had when handed off.

With a department, only hand-offs from or to it count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from desk.extensions import db
from desk.models import Handoff, Holding, ServiceRequest
from desk.services.reports import lookups
from desk.services.reports.filters import ReportFilters
from desk.services.reports.outcomes import pct
from desk.services.reports.sql import department_clause, either_department, unindexed
from desk.services.reports.tables import Column, Table

r, h = ServiceRequest, Handoff


@dataclass
class Handoffs:
    tables: dict[str, Table]
    total: int


def _in_period(filters: ReportFilters, handoff=h) -> list:
    clauses = [handoff.at >= filters.start_at, handoff.at < filters.end_before,
               department_clause(handoff.from_department_id, None),
               *either_department(handoff.from_department_id, handoff.to_department_id, filters.department_id)]
    if filters.type_id:
        clauses.append(or_(handoff.from_type_id == filters.type_id, handoff.to_type_id == filters.type_id))
    return clauses


def _priority(query, filters: ReportFilters, handoff=h):
    if filters.priority:
        query = query.join(r, r.id == handoff.request_id).where(r.priority == filters.priority)
    return query


def flows(filters: ReportFilters) -> list[tuple[int, int, int, int]]:
    """(from, to, hand-offs, requests) per pair."""
    pair = [unindexed(h.from_department_id), unindexed(h.to_department_id)]
    query = select(*pair, func.count(), func.count(func.distinct(h.request_id))
                   ).where(*_in_period(filters)).group_by(*pair)
    return [tuple(int(v) for v in row) for row in db.session.execute(_priority(query, filters))]


def ping_pong(filters: ReportFilters) -> dict[tuple[int, int], int]:
    """{(A, B): requests handed A -> B -> A}, the return trip in the period."""
    back, out = aliased(Handoff), aliased(Handoff)
    query = (
        select(out.from_department_id, out.to_department_id, func.count(func.distinct(back.request_id)))
        .select_from(back)
        .join(out, and_(out.request_id == back.request_id, out.seq == back.seq - 1,
                        out.from_department_id == back.to_department_id))
        .where(*_in_period(filters, back))
        .group_by(out.from_department_id, out.to_department_id)
    )
    return {(a, b): int(n) for a, b, n in db.session.execute(_priority(query, filters, back))}


def many_departments(filters: ReportFilters) -> dict[int, int]:
    """{departments touched: requests} for requests handed off in the period that touched 3 or more.

    Only a request handed off at least twice can have been held by three departments, so the
    holdings are counted for those alone: the few that have a second hand-off (``seq`` 2) among
    the many handed off in the period.
    """
    second = aliased(Handoff)
    handed = _priority(
        select(h.request_id).join(second, and_(second.request_id == h.request_id, second.seq == 2))
        .where(*_in_period(filters)), filters).subquery()
    per_request = (
        select(Holding.request_id, func.count().label("touched"))
        .where(Holding.request_id.in_(select(handed.c.request_id)))
        .group_by(Holding.request_id)
        .having(func.count() >= 3)
        .subquery()
    )
    query = select(per_request.c.touched, func.count()).group_by(per_request.c.touched)
    return {int(n): int(count) for n, count in db.session.execute(query)}


def by_type(filters: ReportFilters) -> list[tuple[int, int, int]]:
    kind = unindexed(h.from_type_id)
    query = select(kind, func.count(), func.count(func.distinct(h.request_id))).where(
        *_in_period(filters)).group_by(kind)
    return [tuple(int(v) for v in row) for row in db.session.execute(_priority(query, filters))]


def handoff_report(filters: ReportFilters) -> Handoffs:
    names = lookups.departments()
    label = lambda d: lookups.department_label(names, d)  # noqa: E731
    flow_rows = flows(filters)
    pongs = ping_pong(filters)
    total = sum(row[2] for row in flow_rows)
    flow_table = Table("flows", "Hand-offs from department to department", [
        Column("from", "From", "text"), Column("to", "To", "text"), Column("handoffs", "Hand-offs"),
        Column("requests", "Requests"), Column("share", "Share of all hand-offs", "pct"),
        Column("ping_pong", "Sent straight back"),
    ], sorted(({"from": label(a), "to": label(b), "handoffs": n, "requests": req, "share": pct(n, total),
                "ping_pong": pongs.get((a, b), 0)} for a, b, n, req in flow_rows),
              key=lambda row: (-row["handoffs"], row["from"], row["to"])))
    pong_table = Table("ping_pong", "Ping-pong: handed A → B, then straight back to A", [
        Column("a", "A (handed out, got it back)", "text"), Column("b", "B (sent it back)", "text"),
        Column("requests", "Requests"),
    ], sorted(({"a": label(a), "b": label(b), "requests": n} for (a, b), n in pongs.items()),
              key=lambda row: (-row["requests"], row["a"], row["b"])))
    touched: dict[str, int] = {}
    for n, count in sorted(many_departments(filters).items()):
        bucket = str(n) if n < 5 else "5 or more"
        touched[bucket] = touched.get(bucket, 0) + count
    touched_table = Table("touched", "Requests that touched three or more departments", [
        Column("departments", "Departments touched", "text"), Column("requests", "Requests")],
        [{"departments": n, "requests": c} for n, c in touched.items()])
    types = by_type(filters)
    type_names = lookups.type_names(t for t, _, _ in types)
    type_table = Table("by_type", "Hand-offs by request type (the type when handed off)", [
        Column("type", "Request type", "text"), Column("handoffs", "Hand-offs"), Column("requests", "Requests"),
    ], sorted(({"type": type_names.get(t, "?"), "handoffs": n, "requests": req} for t, n, req in types),
              key=lambda row: (-row["handoffs"], row["type"])))
    return Handoffs({"flows": flow_table, "ping_pong": pong_table, "touched": touched_table, "by_type": type_table},
                    total)
