"""Who hears about what: in-app notifications and the e-mails that go with them.

The workflow calls :func:`event_recorded` for every event it appends. From the
event's kind this module picks the audience:

- a new request, or one handed over to a department: that department's
  agents and heads (it waits unassigned in their queue);
- a public reply: the requester, the watchers and the assignee;
- an internal note: the assignee;
- an assignment: the new assignee;
- a status change, a hand-over, a reopening: the requester and the watchers
  (a resolution tells the requester with an invitation to rate), and the
  assignee when the requester is the one who acted;
- an escalation: the providing department's heads; a service level warning:
  the assignee and the heads; a poor rating (:func:`low_rating`): the heads.

Never the person who acted, never anyone the policy does not let see the
request, and internal notes only to the providing side. Each notification is
a row in the recipient's inbox; it is also e-mailed unless the recipient
turned e-mail off for its kind. E-mails are queued (:mod:`desk.services.mail`)
and leave only after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from flask import render_template
from sqlalchemy import select

from desk.clock import utcnow
from desk.extensions import db
from desk.models import (
    Event,
    EventKind,
    Notification,
    NotificationKind,
    NotificationPreference,
    Rating,
    Role,
    ServiceRequest,
    Status,
    User,
)
from desk.services import mail, policy, rating_links

K = NotificationKind
DETAIL_MAX = 2_000  # user text quoted in an e-mail


def event_recorded(req: ServiceRequest | Event, event: Event | None = None) -> list[Notification]:
    """Tell the people who should hear about ``event`` (once per event, however often called)."""
    if event is None:  # called as event_recorded(event)
        event, req = req, req.request
    if getattr(event, "_desk_notified", False):
        return []
    event._desk_notified = True
    # Reading the audience must not flush the half-built change the workflow is making.
    with db.session.no_autoflush:
        audience = _audience(req, event)
        if not audience:
            return []
        return _deliver(req, audience, summary=_summary(req, event), event=event, actor=event.actor,
                        detail=_detail(event))


def tell(users: Iterable[User], req: ServiceRequest, kind: NotificationKind, summary: str, *,
         event: Event | None = None, actor: User | None = None, detail: str = "") -> list[Notification]:
    """Notify ``users`` about ``req`` (other services: SLA sweep, digests). Same filters as events."""
    with db.session.no_autoflush:
        return _deliver(req, [(u, kind) for u in users], summary=summary, event=event, actor=actor, detail=detail)


def low_rating(req: ServiceRequest, rating: Rating) -> list[Notification]:
    """A rating of 1 or 2: the providing department's heads hear it, with the comment."""
    heads = [h for h in _staff(rating.department_id, heads_only=True) if policy.can_see_rating(h, rating)]
    summary = f"{rating.requester.name} rated it {rating.score} of 5"
    return tell(heads, req, K.LOW_RATING, summary, actor=rating.requester, detail=rating.comment)


# --- the audience of each kind of event ----------------------------------

def _audience(req: ServiceRequest, event: Event) -> list[tuple[User, NotificationKind]]:
    kind = event.kind
    followers = [req.requester, *(w.user for w in req.watchers)]
    # Relationships, not *_id columns: the event (and a new request) may not be flushed yet.
    by_requester = event.actor is not None and event.actor is req.requester
    assignee = [req.assignee] if req.assignee is not None else []
    provider = req.department.id  # the department holding it now (department_id may not be flushed yet)
    if kind == EventKind.CREATED:
        return [(u, K.NEW_REQUEST) for u in _staff(provider)]
    if kind == EventKind.TRANSFERRED:
        return [(u, K.NEW_REQUEST) for u in _staff(provider)] + [(u, K.STATUS) for u in followers]
    if kind == EventKind.REPLIED:
        return [(u, K.REPLY) for u in followers + assignee]
    if kind == EventKind.NOTED:
        return [(u, K.NOTE) for u in assignee]
    if kind == EventKind.ASSIGNED:
        return [(u, K.ASSIGNED) for u in assignee]
    if kind in (EventKind.STATUS_CHANGED, EventKind.REOPENED):
        resolved = event.data.get("to") == Status.RESOLVED.value
        pairs = [(req.requester, K.RESOLVED if resolved else K.STATUS)]
        pairs += [(w.user, K.STATUS) for w in req.watchers]
        if by_requester:
            pairs += [(u, K.STATUS) for u in assignee or _staff(provider)]
        return pairs
    if kind == EventKind.ESCALATED:
        return [(u, K.ESCALATED) for u in _staff(provider, heads_only=True)]
    if kind == EventKind.SLA_WARNING:
        return [(u, K.SLA_WARNING) for u in assignee + _staff(provider, heads_only=True)]
    if kind == EventKind.LINK_CLOSED:
        return [(u, K.STATUS) for u in assignee or _staff(provider)]
    return []  # priority, watchers, ratings (see low_rating), deadlines: the timeline is enough


