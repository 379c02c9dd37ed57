"""Stored XSS: hostile text in every field that is shown again comes back as text.

One payload carries a <script>, an <img onerror>, an htmx attribute that would
fire a request on load, a javascript: link and a template expression; it is
typed into each field through the real forms, then every page that shows the
field is checked: the markup never comes back live, the text does come back
escaped, and template syntax is not evaluated.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from desk.extensions import db
from desk.models import RequestType, User
from tests.hardening_world import built_world, log_in

XSS = ('<script>alert("x")</script><img src=x onerror=alert(1)>'
       '<a hx-get="/logout" hx-trigger="load" href="javascript:alert(1)">go</a>{{7*7}}')
LIVE = ["<script>alert(", "<img src=x", "<a hx-get", 'hx-get="/logout"', 'href="javascript:']


@pytest.fixture
def world(app):
    return built_world(app)


def assert_inert(response, *, shown: bool = True) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == 200, response.status_code
    for live in LIVE:
        assert live not in body, f"{live!r} came back live"
    if shown:
        assert "&lt;script&gt;alert(" in body, "the payload should be shown, escaped"
        assert "{{7*7}}" in body  # shown as typed: not evaluated as a template
    return body


def test_title_and_body_of_a_request(app, world):
    requester = log_in(app.test_client(), world.emails["requester"])
    response = requester.post("/requests/new", data={
        "department": world.it_id, "type": world.laptop_id, "title": XSS[:200], "body": XSS,
        "priority": "normal", "submission_key": "xss"})
    assert response.status_code == 303
    key = response.headers["Location"].rsplit("/", 1)[1]
    page = assert_inert(requester.get(f"/requests/{key}"))
    # the containers of user text switch htmx off, so even a parsed attribute would do nothing
    assert re.search(r'<h1[^>]*hx-disable[^>]*>\s*&lt;script', page)
    assert re.search(r'<div class="user-text"[^>]*hx-disable[^>]*>&lt;script', page)
    assert_inert(requester.get("/requests?scope=all"))
    agent = log_in(app.test_client(), world.emails["agent"])
    assert_inert(agent.get("/queue/"))
    assert_inert(agent.get("/queue/", headers={"HX-Request": "true"}))  # the fragment too
    assert_inert(agent.get(f"/requests/{key}"))


def test_replies_notes_and_reasons(app, world):
    key = world.request_key
    agent = log_in(app.test_client(), world.emails["agent"])
    assert agent.post(f"/requests/{key}/reply", data={"body": "reply " + XSS}).status_code == 303
    assert agent.post(f"/requests/{key}/note", data={"body": "note " + XSS}).status_code == 303
    with app.app_context():
        from desk.models import ServiceRequest
        version = db.session.get(ServiceRequest, world.request_id).version
    response = agent.post(f"/requests/{key}/status", data={"version": version, "status": "rejected",
                                                           "reason": "reason " + XSS})
    assert response.status_code == 303
    page = assert_inert(agent.get(f"/requests/{key}"))
    for prefix in ("reply ", "note ", "reason "):
        assert f"{prefix}&lt;script&gt;" in page
    requester = log_in(app.test_client(), world.emails["requester"])
    assert_inert(requester.get(f"/requests/{key}"))
    assert_inert(requester.get("/notifications"), shown=False)


def test_a_hostile_reply_through_htmx(app, world):
    agent = log_in(app.test_client(), world.emails["agent"])
    response = agent.post(f"/requests/{world.request_key}/reply", data={"body": XSS},
                          headers={"HX-Request": "true"})
    assert_inert(response)


def test_department_type_and_person_names(app, world):
    admin = log_in(app.test_client(), world.emails["admin"])
    response = admin.post(f"/admin/departments/{world.it_id}/edit",
                          data={"name": XSS[:80], "code": "IT", "takes_requests": "y", "calendar": 0})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    response = admin.post(f"/admin/users/{world.user_ids['agent']}/edit", data={
        "name": XSS[:120], "email": world.emails["agent"], "department": world.it_id, "role": "agent",
        "time_zone": "UTC", "active": "y"})
    assert response.status_code == 303
    assert_inert(admin.get("/admin/departments"), shown=False)
    assert_inert(admin.get("/admin/users"), shown=False)
    head = log_in(app.test_client(), world.emails["head"])
    response = head.post(f"/catalogue/IT/types/{world.laptop_id}/edit", data={
        "name": XSS[:120], "description": XSS, "default_priority": "normal"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(RequestType, world.laptop_id).name == XSS[:120]
        assert db.session.get(User, world.user_ids["agent"]).name == XSS[:120]
    requester = log_in(app.test_client(), world.emails["requester"])
    assert_inert(requester.get("/catalogue/"), shown=False)
    assert_inert(requester.get(f"/requests/new?department={world.it_id}"), shown=False)
    assert_inert(requester.get(f"/requests/new/types?department={world.it_id}"), shown=False)
    assert_inert(requester.get(f"/requests/{world.request_key}"), shown=False)
    agent = log_in(app.test_client(), world.emails["agent"])
    assert_inert(agent.get("/queue/"), shown=False)  # the nav shows the agent's own name


def test_attachment_names(app, world):
    requester = log_in(app.test_client(), world.emails["requester"])
    response = requester.post(f"/requests/{world.request_key}/reply", content_type="multipart/form-data", data={
        "body": "see file", "attachments": [(io.BytesIO(b"plain text"), '<img src=x onerror=alert(1)>.txt')]})
    assert response.status_code == 303
    page = assert_inert(requester.get(f"/requests/{world.request_key}"), shown=False)
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page


# --- CSV: a cell that starts like a formula is neutralised --------------------

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
            "\t=1+1", "\r=1+1"]


def test_csv_cells_never_start_a_formula():
    from desk.csv_export import csv_text
    from desk.services.reports.tables import FORMULA_START, csv_cell

    for text in FORMULAS:
        cell = csv_cell(text, "text")
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (text, cell)
        assert cell.endswith(text.lstrip("\t\r")) or cell.endswith(text)
    out = csv_text(["name"], [[text] for text in FORMULAS])
    cells = [row[0] for row in csv.reader(io.StringIO(out.lstrip("\ufeff")))][1:]
    assert len(cells) == len(FORMULAS)
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert FORMULA_START
