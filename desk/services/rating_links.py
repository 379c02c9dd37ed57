"""One-click rating links in e-mails, and the once-a-day bound on asking.

A link carries a token signed with the app's secret (itsdangerous, its own
salt) that names the request, the requester and the score clicked. It
expires after ``RATING_DAYS``. It holds no secret of its own: forging one
needs the key, and replaying one sets the same score again, which is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import exists, select

from desk.clock import utcnow
from desk.extensions import db
from desk.models import RatingInvitation, ServiceRequest, User

SALT = "desk.rating-link.v1"
STARS = (1, 2, 3, 4, 5)
STAR_LABELS = {1: "Very poor", 2: "Poor", 3: "OK", 4: "Good", 5: "Excellent"}


class BadRatingLink(Exception):
    """The link was altered, is not a rating link, or has expired (``expired``)."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class RatingClick:
    request_id: int
    user_id: int
    score: int


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def link_lifetime() -> timedelta:
    return timedelta(days=current_app.config["RATING_DAYS"])


def make_token(req: ServiceRequest, user: User, score: int) -> str:
    if score not in STARS:
        raise ValueError(f"a rating is 1 to 5, not {score!r}")
    return _serializer().dumps({"r": req.id, "u": user.id, "s": score})


def read_token(token: str) -> RatingClick:
    """The click a token stands for; :class:`BadRatingLink` if forged, malformed or too old."""
    try:
        data = _serializer().loads(token, max_age=int(link_lifetime().total_seconds()))
    except SignatureExpired:
        raise BadRatingLink("This rating link has expired.", expired=True) from None
    except BadSignature:
        raise BadRatingLink("This rating link is not valid. Was it copied completely?") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("r", "u", "s")):
        raise BadRatingLink("This rating link is not valid.")
    if data["s"] not in STARS:
        raise BadRatingLink("This rating link is not valid.")
    return RatingClick(request_id=data["r"], user_id=data["u"], score=data["s"])


def may_invite(user: User) -> bool:
    """Survey fatigue: at most one e-mail invitation per person per day (rolling 24 hours)."""
    since = utcnow() - timedelta(days=1)
    asked = db.session.scalar(
        select(exists().where(RatingInvitation.user_id == user.id, RatingInvitation.sent_at > since))
    )
    return not asked


def record_invitation(user: User, req: ServiceRequest) -> None:
    db.session.add(RatingInvitation(user_id=user.id, request_id=req.id, sent_at=utcnow()))
