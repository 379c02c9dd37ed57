"""HR cross-team health: one scorecard row per providing department, this
period against the previous period of the same length, and a composite index.

Each figure is an aggregate; no request contents. CSAT needs 5 ratings.
Backlog age at a moment ``t`` is the average age (days since filing) of the
requests filed before ``t`` and not resolved by then: for "now" exactly the
open backlog; for an earlier moment, requests later rejected or cancelled are
left out (their closing time is not indexed for this).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from desk.extensions import db
from desk.models import OPEN_STATUSES, Handoff, OutcomeDay, ServiceRequest
from desk.services.reports import lookups
from desk.services.reports.filters import ReportFilters
from desk.services.reports.outcomes import outcomes, pct
from desk.services.reports.sql import count_if, department_clause, epoch, request_clauses, unindexed
from desk.services.reports.tables import Column, Table

r, h, o = ServiceRequest, Handoff, OutcomeDay

# (key, label, weight, higher is better, how a value becomes a 0-100 score)
COMPONENTS = [
    ("attainment", "Resolution within target", 30, True, lambda v: v),
    ("csat", "CSAT", 20, True, lambda v: v),
    ("backlog_days", "Backlog age", 15, False, lambda v: 100 * max(0.0, 1 - v / 20)),
    ("escalations", "Escalations per 100 resolved", 10, False, lambda v: 100 * max(0.0, 1 - v / 10)),
    ("reopen_pct", "Reopen rate", 10, False, lambda v: 100 * max(0.0, 1 - v / 20)),
    ("handoff_pct", "Hand-off share", 15, False, lambda v: 100 * max(0.0, 1 - v / 30)),
]
FLAT = 0.5  # changes smaller than this (points, days) show as "no change"


@dataclass
class Scorecard:
    department_id: int
    name: str
    now: dict = field(default_factory=dict)
    before: dict = field(default_factory=dict)

    def trend(self, key: str) -> str:
        """'better', 'worse', 'same' or '' (no comparison possible)."""
        a, b = self.now.get(key), self.before.get(key)
        if a is None or b is None:
            return ""
        if abs(a - b) < FLAT:
            return "same"
        higher_is_better = next((c[3] for c in COMPONENTS if c[0] == key), True)
        return "better" if (a > b) == higher_is_better else "worse"


def health_index(figures: dict) -> float | None:
    """The weighted mean of the component scores that exist (see COMPONENTS)."""
    parts = [(weight, score(figures[key])) for key, _, weight, _, score in COMPONENTS if figures.get(key) is not None]
    if not parts:
        return None
    return round(sum(w * s for w, s in parts) / sum(w for w, _ in parts), 1)


def scorecards(filters: ReportFilters, now: datetime) -> list[Scorecard]:
    """This period's figures and the previous period's, per department."""
    both = filters.previous()
    both = ReportFilters(start=both.start, end=filters.end, department_id=filters.department_id,
                         type_id=filters.type_id, priority=filters.priority)
    cards: dict[int, Scorecard] = {}
    names = lookups.departments()

    def card(department_id: int, flag) -> dict:
        if department_id not in cards:
            cards[department_id] = Scorecard(department_id, lookups.department_label(names, department_id))
        return cards[department_id].now if flag else cards[department_id].before

    # One query per period rather than a CASE on the day: each then reads its whole months
    # from the monthly rollup.
    for flag, period_filters in ((1, filters), (0, filters.previous())):
        for outcome in outcomes(period_filters, [o.department_id], also=("escalated", "received")):
            figures = card(outcome.key[0], flag)
            figures |= outcome.more
            if outcome.has_outcome:
                figures |= {"resolved": outcome.resolved, "attainment": outcome.resolution_pct,
                            "reopen_pct": outcome.reopen_pct, "csat": outcome.satisfaction.pct}
    # Hand-offs of both periods in one pass: each department's range of its (from, at) index,
    # read in department order, so the GROUP BY sorts nothing.
    handed = select(h.from_department_id, count_if(h.at >= filters.start_at), count_if(h.at < filters.start_at)).where(
        department_clause(h.from_department_id, filters.department_id), h.at >= both.start_at,
        h.at < both.end_before).group_by(h.from_department_id)
    if filters.type_id:
        handed = handed.where(h.from_type_id == filters.type_id)
    if filters.priority:
        handed = handed.join(r, r.id == h.request_id).where(r.priority == filters.priority)
    for d, now_n, before_n in db.session.execute(handed):
        card(d, 1)["handed_out"], card(d, 0)["handed_out"] = int(now_n or 0), int(before_n or 0)
    for flag, moment in ((1, min(filters.end_before, now)), (0, filters.start_at)):
        for d, age in backlog_age(filters, moment).items():
            card(d, flag)["backlog_days"] = age
    for c in cards.values():
        for figures in (c.now, c.before):
            figures["escalations"] = (round(100.0 * figures.get("escalated", 0) / figures["resolved"], 1)
                                      if figures.get("resolved") else None)
            figures["handoff_pct"] = pct(figures.get("handed_out", 0), figures.get("received"))
            figures["index"] = health_index(figures)
    return sorted((c for c in cards.values() if c.department_id in names and names[c.department_id].takes_requests),
                  key=lambda c: c.name)


def backlog_age(filters: ReportFilters, moment: datetime) -> dict[int, float]:
    """{department: average days since filing} of requests filed before ``moment`` and unresolved then."""
    age = {}
    counts: dict[int, list[float]] = {}
    department = unindexed(r.department_id)
    still_open = select(department, func.count(), func.sum(epoch(r.created_at))).where(
        r.status.in_(OPEN_STATUSES), r.created_at < moment, *request_clauses(filters)).group_by(department)
    resolved_later = select(department, func.count(), func.sum(epoch(r.created_at))).where(
        r.resolved_at >= moment, unindexed(r.created_at) < moment, *request_clauses(filters)).group_by(department)
    for query in (still_open, resolved_later):
        for d, n, total in db.session.execute(query):
            entry = counts.setdefault(d, [0, 0.0])
            entry[0] += int(n)
            entry[1] += float(total or 0)
    for d, (n, total) in counts.items():
        if n:
            age[d] = round((moment.timestamp() - total / n) / 86400, 1)
    return age


TREND_MARKS = {"better": "▲ better", "worse": "▼ worse", "same": "▶ same", "": ""}
KINDS = {"attainment": "pct", "csat": "csat", "backlog_days": "days", "escalations": "num", "reopen_pct": "pct",
         "handoff_pct": "pct"}


def scorecard_table(cards: list[Scorecard]) -> Table:
    """One row per department: each figure now, its trend against the previous period, the index."""
    columns = [Column("department", "Department", "text")]
    for key, label, *_ in COMPONENTS:
        columns += [Column(key, label, KINDS[key]), Column(f"{key}_trend", "Trend", "text")]
    columns += [Column("index", "Health index", "num"), Column("index_before", "Previous index", "num"),
                Column("index_trend", "Trend", "text")]
    rows = []
    for c in cards:
        row = {"department": c.name, "index": c.now.get("index"), "index_before": c.before.get("index"),
               "index_trend": TREND_MARKS[c.trend("index")]}
        for key, *_ in COMPONENTS:
            row[key] = c.now.get(key)
            row[f"{key}_trend"] = TREND_MARKS[c.trend(key)]
        rows.append(row)
    return Table("scorecard", "Scorecard by department", columns, rows)
