"""A person's notifications: the bell's count, the inbox, marking read, e-mail choices.

Notifications are only shown for requests the person may still see (the
policy's list clause), so losing access to a request also hides what was
said about it, in the list and in the count alike.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from desk.clock import utcnow
from desk.extensions import db
from desk.models import Notification, NotificationKind, NotificationPreference, ServiceRequest, User
from desk.services import policy


def _visible(user: User):
    return (
        select(Notification)
        .join(ServiceRequest, ServiceRequest.id == Notification.request_id)
        .where(Notification.user_id == user.id, policy.visible_clause(user))
    )


def unread_count(user: User) -> int:
    query = _visible(user).where(Notification.read_at.is_(None)).with_only_columns(func.count(Notification.id))
    return db.session.scalar(query) or 0


def page(user: User, *, unread_only: bool = False, page: int = 1, per_page: int = 25):
    """The inbox, newest first, each row with its request loaded (no query per row)."""
    query = _visible(user)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    query = query.options(joinedload(Notification.request))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def mine_or_none(user: User, notification_id: int) -> Notification | None:
    return db.session.scalar(_visible(user).where(Notification.id == notification_id))


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def email_choices(user: User) -> dict[NotificationKind, bool]:
    """Every kind with whether it is e-mailed to this user (on unless turned off)."""
    off = set(db.session.scalars(
        select(NotificationPreference.kind)
        .where(NotificationPreference.user_id == user.id, NotificationPreference.email.is_(False))
    ))
    return {kind: kind not in off for kind in NotificationKind}


def set_email_choices(user: User, choices: dict[NotificationKind, bool]) -> None:
    existing = {
        p.kind: p for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    for kind, wanted in choices.items():
        preference = existing.get(kind)
        if preference is None:
            if not wanted:
                db.session.add(NotificationPreference(user_id=user.id, kind=kind, email=False))
        else:
            preference.email = wanted
    db.session.flush()
