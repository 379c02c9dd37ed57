"""Issue 4's journey in Chromium: the agent resolves, the requester rates from the e-mail's
one-click link and adds a comment, and the department's head reads it."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect
from sqlalchemy import select

from desk.extensions import db
from desk.models import Rating, Status
from desk.services import workflow
from tests.browser_support import follow
from tests.mail_support import Inbox, free_port, text_of
from tests.rating_support import star_links


@pytest.fixture
def live_smtp(live_app, live_server, monkeypatch):
    """A real SMTP server for the live app; links in mails point at the live server."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(live_app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(live_app.config, "SMTP_PORT", port)
    monkeypatch.setitem(live_app.config, "BASE_URL", live_server)
    yield inbox
    controller.stop()


def test_resolve_then_rate_from_the_mail_then_the_head_reads_it(page, page_as, make, live_smtp, base_url, browser):
    it = make.department("IT", "IT")
    mkt = make.department("MKT", "Marketing")
    laptop = make.request_type(it, "Laptop or hardware problem")
    employee = make.user(mkt, name="Emma Lindqvist")
    agent = make.agent(it, name="Arjun Mehta")
    head = make.head(it, name="Irene Torres")
    req = make.request(employee, laptop, title="Laptop will not start")
    workflow.take(agent, req)
    db.session.commit()

    # The agent resolves it, scoring how clear the request was.
    desk = page_as(agent)
    desk.goto(f"{base_url}/requests/IT-1")
    desk.get_by_label("New status").select_option(label="Resolved")
    desk.get_by_label("How clear was the request?").select_option(label="4")
    desk.get_by_role("button", name="Change status").click()
    expect(desk.locator("header")).to_contain_text("Resolved")

    # The requester's resolution e-mail carries five one-click stars.
    mails = [m for m in live_smtp.wait_for(1) if employee.email in str(m["To"]) and "resolved" in m["Subject"]]
    assert len(mails) == 1 and mails[0]["Subject"].startswith("[IT-1] ")
    links = star_links(text_of(mails[0]))
    assert len(links) == 5

    # Clicking "4 stars" in the mail, on a phone where nobody is logged in.
    phone = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
    phone.goto(base_url + links[3])
    expect(phone.get_by_text("You chose")).to_be_visible()
    confirm = phone.get_by_role("button", name="Rate 4 of 5")
    expect(confirm).to_be_focused()  # one more click (or Enter) and it is recorded
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Anything to add?")).to_be_visible()
    expect(phone.get_by_role("radio", name="4 · Good")).to_be_checked()
    phone.get_by_label("Reliability").select_option(label="5")
    phone.get_by_label("Comment (optional)").fill("Fixed in an hour, very kind.")
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_role("heading", name="Thank you, Emma Lindqvist")).to_be_visible()

    db.session.rollback()
    rating = db.session.scalar(select(Rating))
    assert (rating.score, rating.reliability, rating.comment) == (4, 5, "Fixed in an hour, very kind.")
    assert db.session.get(type(req), req.id).status == Status.CLOSED

    # The head of IT reads it on the department's ratings page.
    boss = page_as(head)
    follow(boss.get_by_role("link", name="Ratings", exact=True), r"/ratings/department")
    expect(boss.get_by_role("heading", name="IT: ratings")).to_be_visible()
    individual = boss.locator("section", has=boss.get_by_role("heading", name="Individual ratings"))
    expect(individual).to_contain_text("Fixed in an hour, very kind.")
    expect(individual).to_contain_text("4 of 5")
    expect(individual).to_contain_text("Reliability: 5/5")
    expect(individual).to_contain_text("IT-1")
    expect(individual).to_contain_text("Emma Lindqvist")