def _staff(department_id: int | None, *, heads_only: bool = False) -> list[User]:
    if department_id is None:
        return []
    roles = [Role.HEAD] if heads_only else [Role.AGENT, Role.HEAD]
    return list(db.session.scalars(
        select(User).where(User.department_id == department_id, User.role.in_(roles), User.active.is_(True))
        .order_by(User.id)
    ))


def _summary(req: ServiceRequest, event: Event) -> str:
    who = event.actor.name if event.actor else "desk"
    data = event.data or {}
    to = data.get("to")
    texts = {
        EventKind.CREATED: f"{who} filed a new request",
        EventKind.REPLIED: f"{who} replied",
        EventKind.NOTED: f"{who} added an internal note",
        EventKind.ASSIGNED: f"{who} assigned it to {data.get('to') or 'nobody'}",
        EventKind.REOPENED: f"{who} reopened it",
        EventKind.TRANSFERRED: f"{who} handed it over from {data.get('from')} to {data.get('to')}",
        EventKind.ESCALATED: f"{who} escalated it",
        EventKind.SLA_WARNING: " ".join(
            ["Service level warning:", str(data.get("clock", "")), str(data.get("level", "at risk"))]
        ).replace("_", " ").replace("  ", " "),
        EventKind.LINK_CLOSED: f"The linked request {data.get('key', '')} ended".replace("  ", " "),
    }
    if event.kind == EventKind.STATUS_CHANGED:
        label = Status(to).label.lower() if to in {s.value for s in Status} else str(to)
        text = f"{who} changed the status to {label}"
    else:
        text = texts.get(event.kind, event.kind.value.replace("_", " "))
    return text[:200]


def _detail(event: Event) -> str:
    body = (event.body or "").strip()
    return body[:DETAIL_MAX] + ("…" if len(body) > DETAIL_MAX else "")


# --- delivery ------------------------------------------------------------

def _deliver(req: ServiceRequest, audience: list[tuple[User, NotificationKind]], *, summary: str,
             event: Event | None, actor: User | None, detail: str) -> list[Notification]:
    chosen: dict[int, tuple[User, NotificationKind]] = {}
    for user, kind in audience:
        if user is None or user.id in chosen or (actor is not None and user.id == actor.id):
            continue
        if not policy.can_view(user, req):
            continue  # confidential, or no longer in the department
        if event is not None and event.internal and not policy.can_see_internal_notes(user, req):
            continue
        chosen[user.id] = (user, kind)
    if not chosen:
        return []
    muted = _email_off(chosen)
    now = utcnow()
    notifications = []
    for user, kind in chosen.values():
        notification = Notification(user=user, request=req, event=event, kind=kind, summary=summary, created_at=now)
        db.session.add(notification)
        notifications.append(notification)
        if (user.id, kind) not in muted and user.email:
            _queue_mail(user, req, kind, summary, detail)
    return notifications


def _email_off(chosen: dict[int, tuple[User, NotificationKind]]) -> set[tuple[int, NotificationKind]]:
    rows = db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind)
        .where(NotificationPreference.user_id.in_(chosen), NotificationPreference.email.is_(False))
    )
    return {(user_id, NotificationKind(kind)) for user_id, kind in rows}


def _queue_mail(user: User, req: ServiceRequest, kind: NotificationKind, summary: str, detail: str) -> None:
    if mail.is_suppressed():
        return
    stars = None
    rate_until = None
    if kind == K.RESOLVED and policy.can_rate(user, req) and rating_links.may_invite(user):
        stars = [(s, rating_links.STAR_LABELS[s], mail.link("ratings.link", token=rating_links.make_token(req, user, s)))
                 for s in rating_links.STARS]
        rating_links.record_invitation(user, req)
        deadline = (req.resolved_at or utcnow()) + rating_links.link_lifetime()
        rate_until = deadline.astimezone(_zone(user)).strftime("%d %b %Y")
    context = {
        "user": user,
        "req": req,
        "kind": kind,
        "summary": summary,
        "detail": detail,
        "request_url": mail.link("requests.show", key=req.key),
        "settings_url": mail.link("notifications.settings"),
        "stars": stars,
        "rate_until": rate_until,
    }
    title = req.title if len(req.title) <= 80 else req.title[:79] + "…"
    mail.send_later(
        user.email,
        f"[{req.key}] {summary}: {title}",
        render_template("mail/notification.txt", **context),
        render_template("mail/notification.html", **context),
        to_name=user.name,
    )


def _zone(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")
