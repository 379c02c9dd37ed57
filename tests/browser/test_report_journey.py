"""Issue 5's journeys in Chromium: a head filters their SLA review in place, follows a bottleneck
cell to the requests behind it and downloads a table; HR reads the health scorecard and the
matrix as aggregates only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from desk.extensions import db
from desk.models import Status
from desk.services import workflow
from tests.browser_support import follow


@pytest.fixture
def history(make):
    it = make.department("IT", "IT")
    mkt = make.department("MKT", "Marketing")
    people = make.department("HR", "Human Resources")
    laptop = make.request_type(it, "Laptop or hardware problem")
    employee = make.user(mkt, name="Emma Lindqvist")
    agent = make.agent(it, name="Arjun Mehta")
    resolved = make.request(employee, laptop, title="Laptop will not start")
    make.request(employee, laptop, title="Dock <b>flickers</b>")
    workflow.take(agent, resolved)
    workflow.change_status(agent, resolved, Status.RESOLVED)
    db.session.commit()
    return {"head": make.head(it, name="Irene Torres"), "hr": make.user(people, name="Hana Ruiz", is_hr=True)}


def test_a_head_filters_the_review_opens_a_bottleneck_and_downloads_a_table(page, log_in, history, base_url):
    log_in(page, history["head"])
    page.goto(f"{base_url}/reports/review")
    expect(page.get_by_role("heading", name="SLA review")).to_be_visible()
    expect(page.locator("#report")).to_contain_text("(30 days)")
    page.evaluate("window.__deskNoReload = true")

    page.get_by_label("Period").select_option(label="Last 7 days")  # htmx: the report swaps in place
    expect(page).to_have_url(re.compile(r"[?&]period=7d"))
    expect(page.locator("#report")).to_contain_text("(7 days)")
    assert page.evaluate("window.__deskNoReload === true"), "the filter reloaded the whole page"

    follow(page.get_by_role("link", name="Bottlenecks"), r"/reports/bottlenecks\?.*period=7d")
    matrix = page.locator(".bottleneck-matrix")
    expect(matrix.get_by_role("row", name=re.compile("Marketing"))).to_contain_text("2 filed · 1 open")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV of this table").last.click()
    assert download.value.suggested_filename.endswith(".csv")
    assert "Marketing" in open(download.value.path(), encoding="utf-8").read()

    follow(matrix.get_by_role("link").first, r"/reports/bottlenecks/requests\?")
    expect(page.get_by_role("heading", name="Marketing → IT")).to_be_visible()
    expect(page.locator("#results")).to_contain_text("Laptop will not start")  # resolved in the period
    page.get_by_role("link", name="Open now").click()
    expect(page).to_have_url(re.compile(r"[?&]show=open"))
    expect(page.locator("#results")).to_contain_text("Dock <b>flickers</b>")  # typed HTML stays text


def test_hr_reads_health_and_bottlenecks_as_aggregates_only(page, log_in, history, base_url):
    log_in(page, history["hr"])
    page.goto(f"{base_url}/reports/health")
    expect(page.get_by_role("heading", name="Cross-team health")).to_be_visible()
    expect(page.get_by_role("heading", name="How the health index is made")).to_be_visible()
    expect(page.locator("#report")).not_to_contain_text("Laptop will not start")  # no request contents

    follow(page.get_by_role("link", name="Bottlenecks"), r"/reports/bottlenecks")
    matrix = page.locator(".bottleneck-matrix")
    expect(matrix).to_contain_text("Marketing")
    expect(matrix.get_by_role("link")).to_have_count(0)  # HR cannot open the requests behind a cell
