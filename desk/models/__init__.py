"""All models, importable from one place (``from desk.models import ServiceRequest``)."""

from desk.models.base import Base
from desk.models.catalogue import Priority, RequestType
from desk.models.org import Calendar, CalendarDay, Department, Role, User
from desk.models.requests import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Event,
    EventKind,
    Holding,
    ServiceRequest,
    Status,
    StatusSpan,
    Watcher,
)

__all__ = [
    "FINAL_STATUSES",
    "OPEN_STATUSES",
    "Base",
    "Calendar",
    "CalendarDay",
    "Department",
    "Event",
    "EventKind",
    "Holding",
    "Priority",
    "RequestType",
    "Role",
    "ServiceRequest",
    "Status",
    "StatusSpan",
    "User",
    "Watcher",
]
