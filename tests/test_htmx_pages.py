"""htmx plumbing in desk.web: fragments keep their macros, redirects become full page loads,
and the request page's many forms never share an element id."""

import re
from collections import Counter

import pytest

HX = {"HX-Request": "true"}


@pytest.fixture
def desk(make):
    it = make.department("IT")
    mkt = make.department("MKT")
    laptop = make.request_type(it, "Laptop")
    employee = make.user(mkt)
    agent = make.agent(it)
    req = make.request(employee, laptop, title="Screen flickers")
    return employee, agent, laptop, req


@pytest.mark.parametrize("url, expected", [
    ("/queue/?status=new", "Screen flickers"),  # uses status_badge, imported at the template's top
    ("/requests/IT-1", "Screen flickers"),
])
def test_fragments_render_with_the_macros_their_page_imports(client, login, desk, url, expected):
    login(desk[1])
    response = client.get(url, headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text and expected in response.text
    assert 'class="badge' in response.text  # the status badge macro ran


def test_filing_through_htmx_navigates_to_the_new_request(client, login, desk):
    employee, _, laptop, _ = desk
    login(employee)
    response = client.post("/requests/new", headers=HX, data={
        "department": laptop.department_id, "type": laptop.id, "title": "Mouse missing",
        "body": "Borrowed", "priority": "normal", "submission_key": "htmx-1"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith("/requests/IT-2")
    assert "Location" not in response.headers and response.data == b""


def test_a_plain_post_still_gets_a_303(client, login, desk):
    employee, _, laptop, _ = desk
    login(employee)
    response = client.post("/requests/new", data={
        "department": laptop.department_id, "type": laptop.id, "title": "Mouse missing",
        "body": "Borrowed", "priority": "normal", "submission_key": "plain-1"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/requests/IT-2")


def test_an_ended_session_sends_htmx_to_the_login_page(client, desk):
    response = client.get("/queue/?status=new", headers=HX)
    assert response.status_code == 204
    assert "/login?next=" in response.headers["HX-Redirect"]


def test_the_request_page_has_unique_ids_and_each_label_finds_its_field(client, login, desk):
    login(desk[1])  # the agent sees the most forms: reply, note, status, assign, priority, transfer...
    html = client.get("/requests/IT-1").text
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []
    for target in re.findall(r'<label[^>]*\sfor="([^"]+)"', html):
        assert ids[target] == 1, f"label for {target!r} points nowhere"
    assert 'id="reply-body"' in html and 'id="note-body"' in html
