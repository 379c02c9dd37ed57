"""Deactivating an agent, moving them to another department or making them a
member: the open requests they can no longer work go back, unassigned, to their queues."""

from __future__ import annotations

import html
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import Event, EventKind, ServiceRequest, Status, User
from desk.services import workflow


@pytest.fixture
def org(make):
    it, mkt = make.department("IT", name="IT"), make.department("MKT", name="Marketing")
    laptop = make.request_type(it, "Laptop")
    return SimpleNamespace(
        it=it, laptop=laptop, admin=make.user(mkt, name="Ada Admin", is_admin=True),
        agent=make.agent(it, name="Arjun Mehta"), colleague=make.agent(it, name="Cleo Chen"),
        head=make.head(it, name="Hana Head"), requester=make.user(mkt, name="Emma Lindqvist"),
    )


def assigned_request(org, agent, title: str, status: Status | None = None) -> ServiceRequest:
    req = make_request(org, title)
    workflow.take(agent, req)  # new -> in progress
    if status is not None:
        workflow.change_status(agent, req, status)
    db.session.commit()
    return req


def make_request(org, title: str) -> ServiceRequest:
    req = workflow.file_request(org.requester, org.laptop, title=title, body="Details.")
    db.session.commit()
    return req


def deactivate(client, user: User, **changes):
    """Post the person's edit form as it stands, without the Active box (and with ``changes``)."""
    data = {"name": user.name, "email": user.email, "department": str(user.department_id or 0),
            "role": user.role.value, "time_zone": user.time_zone, "password": "", **changes}
    return client.post(f"/admin/users/{user.id}/edit", data=data)


def keep_active_and_save(client, user: User, **changes):
    """Post the person's edit form with the Active box ticked (and with ``changes``)."""
    return deactivate(client, user, active="y", **changes)


def last_assignment(req: ServiceRequest) -> Event:
    return db.session.scalars(
        select(Event).where(Event.request_id == req.id, Event.kind == EventKind.ASSIGNED).order_by(Event.id.desc())
    ).first()


def fresh(req: ServiceRequest) -> ServiceRequest:
    db.session.expire_all()
    return db.session.get(ServiceRequest, req.id)


def test_deactivating_an_agent_puts_their_open_requests_back_in_the_queue(org, client, login):
    working = assigned_request(org, org.agent, "Screen flickers")
    waiting = assigned_request(org, org.agent, "VPN drops", Status.WAITING)
    resolved = assigned_request(org, org.agent, "Mouse dead", Status.RESOLVED)
    theirs = assigned_request(org, org.colleague, "Keyboard sticks")
    versions = {r.id: r.version for r in (working, waiting)}

    login(org.admin)
    response = deactivate(client, org.agent)
    assert response.status_code == 303 and response.location.endswith("/admin/users")
    page = html.unescape(client.get(response.location).text)
    assert "Arjun Mehta's account is saved. 2 open requests went back to their queues, unassigned." in page

    # The open ones lost their assignee and kept their status (an unassignment moves no status).
    assert (fresh(working).assignee_id, fresh(working).status) == (None, Status.IN_PROGRESS)
    assert (fresh(waiting).assignee_id, fresh(waiting).status) == (None, Status.WAITING)
    assert all(fresh(r).version > versions[r.id] for r in (working, waiting))  # open forms are now stale
    # A resolved request keeps the name of who resolved it; a colleague's request is untouched.
    assert fresh(resolved).assignee_id == org.agent.id
    assert fresh(theirs).assignee_id == org.colleague.id

    for req in (working, waiting):
        event = last_assignment(req)
        assert event.actor_id == org.admin.id
        assert event.data == {"from": "Arjun Mehta", "to": None}
        assert event.body == "Arjun Mehta's account was deactivated; the request is back in the IT queue."
    assert not db.session.scalar(select(Event.id).where(
        Event.request_id.in_([resolved.id, theirs.id]), Event.actor_id == org.admin.id))


def test_the_timeline_says_why_the_request_was_unassigned(org, client, login, app):
    req = assigned_request(org, org.agent, "Screen flickers")
    login(org.admin)
    deactivate(client, org.agent)

    head = app.test_client()
    head.post("/login", data={"email": org.head.email, "password": "correct horse battery"})
    page = html.unescape(head.get(f"/requests/{req.key}").text)
    assert "Assignee: <strong>nobody yet</strong>" in page
    assert "unassigned it" in page
    assert "Arjun Mehta's account was deactivated; the request is back in the IT queue." in page
    queue = head.get("/queue/?assignee=unassigned").text
    assert req.key in queue


def test_one_request_and_none(org, client, login):
    assigned_request(org, org.agent, "Screen flickers")
    login(org.admin)
    page = html.unescape(client.get(deactivate(client, org.agent).location).text)
    assert "Arjun Mehta's account is saved. 1 open request went back to its queue, unassigned." in page

    page = html.unescape(client.get(deactivate(client, org.colleague).location).text)  # nothing assigned to Cleo
    assert "Cleo Chen's account is saved.</div>" in page


def test_saving_an_inactive_account_again_or_an_active_one_unassigns_nothing(org, client, login):
    req = assigned_request(org, org.agent, "Screen flickers")
    login(org.admin)
    response = keep_active_and_save(client, org.agent, name="Arjun M.")  # a rename
    assert response.status_code == 303
    assert fresh(req).assignee_id == org.agent.id
    assert "Arjun M.'s account is saved.</div>" in html.unescape(client.get(response.location).text)


def test_a_refused_deactivation_changes_no_request(org, client, login):
    req = assigned_request(org, org.agent, "Screen flickers")
    login(org.admin)
    response = deactivate(client, org.agent, email=org.head.email)  # someone else's address
    assert response.status_code == 422
    assert fresh(req).assignee_id == org.agent.id
    assert db.session.get(User, org.agent.id).active is True


def test_moving_an_agent_to_another_department_puts_their_old_requests_back(org, client, login, make):
    working = assigned_request(org, org.agent, "Screen flickers")
    resolved = assigned_request(org, org.agent, "Mouse dead", Status.RESOLVED)
    fin = make.department("FIN", name="Finance")
    login(org.admin)
    response = keep_active_and_save(client, org.agent, department=str(fin.id))
    assert response.status_code == 303
    page = html.unescape(client.get(response.location).text)
    assert "Arjun Mehta's account is saved. 1 open request went back to its queue, unassigned." in page
    assert fresh(working).assignee_id is None
    assert fresh(resolved).assignee_id == org.agent.id
    assert last_assignment(working).body == "Arjun Mehta moved to Finance; the request is back in the IT queue."


def test_making_an_agent_a_member_puts_their_requests_back(org, client, login):
    working = assigned_request(org, org.agent, "Screen flickers")
    login(org.admin)
    response = keep_active_and_save(client, org.agent, role="member")
    assert response.status_code == 303
    assert fresh(working).assignee_id is None
    assert last_assignment(working).body == "Arjun Mehta no longer works requests; the request is back in the IT queue."


def test_a_head_made_an_agent_keeps_their_requests(org, client, login):
    req = assigned_request(org, org.head, "Screen flickers")
    login(org.admin)
    response = keep_active_and_save(client, org.head, role="agent")
    assert response.status_code == 303
    assert fresh(req).assignee_id == org.head.id
