"""The service catalogue: what a department offers to the rest of the company."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.clock import utcnow
from desk.models.base import Base, enum_column
from desk.models.org import Department


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def rank(self) -> int:
        return list(Priority).index(self)


class RequestType(Base):
    """A catalogue entry. Archived rather than deleted: old requests still point at it."""

    __tablename__ = "request_types"
    __table_args__ = (UniqueConstraint("department_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    default_priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.NORMAL)
    # Confidential types (HR grievances, legal matters) are seen only by the
    # requester and the providing department: never by the requester's head or watchers.
    confidential: Mapped[bool] = mapped_column(default=False)
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship()

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def __str__(self) -> str:
        return self.name
