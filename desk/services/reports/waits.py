"""Where requests wait: business time by stage, per department.

For each department, the closed status spans that *started* in the period,
summed by status: unassigned ("new"), in progress, waiting on requester. The
fourth stage is the cost of the department's hand-offs: of the requests it
handed to another department in the period, the business time they then
spent at other departments (every later closed span elsewhere, counted once
per request from its first hand-off by this department in the period). A
span still open has no business time yet and is not counted; the open
backlog shows on the SLA review.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from desk.extensions import db
from desk.models import Handoff, OutcomeDay, ServiceRequest, StatusSpan
from desk.services.reports import lookups
from desk.services.reports.filters import ReportFilters
from desk.services.reports.outcomes import sums
from desk.services.reports.sql import department_clause, request_clauses
from desk.services.reports.tables import Column, Table

r, s, h = ServiceRequest, StatusSpan, Handoff
STAGES = [
    ("new", "Unassigned"),
    ("in_progress", "In progress"),
    ("waiting_on_requester", "Waiting on requester"),
    ("elsewhere", "At another department after its hand-off"),
]


@dataclass
class Waits:
    table: Table
    hours: dict[int, dict[str, float]]  # department id -> stage -> business hours


def stage_seconds(filters: ReportFilters) -> dict[tuple[int, str], int]:
    """{(department, status): business seconds} of the closed spans started in the period (rollup)."""
    columns = {"new": "unassigned_seconds", "in_progress": "in_progress_seconds",
               "waiting_on_requester": "waiting_seconds"}
    found = sums(filters, list(columns.values()), [OutcomeDay.department_id])
    return {(d, status): figures[column] for (d,), figures in found.items() for status, column in columns.items()
            if figures[column]}


def elsewhere_seconds(filters: ReportFilters) -> dict[int, tuple[int, int]]:
    """{department: (business seconds elsewhere, requests)} after its hand-offs in the period."""
    first = (
        select(h.request_id, h.from_department_id.label("department_id"), func.min(h.at).label("at"))
        .where(department_clause(h.from_department_id, filters.department_id),
               h.at >= filters.start_at, h.at < filters.end_before)
        .group_by(h.request_id, h.from_department_id)
    )
    if filters.type_id or filters.priority:
        first = first.join(r, r.id == h.request_id).where(*request_clauses(filters, provider=False))
    first = first.subquery()
    query = (
        select(first.c.department_id, func.sum(s.business_seconds), func.count(func.distinct(first.c.request_id)))
        .select_from(first)
        .join(s, and_(s.request_id == first.c.request_id, s.started_at >= first.c.at,
                      s.department_id != first.c.department_id, s.business_seconds.is_not(None)))
        .group_by(first.c.department_id)
    )
    return {d: (int(total or 0), int(n)) for d, total, n in db.session.execute(query)}


def where_requests_wait(filters: ReportFilters) -> Waits:
    spans = stage_seconds(filters)
    elsewhere = elsewhere_seconds(filters)
    names = lookups.departments()
    departments = sorted({d for d, _ in spans} | set(elsewhere), key=lambda d: lookups.department_label(names, d))
    rows, hours = [], {}
    for d in departments:
        seconds = {stage: spans.get((d, stage), 0) for stage, _ in STAGES[:3]}
        seconds["elsewhere"] = elsewhere.get(d, (0, 0))[0]
        total = sum(seconds.values())
        hours[d] = {stage: value / 3600 for stage, value in seconds.items()}
        top = max(STAGES, key=lambda stage: seconds[stage[0]])
        row = {"department": lookups.department_label(names, d), "total": total / 3600,
               "dominant": f"{top[1]} ({100 * seconds[top[0]] / total:.0f} %)" if total else "—"}
        for stage, _ in STAGES:
            row[stage] = seconds[stage] / 3600
            row[f"{stage}_pct"] = round(100.0 * seconds[stage] / total, 1) if total else None
        rows.append(row)
    columns = [Column("department", "Department", "text")]
    for stage, label in STAGES:
        columns += [Column(stage, label, "hours"), Column(f"{stage}_pct", "Share", "pct")]
    columns += [Column("total", "Total", "hours"), Column("dominant", "Largest stage", "text")]
    return Waits(Table("waits", "Business hours by stage", columns, rows), hours)
