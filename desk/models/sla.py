"""Service level agreements, their versions and sign-offs, SLA warnings, settings.

An :class:`Agreement` is a *scope* (provider, optionally a request type,
optionally a requesting department for that type). Its targets live in
:class:`AgreementVersion` rows: publishing new targets supersedes the version
in force and adds a new one, so a request keeps pointing at the version that
governed it when it was filed. Targets are business seconds of the
provider's calendar, stored as eight plain integer columns so reports can
read them without pivoting a child table.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.clock import utcnow
from desk.models.base import Base, enum_column
from desk.models.catalogue import Priority, RequestType
from desk.models.org import Department, User


class Agreement(Base):
    """The scope of a service level: most specific wins.

    (provider, type, requesting department) > (provider, type) > (provider).
    A requesting department is only allowed together with a request type.

    SQL treats NULLs as distinct in a UNIQUE constraint, so uniqueness of the
    scope is enforced on ``scope_key`` ("3", "3:17", "3:17:5"), which
    :func:`scope_key` derives from the three columns.
    """

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint(
            "requesting_department_id IS NULL OR request_type_id IS NOT NULL", name="dept_needs_type"
        ),
        Index("ix_agreements_provider", "provider_id", "request_type_id", "requesting_department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    request_type_id: Mapped[int | None] = mapped_column(ForeignKey("request_types.id"))
    requesting_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    scope_key: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[Department] = relationship(foreign_keys=[provider_id])
    request_type: Mapped[RequestType | None] = relationship()
    requesting_department: Mapped[Department | None] = relationship(foreign_keys=[requesting_department_id])
    versions: Mapped[list[AgreementVersion]] = relationship(
        back_populates="agreement", order_by="AgreementVersion.number", cascade="all, delete-orphan"
    )

    @property
    def specificity(self) -> int:
        """2: type + requesting department, 1: type, 0: whole department."""
        return (self.request_type_id is not None) + (self.requesting_department_id is not None)

    @property
    def current(self) -> AgreementVersion | None:
        """The version in force (not superseded), if any."""
        return next((v for v in reversed(self.versions) if v.superseded_at is None), None)


def scope_key(provider_id: int, request_type_id: int | None, requesting_department_id: int | None) -> str:
    parts = [provider_id, request_type_id, requesting_department_id]
    return ":".join(str(p) for p in parts if p is not None)


class AgreementVersion(Base):
    """One published set of targets (business seconds per priority)."""

    __tablename__ = "agreement_versions"
    __table_args__ = (
        UniqueConstraint("agreement_id", "number"),
        Index("ix_agreement_versions_in_force", "agreement_id", "superseded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    number: Mapped[int]  # 1, 2, ... per agreement
    response_low: Mapped[int]
    response_normal: Mapped[int]
    response_high: Mapped[int]
    response_urgent: Mapped[int]
    resolution_low: Mapped[int]
    resolution_normal: Mapped[int]
    resolution_high: Mapped[int]
    resolution_urgent: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    superseded_at: Mapped[datetime | None]  # None: in force

    agreement: Mapped[Agreement] = relationship(back_populates="versions")
    published_by: Mapped[User | None] = relationship()
    sign_offs: Mapped[list[SignOff]] = relationship(
        back_populates="version", order_by="SignOff.id", cascade="all, delete-orphan"
    )

    def response_seconds(self, priority: Priority | str) -> int:
        return getattr(self, f"response_{Priority(priority).value}")

    def resolution_seconds(self, priority: Priority | str) -> int:
        return getattr(self, f"resolution_{Priority(priority).value}")

    def targets(self) -> dict[Priority, tuple[int, int]]:
        """{priority: (response seconds, resolution seconds)}"""
        return {p: (self.response_seconds(p), self.resolution_seconds(p)) for p in Priority}

    @property
    def in_force(self) -> bool:
        return self.superseded_at is None


class Decision(StrEnum):
    AGREED = "agreed"
    DISPUTED = "disputed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class SignOff(Base):
    """A requesting department's decision on a version. History: the latest row counts."""

    __tablename__ = "sign_offs"
    __table_args__ = (Index("ix_sign_offs_version_dept", "version_id", "department_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("agreement_versions.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    decision: Mapped[Decision] = mapped_column(enum_column(Decision))
    comment: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[AgreementVersion] = relationship(back_populates="sign_offs")
    department: Mapped[Department] = relationship()
    user: Mapped[User | None] = relationship()


class WarningLevel(StrEnum):
    AT_RISK = "at_risk"
    BREACHED = "breached"


class ClockKind(StrEnum):
    RESPONSE = "response"
    RESOLUTION = "resolution"


class SlaWarning(Base):
    """One warning sent by the sweep; the unique row makes the sweep idempotent.

    ``department_id`` is the department that held the request when warned: a
    transfer starts a new clock, and the new department gets its own warnings.
    """

    __tablename__ = "sla_warnings"
    __table_args__ = (UniqueConstraint("request_id", "department_id", "kind", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    kind: Mapped[ClockKind] = mapped_column(enum_column(ClockKind))
    level: Mapped[WarningLevel] = mapped_column(enum_column(WarningLevel))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Setting(Base):
    """Small key-value facts about the running system (e.g. when the sweep last ran)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
