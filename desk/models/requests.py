"""Requests, their append-only history, watchers and status spans."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.clock import utcnow
from desk.models.base import Base, enum_column
from desk.models.catalogue import Priority, RequestType
from desk.models.org import Department, User

if TYPE_CHECKING:
    from desk.models.sla import AgreementVersion


class Status(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting_on_requester"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({Status.NEW, Status.IN_PROGRESS, Status.WAITING})
FINAL_STATUSES = frozenset({Status.CLOSED, Status.REJECTED, Status.CANCELLED})
# After the department (and a grouping column): the value, the period, then the report filters.
SECONDS_TAIL = ("resolution_business_seconds", "resolved_at", "type_id", "priority")


class ServiceRequest(Base):
    """A request from one department's employee to another department.

    ``version`` is SQLAlchemy's optimistic lock: an UPDATE that finds another
    version than it read fails, so two agents can never both win a race.
    """

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("requester_id", "submission_key"),
        Index("ix_requests_queue", "department_id", "status", "created_at"),
        Index("ix_requests_requester", "requester_id", "updated_at"),
        Index("ix_requests_assignee", "assignee_id", "status"),
        Index("ix_requests_sla", "department_id", "resolution_met"),
        Index("ix_requests_pair", "requesting_department_id", "department_id"),
        Index("ix_requests_due", "department_id", "status", "resolution_due_at"),
        # Reports (desk.services.reports): covering indexes, so an aggregate over a
        # period reads index entries only. Outcomes by the resolving department:
        Index("ix_requests_report_resolved", "department_id", "resolved_at", "type_id", "priority",
              "requesting_department_id", "response_met", "resolution_met", "resolution_business_seconds",
              "reopen_count", "escalated_at", "assignee_id", "agreement_version_id", "created_at"),
        # Volume by the filing department, and the bottleneck matrix's pairs:
        Index("ix_requests_report_filed", "requesting_department_id", "created_at", "department_id", "type_id",
              "priority"),
        Index("ix_requests_report_escalated", "department_id", "escalated_at"),
        # The bottleneck matrix of one department as the requester: its row, resolved in a period.
        Index("ix_requests_report_requesting", "requesting_department_id", "resolved_at", "department_id",
              "response_met", "resolution_met", "resolution_business_seconds", "reopen_count", "escalated_at"),
        # Medians and 90th percentiles over a long period (desk.services.reports.percentiles): the
        # department's resolutions in value order, overall and within each grouping the reports
        # rank by, so a percentile is read off at its position instead of sorted for.
        Index("ix_requests_seconds", "department_id", *SECONDS_TAIL),
        Index("ix_requests_seconds_type", "department_id", "type_id", "resolution_business_seconds", "resolved_at",
              "priority"),
        Index("ix_requests_seconds_version", "department_id", "agreement_version_id", *SECONDS_TAIL),
        Index("ix_requests_seconds_requester", "department_id", "requesting_department_id", *SECONDS_TAIL),
        # By agent it also carries the outcome columns: the agent table's GROUP BY reads it too.
        Index("ix_requests_seconds_agent", "department_id", "assignee_id", *SECONDS_TAIL,
              "response_met", "resolution_met", "reopen_count", "escalated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(20), unique=True)  # IT-1042, fixed at filing
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requesting_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))  # the provider holding it now
    type_id: Mapped[int] = mapped_column(ForeignKey("request_types.id"), index=True)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority))
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.NEW)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confidential: Mapped[bool] = mapped_column(default=False)
    # A random token from the new-request form: a double submit files one request.
    submission_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)  # last activity
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    transfer_count: Mapped[int] = mapped_column(default=0)
    reopen_count: Mapped[int] = mapped_column(default=0)
    # The agent's 1-5 answer to "how clear was the request?", given when resolving.
    clarity_score: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)

    # The SLA clock at the department holding the request (desk.services.sla).
    # All *_seconds are business seconds of that department's calendar; they
    # restart on transfer. No agreement: targets and due dates stay None.
    agreement_version_id: Mapped[int | None] = mapped_column(ForeignKey("agreement_versions.id"), index=True)
    response_target_seconds: Mapped[int | None]
    resolution_target_seconds: Mapped[int | None]
    clock_started_at: Mapped[datetime | None]  # filing, or the last transfer
    response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]  # moves by the paused business time
    # When 75 % of the target is used: "at risk" filters and the sweep compare plain columns.
    response_risk_at: Mapped[datetime | None]
    resolution_risk_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    response_business_seconds: Mapped[int | None]
    resolution_business_seconds: Mapped[int | None]  # at this department, pauses excluded
    paused_at: Mapped[datetime | None]  # the resolution clock is paused since
    paused_business_seconds: Mapped[int] = mapped_column(default=0)  # closed pauses, this department
    response_met: Mapped[bool | None]  # stored when the clock stops, for reports
    resolution_met: Mapped[bool | None]
    escalated_at: Mapped[datetime | None]
    # A linked request: "IT-7 waits on FIN-12" means FIN-12.parent_id == IT-7.id.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    department: Mapped[Department] = relationship(foreign_keys=[department_id])
    requesting_department: Mapped[Department | None] = relationship(foreign_keys=[requesting_department_id])
    type: Mapped[RequestType] = relationship()
    events: Mapped[list[Event]] = relationship(
        back_populates="request", order_by="Event.id", cascade="all, delete-orphan"
    )
    watchers: Mapped[list[Watcher]] = relationship(cascade="all, delete-orphan")
    holdings: Mapped[list[Holding]] = relationship(cascade="all, delete-orphan")
    parent: Mapped[ServiceRequest | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    agreement_version: Mapped[AgreementVersion | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __str__(self) -> str:
        return f"{self.key} {self.title}"


class EventKind(StrEnum):
    CREATED = "created"
    REPLIED = "replied"
    NOTED = "noted"
    ASSIGNED = "assigned"
    STATUS_CHANGED = "status_changed"
    TRANSFERRED = "transferred"
    PRIORITY_CHANGED = "priority_changed"
    WATCHER_ADDED = "watcher_added"
    REOPENED = "reopened"
    RATED = "rated"
    ESCALATED = "escalated"
    LINK_OPENED = "link_opened"  # on the parent: a linked request was opened to another department
    LINK_CLOSED = "link_closed"  # on the parent: the linked request ended, its clock resumes
    SLA_WARNING = "sla_warning"  # the sweep found the request at risk or breached
    DEADLINES_CHANGED = "deadlines_changed"  # a calendar or agreement change moved the due dates


class Event(Base):
    """One thing that happened to a request. Rows are only ever inserted."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    body: Mapped[str] = mapped_column(Text, default="")  # reply or note text, or a reason
    internal: Mapped[bool] = mapped_column(default=False)  # notes: never shown to the requester
    # Structured details: {"from": "new", "to": "in_progress"}, {"from_department": 3, ...}
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[ServiceRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Watcher(Base):
    __tablename__ = "watchers"
    __table_args__ = (UniqueConstraint("request_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    user: Mapped[User] = relationship()


class Holding(Base):
    """A department that holds or held a request: its agents keep seeing it after a transfer."""

    __tablename__ = "request_holdings"
    __table_args__ = (
        UniqueConstraint("request_id", "department_id"),
        Index("ix_holdings_department", "department_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))


class StatusSpan(Base):
    """A stretch of time a request spent in one status at one department.

    ``business_seconds`` is computed with the department's calendar when the
    span closes, so reports sum a column instead of replaying calendars.
    """

    __tablename__ = "status_spans"
    __table_args__ = (
        # Covering for the reports: arrivals ("new" spans) and waiting time by status over a period.
        Index("ix_spans_department", "department_id", "status", "started_at", "business_seconds", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[Status] = mapped_column(enum_column(Status))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    business_seconds: Mapped[int | None]

    request: Mapped[ServiceRequest] = relationship()
