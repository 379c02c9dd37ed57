"""Facts kept for the reports: hand-offs between departments and sent digests.

A :class:`Handoff` row is written by :func:`desk.services.workflow.transfer`
in the same transaction as the TRANSFERRED event. The event is the timeline;
this row is the same fact in plain integer columns, numbered per request, so
the hand-off reports (flows, ping-pong A -> B -> A, time spent elsewhere after
a hand-off) are indexed joins instead of JSON lookups over millions of events.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desk.clock import utcnow
from desk.models.base import Base


class Handoff(Base):
    """One transfer of a request from one department to another."""

    __tablename__ = "handoffs"
    __table_args__ = (
        UniqueConstraint("request_id", "seq"),
        # Covering: flows and per-type counts over a period never touch the table.
        Index("ix_handoffs_at", "at", "from_department_id", "to_department_id", "from_type_id", "request_id"),
        Index("ix_handoffs_from", "from_department_id", "at", "to_department_id", "request_id"),
        Index("ix_handoffs_to", "to_department_id", "at", "from_department_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    seq: Mapped[int]  # 1 for the request's first transfer, 2 for the next...
    from_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    to_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    from_type_id: Mapped[int] = mapped_column(ForeignKey("request_types.id"))
    to_type_id: Mapped[int] = mapped_column(ForeignKey("request_types.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestDelivery(Base):
    """A weekly digest sent to a head: the unique row makes ``flask digest`` idempotent."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("user_id", "iso_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    iso_week: Mapped[str] = mapped_column(String(8))  # "2026-W05"
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
