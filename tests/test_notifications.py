"""Who hears what, in the inbox and the bell; the inbox pages and the e-mail settings."""

from __future__ import annotations

import re

from sqlalchemy import select

from desk.extensions import db
from desk.models import EventKind, Notification, NotificationKind, NotificationPreference, Role, Status
from desk.services import inbox, notify, workflow
from tests.helpers import HTMX, count_queries
from tests.mail_support import smtp  # noqa: F401 - fixture

K = NotificationKind


class Company:
    def __init__(self, make):
        self.it = make.department("IT", "IT")
        self.mkt = make.department("MKT", "Marketing")
        self.fin = make.department("FIN", "Finance")
        self.laptop = make.request_type(self.it, "Laptop")
        self.fin_invoice = make.request_type(self.fin, "Invoice")
        self.agent = make.agent(self.it, name="Ivan Agent")
        self.agent2 = make.agent(self.it, name="Ines Agent")
        self.head = make.head(self.it, name="Hilda Head")
        self.it_member = make.user(self.it, name="Iris Member")
        self.fin_agent = make.agent(self.fin, name="Finn Agent")
        self.requester = make.user(self.mkt, name="Rita Requester")
        self.mkt_head = make.head(self.mkt, name="Mona MKT head")
        self.watcher = make.user(self.fin, name="Walter Watcher")
        self.make = make

    def request(self, **kw):
        return self.make.request(self.requester, self.laptop, **kw)


def inbox_of(user) -> list[tuple[str, NotificationKind, str]]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    return [(n.request.key, n.kind, n.summary) for n in rows]


def kinds_of(user) -> list[NotificationKind]:
    return [kind for _, kind, _ in inbox_of(user)]


def checked(html: str, checkbox_id: str) -> bool:
    tag = re.search(rf'<input[^>]*id="{checkbox_id}"[^>]*>', html).group(0)
    return " checked" in tag


def clear_inboxes() -> None:
    db.session.execute(Notification.__table__.delete())
    db.session.commit()


def test_a_new_request_tells_the_departments_agents_and_heads_only(make):
    c = Company(make)
    c.request()
    assert kinds_of(c.agent) == kinds_of(c.agent2) == kinds_of(c.head) == [K.NEW_REQUEST]
    assert inbox_of(c.agent)[0] == ("IT-1", K.NEW_REQUEST, "Rita Requester filed a new request")
    for nobody in (c.it_member, c.requester, c.mkt_head, c.fin_agent, c.watcher):
        assert kinds_of(nobody) == []


def test_replies_reach_requester_watchers_and_assignee_but_never_the_author(make):
    c = Company(make)
    req = c.request()
    workflow.add_watcher(c.requester, req, c.watcher)
    workflow.take(c.agent, req)
    db.session.commit()
    clear_inboxes()

    workflow.reply(c.agent, req, "On it")
    db.session.commit()
    assert kinds_of(c.requester) == [K.REPLY]
    assert kinds_of(c.watcher) == [K.REPLY]
    assert kinds_of(c.agent) == []  # the author
    assert kinds_of(c.agent2) == kinds_of(c.head) == kinds_of(c.mkt_head) == []

    clear_inboxes()
    workflow.reply(c.requester, req, "Thanks")
    db.session.commit()
    assert kinds_of(c.agent) == [K.REPLY]
    assert kinds_of(c.watcher) == [K.REPLY]
    assert kinds_of(c.requester) == []


def test_internal_notes_reach_the_assignee_only(make, smtp):
    c = Company(make)
    req = c.request()
    workflow.add_watcher(c.requester, req, c.watcher)
    workflow.assign(c.head, req, c.agent)
    db.session.commit()
    clear_inboxes()
    smtp.clear()

    workflow.add_note(c.head, req, "Secret pangolin note")
    db.session.commit()
    assert kinds_of(c.agent) == [K.NOTE]
    for user in (c.requester, c.watcher, c.agent2, c.head):
        assert kinds_of(user) == []
    messages = smtp.wait_for(1)
    assert [str(m["To"]) for m in messages] == [f"{c.agent.name} <{c.agent.email}>"]
    assert all("pangolin" not in m.as_string().lower() or c.agent.email in str(m["To"]) for m in messages)


