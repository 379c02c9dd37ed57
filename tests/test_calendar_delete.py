"""Deleting a business calendar: administrators only, and never one a department uses."""

from __future__ import annotations

import html
from datetime import date

import pytest
from sqlalchemy import func, select

from desk.extensions import db
from desk.models import Calendar, CalendarDay, Priority, ServiceRequest
from desk.services import agreements

WEEK = {str(d): [["09:00", "12:00"], ["13:00", "18:00"]] for d in range(5)}


@pytest.fixture
def admin(make):
    return make.user(None, is_admin=True, name="Ada Admin")


@pytest.fixture
def calendar(ctx):
    calendar = Calendar(name="Shanghai office", tz="Asia/Shanghai", weekly=WEEK)
    calendar.days.append(CalendarDay(day=date(2026, 10, 1), intervals=[], note="National Day"))
    calendar.days.append(CalendarDay(day=date(2026, 10, 2), intervals=[], note="National Day"))
    db.session.add(calendar)
    db.session.commit()
    return calendar


def counts() -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count(Calendar.id))), db.session.scalar(select(func.count(CalendarDay.id))))


def page_of(client, url: str) -> str:
    """The page's text as a reader meets it: entities decoded, runs of white space as one space."""
    return " ".join(html.unescape(client.get(url).text).split())


def test_an_unused_calendar_is_deleted_with_its_special_days(client, login, admin, calendar):
    login(admin)
    page = page_of(client, f"/admin/calendars/{calendar.id}")
    assert "Delete this calendar" in page and f'action="/admin/calendars/{calendar.id}/delete"' in page

    response = client.post(f"/admin/calendars/{calendar.id}/delete")
    assert response.status_code == 303 and response.location.endswith("/admin/calendars")
    page = page_of(client, response.location)
    assert "Calendar Shanghai office is deleted, with its 2 special days." in page
    assert "No calendars yet." in page
    assert counts() == (0, 0)


def test_a_calendar_a_department_uses_stays(make, client, login, admin, calendar):
    it = make.department("IT", name="Information Technology", calendar=calendar)
    agreements.publish_agreement(make.head(it), it, {p: (3600, 8 * 3600) for p in Priority})
    db.session.commit()
    req = make.request(make.user(make.department("FIN")), make.request_type(it))
    due = req.resolution_due_at
    login(admin)
    page = page_of(client, f"/admin/calendars/{calendar.id}")
    assert "Information Technology uses this calendar" in page
    assert "Delete this calendar" not in page  # no button that can only be refused

    response = client.post(f"/admin/calendars/{calendar.id}/delete")  # a stale page, or a hand-made POST
    assert response.status_code == 303 and response.location.endswith(f"/admin/calendars/{calendar.id}")
    assert ('<div class="alert alert-danger" role="alert">Shanghai office stays: Information Technology uses it; '
            "the deadlines of 1 open request are counted in its hours. Give Information Technology another "
            "calendar on the Departments page first.</div>") in page_of(client, response.location)
    assert counts() == (1, 2)
    assert db.session.get(ServiceRequest, req.id).resolution_due_at == due

    # Once the department works another week, the calendar can go.
    client.post(f"/admin/departments/{it.id}/edit",
                data={"name": "Information Technology", "code": "IT", "takes_requests": "y", "calendar": "0"})
    assert client.post(f"/admin/calendars/{calendar.id}/delete").location.endswith("/admin/calendars")
    assert counts() == (0, 0)


def test_the_refusal_names_every_department(make, client, login, admin, calendar):
    make.department("IT", name="IT", calendar=calendar)
    make.department("FIN", name="Finance", calendar=calendar)
    login(admin)
    response = client.post(f"/admin/calendars/{calendar.id}/delete")
    assert ("Shanghai office stays: Finance and IT use it. Give Finance and IT another calendar on the "
            "Departments page first.") in page_of(client, response.location)
    assert counts() == (1, 2)


@pytest.mark.parametrize("role", ["member", "agent", "head", "hr"])
def test_nobody_but_administrators_may_delete(make, client, login, calendar, role):
    it = make.department("IT")
    user = {"member": lambda: make.user(it), "agent": lambda: make.agent(it), "head": lambda: make.head(it),
            "hr": lambda: make.user(it, is_hr=True)}[role]()
    login(user)
    assert client.post(f"/admin/calendars/{calendar.id}/delete").status_code == 404
    assert counts() == (1, 2)


def test_anonymous_is_sent_to_login(client, calendar):
    response = client.post(f"/admin/calendars/{calendar.id}/delete")
    assert response.status_code == 302 and "/login" in response.location
    assert counts() == (1, 2)


def test_an_unknown_calendar_is_404(client, login, admin, calendar):
    login(admin)
    assert client.post("/admin/calendars/999/delete").status_code == 404
    assert counts() == (1, 2)
