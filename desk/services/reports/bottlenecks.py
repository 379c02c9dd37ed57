"""The bottleneck matrix: requesting x providing department.

Each cell: requests *filed* in the period, outcomes of those *resolved* in
it (median business hours, resolution attainment), the *open* backlog now,
and CSAT. How bad a cell is comes from its resolution attainment: good from
90 %, fair from 75 %, poor below, and "too few" under
:data:`MIN_CLOCKS` stopped clocks, so one late request does not paint a
relationship red. The worst relationships are the poorest attainment among
cells with enough clocks, slowest median first on ties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from desk.extensions import db
from desk.models import OPEN_STATUSES, Department, OutcomeDay, ServiceRequest, User
from desk.services import policy
from desk.services.reports import lookups
from desk.services.reports.filters import ReportFilters
from desk.services.reports.outcomes import Csat, Outcome, add_percentiles, outcomes
from desk.services.reports.sql import either_department, request_clauses, unindexed
from desk.services.reports.tables import Column, Table

r, o = ServiceRequest, OutcomeDay
MIN_CLOCKS = 10
WORST_SHOWN = 5


@dataclass
class Cell:
    requesting_id: int | None
    providing_id: int
    filed: int = 0
    open: int = 0
    outcome: Outcome | None = None
    satisfaction: Csat = field(default_factory=Csat)

    @property
    def attainment(self) -> float | None:
        return self.outcome.resolution_pct if self.outcome else None

    @property
    def clocks(self) -> int:
        return self.outcome.resolution_total if self.outcome else 0

    @property
    def level(self) -> str:
        if self.clocks < MIN_CLOCKS or self.attainment is None:
            return "few"
        return "good" if self.attainment >= 90 else "fair" if self.attainment >= 75 else "poor"


@dataclass
class Matrix:
    requesting: list[Department]
    providing: list[Department]
    cells: dict[tuple, Cell]
    worst: list[Cell]
    table: Table
    names: dict[int, Department]

    def cell(self, requesting_id, providing_id) -> Cell | None:
        return self.cells.get((requesting_id, providing_id))


def bottleneck_matrix(filters: ReportFilters) -> Matrix:
    """The matrix; with a department, only the cells where it is either side."""
    d = filters.department_id
    cells: dict[tuple, Cell] = {}

    def cell(key) -> Cell:
        return cells.setdefault(key, Cell(*key))

    pairs = [o.requesting_department_id, o.department_id]
    sides = either_department(o.requesting_department_id, o.department_id, d)
    found = outcomes(filters, pairs, sides, provider=False, also=("filed",))
    for outcome in found:
        if outcome.key[0] is not None:  # filed by someone in no department: no row to show it in
            cell(outcome.key).filed = outcome.more["filed"]
    found = [x for x in found if x.has_outcome]
    if d:  # medians rank the requests: only the chosen department's cells, from its own index ranges
        request_pairs = [r.requesting_department_id, r.department_id]
        add_percentiles([c for c in found if c.key[1] == d], filters, request_pairs)
        add_percentiles([c for c in found if c.key[1] != d], filters.for_department(None), request_pairs,
                        [r.requesting_department_id == d, r.department_id != d], provider=False)
    for outcome in found:
        cell(outcome.key).outcome = outcome
        cell(outcome.key).satisfaction = outcome.satisfaction
    both_sides = either_department(r.requesting_department_id, r.department_id, d)
    pair = [unindexed(r.requesting_department_id), unindexed(r.department_id)]
    backlog = select(*pair, func.count()).where(
        r.status.in_(OPEN_STATUSES), *request_clauses(filters.for_department(None)), *both_sides,
    ).group_by(*pair)
    for a, b, n in db.session.execute(backlog):
        cell((a, b)).open = int(n)
    names = lookups.departments()
    requesting = sorted({k[0] for k in cells if k[0] in names}, key=lambda i: names[i].name)
    providing = sorted({k[1] for k in cells if k[1] in names}, key=lambda i: names[i].name)
    ranked = sorted((c for c in cells.values() if c.level != "few"),
                    key=lambda c: (c.attainment, -(c.outcome.median_seconds or 0)))
    return Matrix([names[i] for i in requesting], [names[i] for i in providing], cells,
                  [c for c in ranked if c.level != "good"][:WORST_SHOWN], _table(cells, names, bool(d)), names)


def _table(cells: dict[tuple, Cell], names: dict[int, Department], medians: bool) -> Table:
    rows = []
    for c in cells.values():
        o = c.outcome
        rows.append({
            "requesting": lookups.department_label(names, c.requesting_id),
            "providing": lookups.department_label(names, c.providing_id),
            "filed": c.filed, "resolved": o.resolved if o else 0, "median_hours": o and o.median_hours,
            "resolution_pct": c.attainment, "open": c.open, "csat": c.satisfaction.pct,
            "level": {"few": "too few to judge"}.get(c.level, c.level),
        })
    rows.sort(key=lambda row: (row["requesting"], row["providing"]))
    columns = [
        Column("requesting", "Requesting department", "text"), Column("providing", "Providing department", "text"),
        Column("filed", "Filed"), Column("resolved", "Resolved"), Column("median_hours", "Median to resolve", "hours"),
        Column("resolution_pct", "Resolution met", "pct"), Column("open", "Open now"), Column("csat", "CSAT", "csat"),
        Column("level", "Rating", "text"),
    ]
    return Table("matrix", "Requesting × providing department",
                 [c for c in columns if medians or c.key != "median_hours"], rows)


SHOW = {"resolved": "resolved in the period", "open": "open now", "filed": "filed in the period"}


def cell_requests(user: User, filters: ReportFilters, requesting_id: int, providing_id: int, show: str,
                  page: int, per_page: int):
    """The requests behind a cell, as far as ``user`` may see them (the visibility rule applies)."""
    if show not in SHOW:
        show = "resolved"
    clauses = {"resolved": request_clauses(filters.for_department(None), r.resolved_at),
               "open": [r.status.in_(OPEN_STATUSES), *request_clauses(filters.for_department(None))],
               "filed": request_clauses(filters.for_department(None), r.created_at)}[show]
    query = (
        select(r)
        .where(r.requesting_department_id == requesting_id, r.department_id == providing_id, *clauses,
               policy.visible_clause(user))
        .options(joinedload(r.type), joinedload(r.assignee), joinedload(r.requester))
        .order_by(r.created_at.desc(), r.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
