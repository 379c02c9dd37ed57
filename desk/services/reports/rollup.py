"""The outcome rollup (:class:`desk.models.OutcomeDay` and its sums by month,
:class:`desk.models.OutcomeMonth`, and by department and day,
:class:`desk.models.DepartmentOutcomeDay`), kept in step with the requests.

One SQL definition, :func:`contributions`, says what requests add to the
rollup: a "filed" count on the day each was filed, a "received" count at each
department on each day it arrived there (its "new" status spans), the business
time of each stage (unassigned, in progress, waiting) on the day it began, the
business time it then spent at other departments on the day a department first
handed it away (for that department), its outcome on the day it was resolved,
an escalation on the day it was escalated, and its rating on the day the rated
resolution happened. It is used three ways, so the three can never disagree:

* :func:`rebuild` fills the tables from every request (the seed, ``flask
  rebuild-rollup``; the migrations that made the tables hold frozen copies);
* on every flush that changes requests or ratings, the session hooks below
  read what those requests contributed *before* the flush (the database still
  holds the old rows) and *after* it (same transaction, new rows), and add the
  difference to the daily rows and to their sums with upserts. Whoever
  changes a request (the workflow, the SLA sweep, a recompute after a calendar
  change, a rating) updates the rollup in the same transaction without knowing
  about it;
* tests compare the kept tables with a fresh :func:`contributions` of
  everything after a random history (``tests/test_rollup.py``).

Core bulk writes bypass the hooks: the volume seed calls :func:`rebuild` after.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, delete, event, func, literal, or_, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desk.extensions import db
from desk.models import (
    DepartmentOutcomeDay,
    Handoff,
    OutcomeDay,
    OutcomeMonth,
    Rating,
    ServiceRequest,
    Status,
    StatusSpan,
)
from desk.services.reports.sql import month_start, utc_day

KEYS = ("department_id", "day", "requesting_department_id", "type_id", "priority", "agreement_version_id")
MONTH_KEYS = tuple("month" if name == "day" else name for name in KEYS)
DEPARTMENT_KEYS = ("department_id", "day")
MEASURES = ("filed", "received", "unassigned_seconds", "in_progress_seconds", "waiting_seconds", "elsewhere_seconds",
            "resolved", "response_met", "response_total", "resolution_met", "resolution_total", "reopened",
            "escalated_resolved", "escalated", "ratings", "satisfied")
STAGES = {"unassigned": Status.NEW, "in_progress": Status.IN_PROGRESS, "waiting": Status.WAITING}
PENDING = "desk.rollup.before"  # session.info key: contributions read before the flush


def _flag(condition):
    return case((condition, 1), else_=0)


def _fact(day, department, request_ids, where, **measures):
    """One kind of fact per request: its key columns, then every measure (0 unless given)."""
    r = ServiceRequest
    columns = [
        department.label("department_id"),
        utc_day(day).label("day"),
        func.coalesce(r.requesting_department_id, 0).label("requesting_department_id"),
        r.type_id.label("type_id"),
        r.priority.label("priority"),
        func.coalesce(r.agreement_version_id, 0).label("agreement_version_id"),
        *[(measures.get(name, literal(0))).label(name) for name in MEASURES],
    ]
    query = select(*columns).where(*where)
    if request_ids is not None:
        query = query.where(r.id.in_(request_ids))
    return query


def contributions(request_ids=None):
    """SELECT of the rollup rows that the given requests (all, for None) make up, summed by key."""
    r, g, s = ServiceRequest, Rating, StatusSpan
    e = _elsewhere(request_ids)
    one = literal(1)
    facts = union_all(
        _fact(r.created_at, r.department_id, request_ids, [], filed=one),
        _fact(s.started_at, s.department_id, request_ids,
              [s.request_id == r.id, s.status.in_([Status.NEW, Status.IN_PROGRESS, Status.WAITING]),
               or_(s.status == Status.NEW, s.business_seconds > 0)],  # an open (or instant) stage adds nothing
              received=_flag(s.status == Status.NEW), **{
                  f"{stage}_seconds": case((s.status == status, func.coalesce(s.business_seconds, 0)), else_=0)
                  for stage, status in STAGES.items()}),
        # Every resolution has its business time (the clock starts at filing); saying so here makes
        # "resolved" exactly the count that the percentiles' rank walk positions itself by.
        _fact(r.resolved_at, r.department_id, request_ids,
              [r.resolved_at.is_not(None), r.resolution_business_seconds.is_not(None)],
              resolved=one, response_met=_flag(r.response_met.is_(True)),
              response_total=_flag(r.response_met.is_not(None)), resolution_met=_flag(r.resolution_met.is_(True)),
              resolution_total=_flag(r.resolution_met.is_not(None)), reopened=_flag(r.reopen_count > 0),
              escalated_resolved=_flag(r.escalated_at.is_not(None))),
        _fact(r.escalated_at, r.department_id, request_ids, [r.escalated_at.is_not(None)], escalated=one),
        _fact(g.resolved_at, g.department_id, request_ids, [g.request_id == r.id],
              ratings=one, satisfied=_flag(g.score >= 4)),
        _fact(e.c.at, e.c.department_id, request_ids, [e.c.request_id == r.id], elsewhere_seconds=e.c.seconds),
    ).subquery("facts")
    keys = [facts.c[name] for name in KEYS]
    return select(*keys, *[func.sum(facts.c[name]).label(name) for name in MEASURES]).group_by(*keys)


def _elsewhere(request_ids):
    """Per request and department that handed it away: that department's first hand-off of it,
    and the business seconds the request then spent at other departments (its closed spans
    there that began at or after that hand-off)."""
    h, s = Handoff, StatusSpan
    first = select(h.request_id, h.from_department_id.label("department_id"), func.min(h.at).label("at"))
    if request_ids is not None:
        first = first.where(h.request_id.in_(request_ids))
    first = first.group_by(h.request_id, h.from_department_id).subquery("first_handoff")
    return (
        select(first.c.request_id, first.c.department_id, first.c.at, func.sum(s.business_seconds).label("seconds"))
        .join(s, and_(s.request_id == first.c.request_id, s.started_at >= first.c.at,
                      s.department_id != first.c.department_id, s.business_seconds > 0))
        .group_by(first.c.request_id, first.c.department_id, first.c.at)
        .subquery("elsewhere")
    )


def rebuild(session: Session | None = None) -> int:
    """Empty the rollup and fill it again from every request; returns the number of daily rows."""
    session = session or db.session
    for model in (*(level.model for level in SUMS), OutcomeDay):
        session.execute(delete(model))
    session.execute(OutcomeDay.__table__.insert().from_select([*KEYS, *MEASURES], contributions()))
    for level in SUMS:
        session.execute(level.model.__table__.insert().from_select([*level.keys, *MEASURES], level.from_days()))
    return session.scalar(select(func.count()).select_from(OutcomeDay)) or 0


def months_from_days():
    """SELECT of the monthly rows: the daily rows summed by calendar month."""
    o = OutcomeDay
    return _sum_days([month_start(o.day).label("month") if name == "day" else getattr(o, name) for name in KEYS])


def department_days_from_days():
    """SELECT of the department-day rows: the daily rows summed over every key but those two."""
    return _sum_days([getattr(OutcomeDay, name) for name in DEPARTMENT_KEYS])


def _sum_days(keys: list):
    o = OutcomeDay
    return select(*keys, *[func.sum(getattr(o, name)).label(name) for name in MEASURES]).group_by(*keys)


@dataclass(frozen=True)
class Level:
    """A coarser table of the rollup: the daily rows summed by other keys."""

    model: type
    keys: tuple[str, ...]
    key_of: Callable[[tuple], tuple]  # a daily row's key -> this table's key
    from_days: Callable[[], Select]  # the SELECT that fills this table from the daily rows


_DAY, _DEPARTMENT = KEYS.index("day"), KEYS.index("department_id")
SUMS = (
    Level(OutcomeMonth, MONTH_KEYS, lambda key: (*key[:_DAY], key[_DAY].replace(day=1), *key[_DAY + 1:]),
          months_from_days),
    Level(DepartmentOutcomeDay, DEPARTMENT_KEYS, lambda key: (key[_DEPARTMENT], key[_DAY]),
          department_days_from_days),
)


# --- kept in step, flush by flush -------------------------------------------------


def _read(session: Session, request_ids: set[int]) -> Counter:
    """{(key..., measure): value} that these requests contribute, as the database holds them now."""
    found: Counter = Counter()
    if not request_ids:
        return found
    for row in session.execute(contributions(sorted(request_ids))):
        key = tuple(row[: len(KEYS)])
        for name, value in zip(MEASURES, row[len(KEYS):]):
            if value:
                found[(*key, name)] += int(value)
    return found


def _touched(session: Session) -> tuple[set[int], list[ServiceRequest]]:
    """Ids of the requests this flush changes (or whose rating or spans it changes), and new requests."""
    ids: set[int] = set()
    new: list[ServiceRequest] = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ServiceRequest):
            if obj.id is None:
                new.append(obj)
            elif obj in session.new or obj in session.deleted or session.is_modified(obj):
                ids.add(obj.id)
        elif isinstance(obj, (Rating, StatusSpan)):
            request_id = obj.request_id if obj.request_id is not None else getattr(obj.request, "id", None)
            if request_id is not None:
                ids.add(request_id)
            elif obj.request is not None:
                new.append(obj.request)
    return ids, new


def _before_flush(session: Session, flush_context, instances) -> None:
    session.info.pop(PENDING, None)  # left by a flush that failed (its transaction rolls back)
    ids, new = _touched(session)
    if ids or new:
        session.info[PENDING] = (ids, new, _read(session, ids))


def _after_flush(session: Session, flush_context) -> None:
    pending = session.info.pop(PENDING, None)
    if pending is None:
        return
    ids, new, before = pending
    ids = ids | {req.id for req in new if req.id is not None}
    after = _read(session, ids)
    after.subtract(before)
    _add(session, {k: v for k, v in after.items() if v})


def _add(session: Session, delta: dict[tuple, int]) -> None:
    """Upsert the differences into the daily rows and each coarser level, each measure changed in
    place. One table after the other, each in key order, so that two transactions touching the
    same rows lock them in the same order (PostgreSQL would otherwise pick a deadlock victim)."""
    _upsert(session, OutcomeDay, KEYS, _rows(KEYS, delta, lambda key: key))
    for level in SUMS:
        _upsert(session, level.model, level.keys, _rows(level.keys, delta, level.key_of))


def _rows(names: tuple[str, ...], delta: dict[tuple, int], key_of) -> dict[tuple, dict]:
    """{key: row to upsert} of the differences, keyed by ``key_of`` of each daily key."""
    rows: dict[tuple, dict] = {}
    for (*day_key, name), value in delta.items():
        key = key_of(tuple(day_key))
        row = rows.setdefault(key, {**dict(zip(names, key)), **dict.fromkeys(MEASURES, 0)})
        row[name] += value
    return rows


def _upsert(session: Session, model, keys: tuple[str, ...], rows: dict[tuple, dict]) -> None:
    if not rows:
        return
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(model)
    upsert = insert.on_conflict_do_update(
        index_elements=list(keys),  # the table's unique key
        set_={name: getattr(model, name) + getattr(insert.excluded, name) for name in MEASURES},
    )
    session.execute(upsert, [rows[key] for key in sorted(rows)])


def install() -> None:
    """Keep the rollup in step on every session of the app (idempotent)."""
    target = db.session
    if not event.contains(target, "before_flush", _before_flush):
        event.listen(target, "before_flush", _before_flush)
        event.listen(target, "after_flush", _after_flush)

