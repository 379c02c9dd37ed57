"""HTTP tests of the department queue (desk/views/queue.py): who gets it, filters, sorting, pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from desk.clock import utcnow
from desk.extensions import db
from desk.models import Priority, Status
from desk.services import workflow
from tests.helpers import HTMX, count_queries


def keys(html: str) -> list[str]:
    """The request keys listed in the queue table, in order."""
    return re.findall(r'<td class="key"><a href="/requests/([A-Z]+-\d+)"', html)


@pytest.fixture
def q(make):
    """IT's queue with six requests filed a day apart, in various states."""

    class Q:
        it = make.department("IT", name="IT")
        fac = make.department("FAC", name="Facilities")
        mkt = make.department("MKT", name="Marketing")
        laptop = make.request_type(it, "Laptop")
        vpn = make.request_type(it, "VPN access")
        repair = make.request_type(fac, "Repair")
        agent = make.agent(it, name="Ada Agent")
        colleague = make.agent(it, name="Cole Colleague")
        fac_agent = make.agent(fac, name="Fay Fixer")
        requester = make.user(mkt, name="Rita Requester")

    start = utcnow() - timedelta(days=10)
    specs = [  # title, type, priority
        ("Screen flickers", Q.laptop, Priority.NORMAL),  # IT-1: new, unassigned
        ("VPN drops hourly", Q.vpn, Priority.URGENT),  # IT-2: taken by Ada
        ("Keyboard sticky", Q.laptop, Priority.LOW),  # IT-3: Cole, waiting
        ("Laptop is slow", Q.laptop, Priority.HIGH),  # IT-4: resolved
        ("VPN for contractor", Q.vpn, Priority.NORMAL),  # IT-5: cancelled
        ("Mouse missing", Q.laptop, Priority.URGENT),  # IT-6: new, unassigned
    ]
    Q.reqs = []
    for n, (title, kind, priority) in enumerate(specs):
        with time_machine.travel(start + timedelta(days=n), tick=False):
            Q.reqs.append(workflow.file_request(Q.requester, kind, title=title, body=f"Details of {title.lower()}",
                                                priority=priority))
    make.request(Q.requester, Q.repair, title="Door squeaks")  # FAC-1, never in IT's queue
    r = Q.reqs
    with time_machine.travel(start + timedelta(days=7), tick=False):
        workflow.take(Q.agent, r[1])
        workflow.assign(Q.agent, r[2], Q.colleague)
        workflow.change_status(Q.colleague, r[2], Status.WAITING)
        workflow.change_status(Q.agent, r[3], Status.RESOLVED)
        workflow.cancel(Q.requester, r[4])
    with time_machine.travel(start + timedelta(days=8), tick=False):
        workflow.reply(Q.requester, r[0], "Still flickering")  # IT-1 is the most recently active
    db.session.commit()
    return Q


@pytest.fixture
def agent_client(q, client, login):
    login(q.agent)
    return client


def test_the_queue_shows_open_requests_oldest_first(q, agent_client):
    page = agent_client.get("/queue/").text
    assert "IT queue" in page and "4 requests" in page
    assert keys(page) == ["IT-1", "IT-2", "IT-3", "IT-6"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=all", ["IT-1", "IT-2", "IT-3", "IT-4", "IT-5", "IT-6"]),
        ("status=resolved", ["IT-4"]),
        ("status=waiting_on_requester", ["IT-3"]),
        ("status=cancelled", ["IT-5"]),
        ("status=nonsense", ["IT-1", "IT-2", "IT-3", "IT-6"]),
        ("assignee=mine", ["IT-2"]),
        ("assignee=unassigned", ["IT-1", "IT-6"]),
        ("assignee=unassigned&status=all", ["IT-1", "IT-4", "IT-5", "IT-6"]),
        ("type={vpn}", ["IT-2"]),
        ("type={vpn}&status=all", ["IT-2", "IT-5"]),
        ("priority=urgent", ["IT-2", "IT-6"]),
        ("priority=urgent&assignee=unassigned", ["IT-6"]),
        ("priority=bogus", ["IT-1", "IT-2", "IT-3", "IT-6"]),
        ("q=vpn&status=all", ["IT-2", "IT-5"]),
        ("q=keyboard", ["IT-3"]),
        ("q=it-6", ["IT-6"]),
        ("q=nothing+like+this", []),
        ("sort=newest", ["IT-6", "IT-3", "IT-2", "IT-1"]),
        ("sort=updated", ["IT-1", "IT-3", "IT-2", "IT-6"]),
        ("sort=updated&status=all", ["IT-1", "IT-5", "IT-4", "IT-3", "IT-2", "IT-6"]),
    ],
)
def test_filters_and_sorting(q, agent_client, query, expected):
    query = query.format(vpn=q.vpn.id)
    assert keys(agent_client.get(f"/queue/?{query}").text) == expected


