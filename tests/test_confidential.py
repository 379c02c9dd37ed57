"""Confidential request types (an HR concern, a legal matter): only the requester
and the providing department see them; never watchers, never the requester's
head, never another department's search, counts, reports or CSV."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import Department, ServiceRequest, User, Watcher
from desk.services import policy, queries, workflow
from desk.services.queries import QueueFilters
from tests.factories import Factory
from tests.hardening_world import CANARY_CONFIDENTIAL, built_world, log_in


@pytest.fixture
def world(app):
    world = built_world(app)
    with app.test_request_context():
        make = Factory()
        mkt = db.session.get(Department, world.mkt_id)
        make.head(mkt, name="Mona Marketing Head", email="mkt.head@example.test")
        make.agent(db.session.get(Department, world.hr_department_id), name="Hank HR Agent",
                   email="hr.agent@example.test")
        db.session.remove()
    return world


def never_shows(response, key):
    body = response.get_data().decode("utf-8", errors="replace")
    assert CANARY_CONFIDENTIAL not in body and f"/requests/{key}\"" not in body, response.request.path
    return body


def test_requesting_head_and_other_staff_get_404_and_empty_lists(app, world):
    key = world.confidential_key
    for email in ("mkt.head@example.test", world.emails["agent"], world.emails["head"], world.emails["hr"],
                  world.emails["admin"]):
        client = log_in(app.test_client(), email)
        assert client.get(f"/requests/{key}").status_code == 404, email
        for url in ("/requests?scope=all", "/requests?scope=watching", "/queue/?status=all",
                    f"/queue/?status=all&q={CANARY_CONFIDENTIAL.split()[0]}", f"/queue/?status=all&q={key}",
                    "/notifications", "/ratings/to-rate"):
            never_shows(client.get(url), key)
    # the requester and HR's agents do see it
    assert log_in(app.test_client(), world.emails["requester"]).get(f"/requests/{key}").status_code == 200
    hr_agent = log_in(app.test_client(), "hr.agent@example.test")
    assert CANARY_CONFIDENTIAL in hr_agent.get("/queue/?status=all").get_data(as_text=True)


def test_reports_and_csv_of_other_departments_never_hold_it(app, world):
    key = world.confidential_key
    mkt_head = log_in(app.test_client(), "mkt.head@example.test")
    hr_staff = log_in(app.test_client(), world.emails["hr"])
    it_head = log_in(app.test_client(), world.emails["head"])
    cell = f"/reports/bottlenecks/requests?requesting={world.mkt_id}&providing={world.hr_department_id}&show=open"
    # the same page for the ordinary request works (so the check above means something)
    ordinary = mkt_head.get(f"/reports/bottlenecks/requests?requesting={world.mkt_id}&providing={world.it_id}&show=open")
    assert ordinary.status_code == 200 and world.request_key in ordinary.get_data(as_text=True)
    urls = ["/reports/", "/reports/bottlenecks", cell, "/reports/waits", "/reports/handoffs", "/reports/health",
            "/reports/attainment", "/ratings/department", "/ratings/hr"]
    for client in (mkt_head, hr_staff, it_head):
        for url in urls:
            never_shows(client.get(url), key)
            joiner = "&" if "?" in url else "?"
            for table in ("matrix", "requests", "types", "pairs"):
                never_shows(client.get(f"{url}{joiner}format=csv&table={table}"), key)
        for name in ("ratings", "weekly", "providers", "types"):
            never_shows(client.get(f"/ratings/department/{name}.csv"), key)
            never_shows(client.get(f"/ratings/hr/{name}.csv"), key)


def test_no_watchers_on_confidential_requests(app, world):
    requester = log_in(app.test_client(), world.emails["requester"])
    response = requester.post(f"/requests/{world.confidential_key}/watchers", data={"email": world.emails["member_other"]})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Watcher)) is None


def test_transfer_into_a_confidential_type_drops_watchers_and_the_requesting_head(app, world, ctx):
    req = db.session.get(ServiceRequest, world.request_id)
    watcher = db.session.get(User, world.user_ids["member_other"])
    mkt_head = db.session.scalar(select(User).where(User.email == "mkt.head@example.test"))
    workflow.add_watcher(req.requester, req, watcher)
    db.session.commit()
    assert policy.can_view(watcher, req) and policy.can_view(mkt_head, req)
    concern = db.session.get(type(req.type), world.concern_id)
    workflow.transfer(db.session.get(User, world.user_ids["agent"]), req, concern, reason="This is an HR matter")
    db.session.commit()
    assert req.confidential
    for user in (watcher, mkt_head):
        assert not policy.can_view(user, req)
        assert req.id not in set(db.session.scalars(select(ServiceRequest.id).where(policy.visible_clause(user))))
        assert req.id not in {r.id for r in queries.my_requests(user, scope="watching").items}
    # the department that held it keeps its history (agents of IT still see what they worked)
    assert policy.can_view(db.session.get(User, world.user_ids["agent"]), req)


def test_counts_of_other_departments_leave_it_out(app, world, ctx):
    it = db.session.get(Department, world.it_id)
    agent = db.session.get(User, world.user_ids["agent"])
    page = queries.queue(agent, it, QueueFilters(status="all"))
    assert all(not r.confidential for r in page.items) and page.total == len(page.items)
    assert queries.open_count(it.id) == len([r for r in page.items if r.is_open])
