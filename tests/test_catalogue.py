"""The service catalogue: heads manage their department's request types; everyone reads it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from desk.extensions import db
from desk.models import Priority, RequestType, Status
from tests.helpers import HTMX, count_queries, field_error


@pytest.fixture
def it(make):
    return make.department("IT", name="IT")


@pytest.fixture
def fac(make):
    return make.department("FAC", name="Facilities")


@pytest.fixture
def head(make, it):
    return make.head(it, name="Hana Head")


def _form(**values) -> dict:
    form = {"name": "Laptop repair", "description": "Broken or slow laptops.", "default_priority": "normal"}
    form.update(values)
    return {k: v for k, v in form.items() if v is not None}


def _fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def _count_types() -> int:
    return db.session.scalar(select(func.count()).select_from(RequestType))


# --- who manages ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "agent", "other head", "admin", "hr"])
def test_only_the_departments_head_manages_its_catalogue(make, client, login, it, fac, head, who):
    laptop = make.request_type(it, "Laptop")
    user = {
        "member": lambda: make.user(it),
        "agent": lambda: make.agent(it),
        "other head": lambda: make.head(fac),
        "admin": lambda: make.user(fac, is_admin=True),
        "hr": lambda: make.user(it, is_hr=True),
    }[who]()
    login(user)
    for url in ["/catalogue/IT/types", "/catalogue/IT/types/new", f"/catalogue/IT/types/{laptop.id}/edit"]:
        assert client.get(url).status_code == 404, url
    assert client.post("/catalogue/IT/types/new", data=_form(name="Sneaky")).status_code == 404
    assert client.post(f"/catalogue/IT/types/{laptop.id}/edit", data=_form(name="Renamed")).status_code == 404
    assert client.post(f"/catalogue/IT/types/{laptop.id}/archive").status_code == 404
    fresh = _fresh(laptop)
    assert (fresh.name, fresh.archived_at, _count_types()) == ("Laptop", None, 1)
    assert "Manage the IT catalogue" not in client.get("/catalogue/").text


def test_a_head_cannot_reach_another_departments_type_through_their_own_code(make, client, login, it, fac, head):
    repair = make.request_type(fac, "Repair")
    login(head)
    assert client.get(f"/catalogue/IT/types/{repair.id}/edit").status_code == 404
    assert client.post(f"/catalogue/IT/types/{repair.id}/archive").status_code == 404
    assert client.post(f"/catalogue/IT/types/{repair.id}/edit", data=_form()).status_code == 404
    assert _fresh(repair).archived_at is None and _fresh(repair).name == "Repair"
    assert client.get("/catalogue/NOPE/types").status_code == 404


def test_a_deactivated_head_manages_nothing(make, client, login, it, head):
    login(head)
    head.active = False
    db.session.commit()
    assert client.get("/catalogue/IT/types").status_code == 302  # logged out


# --- managing ---------------------------------------------------------------------


def test_head_lists_live_and_archived_types(make, client, login, it, head):
    make.request_type(it, "Printer")
    old = make.request_type(it, "Fax machine")
    old.archived_at = old.created_at
    db.session.commit()
    login(head)
    page = client.get("/catalogue/it/types").text
    assert page.index("Printer") < page.index("Fax machine")  # live first
    assert "Offer again" in page and "Archive" in page
    assert re.search(r"Archived \d\d \w\w\w \d{4}", page)


def test_head_adds_a_request_type(client, login, it, head):
    login(head)
    assert "New request type" in client.get("/catalogue/IT/types/new").text
    response = client.post("/catalogue/IT/types/new",
                           data=_form(name="  VPN access ", default_priority="high", confidential="y"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/catalogue/IT/types")
    created = db.session.scalar(select(RequestType).where(RequestType.name == "VPN access"))
    assert (created.department_id, created.default_priority, created.confidential, created.archived_at) == (
        it.id, Priority.HIGH, True, None)
    assert "“VPN access” is saved." in client.get("/catalogue/IT/types").text


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "laptop"}, "IT already has a request type with this name (perhaps archived)."),
        ({"name": ""}, "Give the request type a name."),
        ({"name": "x" * 121}, "Field cannot be longer than 120 characters."),
    ],
)
def test_name_is_checked_next_to_the_field(make, client, login, it, head, values, message):
    make.request_type(it, "Laptop")
    login(head)
    response = client.post("/catalogue/IT/types/new", data=_form(**values))
    assert response.status_code == 422
    assert field_error(response.text, "name") == message
    assert _count_types() == 1


def test_other_input_is_checked(client, login, it, head):
    login(head)
    response = client.post("/catalogue/IT/types/new", data=_form(description="x" * 2001, default_priority="asap"))
    assert response.status_code == 422
    assert field_error(response.text, "description") == "Field cannot be longer than 2000 characters."
    assert field_error(response.text, "default_priority") == "Not a valid choice."
    assert _count_types() == 0


def test_invalid_htmx_submit_gets_the_form_fragment(make, client, login, it, head):
    make.request_type(it, "Laptop")
    login(head)
    response = client.post("/catalogue/IT/types/new", data=_form(name="Laptop"), headers=HTMX)
    assert response.status_code == 422
    assert "<html" not in response.text and "<form" in response.text


def test_the_same_name_in_another_department_is_fine(make, client, login, it, fac, head):
    make.request_type(fac, "Access badge")
    login(head)
    assert client.post("/catalogue/IT/types/new", data=_form(name="Access badge")).status_code == 303
    assert _count_types() == 2


def test_head_edits_a_type(make, client, login, it, head):
    laptop = make.request_type(it, "Laptop", description="Old words", default_priority=Priority.LOW)
    login(head)
    page = client.get(f"/catalogue/IT/types/{laptop.id}/edit").text
    assert 'value="Laptop"' in page and "Old words" in page
    assert '<option selected value="low">Low</option>' in page
    response = client.post(f"/catalogue/IT/types/{laptop.id}/edit",
                           data=_form(name="Laptops", description="New words", default_priority="urgent"))
    assert response.status_code == 303
    fresh = _fresh(laptop)
    assert (fresh.name, fresh.description, fresh.default_priority, fresh.confidential) == (
        "Laptops", "New words", Priority.URGENT, False)


def test_renaming_onto_another_type_is_refused(make, client, login, it, head):
    make.request_type(it, "Laptop")
    printer = make.request_type(it, "Printer")
    login(head)
    response = client.post(f"/catalogue/IT/types/{printer.id}/edit", data=_form(name="LAPTOP"))
    assert response.status_code == 422
    assert field_error(response.text, "name") == "IT already has a request type with this name (perhaps archived)."
    assert _fresh(printer).name == "Printer"
    # keeping its own name is not a clash
    assert client.post(f"/catalogue/IT/types/{printer.id}/edit", data=_form(name="Printer")).status_code == 303


def test_extra_fields_are_ignored(make, client, login, it, fac, head):
    laptop = make.request_type(it, "Laptop")
    login(head)
    data = _form(department_id=str(fac.id), department=str(fac.id), archived_at="2020-01-01", id="99")
    assert client.post(f"/catalogue/IT/types/{laptop.id}/edit", data=data).status_code == 303
    fresh = _fresh(laptop)
    assert (fresh.id, fresh.department_id, fresh.archived_at) == (laptop.id, it.id, None)


def test_archive_and_offer_again(make, client, login, it, head):
    laptop = make.request_type(it, "Laptop")
    requester = make.user(it)
    filed = make.request(requester, laptop)
    login(head)
    response = client.post(f"/catalogue/IT/types/{laptop.id}/archive")
    assert response.status_code == 303 and response.headers["Location"].endswith("/catalogue/IT/types")
    assert _fresh(laptop).archived_at is not None
    assert "is archived: nobody can file it now" in client.get("/catalogue/IT/types").text
    # the request filed under it is untouched and still shows its type
    assert _fresh(filed).type_id == laptop.id and _fresh(filed).status == Status.NEW
    assert "Laptop" in client.get(f"/requests/{filed.key}").text
    assert "Laptop" not in client.get("/catalogue/").text
    assert client.post(f"/catalogue/IT/types/{laptop.id}/archive").status_code == 303  # twice is harmless
    response = client.post(f"/catalogue/IT/types/{laptop.id}/unarchive")
    assert response.status_code == 303
    assert _fresh(laptop).archived_at is None
    assert "Laptop" in client.get("/catalogue/").text


def test_there_is_no_way_to_delete(make, client, login, it, head):
    laptop = make.request_type(it, "Laptop")
    login(head)
    assert client.delete(f"/catalogue/IT/types/{laptop.id}/edit").status_code == 405
    assert client.post(f"/catalogue/IT/types/{laptop.id}/delete").status_code == 404
    assert _count_types() == 1


def test_an_archived_type_cannot_be_filed(make, client, login, it, fac):
    laptop = make.request_type(it, "Laptop")
    make.request_type(it, "Printer")  # IT still offers something
    laptop.archived_at = laptop.created_at
    db.session.commit()
    login(make.user(fac))
    response = client.post("/requests/new", data={
        "department": it.id, "type": laptop.id, "title": "Old laptop", "body": "Please",
        "priority": "normal", "submission_key": "k-archived"})
    assert response.status_code == 422
    assert field_error(response.text, "type") == "Not a valid choice."
    assert db.session.scalar(select(func.count()).select_from(RequestType).where(RequestType.id == laptop.id)) == 1
    from desk.models import ServiceRequest

    assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 0


# --- the public catalogue ------------------------------------------------------------


def test_everyone_sees_the_catalogue(make, client, login, it, fac):
    make.request_type(it, "Laptop", description="Broken <b>screens</b> too.")
    make.request_type(it, "Printer")
    archived = make.request_type(it, "Fax")
    archived.archived_at = archived.created_at
    make.request_type(fac, "Repair", description="Doors, lights, heating.", confidential=True)
    board = make.department("BRD", name="Board", takes_requests=False)
    make.request_type(board, "Strategy")
    make.department("EMPTY", name="Empty Office")
    db.session.commit()
    login(make.user(None))
    page = client.get("/catalogue/").text
    assert page.index("Empty Office") < page.index("Facilities") < page.index(">IT <")
    assert "Board" not in page and "Strategy" not in page and "Fax" not in page
    assert "Broken &lt;b&gt;screens&lt;/b&gt; too." in page and "Doors, lights, heating." in page
    assert "No request types offered yet." in page  # the empty office
    links = re.findall(r'href="/requests/new\?type=(\d+)"', page)
    assert len(links) == 3
    assert "Manage the" not in page


def test_a_head_finds_their_catalogue_from_the_public_page(client, login, it, head):
    login(head)
    page = client.get("/catalogue/").text
    assert 'href="/catalogue/IT/types">Manage the IT catalogue</a>' in page


def test_the_catalogue_page_runs_a_fixed_number_of_queries(make, client, login, it):
    login(make.user(it))
    with count_queries() as few:
        client.get("/catalogue/")
    for n in range(4):
        department = make.department(f"C{chr(65 + n)}")
        for _ in range(3):
            make.request_type(department)
    with count_queries() as many:
        page = client.get("/catalogue/")
    assert page.text.count("File a request") == 12
    assert len(many) == len(few)


def test_file_a_request_link_preselects_department_and_type(make, client, login, it, fac):
    make.request_type(it, "Laptop")
    vpn = make.request_type(it, "VPN", default_priority=Priority.HIGH)
    make.request_type(fac, "Repair")
    login(make.user(fac))
    page = client.get(f"/requests/new?type={vpn.id}").text
    assert f'<option selected value="{it.id}">IT</option>' in page
    assert f'<option selected value="{vpn.id}">VPN</option>' in page
    assert "Laptop" in page and "Repair" not in page  # the type list is IT's
    assert '<option selected value="high">High</option>' in page


@pytest.mark.parametrize("which", ["archived", "not taking requests", "unknown", "garbage"])
def test_a_type_that_cannot_be_filed_preselects_nothing(make, client, login, it, which):
    laptop = make.request_type(it, "Laptop")
    if which == "archived":
        laptop.archived_at = laptop.created_at
        make.request_type(it, "Printer")
    elif which == "not taking requests":
        it.takes_requests = False
    db.session.commit()
    login(make.user(None))
    type_id = {"unknown": "999", "garbage": "abc"}.get(which, str(laptop.id))
    response = client.get(f"/requests/new?type={type_id}")
    assert response.status_code == 200
    assert "<option selected value=\"0\">Choose a department…</option>" in response.text or (
        f'<option selected value="{it.id}">' not in response.text)
    assert f'<option selected value="{laptop.id}">' not in response.text
