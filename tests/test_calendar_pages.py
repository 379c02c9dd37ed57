"""Admin pages for business calendars: access, validation, special days, holiday import, preview."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from desk.extensions import db
from desk.models import Calendar, CalendarDay, Priority
from desk.services import agreements, sla

HTMX = {"HX-Request": "true"}
H8 = 8 * 3600
WEEK = {str(d): [["09:00", "12:00"], ["13:00", "18:00"]] for d in range(5)}


def week_form(**overrides):
    data = {"name": "Shanghai office", "tz": "Asia/Shanghai"}
    data.update({f"day{n}": "09:00-12:00, 13:00-18:00" for n in range(5)})
    data.update({"day5": "", "day6": ""})
    data.update(overrides)
    return data


@pytest.fixture
def admin(make):
    return make.user(None, is_admin=True, name="Ada Admin")


@pytest.fixture
def calendar(ctx):
    calendar = Calendar(name="Shanghai office", tz="Asia/Shanghai", weekly=WEEK)
    db.session.add(calendar)
    db.session.commit()
    return calendar


def days_of(calendar_id):
    db.session.expire_all()
    return {d.day: d for d in db.session.scalars(select(CalendarDay).where(CalendarDay.calendar_id == calendar_id))}


@pytest.mark.parametrize("role", ["member", "head", "hr"])
def test_calendar_pages_are_admin_only(make, client, login, calendar, role):
    it = make.department("IT")
    user = {"member": lambda: make.user(it), "head": lambda: make.head(it),
            "hr": lambda: make.user(it, is_hr=True)}[role]()
    login(user)
    assert client.get("/admin/calendars").status_code == 404
    assert client.get("/admin/calendars/new").status_code == 404
    assert client.get(f"/admin/calendars/{calendar.id}").status_code == 404
    response = client.post(f"/admin/calendars/{calendar.id}/days", data={"day": "2026-10-01", "hours": ""})
    assert response.status_code == 404
    assert client.post(f"/admin/calendars/{calendar.id}/holidays", data={"country": "CN", "year": 2026}).status_code == 404
    assert days_of(calendar.id) == {}
    assert "Calendars" not in client.get("/requests").text


def test_anonymous_is_sent_to_login(client, calendar):
    response = client.get("/admin/calendars")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_list_shows_zone_and_departments(make, client, login, admin, calendar):
    make.department("IT", name="Information Technology", calendar=calendar)
    make.department("FIN", name="Finance")
    login(admin)
    page = client.get("/admin/calendars")
    assert page.status_code == 200
    assert "Shanghai office" in page.text and "Asia/Shanghai" in page.text
    assert "Information Technology (IT)" in page.text
    assert "Finance" not in page.text
    assert f'href="/admin/calendars/{calendar.id}"' in page.text
    assert 'href="/admin/calendars"' in page.text  # the nav link for admins


def test_admin_creates_a_calendar(client, login, admin):
    login(admin)
    form = client.get("/admin/calendars/new")
    assert '<datalist id="time-zones">' in form.text and '<option value="Europe/Berlin">' in form.text
    response = client.post("/admin/calendars/new", data=week_form(day0="08:30-12:00, 12:30-17:00"))
    assert response.status_code == 303
    created = db.session.scalar(select(Calendar).where(Calendar.name == "Shanghai office"))
    assert response.headers["Location"].endswith(f"/admin/calendars/{created.id}")
    assert created.tz == "Asia/Shanghai"
    assert created.weekly["0"] == [["08:30", "12:00"], ["12:30", "17:00"]]
    assert created.weekly["4"] == [["09:00", "12:00"], ["13:00", "18:00"]]
    assert "5" not in created.weekly and "6" not in created.weekly


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"tz": "Mars/Olympus"}, "tz", "Not a known time zone"),
    ({"day1": "09:00-12:00, 11:00-13:00"}, "day1", "09:00-12:00 and 11:00-13:00 overlap"),
    ({"day2": "18:00-09:00"}, "day2", "end is not after start"),
    ({"day3": "nine to five"}, "day3", "is not a time range like 09:00-12:00"),
    ({f"day{n}": "" for n in range(7)}, "day0", "At least one weekday needs working hours."),
    ({"name": ""}, "name", "Give the calendar a name."),
])
def test_calendar_form_errors_show_next_to_the_field(client, login, admin, overrides, field, message):
    login(admin)
    response = client.post("/admin/calendars/new", data=week_form(**overrides))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    error = response.text.split(f'id="{field}-error"', 1)[1].split("</div>", 1)[0]
    assert message in error
    assert db.session.scalar(select(Calendar)) is None


def test_names_are_unique(client, login, admin, calendar):
    login(admin)
    response = client.post("/admin/calendars/new", data=week_form())
    assert response.status_code == 422
    assert "A calendar named &#39;Shanghai office&#39; exists already." in response.text


def test_editing_hours_recomputes_open_requests(client, login, admin, calendar, monkeypatch):
    calls = []
    monkeypatch.setattr(sla, "recompute_open_requests", lambda **kw: calls.append(kw))
    login(admin)
    response = client.post(f"/admin/calendars/{calendar.id}", data=week_form(name="Shanghai", tz="Asia/Shanghai", day4="09:00-15:00"))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Calendar, calendar.id).weekly["4"] == [["09:00", "15:00"]]
    assert calls == [{"calendar_id": calendar.id}]
    client.post(f"/admin/calendars/{calendar.id}/days", data={"day": "2026-10-01", "hours": "", "note": "National Day"})
    assert calls == [{"calendar_id": calendar.id}] * 2


def test_special_day_added_edited_and_removed_through_htmx(client, login, admin, calendar):
    login(admin)
    url = f"/admin/calendars/{calendar.id}/days"
    response = client.post(url, data={"day": "2026-12-24", "hours": "", "note": "Christmas <Eve>"}, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="day-form"' in response.text  # the days fragment alone
    assert "Christmas &lt;Eve&gt;" in response.text and "2026-12-24 saved." in response.text
    row = days_of(calendar.id)[date(2026, 12, 24)]
    assert row.intervals == [] and row.note == "Christmas <Eve>"

    edit = client.get(f"/admin/calendars/{calendar.id}?day={row.id}", headers=HTMX)
    assert 'value="2026-12-24"' in edit.text and 'value="Christmas &lt;Eve&gt;"' in edit.text

    response = client.post(url, data={"day": "2026-12-24", "hours": "09:00-12:00", "note": "Half day"}, headers=HTMX)
    assert "Working <span class=\"text-nowrap\">09:00–12:00</span>" in response.text
    again = days_of(calendar.id)
    assert len(again) == 1 and again[date(2026, 12, 24)].intervals == [["09:00", "12:00"]]

    response = client.post(f"{url}/{row.id}/delete", headers=HTMX)
    assert response.status_code == 200 and "follows the normal week again" in response.text
    assert days_of(calendar.id) == {}


def test_special_day_without_htmx_redirects(client, login, admin, calendar):
    login(admin)
    response = client.post(f"/admin/calendars/{calendar.id}/days", data={"day": "2026-05-01", "hours": "", "note": "Labour Day"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/calendars/{calendar.id}")
    assert "2026-05-01 saved." in client.get(response.headers["Location"]).text


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"day": "2026-02-30", "hours": ""}, "day", "Not a valid date value"),
    ({"day": "", "hours": ""}, "day", "Enter a date like 2026-10-01."),
    ({"day": "2026-10-01", "hours": "13:00-18:00, 09:00-14:00"}, "hours", "09:00-14:00 and 13:00-18:00 overlap"),
])
def test_special_day_errors_come_back_as_422_fragment(client, login, admin, calendar, data, field, message):
    login(admin)
    response = client.post(f"/admin/calendars/{calendar.id}/days", data=data, headers=HTMX)
    assert response.status_code == 422
    assert "<html" not in response.text
    error = response.text.split(f'id="{field}-error"', 1)[1].split("</div>", 1)[0]
    assert message in error
    assert days_of(calendar.id) == {}


def test_unknown_calendar_or_day_is_404(client, login, admin, calendar):
    login(admin)
    assert client.get("/admin/calendars/999").status_code == 404
    assert client.post(f"/admin/calendars/{calendar.id}/days/999/delete").status_code == 404
    assert client.get(f"/admin/calendars/{calendar.id}?day=999").status_code == 404


def test_import_chinese_holidays_with_make_up_workdays(client, login, admin, calendar):
    db.session.add(CalendarDay(calendar=calendar, day=date(2026, 10, 1), intervals=[["09:00", "10:00"]], note="old"))
    calendar.weekly = {**WEEK, "0": [["08:30", "12:00"], ["13:00", "17:30"]]}
    db.session.commit()
    login(admin)
    response = client.post(f"/admin/calendars/{calendar.id}/holidays", data={"country": "CN", "year": 2026}, headers=HTMX)
    assert response.status_code == 200
    assert "make-up working days for CN 2026" in response.text
    days = days_of(calendar.id)
    national = days[date(2026, 10, 1)]
    assert national.intervals == [] and national.note == "National Day"  # the old entry was overwritten
    makeup = days[date(2026, 9, 20)]  # a Sunday
    assert makeup.intervals == [["08:30", "12:00"], ["13:00", "17:30"]]  # the calendar's Monday hours
    assert makeup.note == "Make-up working day"
    assert days[date(2026, 2, 17)].intervals == []
    assert all(d.year == 2026 for d in days)
    # Imported days are ordinary special days: the admin edits them afterwards.
    client.post(f"/admin/calendars/{calendar.id}/days", data={"day": "2026-10-01", "hours": "09:00-12:00", "note": "Skeleton crew"})
    assert days_of(calendar.id)[date(2026, 10, 1)].intervals == [["09:00", "12:00"]]


@pytest.mark.parametrize(("data", "message"), [
    ({"country": "", "year": 2026}, "Choose a country."),
    ({"country": "XX", "year": 2026}, "Not a valid choice"),
    ({"country": "CN", "year": 1800}, "Choose a year between 2000 and 2100."),
])
def test_import_form_errors(client, login, admin, calendar, data, message):
    login(admin)
    response = client.post(f"/admin/calendars/{calendar.id}/holidays", data=data, headers=HTMX)
    assert response.status_code == 422
    assert message in response.text
    assert days_of(calendar.id) == {}


def test_preview_shows_next_days_and_when_eight_hours_fall_due(client, login, admin, calendar):
    # Wednesday 30 September 2026, 10:00 in Shanghai: 7 business hours left today,
    # then the National Day week is closed (Sunday 4 Oct is a weekend day anyway).
    with time_machine.travel(datetime(2026, 9, 30, 2, 0, tzinfo=UTC), tick=False):
        login(admin)
        client.post(f"/admin/calendars/{calendar.id}/holidays", data={"country": "CN", "year": 2026})
        page = client.get(f"/admin/calendars/{calendar.id}")
    assert "A target of 8 business hours filed now is due" in page.text
    assert "Thu 08 Oct 2026, 10:00</strong> Asia/Shanghai" in page.text
    assert "(08 Oct 2026, 02:00 your time)" in page.text  # the admin's zone is UTC
    assert "Wed 30 Sep" in page.text and "Tue 13 Oct" in page.text and "Wed 14 Oct" not in page.text
    assert "National Day" in page.text


def test_a_holiday_added_on_the_page_moves_open_deadlines(make, client, login, admin, calendar):
    """The calendar change recomputes the open requests of the departments using it, in the same commit."""
    it = make.department("IT", calendar=calendar)
    agreements.publish_agreement(make.head(it), it, {p: (H8, H8) for p in Priority})
    db.session.commit()
    # Filed Wednesday 30 September 2026, 10:00 in Shanghai; 8 business hours: due Thursday 1 October, 10:00.
    with time_machine.travel(datetime(2026, 9, 30, 2, 0, tzinfo=UTC), tick=False):
        req = make.request(make.user(make.department("FIN")), make.request_type(it))
        assert req.resolution_due_at == datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
        login(admin)
        response = client.post(f"/admin/calendars/{calendar.id}/days",
                               data={"day": "2026-10-01", "hours": "", "note": "National Day"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(type(req), req.id).resolution_due_at == datetime(2026, 10, 2, 2, 0, tzinfo=UTC)
