"""The schema comes only from migrations: they must build it from empty, match
the models exactly, and come down again, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from desk import create_app
from desk.extensions import db
from tests.conftest import TEST_CONFIG


@pytest.fixture
def empty_database_url(tmp_path, worker_id):
    base = os.environ.get("DESK_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    prefix = os.environ.get("DESK_TEST_DB_PREFIX", "desk_test")
    name = re.sub(r"\W", "_", f"{prefix}_migrations_{worker_id}")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_build_the_models_schema_and_come_down_again(empty_database_url):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": _not_search_index}
            )
            assert compare_metadata(context, db.metadata) == []
            assert "requests" in inspect(conn).get_table_names()
        _full_text_search_works()
        _search_index_rebuilt_for_existing_requests()
        _rollup_backfill_matches_the_live_definition()
        _handoff_facts_backfill_matches_the_live_definition()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


SEARCH_OBJECTS = ("requests_fts", "requests_open_fts", "ix_requests_search", "ix_requests_open_search",
                  "search_vector")


def _not_search_index(obj, name, type_, reflected, compare_to):
    return not (name or "").startswith(SEARCH_OBJECTS)  # as migrations/env.py


def _full_text_search_works():
    """The hand-written search migration is live: a filed request is found by a word of its body."""
    from desk.models import Department, RequestType, Role, Status, User
    from desk.services import queries, workflow
    from desk.services.queries import QueueFilters

    with create_app_context_request():
        it = Department(code="IT", name="IT")
        agent = User(email="a@example.test", name="A", password_hash="x", session_token="t",
                     department=it, role=Role.AGENT)
        kind = RequestType(department=it, name="Laptop")
        db.session.add_all([it, agent, kind])
        db.session.flush()
        req = workflow.file_request(agent, kind, title="Screen", body="The hinge squeaks loudly")
        db.session.commit()

        def found(status: str) -> list[str]:
            return [r.title for r in queries.queue(agent, it, QueueFilters(status=status, q="hinge")).items]

        assert found("all") == found("open") == ["Screen"]
        workflow.take(agent, req)
        workflow.change_status(agent, req, Status.RESOLVED)
        db.session.commit()
        assert (found("all"), found("open")) == (["Screen"], [])  # the index of open requests let it go
        db.session.remove()


def _search_index_rebuilt_for_existing_requests():
    """9d3e5b7a1c24 rebuilds the index of all requests (with departments / a stored vector) from the
    requests already there: the resolved request filed above is found again after the round trip."""
    from desk.models import Department, User
    from desk.services import queries
    from desk.services.queries import QueueFilters

    downgrade(revision="7c1f4a9e2b60")
    upgrade()
    with create_app_context_request():
        agent = db.session.scalar(db.select(User).filter_by(email="a@example.test"))
        it = db.session.scalar(db.select(Department).filter_by(code="IT"))
        assert [r.title for r in queries.queue(agent, it, QueueFilters(status="all", q="squeaks")).items] == ["Screen"]
        db.session.remove()


def _rollup_backfill_matches_the_live_definition():
    """The rollup migrations fill the tables from existing requests as the live code would."""
    from desk.models import DepartmentOutcomeDay, OutcomeDay, OutcomeMonth
    from desk.services.reports.rollup import (
        DEPARTMENT_KEYS,
        KEYS,
        MEASURES,
        MONTH_KEYS,
        contributions,
        department_days_from_days,
        months_from_days,
    )

    def rows(query, keys=len(KEYS)):  # rows the hooks brought back to all zeros are as good as none
        return sorted(tuple(str(v) for v in row) for row in db.session.execute(query)
                      if any(str(v) != "0" for v in row[keys:]))

    def monthly():
        return rows(select(*[getattr(OutcomeMonth, c) for c in (*MONTH_KEYS, *MEASURES)]))

    def per_department_day():
        d = DepartmentOutcomeDay
        return rows(select(*[getattr(d, c) for c in (*DEPARTMENT_KEYS, *MEASURES)]), keys=2)

    _hand_off_and_resolve()

    kept = rows(select(*[getattr(OutcomeDay, c) for c in (*KEYS, *MEASURES)]))
    assert kept and kept == rows(contributions())  # the hooks kept it while the requests changed
    elsewhere = MEASURES.index("elsewhere_seconds") + len(KEYS)
    assert any(row[elsewhere] != "0" for row in kept)
    months, department_days = monthly(), per_department_day()
    assert months and months == rows(months_from_days())
    assert department_days and department_days == rows(department_days_from_days(), keys=2)
    db.session.remove()  # let the migrations have the database
    downgrade(revision="f75e0c1d2b3a")  # the revision before the rollup: the tables go
    upgrade()  # and come back, filled by the migrations' own SQL
    assert rows(select(*[getattr(OutcomeDay, c) for c in (*KEYS, *MEASURES)])) == kept
    assert (monthly(), per_department_day()) == (months, department_days)
    db.session.remove()


def _handoff_facts_backfill_matches_the_live_definition():
    """The hand-off facts migration computes, for hand-offs already there, what the workflow
    records when it writes one (desk.models.handoff_facts): sent back, previous hand-off on the
    pair and of the type, departments held."""
    from datetime import UTC, datetime

    from desk.clock import travel
    from desk.models import Department, Handoff, RequestType, Role, User
    from desk.services import workflow

    facts = select(Handoff.request_id, Handoff.seq, Handoff.sent_back, Handoff.previous_pair_at,
                   Handoff.previous_type_at, Handoff.departments_after).order_by(Handoff.request_id, Handoff.seq)
    with create_app_context_request():
        leg = Department(code="LEG", name="Legal")
        leg_type = RequestType(department=leg, name="Contract")
        db.session.add_all([leg, leg_type])
        agent = {u.department_id: u for u in db.session.scalars(select(User).where(User.role == Role.AGENT))}
        laptop, repair = (db.session.scalar(select(RequestType).join(Department).where(Department.code == code))
                          for code in ("IT", "FAC"))
        with travel(datetime(2026, 3, 9, 10, tzinfo=UTC)):
            req = workflow.file_request(agent[laptop.department_id], laptop, title="Chair", body="Squeaks")
        for day, kind in ((9, repair), (10, laptop), (11, repair), (12, leg_type)):  # ping-pong, then a third
            with travel(datetime(2026, 3, day, 11, tzinfo=UTC)):
                workflow.transfer(agent[req.department_id], req, kind, reason="not ours")
        db.session.commit()
        rows = db.session.execute(facts).all()
        chair = [row for row in rows if row.request_id == req.id]
        # The history gives every fact something to be wrong about.
        assert [row.sent_back for row in chair] == [False, True, True, False]
        assert [row.departments_after for row in chair] == [2, 2, 2, 3]
        assert chair[2].previous_pair_at is not None and chair[3].previous_type_at is not None
        kept = [tuple(row) for row in rows]
        db.session.remove()
    downgrade(revision="18473c7a4893")  # before the facts were kept
    upgrade()  # the migration works them out from the hand-offs
    with create_app_context_request():
        assert [tuple(row) for row in db.session.execute(facts)] == kept
        db.session.remove()


def _hand_off_and_resolve():
    """A request that IT works on, hands to FAC, and FAC resolves, across days: every rollup measure
    (the business time at FAC after IT's hand-off included) gets something to count."""
    from datetime import UTC, datetime

    from desk.clock import travel
    from desk.models import Department, RequestType, Role, Status, User
    from desk.services import workflow

    with create_app_context_request():
        it = db.session.scalar(select(Department).filter_by(code="IT"))
        agent = db.session.scalar(select(User).filter_by(department_id=it.id))
        fac = Department(code="FAC", name="Facilities")
        fac_agent = User(email="f@example.test", name="F", password_hash="x", session_token="u",
                         department=fac, role=Role.AGENT)
        repair = RequestType(department=fac, name="Repair")
        db.session.add_all([fac, fac_agent, repair])
        laptop = db.session.scalar(select(RequestType).filter_by(department_id=it.id))
        steps = [
            (1, lambda: workflow.file_request(agent, laptop, title="Desk", body="Wobbles")),
            (2, lambda: workflow.take(agent, req())),
            (3, lambda: workflow.transfer(agent, req(), repair, reason="A desk")),
            (4, lambda: workflow.take(fac_agent, req())),
            (6, lambda: workflow.change_status(fac_agent, req(), Status.RESOLVED)),
        ]
        made = []

        def req():
            return made[0]

        for day, step in steps:
            with travel(datetime(2026, 3, day, 10, tzinfo=UTC)):
                result = step()
                if not made:
                    made.append(result)
                db.session.commit()
        db.session.remove()


def create_app_context_request():
    from flask import current_app

    return current_app.test_request_context()
