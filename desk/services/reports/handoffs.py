"""Hand-offs between departments, over the hand-offs made in the period.

* **Flows**: A -> B hand-offs and how many requests made them.
* **Ping-pong**: a request handed A -> B and then straight back B -> A (the
  second hand-off in the period), counted once per request and pair.
* **Three or more departments**: requests handed off in the period that had
  been held by at least three departments by their last hand-off in it.
* **By request type**: hand-offs by the type the request had when handed off.

With a department, only hand-offs from or to it count. Each hand-off row
records what it shares with the request's earlier ones
(:func:`desk.models.handoff_facts`), so these are sums over the period's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, literal_column, or_, select

from desk.extensions import db
from desk.models import Department, Handoff, RequestType, ServiceRequest
from desk.services.reports import lookups
from desk.services.reports.filters import ReportFilters
from desk.services.reports.outcomes import pct
from desk.services.reports.sql import any_of_all, count_if, either_department, unindexed
from desk.services.reports.tables import Column, Table

r, h = ServiceRequest, Handoff


@dataclass
class Handoffs:
    tables: dict[str, Table]
    total: int


def _in_period(filters: ReportFilters) -> list:
    """The period's hand-offs matching the filters."""
    clauses = [h.at >= filters.start_at, h.at < filters.end_before,
               *either_department(h.from_department_id, h.to_department_id, filters.department_id)]
    if filters.type_id:
        clauses.append(or_(h.from_type_id == filters.type_id, h.to_type_id == filters.type_id))
    return clauses


def _priority(query, filters: ReportFilters):
    if filters.priority:
        query = query.join(r, r.id == h.request_id).where(r.priority == filters.priority)
    return query


def _requests(previous_at, filters: ReportFilters, *, filters_split_groups: bool) -> ColumnElement[int]:
    """How many requests the grouped hand-offs belong to: a request counts at its first hand-off
    of the group in the period, the one whose previous hand-off of the group (``previous_at``,
    same pair or same type) is before the period or never was.

    ``filters_split_groups``: the filters may keep some of a request's hand-offs of a group and
    drop others, so the first one kept need not be its first of the group; then the requests
    are counted one by one (COUNT DISTINCT).
    """
    if filters_split_groups:
        return func.count(func.distinct(h.request_id))
    return count_if(or_(previous_at.is_(None), previous_at < filters.start_at))


def flows(filters: ReportFilters) -> list[tuple[int, int, int, int]]:
    """(from, to, hand-offs, requests) per pair; a department filter keeps or drops whole pairs."""
    pair = [h.from_department_id, h.to_department_id]
    requests = _requests(h.previous_pair_at, filters, filters_split_groups=bool(filters.type_id))
    query = select(*pair, func.count(), requests).where(
        *_in_period(filters), any_of_all(h.from_department_id, Department.id),
        any_of_all(h.to_department_id, Department.id),  # ix_handoffs_pair, one pair at a time
    ).group_by(*pair)
    return [tuple(int(v) for v in row) for row in db.session.execute(_priority(query, filters))]


def ping_pong(filters: ReportFilters) -> dict[tuple[int, int], int]:
    """{(A, B): requests handed A -> B -> A}, the return trip in the period.

    The return trip is the hand-off marked ``sent_back`` when it was written (its sender got
    the request from the department it goes back to); a partial index holds only those.
    """
    back = [unindexed(h.to_department_id), unindexed(h.from_department_id)]
    query = select(*back, func.count(func.distinct(h.request_id))).where(
        h.sent_back, *_in_period(filters)).group_by(*back)
    return {(a, b): int(n) for a, b, n in db.session.execute(_priority(query, filters))}


def many_departments(filters: ReportFilters) -> dict[int, int]:
    """{departments touched: requests} for requests handed off in the period that had been held
    by 3 or more departments by their last hand-off in it (``departments_after`` only grows).

    The literal 3 matches the partial index's condition, which a bound parameter would not.
    """
    touched = func.max(h.departments_after).label("touched")
    per_request = _priority(select(h.request_id, touched).where(
        h.departments_after >= literal_column("3"), *_in_period(filters)), filters,
    ).group_by(h.request_id).subquery()
    query = select(per_request.c.touched, func.count()).group_by(per_request.c.touched)
    return {int(n): int(count) for n, count in db.session.execute(query)}


def by_type(filters: ReportFilters) -> list[tuple[int, int, int]]:
    """(type when handed off, hand-offs, requests); a department filter can split a type's
    hand-offs too (those to the department kept, those elsewhere dropped)."""
    split = bool(filters.type_id or filters.department_id)
    requests = _requests(h.previous_type_at, filters, filters_split_groups=split)
    query = select(h.from_type_id, func.count(), requests).where(
        *_in_period(filters), any_of_all(h.from_type_id, RequestType.id),  # ix_handoffs_type, one type at a time
    ).group_by(h.from_type_id)
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
