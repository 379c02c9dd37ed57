"""HTTP tests of the request pages and actions, role by role (desk/views/requests.py, actions.py).

Allowed actions are checked by their outcome (event, status, redirect, message);
forbidden ones answer 404 when the request is out of sight and 403 when it is
visible but not theirs to change, and write nothing either way.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk.extensions import db
from desk.models import Event, EventKind, Priority, ServiceRequest, Status
from desk.services import workflow
from tests.factories import small_company
from tests.helpers import HTMX, count_queries, field_error, version_of


@pytest.fixture
def w(make):
    """The small company (tests/factories.py), a second IT agent and type, a Legal friend, and IT-1."""
    w = small_company(make)
    w.printer = make.request_type(w.it, "Printer")
    w.colleague = make.agent(w.it, name="Cole Colleague")
    w.friend = make.user(w.leg, name="Fran Friend", email="fran@example.test")
    w.req = make.request(w.requester, w.laptop, title="Screen flickers", body="Since Monday.")
    workflow.add_watcher(w.requester, w.req, w.watcher)
    db.session.commit()
    return w


def _events(req) -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(select(Event).where(Event.request_id == req.id).order_by(Event.id)))


def _fresh(req) -> ServiceRequest:
    db.session.expire_all()
    return db.session.get(ServiceRequest, req.id)


# --- the role matrix -----------------------------------------------------------------

ACTIONS = {
    # name: (payload for the request as it is, event kind written, flash message)
    "reply": (lambda w, v: {"body": "Any news?"}, EventKind.REPLIED, "Reply sent."),
    "note": (lambda w, v: {"body": "Check the cable"}, EventKind.NOTED, "Note added."),
    "take": (lambda w, v: {"version": v}, EventKind.ASSIGNED, "You took IT-1."),
    "assign": (lambda w, v: {"version": v, "assignee": w.colleague.id}, EventKind.ASSIGNED, "Assignment saved."),
    "status": (lambda w, v: {"version": v, "status": "waiting_on_requester", "reason": ""},
               EventKind.STATUS_CHANGED, "Status changed."),
    "priority": (lambda w, v: {"version": v, "priority": "urgent"}, EventKind.PRIORITY_CHANGED, "Priority changed."),
    "transfer": (lambda w, v: {"version": v, "type": w.repair.id, "reason": "It is the desk"},
                 EventKind.TRANSFERRED, "IT-1 was handed over."),
    "cancel": (lambda w, v: {"version": v, "reason": "Fixed itself"}, EventKind.STATUS_CHANGED, "IT-1 is cancelled."),
    "reopen": (lambda w, v: {"version": v, "reason": "Flickers again"}, EventKind.REOPENED, "IT-1 is open again."),
    "watchers": (lambda w, v: {"email": "FRAN@example.test"}, EventKind.WATCHER_ADDED, "Watcher added."),
}

# Who may do what: "ok", 403 (sees the request, may not do this) or 404 (does not see it).
WORKERS = {"reply", "note", "take", "assign", "status", "priority", "transfer", "watchers"}
EXPECTED = {
    "requester": {a: "ok" if a in {"reply", "cancel", "reopen", "watchers"} else 403 for a in ACTIONS},
    "agent": {a: "ok" if a in WORKERS else 403 for a in ACTIONS},
    "it_head": {a: "ok" if a in WORKERS else 403 for a in ACTIONS},
    "watcher": {a: 403 for a in ACTIONS},
    "mkt_head": {a: 403 for a in ACTIONS},
    "it_member": {a: 404 for a in ACTIONS},
    "fac_agent": {a: 404 for a in ACTIONS},
    "leg_agent": {a: 404 for a in ACTIONS},
    "hr": {a: 404 for a in ACTIONS},
    "admin": {a: 404 for a in ACTIONS},
}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_matrix(w, client, login, role, action):
    if action == "reopen":
        workflow.change_status(w.agent, w.req, Status.RESOLVED)
        db.session.commit()
    payload, kind, message = ACTIONS[action]
    before = _events(w.req)
    version = _fresh(w.req).version
    login(getattr(w, role))
    response = client.post(f"/requests/IT-1/{action}", data=payload(w, version))
    expected = EXPECTED[role][action]
    if expected == "ok":
        assert response.status_code == 303, response.text
        assert response.headers["Location"].endswith("/requests/IT-1")
        after = _events(w.req)
        assert after[len(before)].kind == kind
        assert after[len(before)].actor_id == getattr(w, role).id
        assert message in client.get("/requests/IT-1").text
    else:
        assert response.status_code == expected
        if expected == 404:
            assert "Screen flickers" not in response.text  # the title does not leak
        assert len(_events(w.req)) == len(before)
        assert _fresh(w.req).version == version


@pytest.mark.parametrize("role", list(EXPECTED))
def test_who_sees_the_request_page(w, client, login, role):
    login(getattr(w, role))
    response = client.get("/requests/it-1")
    if EXPECTED[role]["reply"] == 404:
        assert response.status_code == 404 and "Screen flickers" not in response.text
    else:
        assert response.status_code == 200 and "Screen flickers" in response.text


def test_anonymous_visitors_log_in_first(w, client):
    assert client.get("/requests/IT-1").status_code == 302
    response = client.post("/requests/IT-1/reply", data={"body": "hi"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert len(_events(w.req)) == 2


def test_unknown_request_is_404(w, client, login):
    login(w.agent)
    assert client.get("/requests/IT-999").status_code == 404
    assert client.post("/requests/IT-999/take", data={"version": 1}).status_code == 404


# --- outcomes of allowed actions ------------------------------------------------------


def test_agent_works_a_request_end_to_end(w, client, login):
    login(w.agent)
    page = client.get("/requests/IT-1").text
    client.post("/requests/IT-1/take", data={"version": version_of(page, "/requests/IT-1/take")})
    assert (_fresh(w.req).assignee_id, _fresh(w.req).status) == (w.agent.id, Status.IN_PROGRESS)
    client.post("/requests/IT-1/reply", data={"body": "Try another cable"})
    page = client.get("/requests/IT-1").text
    response = client.post("/requests/IT-1/status", data={
        "version": version_of(page, "/requests/IT-1/status"), "status": "resolved", "reason": ""})
    assert response.status_code == 303
    req = _fresh(w.req)
    assert req.status == Status.RESOLVED and req.resolved_at is not None
    page = client.get("/requests/IT-1").text
    assert "Resolved" in page and "Try another cable" in page


def test_requester_replies_and_resumes_a_waiting_request(w, client, login):
    workflow.change_status(w.agent, w.req, Status.WAITING)
    db.session.commit()
    login(w.requester)
    response = client.post("/requests/IT-1/reply", data={"body": "Serial is 123"})
    assert response.status_code == 303
    assert _fresh(w.req).status == Status.IN_PROGRESS
    assert [e.kind for e in _events(w.req)][-2:] == [EventKind.REPLIED, EventKind.STATUS_CHANGED]


def test_internal_notes_are_never_shown_to_the_requesting_side(w, client, login):
    workflow.add_note(w.agent, w.req, "Requester broke it twice before")
    db.session.commit()
    login(w.agent)
    page = client.get("/requests/IT-1").text
    assert "Requester broke it twice before" in page and "Internal note" in page
    for role in ("requester", "watcher", "mkt_head"):
        client.post("/logout")
        login(getattr(w, role))
        page = client.get("/requests/IT-1").text
        assert "Screen flickers" in page and "Requester broke it twice before" not in page, role
        assert 'action="/requests/IT-1/note"' not in page


def test_a_past_holder_sees_the_history_but_cannot_act(w, client, login):
    workflow.add_note(w.agent, w.req, "Looks like furniture")
    workflow.transfer(w.agent, w.req, w.repair, reason="It is the desk")
    db.session.commit()
    login(w.agent)
    page = client.get("/requests/IT-1").text
    assert "Looks like furniture" in page and "handed it from IT to FAC" in page
    assert 'action="/requests/IT-1/take"' not in page
    assert client.post("/requests/IT-1/note", data={"body": "still here"}).status_code == 403
    client.post("/logout")
    login(w.fac_agent)  # the new holder sees the whole history, notes included
    page = client.get("/requests/IT-1").text
    assert "Looks like furniture" in page and 'action="/requests/IT-1/take"' in page
    assert 'href="/requests/IT-1"' in client.get("/queue/").text


def test_transfer_moves_it_to_the_other_queue(w, client, login):
    login(w.agent)
    page = client.get("/requests/IT-1").text
    response = client.post("/requests/IT-1/transfer", data={
        "version": version_of(page, "/requests/IT-1/transfer"), "type": w.repair.id, "reason": "desk"})
    assert response.status_code == 303
    req = _fresh(w.req)
    assert (req.department_id, req.status, req.assignee_id) == (w.fac.id, Status.NEW, None)
    assert 'href="/requests/IT-1"' not in client.get("/queue/?status=all").text


def test_add_watcher_by_email(w, client, login):
    login(w.requester)
    response = client.post("/requests/IT-1/watchers", data={"email": "nobody@example.test"})
    assert response.status_code == 409
    assert "Nobody at the company has the e-mail nobody@example.test." in response.text
    client.post("/requests/IT-1/watchers", data={"email": " fran@EXAMPLE.test "})
    assert "Fran Friend" in client.get("/requests/IT-1").text
    client.post("/logout")
    login(w.friend)
    assert client.get("/requests/IT-1").status_code == 200  # watchers see it


# --- htmx, validation, stale forms -----------------------------------------------------


def test_htmx_post_gets_the_request_fragment(w, client, login):
    login(w.agent)
    response = client.post("/requests/IT-1/reply", data={"body": "On my way"}, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and "<nav" not in response.text
    assert "On my way" in response.text and "Screen flickers" in response.text
    assert response.headers["Vary"] and "HX-Request" in response.headers["Vary"]


def test_invalid_htmx_post_gets_422_with_the_message(w, client, login):
    login(w.agent)
    response = client.post("/requests/IT-1/reply", data={"body": "   "}, headers=HTMX)
    assert response.status_code == 422
    assert "<html" not in response.text
    assert field_error(response.text, "body") == "Write something first."
    assert len(_events(w.req)) == 2


def test_invalid_post_without_htmx_gets_the_whole_page(w, client, login):
    login(w.agent)
    response = client.post("/requests/IT-1/transfer", data={"version": 1, "type": 0, "reason": ""})
    assert response.status_code == 422 and "<html" in response.text
    assert field_error(response.text, "type") == "Choose where it goes."
    assert field_error(response.text, "reason") == "Say why it goes to another department."


@pytest.mark.parametrize("htmx", [False, True])
def test_a_stale_form_is_refused_with_409(w, client, login, htmx):
    login(w.agent)
    seen = version_of(client.get("/requests/IT-1").text, "/requests/IT-1/status")
    workflow.take(w.colleague, w.req)  # someone else, meanwhile
    db.session.commit()
    before = _events(w.req)
    response = client.post("/requests/IT-1/status", data={"version": seen, "status": "resolved", "reason": ""},
                           headers=HTMX if htmx else {})
    assert response.status_code == 409
    assert "IT-1 changed since you opened it" in response.text and "Nothing was saved" in response.text
    assert ("<html" in response.text) is not htmx
    assert len(_events(w.req)) == len(before) and _fresh(w.req).status == Status.IN_PROGRESS
    # the form comes back with the current version: sending it again applies it
    again = version_of(response.text, "/requests/IT-1/status")
    assert again == _fresh(w.req).version
    response = client.post("/requests/IT-1/status", data={"version": again, "status": "resolved", "reason": ""})
    assert response.status_code == 303 and _fresh(w.req).status == Status.RESOLVED


def test_a_move_not_allowed_now_gets_a_clear_message(w, client, login):
    login(w.agent)
    response = client.post("/requests/IT-1/status", data={"version": _fresh(w.req).version, "status": "closed"})
    assert response.status_code == 409
    assert "IT-1 cannot go from “New” to “Closed”." in response.text
    assert _fresh(w.req).status == Status.NEW


def test_take_when_someone_else_has_it_names_them(w, client, login):
    workflow.take(w.colleague, w.req)
    db.session.commit()
    login(w.agent)
    response = client.post("/requests/IT-1/take", data={"version": _fresh(w.req).version})
    assert response.status_code == 409
    assert "Cole Colleague has already taken IT-1." in response.text


@pytest.mark.parametrize("action", ["assign", "transfer", "cancel"])
def test_actions_on_a_finished_request_are_refused_cleanly(w, client, login, action):
    workflow.change_status(w.agent, w.req, Status.REJECTED, reason="duplicate")
    db.session.commit()
    version = _fresh(w.req).version
    login(w.requester if action == "cancel" else w.agent)
    payload = ACTIONS[action][0](w, version)
    response = client.post(f"/requests/IT-1/{action}", data=payload)
    assert response.status_code == 409
    assert "IT-1 is rejected" in response.text
    assert _fresh(w.req).version == version


def test_assign_to_someone_outside_the_department_is_refused(w, client, login):
    login(w.agent)
    response = client.post("/requests/IT-1/assign", data={"version": _fresh(w.req).version,
                                                          "assignee": w.fac_agent.id})
    assert response.status_code == 422
    assert field_error(response.text, "assignee") == "Not a valid choice."
    assert _fresh(w.req).assignee_id is None


def test_reopen_after_the_window_is_refused(w, client, login):
    import time_machine
    from datetime import timedelta

    workflow.change_status(w.agent, w.req, Status.RESOLVED)
    db.session.commit()
    resolved_at = _fresh(w.req).resolved_at
    login(w.requester)
    with time_machine.travel(resolved_at + timedelta(days=8), tick=False):
        response = client.post("/requests/IT-1/reopen", data={"version": _fresh(w.req).version,
                                                              "reason": "still broken"})
    assert response.status_code == 409
    assert "IT-1 was resolved more than 7 days ago; file a new request instead." in response.text
    assert _fresh(w.req).status == Status.RESOLVED


def test_user_html_is_shown_as_text(w, client, login, make):
    req = make.request(w.requester, w.laptop, title="<img src=x onerror=alert(1)>", body="<script>alert(2)</script>")
    workflow.reply(w.requester, req, '<a href="javascript:alert(3)">click</a>')
    db.session.commit()
    login(w.agent)
    page = client.get(f"/requests/{req.key}").text
    for raw in ("<img src=x onerror=alert(1)>", "<script>alert(2)</script>", '<a href="javascript:alert(3)">'):
        assert raw not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert 'class="user-text" hx-disable>&lt;script&gt;' in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get("/queue/").text


@pytest.mark.parametrize(
    ("action", "payload", "field", "message"),
    [
        ("reply", {"body": "x" * 20_001}, "body", "Field cannot be longer than 20000 characters."),
        ("note", {"body": "x" * 20_001}, "body", "Field cannot be longer than 20000 characters."),
        ("status", {"status": "rejected", "reason": "x" * 2_001}, "reason",
         "Field cannot be longer than 2000 characters."),
        ("watchers", {"email": "x" * 255}, "email", "Field cannot be longer than 254 characters."),
    ],
)
def test_length_limits(w, client, login, action, payload, field, message):
    login(w.agent)
    response = client.post(f"/requests/IT-1/{action}", data={"version": _fresh(w.req).version, **payload})
    assert response.status_code == 422
    assert field_error(response.text, field) == message
    assert len(_events(w.req)) == 2


# --- filing and following ----------------------------------------------------------------


def _new(w, **values) -> dict:
    data = {"department": w.it.id, "type": w.laptop.id, "title": "Keyboard", "body": "Keys stick",
            "priority": "high", "submission_key": "key-1"}
    data.update(values)
    return data


def test_home_sends_each_role_to_their_page(w, client, login):
    login(w.agent)
    assert client.get("/").headers["Location"].endswith("/queue/")
    client.post("/logout")
    login(w.requester)
    assert client.get("/").headers["Location"].endswith("/requests")


def test_file_a_request(w, client, login):
    login(w.requester)
    form = client.get(f"/requests/new?department={w.it.id}").text
    assert "Laptop" in form and "Printer" in form and "Repair" not in form
    response = client.post("/requests/new", data=_new(w))
    assert response.status_code == 303 and response.headers["Location"].endswith("/requests/IT-2")
    req = db.session.scalar(select(ServiceRequest).where(ServiceRequest.key == "IT-2"))
    assert (req.title, req.body, req.priority, req.requester_id, req.requesting_department_id) == (
        "Keyboard", "Keys stick", Priority.HIGH, w.requester.id, w.mkt.id)
    page = client.get("/requests/IT-2").text
    assert "Keyboard" in page and "filed the request with IT" in page


def test_a_double_submit_files_one_request(w, client, login):
    login(w.requester)
    first = client.post("/requests/new", data=_new(w, submission_key="same"))
    second = client.post("/requests/new", data=_new(w, submission_key="same"))
    assert first.headers["Location"] == second.headers["Location"]
    count = db.session.scalar(select(func.count()).select_from(ServiceRequest))
    assert count == 2  # the fixture's request and this one
    filed = db.session.scalar(select(ServiceRequest).where(ServiceRequest.key == "IT-2"))
    assert [e.kind for e in _events(filed)] == [EventKind.CREATED]
    # another form (another key) files another request
    third = client.post("/requests/new", data=_new(w, submission_key="other"))
    assert third.headers["Location"].endswith("/requests/IT-3")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"title": ""}, "title", "Give the request a short title."),
        ({"title": "x" * 201}, "title", "Field cannot be longer than 200 characters."),
        ({"body": ""}, "body", "Describe what you need."),
        ({"body": "x" * 20_001}, "body", "Field cannot be longer than 20000 characters."),
        ({"type": 0}, "type", "Choose one of the department&#39;s request types."),
        ({"priority": "whenever"}, "priority", "Not a valid choice."),
    ],
)
def test_filing_input_is_checked(w, client, login, values, field, message):
    login(w.requester)
    response = client.post("/requests/new", data=_new(w, **values))
    assert response.status_code == 422
    assert field_error(response.text, field) == message
    assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 1


def test_a_type_of_another_department_is_refused(w, client, login):
    login(w.requester)
    response = client.post("/requests/new", data=_new(w, type=w.repair.id))
    assert response.status_code == 422
    assert field_error(response.text, "type") == "Not a valid choice."


def test_a_department_taking_no_requests_cannot_be_chosen(w, client, login):
    w.it.takes_requests = False
    db.session.commit()
    login(w.requester)
    response = client.post("/requests/new", data=_new(w))
    assert response.status_code == 422
    assert field_error(response.text, "department") == "Not a valid choice."
    assert "Laptop" not in client.get(f"/requests/new?department={w.it.id}").text


def test_invalid_htmx_filing_returns_the_form_fragment(w, client, login):
    login(w.requester)
    response = client.post("/requests/new", data=_new(w, title=""), headers=HTMX)
    assert response.status_code == 422
    assert "<html" not in response.text and 'id="title"' in response.text


def test_type_options_lists_the_departments_live_types(w, client, login, make):
    gone = make.request_type(w.it, "Fax")
    gone.archived_at = gone.created_at
    db.session.commit()
    login(w.requester)
    options = client.get(f"/requests/new/types?department={w.it.id}").text
    assert "Laptop" in options and "Printer" in options and "Fax" not in options and "<html" not in options
    assert "Choose a department first" in client.get("/requests/new/types?department=999").text


def test_my_requests(w, client, login, make):
    done = make.request(w.requester, w.printer, title="Old printer")
    workflow.cancel(w.requester, done)
    other = make.request(w.friend, w.laptop, title="Fran's laptop")
    workflow.add_watcher(w.friend, other, w.requester)
    db.session.commit()
    login(w.requester)
    open_page = client.get("/requests").text
    assert "Screen flickers" in open_page and "Old printer" not in open_page and "Fran&#39;s laptop" not in open_page
    everything = client.get("/requests?scope=all").text
    assert "Screen flickers" in everything and "Old printer" in everything and "Cancelled" in everything
    watching = client.get("/requests?scope=watching", headers=HTMX).text
    assert "Fran&#39;s laptop" in watching and "Screen flickers" not in watching and "<html" not in watching


def test_my_requests_runs_a_fixed_number_of_queries(w, client, login, make):
    login(w.requester)
    with count_queries() as few:
        client.get("/requests?scope=all")
    for n in range(5):
        req = make.request(w.requester, w.repair if n % 2 else w.laptop, title=f"Thing {n}")
        workflow.take(w.agent if n % 2 == 0 else w.fac_agent, req)
    db.session.commit()
    with count_queries() as many:
        page = client.get("/requests?scope=all")
    assert "Thing 4" in page.text
    assert len(many) == len(few)


def test_people_suggestions(w, client, login, make):
    make.user(w.leg, name="Frank Gone", email="frank@example.test", active=False)
    login(w.requester)
    assert client.get("/people?email=f").text == ""
    found = client.get("/people?email=fr").text
    assert "fran@example.test" in found and "frank@example.test" not in found
