"""Who sees which report: heads their own department, HR every aggregate, anyone else 404.

Only a head reaches the requests behind a matrix cell, and then only those the
visibility rule shows them; HR pages never carry request contents.
"""

from __future__ import annotations

import pytest

from tests.report_history import NOW, PERIOD, build
from tests.sla_support import at

PAGES = ["/reports/", "/reports/review", "/reports/bottlenecks", "/reports/waits", "/reports/handoffs",
         "/reports/health", "/reports/attainment", "/reports/chart/review-weekly.svg",
         "/reports/review?format=csv&table=summary"]


@pytest.fixture
def h(make):
    return build(make)


@pytest.fixture
def login(login, client):
    """Log in at the frozen "now" (a session signed "in the future" would be refused then)."""

    def login_now(user):
        with at(NOW):
            client.post("/logout")
            return login(user)

    return login_now


def get(client, path, **args):
    path, _, query = path.partition("?")
    extra = dict(pair.split("=") for pair in query.split("&")) if query else {}
    with at(NOW):
        return client.get(path, query_string={**PERIOD, **extra, **args})


@pytest.mark.parametrize("who", ["employee", "agent", "fac_agent"])
def test_members_and_agents_get_404_everywhere(h, client, login, who):
    login(getattr(h, who))
    for path in PAGES + ["/reports/bottlenecks/requests"]:
        response = get(client, path, requesting=h.mkt.id, providing=h.it.id)
        assert response.status_code == 404, path
        assert "Request 1" not in response.text


def test_anonymous_is_sent_to_login(h, client):
    response = get(client, "/reports/review")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_head_sees_own_department_only(h, client, login):
    login(h.fac_head)
    response = get(client, "/reports/review", department=h.it.id)  # asking for IT changes nothing
    assert response.status_code == 200
    assert "Department FAC" in response.text and "All departments" not in response.text
    assert 'id="f-department"' not in response.text  # no department choice for heads
    csv = get(client, "/reports/review", department=h.it.id, format="csv", table="by_type").text
    assert "FAC: Repair" in csv and "IT: Laptop" not in csv


def test_hr_sees_every_department_in_aggregate(h, client, login):
    login(h.hr)
    page = get(client, "/reports/bottlenecks")
    assert page.status_code == 200
    assert "Department MKT" in page.text and "Department IT" in page.text
    assert "Request 1" not in page.text and "/requests/IT-1" not in page.text
    assert "/reports/bottlenecks/requests" not in page.text  # no way through to requests
    one = get(client, "/reports/review", department=h.fac.id)
    assert 'value="' + str(h.fac.id) + '" selected' in one.text


def test_hr_cannot_open_the_requests_behind_a_cell(h, client, login):
    login(h.hr)
    response = get(client, "/reports/bottlenecks/requests", requesting=h.mkt.id, providing=h.it.id)
    assert response.status_code == 404


def test_head_opens_a_cell_of_their_department(h, client, login):
    login(h.it_head)
    page = get(client, "/reports/bottlenecks")
    assert f"/reports/bottlenecks/requests?requesting={h.mkt.id}&amp;providing={h.it.id}" in page.text
    cell = get(client, "/reports/bottlenecks/requests", requesting=h.mkt.id, providing=h.it.id)
    assert cell.status_code == 200
    # Resolved at IT in the week: IT-1, IT-2, IT-4, IT-5, IT-8 (newest first).
    assert [k for k in ("IT-8", "IT-5", "IT-4", "IT-2", "IT-1") if f">{k}<" in cell.text] == [
        "IT-8", "IT-5", "IT-4", "IT-2", "IT-1"]
    assert ">IT-3<" not in cell.text  # resolved by FAC
    opened = get(client, "/reports/bottlenecks/requests", requesting=h.mkt.id, providing=h.it.id, show="open")
    assert ">IT-6<" in opened.text and ">IT-1<" not in opened.text


def test_head_cannot_open_a_cell_of_other_departments(h, client, login):
    login(h.fac_head)
    response = get(client, "/reports/bottlenecks/requests", requesting=h.mkt.id, providing=h.it.id)
    assert response.status_code == 404


def test_requesting_head_sees_only_visible_requests(h, client, login, make):
    from desk.extensions import db

    secret = make.request_type(h.it, "Grievance", confidential=True)
    with at(NOW):
        req = make.request(h.employee, secret, title="Confidential matter")
        db.session.commit()
    login(h.mkt_head)
    cell = get(client, "/reports/bottlenecks/requests", requesting=h.mkt.id, providing=h.it.id, show="open",
               **{"from": "2026-03-02", "to": "2026-03-09"})
    assert cell.status_code == 200
    assert ">IT-6<" in cell.text and req.key not in cell.text  # confidential: not for the requesting head


def test_agent_figures_are_for_heads_only(h, client, login):
    login(h.it_head)
    assert "Ada Agent" in get(client, "/reports/attainment").text
    login(h.hr)
    page = get(client, "/reports/attainment", department=h.it.id)
    assert page.status_code == 200 and "Ada Agent" not in page.text and "By agent" not in page.text
    assert get(client, "/reports/attainment", format="csv", table="by_agent").status_code == 404


def test_chart_is_a_script_free_svg_with_its_own_policy(h, client, login):
    login(h.it_head)
    response = get(client, "/reports/chart/review-weekly.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "<script" not in response.text and "<svg" in response.text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert get(client, "/reports/chart/nope.svg").status_code == 404


def test_report_links_in_navigation(h, client, login):
    login(h.it_head)
    assert 'href="/reports/review"' in get(client, "/requests").text
    login(h.agent)
    assert 'href="/reports/review"' not in get(client, "/requests").text
