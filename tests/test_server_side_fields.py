"""Only the form's own fields count: anything else posted (status, assignee,
requester, role, flags, department, version tricks) is ignored or refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import Event, EventKind, Priority, RequestType, Role, ServiceRequest, Status, User
from tests.hardening_world import built_world, log_in

TRICKS = {
    "status": "resolved", "assignee_id": "1", "assignee": "1", "requester_id": "1", "requesting_department_id": "1",
    "department_id": "3", "confidential": "y", "version": "99", "key": "HR-999", "id": "77", "internal": "y",
    "actor_id": "1", "kind": "noted", "role": "head", "is_admin": "y", "is_hr": "y", "session_token": "x" * 32,
    "password_hash": "plain", "created_at": "2000-01-01", "archived_at": "2000-01-01", "request_seq": "500",
}


@pytest.fixture
def world(app):
    return built_world(app)


def test_new_request_takes_only_its_fields(app, world):
    requester = log_in(app.test_client(), world.emails["requester"])
    response = requester.post("/requests/new", data={
        **TRICKS, "department": world.it_id, "type": world.laptop_id, "title": "Mouse", "body": "Broken",
        "priority": "high", "submission_key": "tricks"})
    assert response.status_code == 303
    with app.app_context():
        req = db.session.scalar(select(ServiceRequest).where(ServiceRequest.title == "Mouse"))
        assert req.key.startswith("IT-") and req.key != "HR-999" and req.id != 77
        assert (req.status, req.assignee_id, req.requester_id) == (Status.NEW, None, world.user_ids["requester"])
        assert req.requesting_department_id == world.mkt_id and req.department_id == world.it_id
        assert req.confidential is False and req.version < 99 and req.priority == Priority.HIGH
        assert req.created_at.year > 2000


def test_reply_takes_only_its_body(app, world):
    requester = log_in(app.test_client(), world.emails["requester"])
    response = requester.post(f"/requests/{world.request_key}/reply", data={**TRICKS, "body": "Thanks"})
    assert response.status_code == 303
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.body == "Thanks"))
        assert (event.kind, event.internal, event.actor_id) == (EventKind.REPLIED, False, world.user_ids["requester"])
        req = db.session.get(ServiceRequest, world.request_id)
        assert req.status == Status.NEW and req.assignee_id is None


def test_stale_or_forged_versions_are_refused(app, world):
    agent = log_in(app.test_client(), world.emails["agent"])
    with app.app_context():
        version = db.session.get(ServiceRequest, world.request_id).version
    for forged in (version + 5, version - 1, -1):
        response = agent.post(f"/requests/{world.request_key}/take", data={"version": forged})
        assert response.status_code == 409, forged
    for garbage in ("abc", "", "1e9"):
        assert agent.post(f"/requests/{world.request_key}/take", data={"version": garbage}).status_code == 422
    with app.app_context():
        assert db.session.get(ServiceRequest, world.request_id).assignee_id is None


def test_admin_user_edit_ignores_fields_it_does_not_have(app, world):
    with app.app_context():
        before = db.session.get(User, world.user_ids["agent"])
        token, digest = before.session_token, before.password_hash
    admin = log_in(app.test_client(), world.emails["admin"])
    # role and the HR/admin boxes are this form's own fields: everything else is a trick
    tricks = {k: v for k, v in TRICKS.items() if k not in {"role", "is_admin", "is_hr"}}
    response = admin.post(f"/admin/users/{world.user_ids['agent']}/edit", data={
        **tricks, "name": "Ivan Renamed", "email": world.emails["agent"], "department": world.it_id,
        "role": "agent", "time_zone": "UTC", "active": "y"})
    assert response.status_code == 303
    with app.app_context():
        user = db.session.get(User, world.user_ids["agent"])
        assert user.name == "Ivan Renamed" and user.role == Role.AGENT
        assert user.is_admin is False and user.is_hr is False and user.department_id == world.it_id
        assert (user.session_token, user.password_hash) == (token, digest)


def test_nobody_but_an_admin_can_post_roles(app, world):
    for role in ("requester", "agent", "head", "hr"):
        client = log_in(app.test_client(), world.emails[role])
        response = client.post(f"/admin/users/{world.user_ids[role]}/edit", data={
            "name": "Me", "email": world.emails[role], "department": world.it_id, "role": "head",
            "time_zone": "UTC", "is_admin": "y", "active": "y"})
        assert response.status_code == 404
    with app.app_context():
        assert not db.session.scalar(select(User).where(User.is_admin.is_(True), User.id != world.user_ids["admin"]))


def test_catalogue_form_stays_in_the_heads_department(app, world):
    head = log_in(app.test_client(), world.emails["head"])
    response = head.post("/catalogue/IT/types/new", data={
        **TRICKS, "name": "Monitor", "description": "A second screen", "default_priority": "low"})
    assert response.status_code == 303
    with app.app_context():
        created = db.session.scalar(select(RequestType).where(RequestType.name == "Monitor"))
        assert created.department_id == world.it_id and created.archived_at is None and created.id != 77
        assert created.confidential is True  # the form's own checkbox: "y" was posted under its name
