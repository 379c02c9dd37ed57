"""Concurrency and data safety, with real connections (threads, separate sessions)
on whichever database the suite runs on (SQLite by default, PostgreSQL with
DESK_TEST_DATABASE_URL).

On SQLite a writing request starts with BEGIN IMMEDIATE (desk/database.py), so
the second agent's request waits for the first to commit and then finds the
request taken; on PostgreSQL both read at once and the loser's UPDATE ... WHERE
version = n finds nothing (SQLAlchemy's StaleDataError). Either way one wins
and the other is told who did.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from desk import create_app
from desk.extensions import db
from desk.models import Department, Event, EventKind, ServiceRequest, Status
from desk.services import workflow
from tests.conftest import TEST_CONFIG
from tests.hardening_world import built_world, log_in


@pytest.fixture
def world(app):
    return built_world(app)


def state(app, request_id: int):
    """The request and its events as a fresh connection sees them."""
    with app.app_context():
        req = db.session.get(ServiceRequest, request_id)
        events = [e.kind for e in db.session.scalars(select(Event).where(Event.request_id == request_id).order_by(Event.id))]
        result = (req.status, req.assignee.name if req.assignee else None, req.version, events)
        db.session.remove()
        return result


def at_once(*calls):
    """Run the calls in threads released together; return their results in order."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        start.wait(timeout=10)
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def both_read_first(monkeypatch):
    """Hold each take until both requests have read the request (or 1.5 s passed:
    on SQLite the second request cannot read before the first commits)."""
    gate = threading.Barrier(2)
    original = workflow.take

    def take(agent, req, *, version=None):
        try:
            gate.wait(timeout=1.5)
        except threading.BrokenBarrierError:
            pass
        return original(agent, req, version=version)

    monkeypatch.setattr(workflow, "take", take)


def test_two_agents_take_the_same_request_at_once(app, world, both_read_first):
    key = world.request_key
    with app.app_context():
        version = db.session.scalar(select(ServiceRequest.version).where(ServiceRequest.key == key))
    agent = log_in(app.test_client(), world.emails["agent"])
    head = log_in(app.test_client(), world.emails["head"])

    def take(client):
        return lambda: client.post(f"/requests/{key}/take", data={"version": version}, headers={"HX-Request": "true"})

    responses = at_once(take(agent), take(head))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], [r.status_code for r in responses]
    winner = "Ivan Agent" if responses[0].status_code == 200 else "Hilda Head"
    loser_text = next(r for r in responses if r.status_code == 409).get_data(as_text=True)
    assert (f"{winner} has already taken {key}" in loser_text
            or f"was changed by someone else just now ({winner} has it now)" in loser_text
            or "changed since you opened it" in loser_text), loser_text
    assert "Nothing was saved" in loser_text or "has already taken" in loser_text
    status, assignee, _, events = state(app, world.request_id)
    assert (status, assignee) == (Status.IN_PROGRESS, winner)
    assert events.count(EventKind.ASSIGNED) == 1


def test_the_second_of_two_edits_is_told_it_is_stale(app, world):
    key = world.request_key
    agent = log_in(app.test_client(), world.emails["agent"])
    head = log_in(app.test_client(), world.emails["head"])
    with app.app_context():
        seen = db.session.scalar(select(ServiceRequest.version).where(ServiceRequest.key == key))
    first = agent.post(f"/requests/{key}/priority", data={"version": seen, "priority": "high"})
    assert first.status_code == 303
    second = head.post(f"/requests/{key}/status", data={"version": seen, "status": "resolved", "reason": ""})
    assert second.status_code == 409
    assert f"{key} changed since you opened it" in second.get_data(as_text=True)
    status, _, version, events = state(app, world.request_id)
    assert status == Status.NEW and version > seen
    assert EventKind.PRIORITY_CHANGED in events and EventKind.STATUS_CHANGED not in events


def test_two_concurrent_edits_with_the_same_version(app, world):
    key = world.request_key
    agent = log_in(app.test_client(), world.emails["agent"])
    head = log_in(app.test_client(), world.emails["head"])
    with app.app_context():
        seen = db.session.scalar(select(ServiceRequest.version).where(ServiceRequest.key == key))
    responses = at_once(
        lambda: agent.post(f"/requests/{key}/priority", data={"version": seen, "priority": "urgent"}),
        lambda: head.post(f"/requests/{key}/status", data={"version": seen, "status": "rejected", "reason": "No"}),
    )
    assert sorted(r.status_code for r in responses) == [303, 409]
    _, _, version, events = state(app, world.request_id)
    assert version > seen  # one change (it may flush more than once)
    assert (EventKind.PRIORITY_CHANGED in events) != (EventKind.STATUS_CHANGED in events)


