"""Facts kept for the reports: hand-offs, the outcome rollup (by day, month and department-day), sent digests.

A :class:`Handoff` row is written by :func:`desk.services.workflow.transfer`
in the same transaction as the TRANSFERRED event. The event is the timeline;
this row is the same fact in plain integer columns, numbered per request, so
the hand-off reports (flows, ping-pong A -> B -> A, time spent elsewhere after
a hand-off) are indexed joins instead of JSON lookups over millions of events.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from desk.clock import utcnow
from desk.models.base import Base


class Handoff(Base):
    """One transfer of a request from one department to another.

    Besides the transfer itself, the row keeps facts about the request's earlier hand-offs,
    fixed when it is written (they never change: later hand-offs only add rows). They let the
    reports count *requests* with plain sums over the period's rows, rather than with
    COUNT(DISTINCT) or by joining each hand-off to the ones before it.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        UniqueConstraint("request_id", "seq"),
        Index("ix_handoffs_at", "at", "from_department_id", "to_department_id", "from_type_id", "request_id"),
        Index("ix_handoffs_from", "from_department_id", "at", "to_department_id", "request_id"),
        Index("ix_handoffs_to", "to_department_id", "at", "from_department_id", "request_id"),
        # Covering, for flows and per-type counts: read one pair (one type) at a time, a period's
        # range each, so the rows come out grouped and nothing is sorted.
        Index("ix_handoffs_pair", "from_department_id", "to_department_id", "at", "previous_pair_at", "request_id"),
        Index("ix_handoffs_type", "from_type_id", "at", "previous_type_at", "from_department_id", "to_department_id",
              "request_id"),
        # Partial indexes hold only the few rows ping-pong and "three or more departments" read.
        # Each condition is written as its dialect renders the query's WHERE (``sent_back`` is
        # ``sent_back = 1`` on SQLite), which is what lets the planner prove the index applies.
        Index("ix_handoffs_sent_back", "at", "to_department_id", "from_department_id", "from_type_id",
              "to_type_id", "request_id", sqlite_where=text("sent_back = 1"), postgresql_where=text("sent_back")),
        Index("ix_handoffs_touched", "at", "to_department_id", "from_department_id", "from_type_id",
              "to_type_id", "request_id", "departments_after", postgresql_where=text("departments_after >= 3"),
              sqlite_where=text("departments_after >= 3")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    seq: Mapped[int]  # 1 for the request's first transfer, 2 for the next...
    from_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    to_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    from_type_id: Mapped[int] = mapped_column(ForeignKey("request_types.id"))
    to_type_id: Mapped[int] = mapped_column(ForeignKey("request_types.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # Straight back to the department that handed it over: the return leg of A -> B -> A.
    sent_back: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the request was last handed between the same two departments, in the same direction
    # (None: never before). A period's hand-offs on a pair, less those whose previous one on the
    # pair is in the period too, is the number of requests handed that way in the period.
    previous_pair_at: Mapped[datetime | None]
    # The same for the request type it had when handed off.
    previous_type_at: Mapped[datetime | None]
    # How many departments have held the request, this hand-off's receiver included.
    departments_after: Mapped[int] = mapped_column(default=2, server_default="2")


class EarlierHandoff(Protocol):
    """What :func:`handoff_facts` reads of an earlier hand-off: a :class:`Handoff` or a seeder's tuple."""

    from_department_id: int
    to_department_id: int
    from_type_id: int
    at: datetime


def handoff_facts(earlier: Sequence[EarlierHandoff], held: Collection[int], from_department_id: int,
                  to_department_id: int, from_type_id: int) -> dict:
    """What a new hand-off records about the request's ``earlier`` ones (oldest first) and the
    departments that ``held`` it before: the workflow and the volume seeder both build
    :class:`Handoff` rows with it."""
    same_pair = [e.at for e in earlier
                 if (e.from_department_id, e.to_department_id) == (from_department_id, to_department_id)]
    return {
        "sent_back": bool(earlier) and earlier[-1].from_department_id == to_department_id,
        "previous_pair_at": max(same_pair, default=None),
        "previous_type_at": max((e.at for e in earlier if e.from_type_id == from_type_id), default=None),
        "departments_after": len({*held, to_department_id}),
    }


class DigestDelivery(Base):
    """A weekly digest sent to a head: the unique row makes ``flask digest`` idempotent."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("user_id", "iso_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    iso_week: Mapped[str] = mapped_column(String(8))  # "2026-W05"
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


def _rollup_keys(table: str, period: str) -> tuple:
    """A rollup table's unique key (the upserts' conflict target) and its two reading indexes."""
    return (
        UniqueConstraint("department_id", period, "requesting_department_id", "type_id", "priority",
                         "agreement_version_id", name=f"uq_{table}_key"),
        Index(f"ix_{table}_{period}", period),
        Index(f"ix_{table}_requesting", "requesting_department_id", period),
    )


class OutcomeMeasures:
    """The measures of the outcome rollup, shared by its three tables."""

    department_id: Mapped[int]  # the provider (of the rating, for rating counts)
    filed: Mapped[int] = mapped_column(default=0)
    received: Mapped[int] = mapped_column(default=0)  # arrivals: filed to it or handed to it
    # Business seconds of the closed status spans that started that day, by stage.
    unassigned_seconds: Mapped[int] = mapped_column(default=0)
    in_progress_seconds: Mapped[int] = mapped_column(default=0)
    waiting_seconds: Mapped[int] = mapped_column(default=0)
    # Business seconds at other departments after the department's first hand-off of a request,
    # on the day of that hand-off, for the department that handed it away.
    elsewhere_seconds: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    response_met: Mapped[int] = mapped_column(default=0)
    response_total: Mapped[int] = mapped_column(default=0)
    resolution_met: Mapped[int] = mapped_column(default=0)
    resolution_total: Mapped[int] = mapped_column(default=0)
    reopened: Mapped[int] = mapped_column(default=0)  # of those resolved that day
    escalated_resolved: Mapped[int] = mapped_column(default=0)  # of those resolved that day
    escalated: Mapped[int] = mapped_column(default=0)  # escalations that happened that day
    ratings: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)  # ratings of 4 or 5


class OutcomeCounts(OutcomeMeasures):
    """The measures with every key column but the period: :class:`OutcomeDay` and
    :class:`OutcomeMonth` are the same rows, summed by day or by calendar month."""

    requesting_department_id: Mapped[int]  # 0: none
    type_id: Mapped[int]
    priority: Mapped[str] = mapped_column(String(16))
    agreement_version_id: Mapped[int]  # 0: none


class OutcomeDay(OutcomeCounts, Base):
    """How many requests were filed, resolved (and how well), escalated and rated, per UTC day
    and per (provider, requesting department, type, priority, agreement version).

    The reports read these few hundred rows a day instead of a million requests. The rows are
    kept by :mod:`desk.services.reports.rollup` in the same transaction as the change to a
    request or a rating, and can be rebuilt from them at any time, so they are never stale.
    A request counts on the day it was filed (``created_at``), each day it arrived at a
    department (its "new" status spans: filing and every hand-off) or began a stage there
    (the business time of its closed status spans), the day it was resolved
    (with its outcome), escalated (``escalated_at``) and rated (its rating's ``resolved_at``,
    for its rating's provider). Keys that may be absent are stored as 0, so that the unique
    key works the same on both databases (NULLs never collide).
    """

    __tablename__ = "outcome_days"
    __table_args__ = _rollup_keys("outcome_days", "day")

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]


class OutcomeMonth(OutcomeCounts, Base):
    """The same rollup summed by UTC calendar month (``month`` is its first day).

    A year is about 37,000 of these rows instead of 280,000 daily ones: a long
    period reads its whole months here and only the days at its two ends from
    :class:`OutcomeDay` (:func:`desk.services.reports.outcomes.sums`). Kept in
    the same transaction as the daily rows, by the same upserts.
    """

    __tablename__ = "outcome_months"
    __table_args__ = _rollup_keys("outcome_months", "month")

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]


class DepartmentOutcomeDay(OutcomeMeasures, Base):
    """The daily rollup summed per providing department and day, over every other key.

    About 2,200 rows a year instead of 310,000: what the reports group only by
    department and day (the weekly trend, the health scorecards, the stages of
    "where requests wait") reads these when no type or priority is chosen.
    Kept in the same transaction as the daily rows, by the same upserts.
    """

    __tablename__ = "outcome_department_days"
    __table_args__ = (UniqueConstraint("department_id", "day", name="uq_outcome_department_days_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
