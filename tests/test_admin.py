"""Administration over HTTP: departments and people, administrators only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from desk.extensions import db
from desk.models import Calendar, Department, Role, User
from tests.factories import Factory
from tests.helpers import HTMX, count_queries, field_error


@pytest.fixture
def it(make):
    return make.department("IT", name="IT")


@pytest.fixture
def admin(make, it):
    return make.user(it, name="Ada Admin", email="ada@example.test", is_admin=True)


def _department_form(**values) -> dict:
    form = {"name": "Facilities", "code": "fac", "takes_requests": "y", "calendar": "0"}
    form.update(values)
    return {k: v for k, v in form.items() if v is not None}


def _user_form(user: User | None = None, **values) -> dict:
    form = {"name": "Bo Berg", "email": "bo@example.test", "department": "0", "role": "member",
            "time_zone": "UTC", "active": "y", "password": ""}
    if user is not None:
        form.update(name=user.name, email=user.email, department=str(user.department_id or 0),
                    role=user.role.value, time_zone=user.time_zone)
        if user.is_admin:
            form["is_admin"] = "y"
        if user.is_hr:
            form["is_hr"] = "y"
        if not user.active:
            form.pop("active")
    form.update(values)
    return {k: v for k, v in form.items() if v is not None}


def _fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


# --- who may enter -------------------------------------------------------------

ADMIN_URLS = ["/admin/", "/admin/departments", "/admin/departments/new", "/admin/users", "/admin/users/new"]


@pytest.mark.parametrize("who", ["member", "agent", "head", "hr"])
def test_everyone_but_administrators_gets_404(make, client, login, it, admin, who):
    kwargs = {"is_hr": True} if who == "hr" else {}
    role = {"member": Role.MEMBER, "agent": Role.AGENT, "head": Role.HEAD, "hr": Role.MEMBER}[who]
    user = make.user(it, role, **kwargs)
    login(user)
    urls = ADMIN_URLS + [f"/admin/departments/{it.id}/edit", f"/admin/users/{admin.id}/edit"]
    for url in urls:
        assert client.get(url).status_code == 404, url
    response = client.post(f"/admin/users/{user.id}/edit", data=_user_form(user, is_admin="y"))
    assert response.status_code == 404
    assert _fresh(user).is_admin is False
    response = client.post("/admin/departments/new", data=_department_form())
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Department)) == 1
    assert "/admin/" not in client.get("/requests").text  # no Admin link in the navigation


def test_anonymous_visitors_are_sent_to_log_in(client, it):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_deactivated_administrator_is_out(make, client, login, admin):
    login(admin)
    admin.active = False
    db.session.commit()
    response = client.get("/admin/departments")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- departments ----------------------------------------------------------------


def test_department_list_shows_people_and_open_requests(make, client, login, it, admin):
    fac = make.department("FAC", name="Facilities")
    repair = make.request_type(fac, "Repair")
    make.agent(fac)
    make.head(fac)
    make.user(fac, active=False)  # not counted: deactivated
    requester = make.user(it)
    for _ in range(3):
        make.request(requester, repair)
    done = make.request(requester, repair)
    from desk.services import workflow

    workflow.change_status(fac.members[0], done, workflow.Status.REJECTED, reason="duplicate")
    db.session.commit()
    login(admin)
    page = client.get("/admin/departments").text
    row = page[page.index(">FAC<"):]
    row = row[: row.index("</tr>")]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    assert cells[1:6] == ["Facilities", "Yes", "Standard week (UTC)", "2", "3"]


def test_department_list_runs_a_fixed_number_of_queries(make, client, login, it, admin):
    login(admin)
    with count_queries() as few:
        assert client.get("/admin/departments").status_code == 200
    for n in range(5):
        department = make.department(f"X{chr(65 + n)}")
        make.agent(department)
        make.request(make.user(it), make.request_type(department))
    with count_queries() as many:
        page = client.get("/admin/departments")
    assert page.text.count("/edit") == 6
    assert len(many) == len(few)


def test_create_a_department(client, login, admin):
    login(admin)
    response = client.post("/admin/departments/new", data=_department_form(name="  Facilities ", code=" fac "))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/departments")
    department = db.session.scalar(select(Department).where(Department.code == "FAC"))
    assert (department.name, department.takes_requests, department.calendar_id) == ("Facilities", True, None)
    assert "Facilities (FAC) is saved." in client.get("/admin/departments").text


def test_a_department_that_takes_no_requests(client, login, admin):
    login(admin)
    data = _department_form(code="BOARD", name="Board")
    data.pop("takes_requests")
    assert client.post("/admin/departments/new", data=data).status_code == 303
    assert db.session.scalar(select(Department).where(Department.code == "BOARD")).takes_requests is False


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"code": "it"}, "code", "IT is already the code of another department."),
        ({"name": "it"}, "name", "Another department already has this name."),
        ({"code": "F1"}, "code", "Letters only, such as IT or FAC."),
        ({"code": "F"}, "code", "Field must be between 2 and 8 characters long."),
        ({"code": "FACILITIES"}, "code", "Field must be between 2 and 8 characters long."),
        ({"name": ""}, "name", "Give the department a name."),
        ({"name": "x" * 81}, "name", "Field cannot be longer than 80 characters."),
        ({"calendar": "999"}, "calendar", "Not a valid choice."),
    ],
)
def test_department_input_is_checked_next_to_the_field(client, login, admin, values, field, message):
    login(admin)
    response = client.post("/admin/departments/new", data=_department_form(**values))
    assert response.status_code == 422
    assert field_error(response.text, field) == message
    assert db.session.scalar(select(func.count()).select_from(Department)) == 1


def test_invalid_htmx_submit_gets_the_form_fragment(client, login, admin):
    login(admin)
    response = client.post("/admin/departments/new", data=_department_form(code="it"), headers=HTMX)
    assert response.status_code == 422
    assert "<html" not in response.text and "<form" in response.text
    assert field_error(response.text, "code") == "IT is already the code of another department."


def test_calendar_choice(make, client, login, it, admin):
    login(admin)
    page = client.get(f"/admin/departments/{it.id}/edit").text
    assert '<option selected value="0">Standard week (UTC)</option>' in page
    shanghai = Calendar(name="Shanghai office", tz="Asia/Shanghai", weekly={"0": [["09:00", "18:00"]]})
    db.session.add(shanghai)
    db.session.commit()
    response = client.post(f"/admin/departments/{it.id}/edit",
                           data=_department_form(name="IT", code="IT", calendar=str(shanghai.id)))
    assert response.status_code == 303
    assert _fresh(it).calendar_id == shanghai.id
    assert "Shanghai office" in client.get("/admin/departments").text
    response = client.post(f"/admin/departments/{it.id}/edit", data=_department_form(name="IT", code="IT"))
    assert response.status_code == 303
    assert _fresh(it).calendar_id is None


def test_code_is_fixed_once_the_department_has_requests(make, client, login, it, admin):
    laptop = make.request_type(it, "Laptop")
    make.request(make.user(it), laptop)
    login(admin)
    page = client.get(f"/admin/departments/{it.id}/edit").text
    assert "readonly" in page and "Fixed: requests already carry this code" in page
    response = client.post(f"/admin/departments/{it.id}/edit", data=_department_form(name="IT", code="ICT"))
    assert response.status_code == 422
    assert field_error(response.text, "code") == "The code stays IT: requests already carry it in their keys."
    assert _fresh(it).code == "IT"
    # the rest can still change
    response = client.post(f"/admin/departments/{it.id}/edit",
                           data=_department_form(name="Information Technology", code="IT"))
    assert response.status_code == 303
    assert (_fresh(it).name, _fresh(it).code) == ("Information Technology", "IT")


def test_code_can_change_before_any_request(client, login, it, admin):
    login(admin)
    response = client.post(f"/admin/departments/{it.id}/edit", data=_department_form(name="IT", code="ICT"))
    assert response.status_code == 303
    assert _fresh(it).code == "ICT"


def test_unknown_department_is_404(client, login, admin):
    login(admin)
    assert client.get("/admin/departments/999/edit").status_code == 404


def test_extra_fields_posted_to_a_department_are_ignored(make, client, login, it, admin):
    login(admin)
    data = _department_form(name="IT", code="IT", request_seq="500", id="77", created_at="2001-01-01")
    assert client.post(f"/admin/departments/{it.id}/edit", data=data).status_code == 303
    department = _fresh(it)
    assert (department.id, department.request_seq) == (it.id, 0)
    assert department.created_at.year != 2001


# --- people ---------------------------------------------------------------------


def test_people_list_is_paginated_and_searchable(make, client, login, it, admin, app):
    fac = make.department("FAC", name="Facilities")
    for n in range(30):
        make.user(fac if n % 3 == 0 else it, name=f"Person {n:02d}", email=f"p{n:02d}@example.test")
    make.user(None, name="Zoë Nobody", email="zoe@Outside.test")
    login(admin)
    per_page = app.config["PER_PAGE"]
    first = client.get("/admin/users").text
    assert "32 people" in first
    assert first.count("/edit") == per_page
    second = client.get("/admin/users?page=2").text
    assert second.count("/edit") == 32 - per_page
    assert "Zoë Nobody" in second  # sorted by name: Z comes last

    found = client.get("/admin/users?q=person 1").text  # Person 10..19
    assert "10 people" in found and "Person 15" in found and "Person 20" not in found
    assert "1 person" in client.get("/admin/users?q=OUTSIDE").text  # e-mail, any case
    assert "0 people" in client.get("/admin/users?q=%25").text  # % is literal, not a wildcard

    in_fac = client.get(f"/admin/users?department={fac.id}").text
    assert "10 people" in in_fac and "Person 03" in in_fac and "Person 01" not in in_fac
    nowhere = client.get("/admin/users?department=none").text
    assert "1 person" in nowhere and "Zoë Nobody" in nowhere


def test_people_search_over_htmx_returns_the_results_only(make, client, login, it, admin):
    make.user(it, name="Carla Cruz")
    login(admin)
    response = client.get("/admin/users?q=carla", headers=HTMX)
    assert "<html" not in response.text and "<form" not in response.text
    assert "Carla Cruz" in response.text and "Ada Admin" not in response.text


def test_people_list_runs_a_fixed_number_of_queries(make, client, login, it, admin):
    login(admin)
    with count_queries() as few:
        client.get("/admin/users")
    for n in range(6):
        make.user(make.department(f"P{chr(65 + n)}"))
    with count_queries() as many:
        client.get("/admin/users")
    assert len(many) == len(few)


def test_create_a_person_who_can_then_log_in(make, client, app, login, it, admin):
    login(admin)
    data = _user_form(name=" Bo Berg ", email=" Bo@Example.TEST ", department=str(it.id), role="agent",
                      time_zone="Europe/Berlin", is_hr="y", password="a long unusual secret")
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/users")
    bo = db.session.scalar(select(User).where(User.email == "bo@example.test"))
    assert (bo.name, bo.department_id, bo.role, bo.time_zone, bo.is_hr, bo.is_admin, bo.active) == (
        "Bo Berg", it.id, Role.AGENT, "Europe/Berlin", True, False, True)
    other = app.test_client()
    response = other.post("/login", data={"email": "BO@example.test", "password": "a long unusual secret"})
    assert response.status_code == 303
    assert other.get("/queue/").status_code == 200  # an agent of IT


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"email": "ADA@example.TEST"}, "email", "Someone already has this e-mail address."),
        ({"email": "not-an-address"}, "email", "That is not an e-mail address."),
        ({"password": ""}, "password", "Set a first password."),
        ({"password": "short"}, "password", "Field must be between 10 and 256 characters long."),
        ({"password": "password123"}, "password", "This password is too "),
        ({"password": "abababababab"}, "password", "This password is too "),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Not a known time zone; use a name like Europe/Berlin."),
        ({"role": "agent"}, "role", "A agent needs a home department."),
        ({"role": "emperor"}, "role", "Not a valid choice."),
        ({"department": "999"}, "department", "Not a valid choice."),
        ({"name": "x" * 121}, "name", "Field cannot be longer than 120 characters."),
    ],
)
def test_person_input_is_checked_next_to_the_field(client, login, admin, values, field, message):
    login(admin)
    data = _user_form(password="a long unusual secret")
    data.update(values)
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 422
    # (password messages come from desk.passwords and may say more)
    assert field_error(response.text, field).startswith(message)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_email_stays_unique_when_editing(make, client, login, it, admin):
    bo = make.user(it, email="bo@example.test")
    login(admin)
    response = client.post(f"/admin/users/{bo.id}/edit", data=_user_form(bo, email="Ada@Example.test"))
    assert response.status_code == 422
    assert field_error(response.text, "email") == "Someone already has this e-mail address."
    assert _fresh(bo).email == "bo@example.test"
    # keeping one's own address (in another case) is fine
    response = client.post(f"/admin/users/{bo.id}/edit", data=_user_form(bo, email="BO@example.test"))
    assert response.status_code == 303


def test_edit_form_shows_the_person_as_stored(make, client, login, it, admin):
    bo = make.agent(it, name="Bo Berg", time_zone="Asia/Tokyo", is_hr=True)
    login(admin)
    page = client.get(f"/admin/users/{bo.id}/edit").text
    assert f'<option selected value="{it.id}">IT</option>' in page
    assert '<option selected value="agent">Agent</option>' in page
    assert 'value="Asia/Tokyo"' in page
    assert re.search(r'<input checked [^>]*id="is_hr"', page)
    assert not re.search(r'<input checked [^>]*id="is_admin"', page)


def test_new_role_and_department_apply_on_the_next_request(make, app, client, login, it, admin):
    fac = make.department("FAC", name="Facilities")
    bo = make.user(it)
    theirs = app.test_client()
    theirs.post("/login", data={"email": bo.email, "password": Factory.PASSWORD})
    assert theirs.get("/queue/").status_code == 404  # a member has no queue
    login(admin)
    response = client.post(f"/admin/users/{bo.id}/edit", data=_user_form(bo, department=str(fac.id), role="agent"))
    assert response.status_code == 303
    page = theirs.get("/queue/")  # same session, no new login
    assert page.status_code == 200 and "Facilities queue" in page.text
    client.post(f"/admin/users/{bo.id}/edit", data=_user_form(_fresh(bo), role="member"))
    assert theirs.get("/queue/").status_code == 404


def test_deactivation_ends_the_persons_sessions(make, app, client, login, it, admin):
    bo = make.user(it)
    theirs = app.test_client()
    theirs.post("/login", data={"email": bo.email, "password": Factory.PASSWORD})
    assert theirs.get("/requests").status_code == 200
    login(admin)
    data = _user_form(bo)
    data.pop("active")
    assert client.post(f"/admin/users/{bo.id}/edit", data=data).status_code == 303
    assert _fresh(bo).active is False
    response = theirs.get("/requests")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    again = app.test_client().post("/login", data={"email": bo.email, "password": Factory.PASSWORD})
    assert again.status_code == 422 and "E-mail or password is not right." in again.text
    assert "Deactivated" in client.get("/admin/users").text


def test_load_user_refuses_an_inactive_user(make, ctx):
    from desk.auth import load_user

    bo = make.user()
    session_id = bo.get_id()
    assert load_user(session_id) is bo
    bo.active = False
    db.session.commit()
    assert load_user(session_id) is None


def test_a_new_password_ends_old_sessions(make, app, client, login, it, admin):
    bo = make.user(it)
    theirs = app.test_client()
    theirs.post("/login", data={"email": bo.email, "password": Factory.PASSWORD})
    login(admin)
    response = client.post(f"/admin/users/{bo.id}/edit", data=_user_form(bo, password="another fine secret"))
    assert response.status_code == 303
    assert theirs.get("/requests").status_code == 302  # logged out
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": bo.email, "password": Factory.PASSWORD}).status_code == 422
    assert fresh.post("/login", data={"email": bo.email, "password": "another fine secret"}).status_code == 303


def test_an_empty_password_keeps_the_old_one(make, app, client, login, it, admin):
    bo = make.user(it)
    token = bo.session_token
    login(admin)
    assert client.post(f"/admin/users/{bo.id}/edit", data=_user_form(bo, name="Bo B.")).status_code == 303
    assert (_fresh(bo).name, _fresh(bo).session_token) == ("Bo B.", token)
    response = app.test_client().post("/login", data={"email": bo.email, "password": Factory.PASSWORD})
    assert response.status_code == 303


def test_administrators_cannot_lock_themselves_out(client, login, admin):
    login(admin)
    data = _user_form(admin)
    data.pop("active")
    response = client.post(f"/admin/users/{admin.id}/edit", data=data)
    assert response.status_code == 422
    assert field_error(response.text, "active") == (
        "You cannot deactivate your own account; another administrator can.")
    data = _user_form(admin)
    data.pop("is_admin")
    response = client.post(f"/admin/users/{admin.id}/edit", data=data)
    assert response.status_code == 422
    assert field_error(response.text, "is_admin") == (
        "You cannot remove your own administrator rights; another administrator can.")
    me = _fresh(admin)
    assert me.active and me.is_admin
    assert client.get("/admin/users").status_code == 200  # still in


def test_one_administrator_can_demote_another(make, client, login, it, admin):
    other = make.user(it, is_admin=True)
    login(admin)
    data = _user_form(other)
    data.pop("is_admin")
    assert client.post(f"/admin/users/{other.id}/edit", data=data).status_code == 303
    assert _fresh(other).is_admin is False


def test_extra_fields_posted_to_a_person_are_ignored(make, client, login, it, admin):
    bo = make.user(it)
    token, digest = bo.session_token, bo.password_hash
    login(admin)
    data = _user_form(bo, session_token="attacker", password_hash="x", id="1", is_hr=None, created_at="2001-01-01")
    assert client.post(f"/admin/users/{bo.id}/edit", data=data).status_code == 303
    fresh = _fresh(bo)
    assert (fresh.id, fresh.session_token, fresh.password_hash) == (bo.id, token, digest)
    assert fresh.created_at.year != 2001


def test_user_html_is_shown_as_text(make, client, login, it, admin):
    make.user(it, name="<script>alert(1)</script>")
    login(admin)
    page = client.get("/admin/users").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
