"""Requests, their append-only history, watchers and status spans."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.clock import utcnow
from desk.models.base import Base, enum_column
from desk.models.catalogue import Priority, RequestType
from desk.models.org import Department, User


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
    version: Mapped[int] = mapped_column(default=1)

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
    __table_args__ = (Index("ix_spans_department", "department_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[Status] = mapped_column(enum_column(Status))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    business_seconds: Mapped[int | None]

    request: Mapped[ServiceRequest] = relationship()
