"""Files attached to a request or to one of its events (a reply, a note)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.clock import utcnow
from desk.models.base import Base
from desk.models.org import User
from desk.models.requests import Event, ServiceRequest


class Attachment(Base):
    """An uploaded file. The bytes live in ``UPLOAD_FOLDER`` under ``stored_name``
    (random, never derived from the user's file name); ``content_type`` is what
    the content was detected as, not what the browser claimed."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_request", "request_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    # The event it came with: the filing, a reply, or an internal note (then only the provider sees it).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[ServiceRequest] = relationship()
    event: Mapped[Event | None] = relationship()
    uploader: Mapped[User | None] = relationship()
