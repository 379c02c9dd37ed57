"""``seed-volume``: deterministic, and every stored figure agrees with the calendars and the rules."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, text

from desk.extensions import db
from desk.models import Department, Handoff, Holding, OutcomeDay, Rating, ServiceRequest, Status, StatusSpan
from desk.seed.volume import seed_volume
from desk.services.calendars import department_calendar

UNTIL = date(2026, 3, 1)
r = ServiceRequest


def fingerprint() -> list[tuple]:
    return list(db.session.execute(
        select(r.key, r.created_at, r.status, Department.code, r.resolution_business_seconds, r.transfer_count)
        .join(Department, Department.id == r.department_id).order_by(r.key)))  # ids differ between runs on PG


def count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def empty_tables() -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def test_history_is_consistent(app, ctx):
    seed_volume(400, 7, until=UNTIL)
    assert db.session.scalar(select(func.count()).select_from(r)) == 400
    # The bulk inserts went around the rollup's hooks; the seed rebuilt it from the requests.
    filed, received = db.session.execute(select(func.sum(OutcomeDay.filed), func.sum(OutcomeDay.received))).one()
    arrivals = count(select(StatusSpan.id).where(StatusSpan.status == Status.NEW))
    assert (filed, received) == (400, arrivals)
    assert db.session.scalar(select(func.max(r.created_at))).date() < UNTIL
    # Stored outcomes follow the targets.
    assert count(select(r.id).where(r.resolution_met.is_not(None),
                                    r.resolution_met != (r.resolution_business_seconds <= r.resolution_target_seconds))) == 0
    assert count(select(r.id).where(r.response_met.is_not(None),
                                    r.response_met != (r.response_business_seconds <= r.response_target_seconds))) == 0
    assert count(select(r.id).where(r.status.in_([Status.RESOLVED, Status.CLOSED]), r.resolved_at.is_(None))) == 0
    # Every transfer has its hand-off row, every held department its holding.
    assert db.session.scalar(select(func.sum(r.transfer_count))) == count(select(Handoff.id))
    assert count(select(Holding.id)) == count(select(StatusSpan.request_id, StatusSpan.department_id).distinct())
    assert count(select(Rating.id).join(r, r.id == Rating.request_id).where(r.resolved_at.is_(None))) == 0
    # Open requests have exactly one open span; closed spans carry the calendar's business seconds.
    assert count(select(StatusSpan.id).where(StatusSpan.ended_at.is_(None))) == count(
        select(r.id).where(r.status.in_([Status.NEW, Status.IN_PROGRESS, Status.WAITING])))
    calendars = {d.id: department_calendar(d) for d in db.session.scalars(select(Department))}
    spans = db.session.scalars(select(StatusSpan).where(StatusSpan.ended_at.is_not(None)).limit(200))
    for span in spans:
        assert span.business_seconds == calendars[span.department_id].seconds_between(span.started_at, span.ended_at)
    # The full-text index is rebuilt after the load.
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(text("SELECT count(*) FROM requests_fts WHERE requests_fts MATCH 'volume'")) == 0
        assert db.session.scalar(text("SELECT count(*) FROM requests_fts")) == 400
        assert db.session.scalar(text("SELECT count(*) FROM requests_open_fts")) == count(
            select(r.id).where(r.status.in_([Status.NEW, Status.IN_PROGRESS, Status.WAITING])))


def test_same_seed_same_history(app, ctx):
    seed_volume(150, 3, until=UNTIL)
    first = fingerprint()
    empty_tables()
    seed_volume(150, 3, until=UNTIL)
    assert fingerprint() == first
    empty_tables()
    seed_volume(150, 4, until=UNTIL)
    assert fingerprint() != first


def test_command_fills_an_empty_database_only(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-volume", "--requests", "120", "--seed", "2", "--until", "2026-03-01"])
    assert first.exit_code == 0, first.output
    assert "Seeded 120 requests" in first.output
    again = runner.invoke(args=["seed-volume", "--requests", "120"])
    assert again.exit_code != 0 and "already has requests" in again.output
