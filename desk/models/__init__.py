"""All models, importable from one place (``from desk.models import ServiceRequest``)."""

from desk.models.attachments import Attachment
from desk.models.base import Base
from desk.models.catalogue import Priority, RequestType
from desk.models.feedback import (
    SERVQUAL,
    Notification,
    NotificationKind,
    NotificationPreference,
    Rating,
    RatingInvitation,
)
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
from desk.models.reporting import (
    DepartmentOutcomeDay,
    DigestDelivery,
    Handoff,
    OutcomeDay,
    OutcomeMonth,
    handoff_facts,
)
from desk.models import search_ddl  # noqa: F401  (registers the full-text index DDL)
from desk.models.sla import (
    Agreement,
    AgreementVersion,
    ClockKind,
    Decision,
    Setting,
    SignOff,
    SlaWarning,
    WarningLevel,
)

__all__ = [
    "FINAL_STATUSES",
    "OPEN_STATUSES",
    "SERVQUAL",
    "Agreement",
    "Attachment",
    "AgreementVersion",
    "Base",
    "Calendar",
    "CalendarDay",
    "ClockKind",
    "Decision",
    "DigestDelivery",
    "Department",
    "Event",
    "EventKind",
    "Handoff",
    "handoff_facts",
    "Holding",
    "Notification",
    "DepartmentOutcomeDay",
    "OutcomeDay",
    "OutcomeMonth",
    "NotificationKind",
    "NotificationPreference",
    "Priority",
    "Rating",
    "RatingInvitation",
    "RequestType",
    "Role",
    "ServiceRequest",
    "Setting",
    "SignOff",
    "SlaWarning",
    "Status",
    "StatusSpan",
    "User",
    "WarningLevel",
    "Watcher",
]
