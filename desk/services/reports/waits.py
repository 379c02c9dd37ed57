"""Where requests wait: business time by stage, per department.

For each department, the closed status spans that *started* in the period,
summed by status: unassigned ("new"), in progress, waiting on requester. The
fourth stage is the cost of the department's hand-offs: of the requests it
first handed to another department in the period, the business time they then
spent at other departments (every later closed span elsewhere). A span still
open has no business time yet and is not counted; the open backlog shows on
the SLA review. All four come from the rollup
(:mod:`desk.services.reports.rollup`).
"""

from __future__ import annotations

from dataclasses import dataclass

from desk.models import OutcomeDay
from desk.services.reports import lookups
from desk.services.reports.filters import ReportFilters
from desk.services.reports.outcomes import sums
from desk.services.reports.tables import Column, Table

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
    """{(department, stage): business seconds} in the period, from the rollup."""
    columns = {"new": "unassigned_seconds", "in_progress": "in_progress_seconds",
               "waiting_on_requester": "waiting_seconds", "elsewhere": "elsewhere_seconds"}
    found = sums(filters, list(columns.values()), [OutcomeDay.department_id])
    return {(d, stage): figures[column] for (d,), figures in found.items() for stage, column in columns.items()
            if figures[column]}


def where_requests_wait(filters: ReportFilters) -> Waits:
    spans = stage_seconds(filters)
    names = lookups.departments()
    departments = sorted({d for d, _ in spans}, key=lambda d: lookups.department_label(names, d))
    rows, hours = [], {}
    for d in departments:
        seconds = {stage: spans.get((d, stage), 0) for stage, _ in STAGES}
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
