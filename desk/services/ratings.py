"""Ratings: the requester's verdict on a resolved request.

Rating is optional and open for ``RATING_DAYS`` after the resolution; the
requester may change it within that window. The first rating closes a
resolved request (through :func:`desk.services.workflow.rate`). Nobody rates
their own department's work. Who may see a rating is
:func:`desk.services.policy.can_see_rating`; the aggregates live in
:mod:`desk.services.rating_reports`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from desk.clock import utcnow
from desk.extensions import db
from desk.models import SERVQUAL, Rating, ServiceRequest, Status, User
from desk.services import notify, policy, workflow
from desk.services.rating_links import RatingClick
from desk.services.workflow import WorkflowError

COMMENT_MAX = 2_000
LOW = 2  # a rating of this or less tells the provider's head


def window_end(req: ServiceRequest) -> datetime | None:
    if req.resolved_at is None:
        return None
    return req.resolved_at + timedelta(days=current_app.config["RATING_DAYS"])


def open_for_rating(req: ServiceRequest) -> bool:
    """Resolved (or closed after resolving) and within the rating window."""
    end = window_end(req)
    return end is not None and req.status in (Status.RESOLVED, Status.CLOSED) and utcnow() <= end


def may_rate(user: User, req: ServiceRequest) -> bool:
    return policy.can_rate(user, req) and open_for_rating(req)


def rating_of(req: ServiceRequest) -> Rating | None:
    return db.session.scalar(select(Rating).where(Rating.request_id == req.id))


def give(requester: User, req: ServiceRequest, *, score: int, dimensions: dict[str, int | None] | None = None,
         comment: str | None = None) -> Rating:
    """Rate ``req`` (or change the rating). ``dimensions``/``comment`` of None keep what was given before."""
    if not policy.can_rate(requester, req):
        if policy.rates_own_department(requester, req):
            raise WorkflowError("Nobody rates their own department's work.")
        raise WorkflowError("Only the person who filed the request can rate it.")
    if not open_for_rating(req):
        if req.status not in (Status.RESOLVED, Status.CLOSED) or req.resolved_at is None:
            raise WorkflowError(f"{req.key} is {req.status.label.lower()}; only a resolved request can be rated.")
        days = current_app.config["RATING_DAYS"]
        raise WorkflowError(f"Rating {req.key} closed {days} days after it was resolved.")
    if score not in range(1, 6):
        raise WorkflowError("Choose 1 to 5 stars.")
    values = {"score": score}
    if dimensions is not None:
        values |= {d: _score_or_none(dimensions.get(d)) for d in SERVQUAL}
    if comment is not None:
        values["comment"] = comment.strip()[:COMMENT_MAX]

    rating = rating_of(req)
    previous = rating.score if rating is not None else None
    if rating is None:
        rating = _insert(requester, req, values)
        if rating is None:  # someone (a second tab, a replayed link) inserted it first
            rating = rating_of(req)
            previous = rating.score
    if previous is not None:
        if all(getattr(rating, k) == v for k, v in values.items()):
            return rating  # a replayed link or an unchanged form: nothing happened
        for key, value in values.items():
            setattr(rating, key, value)
        rating.updated_at = utcnow()
    db.session.flush()
    workflow.rate(requester, req, changed=previous is not None)
    if rating.score <= LOW and (previous is None or previous > LOW):
        notify.low_rating(req, rating)
    return rating


def _insert(requester: User, req: ServiceRequest, values: dict) -> Rating | None:
    now = utcnow()
    rating = Rating(request_id=req.id, requester_id=requester.id, department_id=req.department_id,
                    agent_id=req.assignee_id, resolved_at=req.resolved_at, created_at=now, updated_at=now,
                    **values)
    try:
        with db.session.begin_nested():  # a savepoint: the UNIQUE request_id refuses a second rating
            db.session.add(rating)
    except IntegrityError:
        return None
    return rating


def _score_or_none(value) -> int | None:
    return value if isinstance(value, int) and 1 <= value <= 5 else None


def give_from_link(click: RatingClick) -> tuple[ServiceRequest, Rating]:
    """The star clicked in an e-mail: the token names the request, the requester and the score."""
    req, user = link_target(click)
    return req, give(user, req, score=click.score)


def link_target(click: RatingClick) -> tuple[ServiceRequest, User]:
    """The request and requester a link names, or a WorkflowError the page can show."""
    req = db.session.get(ServiceRequest, click.request_id)
    user = db.session.get(User, click.user_id)
    if req is None or user is None or not user.active or req.requester_id != user.id:
        raise WorkflowError("This rating link is not valid any more.")
    return req, user


# --- lists ---------------------------------------------------------------

def _to_rate_query(user: User):
    r = ServiceRequest
    since = utcnow() - timedelta(days=current_app.config["RATING_DAYS"])
    rated = select(Rating.request_id).where(Rating.requester_id == user.id)
    return select(r).where(
        r.requester_id == user.id,
        r.status.in_([Status.RESOLVED, Status.CLOSED]),
        r.resolved_at >= since,
        r.id.not_in(rated),
        r.department_id != (user.department_id or 0),
        or_(r.requesting_department_id.is_(None), r.requesting_department_id != r.department_id),
    )


def to_rate(user: User, *, page: int = 1, per_page: int = 25):
    """The requester's resolved requests still waiting for a rating, newest first."""
    query = _to_rate_query(user).options(joinedload(ServiceRequest.department), joinedload(ServiceRequest.assignee))
    query = query.order_by(ServiceRequest.resolved_at.desc(), ServiceRequest.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def to_rate_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(_to_rate_query(user).subquery()))


def visible_ratings(user: User, *, department_id: int | None = None, start: datetime | None = None,
                    end: datetime | None = None, exclude_own: bool = False, page: int = 1, per_page: int = 25):
    """Individual ratings this user may see (policy.rating_visible_clause), newest resolution first."""
    query = select(Rating).where(policy.rating_visible_clause(user))
    if department_id is not None:
        query = query.where(Rating.department_id == department_id)
    if start is not None:
        query = query.where(Rating.resolved_at >= start)
    if end is not None:
        query = query.where(Rating.resolved_at < end)
    if exclude_own:
        query = query.where(Rating.requester_id != user.id)
    query = query.options(
        joinedload(Rating.request), joinedload(Rating.agent), joinedload(Rating.requester),
        joinedload(Rating.department),
    ).order_by(Rating.resolved_at.desc(), Rating.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def panel(user: User, req: ServiceRequest) -> dict:
    """What the rating panel on the request page shows this user (nothing they may not see)."""
    rating = rating_of(req) if req.resolved_at is not None else None
    return {
        "rating": rating if rating is not None and policy.can_see_rating(user, rating) else None,
        "can_rate": may_rate(user, req),
        "own_department": policy.is_requester(user, req) and policy.rates_own_department(user, req),
        "window_end": window_end(req),
        "can_reopen": policy.is_requester(user, req) and req.status == Status.RESOLVED
        and utcnow() <= workflow.reopen_deadline(req),
    }

