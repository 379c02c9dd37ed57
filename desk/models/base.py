"""Declarative base and the column types every model shares."""

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, registry

# Stable constraint names, so migrations can drop and alter them on SQLite too.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stores UTC without a zone (SQLite has none) and hands back aware datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use desk.clock.utcnow() or an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


class StrEnumText(TypeDecorator):
    """A StrEnum stored as its plain string value, handed back as the enum member
    (a bare String column would return ``str`` and ``status.label`` would fail)."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int | None = None):
        super().__init__(length or max(len(m.value) for m in enum) + 8)
        self.enum = enum

    def process_bind_param(self, value, dialect):
        return None if value is None else self.enum(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum(value)


def enum_column(enum: type[StrEnum]) -> StrEnumText:
    """Enums are stored as their string values: readable in SQL, easy to extend."""
    return StrEnumText(enum)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING),
        type_annotation_map={datetime: UTCDateTime()},
    )
