"""Escalation, the clock on the request page and in the queue, and linked requests, over HTTP."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from desk.extensions import db
from desk.models import Event, EventKind, Notification, ServiceRequest
from desk.services import workflow
from tests.helpers import count_queries
from tests.sla_support import BERLIN, agree, at, give_calendar, local, utc

FILED = local(BERLIN, 2026, 3, 2, 9, 0)  # Monday
LATE = local(BERLIN, 2026, 3, 5, 9, 0)  # past the 2 h response and 16 h resolution


@pytest.fixture
def org(make):
    it, fin, mkt = make.department("IT"), make.department("FIN"), make.department("MKT")
    give_calendar(it, "Europe/Berlin", name="IT Berlin")
    ns = SimpleNamespace(it=it, fin=fin, mkt=mkt, it_head=make.head(it), it_agent=make.agent(it),
                         fin_head=make.head(fin), mkt_head=make.head(mkt), requester=make.user(mkt),
                         stranger=make.user(fin), laptop=make.request_type(it, "Laptop"),
                         purchase=make.request_type(fin, "Purchase"))
    agree(ns.it_head, it)
    return ns


def file(org, title="Laptop broken", when=FILED):
    with at(when):
        req = workflow.file_request(org.requester, org.laptop, title=title, body="It does not start.")
        db.session.commit()
    return req


def test_requester_escalates_a_breached_request(org, login):
    req = file(org)
    with at(LATE):  # log in in frozen time: a session signed "in the future" is refused
        client = login(org.requester)
        page = client.get(f"/requests/{req.key}")
        assert "Late: escalate" in page.text and "Breached" in page.text
        response = client.post(f"/requests/{req.key}/escalate", data={"escalate-reason": "Nobody answered.", "escalate-version": req.version})
    assert response.status_code == 303 and response.location.endswith(f"/requests/{req.key}")
    db.session.expire_all()
    escalated = db.session.get(ServiceRequest, req.id)
    assert escalated.escalated_at == utc(LATE)
    event = db.session.query(Event).filter_by(request_id=req.id, kind=EventKind.ESCALATED).one()
    assert (event.body, event.actor_id) == ("Nobody answered.", org.requester.id)
    assert db.session.query(Notification).filter_by(user_id=org.it_head.id, kind="escalated").count() == 1
    with at(LATE):
        again = client.post(f"/requests/{req.key}/escalate", data={"escalate-reason": "Still", "escalate-version": escalated.version})
    assert again.status_code == 409 and "already escalated" in again.text


def test_escalation_only_when_breached(org, login):
    req = file(org)
    with at(local(BERLIN, 2026, 3, 2, 9, 30)):
        client = login(org.requester)
        page = client.get(f"/requests/{req.key}")
        assert "Late: escalate" not in page.text
        response = client.post(f"/requests/{req.key}/escalate", data={"escalate-reason": "Hurry", "escalate-version": req.version})
    assert response.status_code == 409 and "within its agreed time" in response.text
    db.session.expire_all()
    assert db.session.get(ServiceRequest, req.id).escalated_at is None


def test_escalation_only_by_the_requester(org, client, login):
    req = file(org)
    with at(LATE):
        for user, code in ((org.mkt_head, 403), (org.it_agent, 403), (org.stranger, 404)):
            login(user)
            response = client.post(f"/requests/{req.key}/escalate", data={"escalate-reason": "Late", "escalate-version": req.version})
            assert response.status_code == code, user
            client.post("/logout")
        with pytest.raises(workflow.WorkflowError, match="Only the person who filed"):
            workflow.escalate(org.mkt_head, req, reason="Late")
    db.session.expire_all()
    assert db.session.get(ServiceRequest, req.id).escalated_at is None


def test_head_sees_escalations_first(org, login, client):
    first = file(org, "First filed")
    second = file(org, "Second filed", local(BERLIN, 2026, 3, 2, 10, 0))
    with at(LATE):
        workflow.escalate(org.requester, second, reason="Please")
        db.session.commit()
        head_queue = login(org.it_head).get("/queue/").text
        assert head_queue.index(second.key) < head_queue.index(first.key)
        only = client.get("/queue/?sla=escalated").text
        assert second.key in only and first.key not in only
        client.post("/logout")
        agent_queue = login(org.it_agent).get("/queue/").text
        assert agent_queue.index(first.key) < agent_queue.index(second.key)  # agents: oldest first


def test_queue_shows_due_and_filters_by_state(org, login):
    breached = file(org, "Breached one")
    at_risk = file(org, "Risky one", local(BERLIN, 2026, 3, 4, 9, 0))
    fresh = file(org, "Fresh one", local(BERLIN, 2026, 3, 4, 10, 29))
    with at(local(BERLIN, 2026, 3, 4, 10, 30)):  # at_risk: 1.5 of 2 h response used
        client = login(org.it_agent)
        page = client.get("/queue/?sla=breached").text
        assert breached.key in page and at_risk.key not in page and fresh.key not in page
        assert "breached" in page and "Due" in page
        page = client.get("/queue/?sla=at_risk").text
        assert at_risk.key in page and breached.key not in page and fresh.key not in page
        assert "At risk" in page and "due in 30 business minutes" in page
        by_due = client.get("/queue/?sort=due").text
        assert by_due.index(breached.key) < by_due.index(at_risk.key) < by_due.index(fresh.key)


def test_request_page_explains_the_clock(org, login):
    req = file(org)
    with at(local(BERLIN, 2026, 3, 2, 10, 0)):
        workflow.reply(org.it_agent, req, "Which model?")
        workflow.change_status(org.it_agent, req, workflow.Status.WAITING)
        db.session.commit()
    with at(local(BERLIN, 2026, 3, 3, 10, 0)):
        workflow.reply(org.requester, req, "X1")
        db.session.commit()
        page = login(org.requester).get(f"/requests/{req.key}").text
    assert "Service level clock" in page and "IT, every request, version 1" in page
    assert "IT Berlin (Europe/Berlin)" in page
    assert "first response in 2 business hours, resolution in 16 business hours" in page
    assert "First response, after 1 business hour" in page
    assert "Paused: waiting on the requester" in page and "(8 business hours, until" in page
    assert "due in 15 business hours" in page  # 1 h used of 16


def test_agent_opens_a_linked_request_and_the_parent_waits(org, login):
    req = file(org)
    with at(local(BERLIN, 2026, 3, 2, 10, 0)):
        client = login(org.it_agent)
        response = client.post(f"/requests/{req.key}/link", data={
            "link-type": org.purchase.id, "link-title": "Approve a laptop", "link-body": "1,200 EUR"})
        assert response.status_code == 303
        page = client.get(f"/requests/{req.key}").text
    child = db.session.query(ServiceRequest).filter_by(parent_id=req.id).one()
    assert child.key == "FIN-1" and child.requester_id == org.it_agent.id
    assert "Waiting on" in page and "FIN-1" in page and "Paused: waiting on FIN-1" in page
    with at(local(BERLIN, 2026, 3, 2, 10, 0)):
        bad = client.post(f"/requests/{req.key}/link", data={"link-type": org.laptop.id, "link-title": "x", "link-body": "y"})
    assert bad.status_code == 422  # not a choice: only other departments' types are offered


def test_queue_due_column_runs_a_fixed_number_of_queries(org, login):
    file(org, "One")
    with at(LATE):
        client = login(org.it_head)
        with count_queries() as few:
            assert client.get("/queue/?sort=due").status_code == 200
    for n in range(5):
        file(org, f"More {n}", local(BERLIN, 2026, 3, 3, 9 + n, 0))
    with at(LATE):
        with count_queries() as many:
            page = client.get("/queue/?sort=due").text
    assert page.count(">Breached</span>") == 6
    assert len(many) == len(few)
