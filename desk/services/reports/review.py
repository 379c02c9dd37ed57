"""Department SLA review: what a head reviews every week, and HR in aggregate.

Conventions (the page says them too):

* **Volume** is counted in the period by when it happened: *received* = every
  arrival at the department (filed to it, or handed to it), i.e. every
  "new" status span that started; *handed in / out* = hand-offs; *filed by its
  people* = requests the department's own staff filed to others.
* **Outcomes** are about requests *resolved* in the period by the department
  that resolved them: response and resolution attainment (met / clocks
  stopped), median and 90th percentile business hours to resolve (pauses
  excluded), resolution breaches, reopen rate, CSAT.
* **Backlog** is now: open requests held by the department, by age since filing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ScalarSelect, case, func, select

from desk.extensions import db
from desk.models import OPEN_STATUSES, Handoff, OutcomeDay, ServiceRequest
from desk.services.reports import lookups
from desk.services.reports.filters import ReportFilters
from desk.services.reports.outcomes import Csat, Outcome, add_percentiles, outcomes, roll_up, sums
from desk.services.reports.sql import count_if, request_clauses
from desk.services.reports.tables import Column, Table

r, o = ServiceRequest, OutcomeDay
AGE_BUCKETS = [(1, "Under 1 day"), (3, "1–3 days"), (7, "3–7 days"), (28, "1–4 weeks"), (None, "Over 4 weeks")]
OUTCOME_COLUMNS = [
    Column("resolved", "Resolved"), Column("response_pct", "Response met", "pct"),
    Column("resolution_pct", "Resolution met", "pct"), Column("median_hours", "Median to resolve", "hours"),
    Column("p90_hours", "90th percentile", "hours"), Column("breaches", "Resolution breaches"),
    Column("reopen_pct", "Reopened", "pct"), Column("csat", "CSAT", "csat"),
]
# Breakdowns without percentiles: each percentile needs its own ranked pass over the rows.
COUNT_COLUMNS = [c for c in OUTCOME_COLUMNS if c.key not in ("median_hours", "p90_hours")]


@dataclass
class Review:
    filters: ReportFilters
    summary: Outcome
    tables: dict[str, Table]
    figures: dict


def outcome_row(label: str, outcome: Outcome | None) -> dict:
    o = outcome
    return {"label": label, "resolved": o.resolved if o else 0, "response_pct": o and o.response_pct,
            "resolution_pct": o and o.resolution_pct, "median_hours": o and o.median_hours,
            "p90_hours": o and o.p90_hours, "breaches": o.resolution_missed if o else 0,
            "reopen_pct": o and o.reopen_pct, "csat": o.satisfaction.pct if o else None}


def volume(filters: ReportFilters, finest: list[Outcome]) -> dict[str, int]:
    """Arrivals and escalations (summed in the outcomes' pass: ``finest`` is grouped by type,
    priority and requesting department), hand-offs both ways, and the requests filed by the
    department's people (for every department: by anyone who belongs to one)."""
    d = filters.department_id
    if d:
        # Two counts, each a range of its own (department, at) index, rather than one OR.
        handed_in, handed_out = db.session.execute(select(
            _handoffs(filters, Handoff.to_department_id == d), _handoffs(filters, Handoff.from_department_id == d),
        )).one()
        # Its people file to other departments: the rollup's requesting-department index.
        filed_by = sums(filters, ["filed"], extra_where=[o.requesting_department_id == d], provider=False)
        filed = filed_by.get((), {}).get("filed", 0)
    else:
        # Every hand-off is out of one department and into another.
        handed_in = handed_out = db.session.scalar(select(_handoffs(filters)))
        filed = sum(x.more["filed"] for x in finest if x.key[2] is not None)
    return {"received": sum(x.more["received"] for x in finest),
            "escalated": sum(x.more["escalated"] for x in finest),
            "handed_in": int(handed_in or 0), "handed_out": int(handed_out or 0), "filed_by": filed}


def _handoffs(filters: ReportFilters, *where) -> ScalarSelect[int]:
    """The number of hand-offs in the period (of the filtered type and priority) matching ``where``."""
    h = Handoff
    query = select(func.count()).select_from(h).where(h.at >= filters.start_at, h.at < filters.end_before, *where)
    if filters.type_id or filters.priority:
        query = query.join(r, r.id == h.request_id).where(*request_clauses(filters, provider=False))
    return query.scalar_subquery()


def backlog(filters: ReportFilters, now: datetime) -> tuple[list[dict], int]:
    """Open requests now, by age since filing; and how many of them are past their resolution due time."""
    bucket = case(*[(r.created_at > now - timedelta(days=days), i) for i, (days, _) in enumerate(AGE_BUCKETS[:-1])],
                  else_=len(AGE_BUCKETS) - 1)
    breached = (r.resolution_due_at < now) & r.paused_at.is_(None)
    rows = db.session.execute(
        select(bucket, func.count(), count_if(breached))
        .where(r.status.in_(OPEN_STATUSES), *request_clauses(filters)).group_by(bucket)
    ).all()
    counts = {int(b): (int(n), int(late or 0)) for b, n, late in rows}
    table = [{"label": label, "open": counts.get(i, (0, 0))[0], "breached": counts.get(i, (0, 0))[1]}
             for i, (_, label) in enumerate(AGE_BUCKETS)]
    return table, sum(n for n, _ in counts.values())


