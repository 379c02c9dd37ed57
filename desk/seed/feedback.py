"""Demo feedback: requesters rate most resolved requests, agents score clarity,
and the inboxes hold a few days of unread notifications.

Each request draws from its own random generator (seeded by its key), so
adding ratings does not change any other random choice of the demo company.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import update

from desk.clock import travel
from desk.extensions import db
from desk.models import SERVQUAL, Notification, ServiceRequest
from desk.services import policy, ratings
from desk.services.mail import suppressed as quiet_mail  # noqa: F401 - the seeder's way to say it

RESPONSE_RATE = 0.8
# How each department tends to be rated, on top of a friendly 3.9 baseline.
DEPARTMENT_MOOD = {"IT": 0.3, "HR": 0.1, "FAC": 0.2, "FIN": -0.5, "LEG": -0.3, "MKT": 0.2}
COMMENTS = {
    5: ["Fast and friendly, thank you!", "Solved before I even finished my coffee.", "Excellent, kept me informed all along."],
    4: ["Good, took a little longer than I hoped.", "Worked fine in the end.", "Helpful, clear instructions."],
    3: ["OK, but I had to chase it twice.", "Fixed, though nobody told me it was done."],
    2: ["Took over a week and several reminders.", "The answer did not really address my question."],
    1: ["Nobody replied for days.", "Closed without fixing anything; I had to find a workaround myself."],
}


def _rng(req: ServiceRequest, purpose: str) -> random.Random:
    return random.Random(f"desk-demo-{purpose}-{req.key}")


def clarity_for(req: ServiceRequest) -> int | None:
    """The resolving agent's clarity score: given about two times in three, mostly 3-5."""
    rng = _rng(req, "clarity")
    if rng.random() > 0.65:
        return None
    return rng.choices([1, 2, 3, 4, 5], weights=[4, 10, 26, 36, 24])[0]


def requester_rates(req: ServiceRequest, resolved_at: datetime, now: datetime) -> bool:
    """Maybe rate ``req`` some hours after it was resolved; True if it was rated (and so closed)."""
    rng = _rng(req, "rating")
    if not policy.can_rate(req.requester, req) or rng.random() > RESPONSE_RATE:
        return False
    rated_at = resolved_at + timedelta(hours=rng.uniform(0.5, 24 * 6))
    if rated_at >= now:
        return False
    mood = 3.9 + DEPARTMENT_MOOD.get(req.department.code, 0) + _agent_mood(req) + rng.gauss(0, 1.0)
    score = min(5, max(1, round(mood)))
    dimensions = None
    if rng.random() < 0.5:
        dimensions = {d: min(5, max(1, score + rng.choice([-1, 0, 0, 0, 1]))) for d in SERVQUAL if rng.random() < 0.8}
    comment = rng.choice(COMMENTS[score]) if rng.random() < 0.45 else ""
    with travel(rated_at):
        ratings.give(req.requester, req, score=score, dimensions=dimensions, comment=comment)
    return True


def _agent_mood(req: ServiceRequest) -> float:
    """Some agents are rated better than others, so each month has a service star."""
    if req.assignee is None:
        return 0.0
    return random.Random(f"desk-demo-agent-{req.assignee.email}").uniform(-0.5, 0.5)


def settle_notifications(now: datetime) -> None:
    """The demo's history notified people all along; all but the last three days are read by now."""
    db.session.execute(
        update(Notification).where(Notification.created_at < now - timedelta(days=3)).values(read_at=now)
    )
