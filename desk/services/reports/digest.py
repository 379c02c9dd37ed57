"""The weekly digest: each head's last full ISO week, by e-mail, with a link to the live report.

Idempotent per week: a :class:`DigestDelivery` row (unique per head and ISO
week) is written in the same transaction that queues the mail, and the mail
leaves only after the commit (:mod:`desk.services.mail`). Running the command
twice, or from two machines, sends each head one digest per week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import click
from flask import render_template
from flask.cli import with_appcontext
from sqlalchemy import select

from desk.clock import utcnow
from desk.extensions import db
from desk.models import DigestDelivery, Role, User
from desk.services import mail
from desk.services.reports import bottlenecks
from desk.services.reports.filters import ReportFilters
from desk.services.reports.outcomes import Csat, Outcome, outcomes, sums


@dataclass
class Digest:
    head: User
    week: str
    filters: ReportFilters
    outcome: Outcome | None
    escalations: int
    satisfaction: Csat
    worst: bottlenecks.Cell | None
    worst_label: str
    link: str


def previous_week(today: date) -> tuple[date, date, str]:
    """Monday and Sunday of the last full ISO week before ``today``, and its label ("2026-W05")."""
    monday = today - timedelta(days=today.weekday() + 7)
    year, week, _ = monday.isocalendar()
    return monday, monday + timedelta(days=6), f"{year}-W{week:02d}"


def week_digest(head: User, monday: date, sunday: date, label: str) -> Digest:
    filters = ReportFilters(start=monday, end=sunday, preset="custom", department_id=head.department_id)
    matrix = bottlenecks.bottleneck_matrix(filters)
    worst = next((c for c in matrix.worst if c.providing_id == head.department_id), None) or (
        matrix.worst[0] if matrix.worst else None)
    worst_label = (f"{matrix.names[worst.requesting_id].name} → {matrix.names[worst.providing_id].name}"
                   if worst and worst.requesting_id in matrix.names else "")
    outcome = (outcomes(filters, []) or [None])[0]
    return Digest(head, label, filters, outcome, sums(filters, ["escalated"]).get((), {}).get("escalated", 0),
                  outcome.satisfaction if outcome else Csat(), worst, worst_label,
                  mail.link("reports.review", **filters.as_args()))


def send_digests(today: date) -> list[Digest]:
    """Queue the digest of last week for every active head who has not had it; returns them."""
    monday, sunday, label = previous_week(today)
    sent = set(db.session.scalars(select(DigestDelivery.user_id).where(DigestDelivery.iso_week == label)))
    heads = db.session.scalars(
        select(User).where(User.role == Role.HEAD, User.active.is_(True), User.department_id.is_not(None))
        .order_by(User.id))
    digests = []
    for head in heads:
        if head.id in sent:
            continue
        digest = week_digest(head, monday, sunday, label)
        context = {"d": digest, "department": head.department}
        mail.send_later(head.email, f"desk: {head.department.name}, week {label}",
                        render_template("reports/digest.txt", **context),
                        render_template("reports/digest.html", **context), to_name=head.name)
        db.session.add(DigestDelivery(user_id=head.id, iso_week=label, sent_at=utcnow()))
        digests.append(digest)
    db.session.flush()
    return digests


@click.command("digest")
@with_appcontext
def digest_command() -> None:
    """E-mail each head their last full week (idempotent: once per head and week)."""
    digests = send_digests(utcnow().date())
    db.session.commit()
    for d in digests:
        click.echo(f"{d.head.email}: {d.week}")
    click.echo(f"Sent {len(digests)} digest(s).")
