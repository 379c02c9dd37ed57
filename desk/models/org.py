"""The organisation: departments, their business calendars, and people."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import uuid4

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.clock import utcnow
from desk.models.base import Base, enum_column


class Role(StrEnum):
    """A person's role in their home department."""

    MEMBER = "member"
    AGENT = "agent"
    HEAD = "head"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Calendar(Base):
    """Working hours in one time zone; see :mod:`desk.business_time`."""

    __tablename__ = "calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    tz: Mapped[str] = mapped_column(String(64))
    # {"0": [["09:00", "12:00"], ["13:00", "18:00"]], ...}; weekday 0 is Monday.
    weekly: Mapped[dict] = mapped_column(JSON)
    # A fresh random token on every change to the calendar or its days
    # (desk.services.calendars.touch): cached BusinessCalendar objects are keyed
    # by (id, revision), so a stale one is never used, in any process.
    revision: Mapped[str] = mapped_column(String(32), default=lambda: uuid4().hex)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    days: Mapped[list[CalendarDay]] = relationship(
        back_populates="calendar", cascade="all, delete-orphan", order_by="CalendarDay.day"
    )


class CalendarDay(Base):
    """A date that overrides the weekly hours: [] is a holiday, hours make a working day."""

    __tablename__ = "calendar_days"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    day: Mapped[date]
    intervals: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(120), default="")
    calendar: Mapped[Calendar] = relationship(back_populates="days")


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    takes_requests: Mapped[bool] = mapped_column(default=True)
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendars.id"))
    # The last request number handed out; keys are CODE-number (IT-1042).
    request_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    calendar: Mapped[Calendar | None] = relationship()
    members: Mapped[list[User]] = relationship(back_populates="department", order_by="User.name")

    def __str__(self) -> str:
        return self.name


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    # Home department and role there (the membership). None: not in any department.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.MEMBER)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")  # dates are shown in it
    is_hr: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session's user id: changing it ends every session of this user
    # (logout, deactivation, password change) although sessions are signed cookies.
    session_token: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department | None] = relationship(back_populates="members")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def works_in(self, department_id: int | None) -> bool:
        """Agent or head of that department (a plain member only files requests)."""
        return (
            self.active
            and department_id is not None
            and self.department_id == department_id
            and self.role in (Role.AGENT, Role.HEAD)
        )

    def heads(self, department_id: int | None) -> bool:
        return self.active and self.department_id == department_id and self.role == Role.HEAD

    def __str__(self) -> str:
        return self.name
