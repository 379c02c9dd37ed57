"""Feedback both ways: notifications people receive, and the ratings requesters give.

A :class:`Notification` is one line in someone's in-app inbox about one
request; whether it is also e-mailed depends on the recipient's
:class:`NotificationPreference` for its kind (e-mail is on unless turned off).

A :class:`Rating` is the requester's verdict on a resolved request, one per
request (a UNIQUE constraint, so a double submit cannot make two). It copies
the provider, the agent and the resolution time from the request when it is
given: they never change once a request is resolved, and reports filter and
group on them without joining back.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.clock import utcnow
from desk.models.base import Base, enum_column
from desk.models.org import Department, User
from desk.models.requests import Event, ServiceRequest


class NotificationKind(StrEnum):
    """What a notification is about; each user turns e-mail off per kind."""

    NEW_REQUEST = "new_request"
    ASSIGNED = "assigned"
    REPLY = "reply"
    NOTE = "note"
    STATUS = "status"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    SLA_WARNING = "sla_warning"
    LOW_RATING = "low_rating"

    @property
    def label(self) -> str:
        return KIND_LABELS[self][0]

    @property
    def description(self) -> str:
        return KIND_LABELS[self][1]


KIND_LABELS = {
    NotificationKind.NEW_REQUEST: ("New requests", "A new or handed-over request waits unassigned in your department's queue."),
    NotificationKind.ASSIGNED: ("Assigned to you", "Someone assigned a request to you."),
    NotificationKind.REPLY: ("Replies", "A public reply on a request you filed, follow or work on."),
    NotificationKind.NOTE: ("Internal notes", "A colleague added an internal note to a request assigned to you."),
    NotificationKind.STATUS: ("Status changes", "A request you filed or follow changed status, was handed over or reopened."),
    NotificationKind.RESOLVED: ("Resolved, please rate", "Your request was resolved; the e-mail lets you rate it in one click."),
    NotificationKind.ESCALATED: ("Escalations", "A requester escalated a request of your department."),
    NotificationKind.SLA_WARNING: ("Service level warnings", "A request you work or head is at risk or breached."),
    NotificationKind.LOW_RATING: ("Poor ratings", "A requester rated your department's work 1 or 2 of 5."),
}


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # The bell counts unread rows per user; the inbox lists newest first.
        Index("ix_notifications_unread", "user_id", "read_at"),
        Index("ix_notifications_inbox", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    # Who did what, without user text ("Arjun Mehta replied"): the request
    # title is joined in when shown, so what a person sees follows the policy.
    summary: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    request: Mapped[ServiceRequest] = relationship()
    event: Mapped[Event | None] = relationship()

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(Base):
    """A user's choice for one kind; without a row, e-mail is on."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    email: Mapped[bool] = mapped_column(default=True)


SERVQUAL = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")


def _score_check(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IS NULL OR ({column} >= 1 AND {column} <= 5)", name=f"{column}_range")


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("score >= 1 AND score <= 5", name="score_range"),
        *(_score_check(d) for d in SERVQUAL),
        # CSAT by agent (desk.services.reports.csat) for a department: over a short period
        # from the period's range, over a long one in agent order.
        Index("ix_ratings_department", "department_id", "resolved_at", "agent_id", "score"),
        Index("ix_ratings_department_agent", "department_id", "agent_id", "resolved_at", "score"),
        Index("ix_ratings_agent", "agent_id", "resolved_at"),
        Index("ix_ratings_requester", "requester_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One rating per request, enforced by the database (a race cannot make two).
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))  # the provider rated
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who resolved it (the assignee)
    resolved_at: Mapped[datetime]
    score: Mapped[int]  # 1-5 overall
    reliability: Mapped[int | None]
    responsiveness: Mapped[int | None]
    assurance: Mapped[int | None]
    empathy: Mapped[int | None]
    tangibles: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[ServiceRequest] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    agent: Mapped[User | None] = relationship(foreign_keys=[agent_id])
    department: Mapped[Department] = relationship()

    def dimensions(self) -> dict[str, int | None]:
        return {d: getattr(self, d) for d in SERVQUAL}


class RatingInvitation(Base):
    """An e-mail that asked someone to rate: the once-a-day bound is read from here."""

    __tablename__ = "rating_invitations"
    __table_args__ = (Index("ix_rating_invitations_user", "user_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