def test_assignment_tells_the_new_assignee_unless_they_took_it_themselves(make):
    c = Company(make)
    req = c.request()
    clear_inboxes()
    workflow.assign(c.head, req, c.agent)
    db.session.commit()
    assert kinds_of(c.agent) == [K.ASSIGNED]
    assert inbox_of(c.agent)[0][2] == "Hilda Head assigned it to Ivan Agent"
    # the move to "in progress" that comes with it tells the requester
    assert kinds_of(c.requester) == [K.STATUS]

    req2 = c.request(title="Second")
    clear_inboxes()
    workflow.take(c.agent2, req2)
    db.session.commit()
    assert kinds_of(c.agent2) == []


def test_status_changes_tell_requester_and_watchers_and_resolution_asks_to_rate(make):
    c = Company(make)
    req = c.request()
    workflow.add_watcher(c.requester, req, c.watcher)
    workflow.take(c.agent, req)
    db.session.commit()
    clear_inboxes()
    workflow.change_status(c.agent, req, Status.RESOLVED)
    db.session.commit()
    assert inbox_of(c.requester) == [("IT-1", K.RESOLVED, "Ivan Agent changed the status to resolved")]
    assert kinds_of(c.watcher) == [K.STATUS]
    assert kinds_of(c.agent) == []


def test_when_the_requester_reopens_or_cancels_the_assignee_hears_it(make):
    c = Company(make)
    req = c.request()
    workflow.take(c.agent, req)
    workflow.change_status(c.agent, req, Status.RESOLVED)
    db.session.commit()
    clear_inboxes()
    workflow.reopen(c.requester, req, reason="Still broken")
    db.session.commit()
    assert kinds_of(c.agent) == [K.STATUS]
    assert inbox_of(c.agent)[0][2] == "Rita Requester reopened it"

    unassigned = c.request(title="Never mind")
    clear_inboxes()
    workflow.cancel(c.requester, unassigned, reason="Solved it myself")
    db.session.commit()
    # nobody has it yet: the department's staff hear it
    assert kinds_of(c.agent) == kinds_of(c.agent2) == kinds_of(c.head) == [K.STATUS]


def test_a_transfer_tells_the_new_departments_agents(make):
    c = Company(make)
    req = c.request()
    workflow.take(c.agent, req)
    db.session.commit()
    clear_inboxes()
    workflow.transfer(c.agent, req, c.fin_invoice, reason="Finance pays invoices")
    db.session.commit()
    assert kinds_of(c.fin_agent) == [K.NEW_REQUEST]
    assert kinds_of(c.requester) == [K.STATUS]
    assert inbox_of(c.requester)[0][2] == "Ivan Agent handed it over from IT to FIN"
    assert kinds_of(c.agent2) == []


def test_escalations_and_sla_warnings_reach_the_heads(make):
    c = Company(make)
    req = c.request()
    workflow.assign(c.head, req, c.agent)
    db.session.commit()
    clear_inboxes()
    workflow._record(req, c.requester, EventKind.ESCALATED, body="Late!")
    workflow._record(req, None, EventKind.SLA_WARNING, data={"level": "breached"})
    db.session.commit()
    assert kinds_of(c.head) == [K.ESCALATED, K.SLA_WARNING]
    assert kinds_of(c.agent) == [K.SLA_WARNING]
    assert inbox_of(c.agent)[0][2] == "Service level warning: breached"
    assert kinds_of(c.agent2) == []


def test_each_event_notifies_once_however_often_the_hook_is_called(make):
    c = Company(make)
    req = c.request()
    clear_inboxes()
    event = workflow.reply(c.agent, req, "Once")
    notify.event_recorded(event)  # the workflow's other call site passes the event alone
    notify.event_recorded(req, event)
    db.session.commit()
    assert kinds_of(c.requester) == [K.REPLY]


def test_inactive_people_hear_nothing(make):
    c = Company(make)
    c.agent2.active = False
    db.session.commit()
    c.request()
    assert kinds_of(c.agent) == [K.NEW_REQUEST]
    assert kinds_of(c.agent2) == []


def test_confidential_requests_and_lost_access_are_respected(make):
    c = Company(make)
    grievance = make.request_type(c.it, "Concern", confidential=True)
    req = make.request(c.requester, grievance)
    workflow.take(c.agent, req)
    db.session.commit()
    clear_inboxes()
    # the requesting head may see ordinary requests of their department, never confidential ones
    workflow.reply(c.agent, req, "Confidential answer")
    workflow.change_status(c.agent, req, Status.RESOLVED)
    db.session.commit()
    assert kinds_of(c.mkt_head) == []
    assert kinds_of(c.requester) == [K.REPLY, K.RESOLVED]

    # an agent who moved to another department no longer sees IT's requests, nor what was said about them
    workflow.reply(c.requester, req, "Still there?")
    db.session.commit()
    assert inbox.unread_count(c.agent) == 1
    c.agent.department = c.fin
    db.session.commit()
    assert inbox.unread_count(c.agent) == 0
    assert inbox.page(c.agent).items == []