def department_review(filters: ReportFilters, now: datetime) -> Review:
    """The outcomes by type, priority and requesting department come from one rollup query,
    summed up into those breakdowns and the total (a few hundred grouped rows at most); the
    weekly trend is another. Medians and 90th percentiles rank the requests themselves, so
    they are worked out for one department (overall and by type), not for all at once."""
    departments = lookups.departments()
    finest = outcomes(filters, [o.type_id, o.priority, o.requesting_department_id],
                      also=("filed", "received", "escalated"))
    volumes = volume(filters, finest)
    finest = [x for x in finest if x.has_outcome]  # the breakdowns are about outcomes
    overall = roll_up(finest, None).get(())
    by_type = roll_up(finest, 0)
    if filters.department_id:
        add_percentiles([overall] if overall else [], filters, [])
        add_percentiles(list(by_type.values()), filters, [r.type_id])
    types = lookups.type_names(by_type)
    backlog_rows, open_total = backlog(filters, now)
    satisfaction = overall.satisfaction if overall else Csat()
    tables = {
        "summary": summary_table(overall, satisfaction, volumes, open_total,
                                 sum(b["breached"] for b in backlog_rows), volumes["escalated"],
                                 percentiles=bool(filters.department_id)),
        "by_type": _outcome_table("by_type", "By request type", "Request type", sorted(
            (outcome_row(types.get(k, "?"), o) for k, o in by_type.items()), key=lambda row: row["label"]),
            OUTCOME_COLUMNS if filters.department_id else COUNT_COLUMNS),
        "by_priority": _outcome_table("by_priority", "By priority", "Priority", [
            outcome_row(lookups.priority_label(k), o)
            for k, o in sorted(roll_up(finest, 1).items(), key=lambda item: _rank(item[0]))], COUNT_COLUMNS),
        "by_requesting": _outcome_table("by_requesting", "By requesting department", "Requesting department", sorted(
            (outcome_row(lookups.department_label(departments, k), o) for k, o in roll_up(finest, 2).items()),
            key=lambda row: row["label"]), COUNT_COLUMNS),
        "backlog": Table("backlog", "Open backlog by age", [
            Column("label", "Age since filing", "text"), Column("open", "Open"),
            Column("breached", "Past resolution due time")], backlog_rows),
        "weekly": weekly_table(filters),
    }
    return Review(filters, overall or Outcome((), 0, 0, 0, 0, 0, 0, 0), tables,
                  {"volume": volumes, "csat": satisfaction, "open": open_total})


def summary_table(o: Outcome | None, satisfaction, volumes: dict, open_total: int, open_breached: int,
                  escalated: int, *, percentiles: bool = True) -> Table:
    rows = [
        ("Received (filed to it or handed in)", volumes["received"], "int"),
        ("Handed in by other departments", volumes["handed_in"], "int"),
        ("Handed out to other departments", volumes["handed_out"], "int"),
        ("Filed by its people to others", volumes["filed_by"], "int"),
        ("Resolved", o.resolved if o else 0, "int"),
        ("First response within target", o and o.response_pct, "pct"),
        ("Resolution within target", o and o.resolution_pct, "pct"),
        ("Median business hours to resolve", o and o.median_hours, "hours"),
        ("90th percentile business hours to resolve", o and o.p90_hours, "hours"),
        ("Resolution breaches", o.resolution_missed if o else 0, "int"),
        ("First-response breaches", o.response_missed if o else 0, "int"),
        ("Escalations", escalated, "int"),
        ("Reopen rate", o and o.reopen_pct, "pct"),
        ("CSAT (share of 4 and 5 stars)", satisfaction.pct, "csat"),
        ("Open backlog now", open_total, "int"),
        ("Open and past resolution due time", open_breached, "int"),
    ]
    return Table("summary", "Key figures", [Column("label", "Figure", "text"), Column("value", "Value", "mixed")],
                 [{"label": label, "value": value, "kind": kind} for label, value, kind in rows
                  if percentiles or kind != "hours"])


def weekly_table(filters: ReportFilters) -> Table:
    """Per week (Monday, UTC): arrivals, resolutions and their attainment (CSAT by week is
    on the ratings pages, desk.services.rating_reports.by_week)."""
    # By day in SQL (on SQLite in the order of the rollup's day index, no sort), by week here:
    # at most 366 day rows, however many requests.
    weeks: dict = {}
    for x in outcomes(filters, [o.day], also=("received",)):
        day = _day(x.key[0])
        monday = day - timedelta(days=day.weekday())
        if monday in weeks:
            weeks[monday].add(x)
        else:
            weeks[monday] = x
    rows = []
    for day in sorted(d for d, x in weeks.items() if x.resolved or x.more["received"]):
        x = weeks[day]
        row = outcome_row(f"{day:%d %b %Y}", x if x.has_outcome else None)
        rows.append(row | {"week": day.isoformat(), "received": x.more["received"]})
    columns = [Column("label", "Week of", "text"), Column("received", "Received"),
               *[c for c in COUNT_COLUMNS if c.key != "csat"]]
    return Table("weekly", "Weekly trend", columns, rows)


def _outcome_table(name: str, title: str, label: str, rows: list[dict], columns=None) -> Table:
    return Table(name, title, [Column("label", label, "text"), *(columns or OUTCOME_COLUMNS)], rows)


def _rank(priority: str) -> int:
    order = ["urgent", "high", "normal", "low"]
    return order.index(priority) if priority in order else len(order)


def _day(value):
    from datetime import date

    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
