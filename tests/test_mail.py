"""E-mail: a real SMTP server (aiosmtpd) receives what desk sends, and only after the commit."""

from __future__ import annotations

import logging

from desk.extensions import db
from desk.models import Event, EventKind, NotificationKind, Status
from desk.services import inbox, mail, workflow
from tests.mail_support import free_port, html_of, smtp, text_of  # noqa: F401 - smtp is a fixture


def _world(make):
    it = make.department("IT", "IT")
    mkt = make.department("MKT", "Marketing")
    laptop = make.request_type(it, "Laptop")
    agent = make.agent(it, name="Arjun Agent", email="arjun@example.test")
    requester = make.user(mkt, name="Emma Requester", email="emma@example.test")
    req = make.request(requester, laptop, title="Screen <flickers>")
    return it, agent, requester, req


def test_reply_is_mailed_after_the_commit_with_the_key_text_and_html(make, smtp):
    _, agent, requester, req = _world(make)
    smtp.clear()

    workflow.reply(agent, req, "Try the <b>other</b> cable, please.")
    db.session.flush()
    assert [m["Subject"] for m in mail.queued()] == ["[IT-1] Arjun Agent replied: Screen <flickers>"]
    assert smtp.messages == []  # nothing leaves before the commit

    db.session.commit()
    (message,) = smtp.wait_for(1)
    assert message["Subject"] == "[IT-1] Arjun Agent replied: Screen <flickers>"
    assert "emma@example.test" in message["To"]
    assert message.get_content_type() == "multipart/alternative"
    text, html = text_of(message), html_of(message)
    assert "Try the <b>other</b> cable, please." in text
    assert "https://desk.example.test/requests/IT-1" in text
    # user text is escaped in the HTML part
    assert "Try the &lt;b&gt;other&lt;/b&gt; cable" in html and "<b>other</b>" not in html
    assert 'href="https://desk.example.test/requests/IT-1"' in html
    assert mail.queued() == []


def test_a_rollback_sends_nothing(make, smtp):
    _, agent, _, req = _world(make)
    smtp.clear()
    workflow.reply(agent, req, "This will be rolled back.")
    db.session.flush()
    assert len(mail.queued()) == 1
    db.session.rollback()
    assert mail.queued() == []
    db.session.commit()  # a later commit must not send the dropped mail
    assert smtp.wait_for(1, timeout=0.3) == []


def test_new_request_mail_goes_to_the_departments_agents_only(make, smtp):
    it = make.department("IT")
    mkt = make.department("MKT")
    laptop = make.request_type(it, "Laptop")
    agent = make.agent(it, email="agent@example.test")
    head = make.head(it, email="head@example.test")
    make.user(it, email="member@example.test")  # a plain member does not work the queue
    requester = make.user(mkt, email="req@example.test")
    make.request(requester, laptop)
    messages = smtp.wait_for(2)
    assert sorted(str(m["To"]).split("<")[-1].rstrip(">") for m in messages) == sorted([head.email, agent.email])
    assert all(m["Subject"].startswith(f"[{it.code}-1] ") and "filed a new request" in m["Subject"] for m in messages)


def test_a_failing_smtp_server_never_loses_the_change(make, smtp, client, login, caplog):
    _, agent, _, req = _world(make)
    smtp.wait_for(1)  # the new-request mail to the agent
    smtp.clear()
    smtp.refuse = True
    login(agent)
    with caplog.at_level(logging.ERROR, logger="desk.mail"):
        response = client.post(f"/requests/{req.key}/reply", data={"body": "Saved even if mail fails."})
    assert response.status_code == 303
    db.session.expire_all()
    bodies = [e.body for e in db.session.scalars(db.select(Event).where(Event.kind == EventKind.REPLIED))]
    assert bodies == ["Saved even if mail fails."]
    assert "refused" in caplog.text and "[IT-1]" in caplog.text
    assert smtp.messages == []


def test_an_unreachable_smtp_server_never_loses_the_change(make, app, monkeypatch, caplog):
    _, agent, _, req = _world(make)
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens there
    with caplog.at_level(logging.ERROR, logger="desk.mail"):
        workflow.change_status(agent, req, Status.RESOLVED)
        db.session.commit()
    assert "could not send" in caplog.text
    db.session.expire_all()
    assert db.session.get(type(req), req.id).status == Status.RESOLVED


def test_without_an_smtp_host_mail_is_written_to_the_log(make, app, caplog):
    assert not app.config["SMTP_HOST"]
    _, agent, _, req = _world(make)
    with caplog.at_level(logging.INFO, logger="desk.mail"):
        workflow.reply(agent, req, "Logged, not sent.")
        db.session.commit()
    assert "Subject: [IT-1] " in caplog.text and "Logged, not sent." in caplog.text


def test_e_mail_can_be_turned_off_per_kind_and_the_bell_still_rings(make, smtp):
    _, agent, requester, req = _world(make)
    inbox.set_email_choices(requester, {NotificationKind.REPLY: False})
    db.session.commit()
    smtp.clear()
    workflow.reply(agent, req, "Quiet reply")
    db.session.commit()
    assert smtp.wait_for(1, timeout=0.3) == []
    assert inbox.unread_count(requester) == 1

    workflow.change_status(agent, req, Status.WAITING)  # status changes are still e-mailed
    db.session.commit()
    (message,) = smtp.wait_for(1)
    assert "changed the status to waiting on requester" in message["Subject"]


def test_link_uses_base_url_outside_a_request(app):
    with app.app_context():
        app.config["BASE_URL"], old = "https://desk.example.com/", app.config["BASE_URL"]
        try:
            assert mail.link("requests.show", key="IT-7") == "https://desk.example.com/requests/IT-7"
        finally:
            app.config["BASE_URL"] = old