# --- the bell, the inbox, the settings (HTTP) ---------------------------------

def test_the_bell_shows_the_unread_count_and_polls_passively(make, client, login):
    c = Company(make)
    c.request()
    c.request(title="Another")
    login(c.agent)
    page = client.get("/notifications")
    assert 'hx-trigger="every 30s"' in page.text
    assert 'aria-label="Notifications: 2 unread"' in page.text

    bell = client.get("/notifications/bell", headers=HTMX)
    assert bell.status_code == 200
    assert 'aria-label="Notifications: 2 unread"' in bell.text and ">2<" in bell.text
    assert "<nav" not in bell.text  # just the fragment
    assert "Set-Cookie" not in bell.headers  # polling extends nothing


def test_the_bell_stops_polling_for_a_logged_out_browser(app, client):
    response = client.get("/notifications/bell", headers=HTMX)
    assert response.status_code == 286  # htmx stops polling on 286
    assert response.text == ""


def test_the_inbox_lists_links_and_marks_read(make, client, login):
    c = Company(make)
    c.request(title="First <b>title</b>")
    c.request(title="Second")
    other = db.session.scalar(select(Notification).where(Notification.user_id == c.agent2.id))
    login(c.agent)
    page = client.get("/notifications")
    assert page.text.index("IT-2") < page.text.index("IT-1")  # newest first
    assert 'href="/requests/IT-1"' in page.text
    assert "First &lt;b&gt;title&lt;/b&gt;" in page.text
    assert "Rita Requester filed a new request" in page.text

    mine = db.session.scalars(select(Notification).where(Notification.user_id == c.agent.id)
                              .order_by(Notification.id)).all()
    response = client.post(f"/notifications/{mine[0].id}/read", data={"open": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/requests/IT-1")
    db.session.expire_all()
    assert mine[0].read_at is not None and mine[1].read_at is None

    # somebody else's notification: 404, and it stays unread
    assert client.post(f"/notifications/{other.id}/read").status_code == 404
    db.session.expire_all()
    assert other.read_at is None

    unread = client.get("/notifications?show=unread")
    assert "IT-2" in unread.text and 'href="/requests/IT-1"' not in unread.text

    response = client.post("/notifications/read-all")
    assert response.status_code == 303
    assert "Marked 1 notification as read." in client.get(response.headers["Location"]).text
    assert inbox.unread_count(c.agent) == 0
    assert inbox.unread_count(c.agent2) == 2


def test_the_inbox_page_does_not_query_per_row(make, client, login):
    c = Company(make)
    c.request()
    login(c.agent)
    with count_queries() as few:
        client.get("/notifications")
    for n in range(8):
        c.request(title=f"More {n}")
    with count_queries() as many:
        page = client.get("/notifications")
    assert "More 7" in page.text
    assert len(many) == len(few)


def test_settings_turn_e_mail_off_per_kind(make, client, login):
    c = Company(make)
    login(c.agent)
    page = client.get("/settings/notifications")
    assert checked(page.text, "reply") and checked(page.text, "new_request")
    form = {kind.value: "y" for kind in NotificationKind if kind not in (K.NEW_REQUEST, K.NOTE)}
    response = client.post("/settings/notifications", data=form)
    assert response.status_code == 303
    off = set(db.session.scalars(select(NotificationPreference.kind).where(
        NotificationPreference.user_id == c.agent.id, NotificationPreference.email.is_(False))))
    assert off == {K.NEW_REQUEST, K.NOTE}
    assert inbox.email_choices(c.agent)[K.REPLY] is True
    page = client.get("/settings/notifications")
    assert "Your e-mail choices are saved." in page.text
    assert checked(page.text, "reply") and not checked(page.text, "new_request")
    # turn one back on
    client.post("/settings/notifications", data={**form, K.NOTE.value: "y"})
    assert inbox.email_choices(c.agent)[K.NOTE] is True and inbox.email_choices(c.agent)[K.NEW_REQUEST] is False


def test_anonymous_users_are_sent_to_log_in(client, app):
    for url in ("/notifications", "/settings/notifications"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_roles_other_than_staff_do_not_get_queue_notifications(make):
    c = Company(make)
    c.it_member.role = Role.MEMBER
    db.session.commit()
    c.request()
    assert kinds_of(c.it_member) == []
