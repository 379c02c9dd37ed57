"""Every page a person works in: controls are labelled, buttons and links say what they
do, status is spelled out, and the layout holds at 1280 and 390 pixels wide."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

# Run in the page: each visible control without an accessible name, each button
# or link without text, and whether the page scrolls sideways.
AUDIT = """() => {
  // checkVisibility: also false inside a closed <details> (content-visibility: hidden).
  const visible = el => el.checkVisibility({visibilityProperty: true});
  const named = el => (el.labels && el.labels.length) || el.getAttribute('aria-label')
                      || el.getAttribute('aria-labelledby') || el.getAttribute('title');
  const controls = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(visible).filter(el => !named(el)).map(el => el.outerHTML.slice(0, 120));
  const silent = [...document.querySelectorAll('button, a[href], [role=button]')]
    .filter(visible).filter(el => !(el.textContent || '').trim() && !el.getAttribute('aria-label')
                                  && !el.querySelector('img[alt]:not([alt=""])'))
    .map(el => el.outerHTML.slice(0, 120));
  const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  return {controls, silent, overflow};
}"""


@pytest.fixture
def desk_with_a_request(make):
    it = make.department("IT", "IT")
    mkt = make.department("MKT", "Marketing")
    laptop = make.request_type(it, "Laptop or hardware problem")
    employee = make.user(mkt, name="Emma Lindqvist")
    agent = make.agent(it, name="Arjun Mehta")
    make.request(employee, laptop, title="Screen flickers", body="Since the update.")
    return employee, agent


def audit(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    found = page.evaluate(AUDIT)
    assert found["controls"] == [], f"{url}: controls without a label"
    assert found["silent"] == [], f"{url}: buttons or links that say nothing"
    assert found["overflow"] <= 1, f"{url}: the page scrolls sideways by {found['overflow']} px"


@pytest.mark.parametrize("width", [1280, 390])
def test_main_pages_are_labelled_and_fit(new_context, log_in, base_url, desk_with_a_request, width):
    employee, agent = desk_with_a_request
    viewport = {"width": width, "height": 900}

    anonymous = new_context(viewport=viewport).new_page()
    audit(anonymous, f"{base_url}/login")

    requester = log_in(new_context(viewport=viewport).new_page(), employee)
    for path in ("/requests", "/requests/new", "/requests/IT-1"):
        audit(requester, base_url + path)
    # Status is a word, not only a colour.
    expect(requester.locator("header")).to_contain_text("Status: New")

    worker = log_in(new_context(viewport=viewport).new_page(), agent)
    for path in ("/queue/", "/requests/IT-1"):
        audit(worker, base_url + path)
    expect(worker.get_by_role("button", name="Take it")).to_be_visible()
    check_request_layout(worker, width)


def check_request_layout(page: Page, width: int) -> None:
    """On a phone the agent's actions come after the timeline and before the reply box; from
    992 px (Bootstrap's lg) they sit beside the request, and the reply follows the timeline at once."""
    box = lambda locator: locator.bounding_box()  # noqa: E731
    description = box(page.locator("section", has=page.locator("#description-heading")))
    timeline = box(page.locator("section", has=page.get_by_role("heading", name="Timeline")))
    actions = box(page.get_by_role("complementary", name="Actions"))
    reply = box(page.locator("section", has=page.get_by_role("heading", name="Reply", exact=True)))
    assert page.get_by_role("complementary", name="Actions").get_by_role("heading", name="Work this request").is_visible()
    if width < 992:
        assert timeline["y"] + timeline["height"] <= actions["y"], "the actions come after the timeline"
        assert actions["y"] + actions["height"] <= reply["y"], "the actions come before the reply box"
        assert actions["width"] == reply["width"], "one column"
    else:
        assert actions["x"] >= reply["x"] + reply["width"], "the actions are a column on the right"
        assert abs(actions["y"] - description["y"]) < 1, "level with the request"
        # A new request's timeline is shorter than the actions: the reply does not wait for them to end.
        assert actions["y"] + actions["height"] > reply["y"]
        assert 0 <= reply["y"] - (timeline["y"] + timeline["height"]) <= 32