def test_filter_by_a_colleague(q, agent_client):
    assert keys(agent_client.get(f"/queue/?assignee={q.colleague.id}").text) == ["IT-3"]


def test_filters_are_kept_in_the_form(q, agent_client):
    page = agent_client.get(f"/queue/?status=all&assignee=mine&type={q.vpn.id}&priority=urgent&q=VPN&sort=newest").text
    assert '<option value="all" selected>' in page
    assert '<option value="mine" selected>' in page
    assert f'<option value="{q.vpn.id}" selected>' in page
    assert '<option value="urgent" selected>' in page
    assert '<option value="newest" selected>' in page
    assert 'value="VPN"' in page


def test_htmx_gets_only_the_results(q, agent_client):
    response = agent_client.get("/queue/?assignee=unassigned", headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and "<form" not in response.text and "<nav" not in response.text
    assert "2 requests" in response.text and keys(response.text) == ["IT-1", "IT-6"]
    assert "HX-Request" in response.headers["Vary"]


def test_pagination(q, agent_client, app):
    for n in range(26):
        workflow.file_request(q.requester, q.laptop, title=f"Bulk {n}", body="...")
    db.session.commit()
    per_page = app.config["PER_PAGE"]
    first = agent_client.get("/queue/").text
    assert "30 requests" in first and len(keys(first)) == per_page
    assert keys(first)[:4] == ["IT-1", "IT-2", "IT-3", "IT-6"]
    second = agent_client.get("/queue/?page=2", headers=HTMX).text
    assert keys(second) == [f"IT-{n}" for n in range(7 + per_page - 4, 33)]
    assert 'aria-current="page">2<' in second
    assert keys(agent_client.get("/queue/?page=99").text) == []
    assert keys(agent_client.get("/queue/?page=-3").text) == keys(first)
    # the pager keeps the filters
    filtered = agent_client.get("/queue/?q=bulk&sort=newest").text
    assert "page=2" in filtered and "q=bulk" in filtered and "sort=newest" in filtered


def test_each_department_sees_its_own_queue(q, client, login):
    login(q.fac_agent)
    page = client.get("/queue/?status=all").text
    assert "Facilities queue" in page and keys(page) == ["FAC-1"]


@pytest.mark.parametrize("who", ["requester", "member of IT", "HR", "admin", "no department"])
def test_people_without_a_queue_get_404(q, make, client, login, who):
    user = {
        "requester": lambda: q.requester,
        "member of IT": lambda: make.user(q.it),
        "HR": lambda: make.user(q.mkt, is_hr=True),
        "admin": lambda: make.user(q.mkt, is_admin=True),
        "no department": lambda: make.user(None),
    }[who]()
    login(user)
    response = client.get("/queue/")
    assert response.status_code == 404 and "Screen flickers" not in response.text


def test_the_queue_runs_a_fixed_number_of_queries(q, agent_client):
    with count_queries() as few:
        agent_client.get("/queue/?status=all")
    for n in range(8):
        req = workflow.file_request(q.requester, q.vpn if n % 2 else q.laptop, title=f"More {n}", body="...")
        workflow.take(q.colleague if n % 2 else q.agent, req)
    db.session.commit()
    with count_queries() as many:
        page = agent_client.get("/queue/?status=all")
    assert len(keys(page.text)) == 14
    assert len(many) == len(few)