def test_version_column_refuses_a_lost_update_between_two_sessions(app, world):
    """Two sessions on two connections read the same version; the second write fails.
    (A GET request context: on SQLite its transactions begin deferred, so both can read.)"""
    with app.test_request_context():
        sessions = sessionmaker(db.engine, expire_on_commit=False)
        first, second = sessions(), sessions()
        mine = first.get(ServiceRequest, world.request_id)
        theirs = second.get(ServiceRequest, world.request_id)
        first.commit()
        second.commit()  # both hold version n in memory; their read transactions are over
        mine.title = "First edit"
        first.commit()
        theirs.title = "Second edit"
        with pytest.raises(StaleDataError):
            second.commit()
        second.rollback()
        first.close()
        second.close()
        db.session.remove()
    with app.app_context():
        assert db.session.get(ServiceRequest, world.request_id).title == "First edit"


# --- one transaction: the request and its event together or not at all ----------

@pytest.fixture
def crashing(app, monkeypatch):
    """An app that shows the error page instead of raising, and a way to crash a workflow step."""
    quiet = create_app({**TEST_CONFIG, "DATABASE_URL": app.config["DATABASE_URL"],
                        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "PROPAGATE_EXCEPTIONS": False})

    def crash_after(name):
        original = getattr(workflow, name)

        def step(*args, **kwargs):
            result = original(*args, **kwargs)
            db.session.flush()  # the change has reached the database, inside the transaction
            raise RuntimeError("the process died here")

        monkeypatch.setattr(workflow, name, step)

    return quiet, crash_after


def test_a_crash_after_the_change_leaves_neither_request_change_nor_event(app, world, crashing):
    quiet, crash_after = crashing
    before = state(app, world.request_id)
    crash_after("change_status")
    agent = log_in(quiet.test_client(), world.emails["agent"])
    response = agent.post(f"/requests/{world.request_key}/status",
                          data={"version": before[2], "status": "resolved", "reason": ""})
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert state(app, world.request_id) == before


def test_a_crash_while_filing_leaves_no_request_and_no_number_used(app, world, crashing):
    quiet, crash_after = crashing
    crash_after("file_request")
    requester = log_in(quiet.test_client(), world.emails["requester"])
    with app.app_context():
        seq = db.session.get(Department, world.it_id).request_seq
        count = len(db.session.scalars(select(ServiceRequest.id)).all())
    response = requester.post("/requests/new", data={
        "department": world.it_id, "type": world.laptop_id, "title": "Crash", "body": "b",
        "priority": "normal", "submission_key": "crash-1"})
    assert response.status_code == 500
    with app.app_context():
        assert db.session.get(Department, world.it_id).request_seq == seq
        assert len(db.session.scalars(select(ServiceRequest.id)).all()) == count
        assert db.session.scalar(select(Event).where(Event.body == "Crash")) is None


# --- SQLite: which transactions take the write lock up front -------------------

def test_writing_requests_begin_immediate_and_page_views_do_not(app):
    from desk.database import reads_only, writes_expected

    with app.test_request_context(method="POST"):
        assert writes_expected()
    with app.test_request_context(method="GET"):
        assert not writes_expected()
    with app.app_context():
        assert writes_expected()  # CLI commands and the seeder write
    with app.test_request_context(method="POST"):
        assert reads_only(writes_expected)() is False  # the login form: hashing holds no lock


def test_a_slow_login_does_not_hold_up_a_writer(app, world, monkeypatch):
    """While one person's password is being hashed, another person's reply goes through."""
    import time

    import desk.auth

    hashing = threading.Event()
    real_check = desk.auth.check_password_hash

    def slow_check(digest, password):
        hashing.set()
        time.sleep(1.5)
        return real_check(digest, password)

    agent = log_in(app.test_client(), world.emails["agent"])
    monkeypatch.setattr(desk.auth, "check_password_hash", slow_check)
    login = threading.Thread(target=lambda: app.test_client().post(
        "/login", data={"email": world.emails["head"], "password": "correct horse battery"}))
    login.start()
    assert hashing.wait(timeout=10)
    started = time.monotonic()
    response = agent.post(f"/requests/{world.request_key}/reply", data={"body": "while someone logs in"})
    took = time.monotonic() - started
    login.join(timeout=30)
    assert response.status_code == 303
    assert took < 1.2, f"the reply waited {took:.2f} s for the login"
