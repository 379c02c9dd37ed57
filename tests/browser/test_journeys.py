"""The journeys of issue 2, clicked through in Chromium: file, work, follow, and not see."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from desk.extensions import db
from desk.models import EventKind, ServiceRequest, Status
from tests.browser_support import follow


@pytest.fixture
def company(make):
    """IT takes requests; an employee in Marketing; an agent in Finance who has no business with IT's work."""
    it = make.department("IT", "IT")
    mkt = make.department("MKT", "Marketing")
    fin = make.department("FIN", "Finance")
    return {
        "it": it,
        "laptop": make.request_type(it, "Laptop or hardware problem"),
        "employee": make.user(mkt, name="Emma Lindqvist"),
        "agent": make.agent(it, name="Arjun Mehta"),
        "outsider": make.agent(fin, name="Frank Osei"),
    }


def mark_page(page: Page) -> None:
    """A flag on the window: it survives htmx swaps and disappears on a full page load."""
    page.evaluate("window.__deskNoReload = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__deskNoReload === true"), "expected an htmx swap, got a full page load"


def file_request(page: Page, title: str, body: str) -> None:
    follow(page.get_by_role("link", name="File a new request"), r"/requests/new$")
    page.get_by_label("Department").select_option(label="IT")
    # The request types arrive through htmx once a department is chosen.
    expect(page.get_by_label("Request type").locator("option", has_text="Laptop or hardware problem")).to_be_attached()
    page.get_by_label("Request type").select_option(label="Laptop or hardware problem")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill(body)
    page.get_by_label("Priority").select_option(label="High")
    page.get_by_role("button", name="File request").click()


def test_request_from_filing_to_resolution(page, page_as, log_in, company, base_url):
    employee, agent = company["employee"], company["agent"]

    # The employee files a request and finds it under "My requests".
    log_in(page, employee)
    file_request(page, "Laptop will not start", "It shows a black screen since this morning.")
    expect(page).to_have_url(re.compile(r"/requests/IT-1$"))
    expect(page.get_by_role("heading", name="Laptop will not start")).to_be_visible()
    follow(page.get_by_role("link", name="My requests"), r"/requests$")
    row = page.get_by_role("row").filter(has_text="IT-1")
    expect(row).to_contain_text("Laptop will not start")
    expect(row).to_contain_text("New")

    # An IT agent takes it, replies and resolves it, through the real buttons (htmx: no reload).
    desk = page_as(agent)
    expect(desk.get_by_role("heading", name="IT queue")).to_be_visible()
    follow(desk.get_by_role("link", name="IT-1"), r"/requests/IT-1$")
    mark_page(desk)
    desk.get_by_role("button", name="Take it").click()
    expect(desk.get_by_text(f"Assignee: {agent.name}")).to_be_visible()
    expect(desk.locator("header")).to_contain_text("In progress")
    desk.get_by_role("textbox", name=f"Reply to {employee.name}").fill("A new laptop is on its way; it arrives tomorrow.")
    desk.get_by_role("button", name="Send reply").click()
    expect(desk.locator(".timeline")).to_contain_text("A new laptop is on its way")
    desk.get_by_label("New status").select_option(label="Resolved")
    desk.get_by_role("button", name="Change status").click()
    expect(desk.locator("header")).to_contain_text("Resolved")
    assert_not_reloaded(desk)

    db.session.rollback()
    req = db.session.scalar(select(ServiceRequest).filter_by(key="IT-1"))
    assert req.status == Status.RESOLVED and req.assignee_id == agent.id
    assert [e.kind for e in req.events] == [
        EventKind.CREATED, EventKind.ASSIGNED, EventKind.STATUS_CHANGED, EventKind.REPLIED, EventKind.STATUS_CHANGED,
    ]

    # The requester sees the reply and the new status.
    page.goto(f"{base_url}/requests/IT-1")
    expect(page.locator("header")).to_contain_text("Resolved")
    expect(page.locator(".timeline")).to_contain_text("A new laptop is on its way; it arrives tomorrow.")
    # Not happy? The rating panel offers to reopen instead of rating.
    expect(page.get_by_text("Not actually fixed?")).to_be_visible()


def test_unrelated_department_gets_not_found(page, log_in, company, make, base_url):
    make.request(company["employee"], company["laptop"], title="Screen flickers")

    log_in(page, company["outsider"])
    response = page.goto(f"{base_url}/requests/IT-1")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Screen flickers")


def test_login_with_a_wrong_password_says_so(page, company, base_url):
    page.goto(f"{base_url}/requests")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-mail").fill(company["employee"].email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("E-mail or password is not right.")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_queue_filters_update_in_place(page, log_in, company, make):
    make.request(company["employee"], company["laptop"], title="Docking station not detected")
    make.request(company["employee"], company["laptop"], title="Keyboard keys stuck")

    log_in(page, company["agent"])
    expect(page.get_by_role("heading", name="IT queue")).to_be_visible()
    expect(page.locator("#results")).to_contain_text("2 requests")
    mark_page(page)

    page.get_by_label("Search").fill("keyboard")
    expect(page.locator("#results")).to_contain_text("1 request")
    expect(page.locator("#results")).to_contain_text("Keyboard keys stuck")
    expect(page.locator("#results")).not_to_contain_text("Docking station")
    expect(page).to_have_url(re.compile(r"[?&]q=keyboard"))

    page.get_by_label("Status").select_option(label="Any status")  # the search reaches into history
    expect(page).to_have_url(re.compile(r"[?&]status=all"))
    expect(page.locator("#results")).to_contain_text("1 request")
    expect(page.locator("#results")).to_contain_text("Keyboard keys stuck")

    page.get_by_label("Assignee").select_option(label="Mine")
    expect(page.locator("#results")).to_contain_text("No requests match these filters.")
    expect(page).to_have_url(re.compile(r"[?&]assignee=mine"))
    assert_not_reloaded(page)


def tab_to(page: Page, locator, presses: int = 60) -> None:
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    for _ in range(presses):
        if locator.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def test_filing_with_the_keyboard_only(page, log_in, company, base_url):
    log_in(page, company["employee"])
    page.goto(f"{base_url}/requests/new")

    department = page.get_by_label("Department")
    tab_to(page, department)
    page.keyboard.press("ArrowDown")  # IT, the only department with request types
    expect(department).to_have_value(str(company["it"].id))
    request_type = page.get_by_label("Request type")
    expect(request_type.locator("option", has_text="Laptop or hardware problem")).to_be_attached()
    tab_to(page, request_type)
    page.keyboard.press("ArrowDown")
    tab_to(page, page.get_by_label("Title"))
    page.keyboard.type("Mouse is missing")
    tab_to(page, page.get_by_label("Description"))
    page.keyboard.type("Someone borrowed it.")

    button = page.get_by_role("button", name="File request")
    tab_to(page, button)
    # The focus is visible: Bootstrap's focus ring is a box-shadow (or an outline).
    ring = button.evaluate("el => { const s = getComputedStyle(el); return [s.boxShadow, s.outlineStyle]; }")
    assert ring[0] != "none" or ring[1] != "none", ring
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/requests/IT-1$"))
    expect(page.get_by_role("heading", name="Mouse is missing")).to_be_visible()
