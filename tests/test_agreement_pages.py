"""Agreements pages: publishing versions, signing off through htmx, the provider's view, the matrix."""

import re

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.forms.sla import format_business_duration, parse_business_duration
from desk.models import Agreement, AgreementVersion, Decision, Priority, SignOff
from desk.services import agreements
from tests.helpers import HTMX, count_queries, field_error

H, M = 3600, 60
TARGETS = {p: (2 * H, 16 * H) for p in Priority}


def targets_form(**overrides):
    data = {"request_type": 0, "requesting_department": 0}
    for p in Priority:
        data[f"response_{p.value}"] = "4h"
        data[f"resolution_{p.value}"] = "2d"
    data.update(overrides)
    return data


@pytest.fixture
def org(make):
    """IT and FAC provide; FIN, MKT and HRD request. One head each."""
    it, fac, fin, mkt, hrd = (make.department(code) for code in ("IT", "FAC", "FIN", "MKT", "HRD"))
    heads = {d.code: make.head(d, name=f"Head of {d.code}") for d in (it, fac, fin, mkt, hrd)}
    return {"IT": it, "FAC": fac, "FIN": fin, "MKT": mkt, "HRD": hrd, "heads": heads}


def publish(org, provider="IT", targets=TARGETS, **scope):
    version = agreements.publish_agreement(org["heads"][provider], org[provider], targets, **scope)
    db.session.commit()
    return version


def sign(org, version, code, decision, comment=""):
    agreements.sign_off(org["heads"][code], version, decision, comment)
    db.session.commit()


@pytest.fixture
def switch(client, login):
    """Log out whoever is in, then log in ``user``."""

    def switch_to(user):
        client.post("/logout")
        return login(user)

    return switch_to


def sign_off_data(version, decision, comment=""):
    return {f"v{version.id}-decision": decision, f"v{version.id}-comment": comment}


# --- parsing targets ----------------------------------------------------------

@pytest.mark.parametrize(("text", "seconds"), [
    ("4h", 4 * H), ("2h 30m", 2 * H + 30 * M), ("1d", 8 * H), ("1.5h", 90 * M), ("45m", 45 * M),
    ("1d 2h", 10 * H), ("90 min", 90 * M), (" 2 hours ", 2 * H),
])
def test_parse_business_duration(text, seconds):
    assert parse_business_duration(text) == seconds


@pytest.mark.parametrize(("text", "message"), [
    ("", "Enter a target such as 4h"), ("4", "Add a unit: 4h or 4m?"), ("soon", "is not a duration"),
    ("0h", "at least one minute"), ("2000d", "under a year"),
])
def test_parse_business_duration_errors(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_business_duration(text)


def test_format_round_trips():
    for seconds in (45 * M, 4 * H, 2 * H + 30 * M, 40 * H):
        assert parse_business_duration(format_business_duration(seconds)) == seconds


# --- access -----------------------------------------------------------------------

def test_members_agents_and_plain_admins_get_404(make, client, switch, org):
    version = publish(org)
    for user in (make.user(org["FIN"]), make.agent(org["IT"]), make.user(None, is_admin=True)):
        switch(user)
        for url in ("/agreements", "/agreements/offered", "/agreements/received", "/agreements/new",
                    f"/agreements/{version.agreement_id}",
                    f"/agreements/between/{org['IT'].id}/{org['FIN'].id}"):
            assert client.get(url).status_code == 404, (user, url)
        response = client.post(f"/agreements/versions/{version.id}/sign-off", data=sign_off_data(version, "agreed"))
        assert response.status_code == 404
        assert 'href="/agreements"' not in client.get("/requests").text
    assert db.session.scalar(select(SignOff)) is None


def test_hr_sees_the_matrix_and_details_but_has_no_department_pages(make, client, login, org):
    version = publish(org)
    login(make.user(org["HRD"], is_hr=True))
    page = client.get("/agreements")
    assert page.status_code == 200 and 'href="/agreements"' in page.text
    assert "Offered by" not in page.text
    assert client.get(f"/agreements/{version.agreement_id}").status_code == 200
    assert client.get("/agreements/offered").status_code == 404
    assert client.get("/agreements/received").status_code == 404
    assert client.get("/agreements/new").status_code == 404


def test_anonymous_goes_to_login(client, org):
    response = client.get("/agreements")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


# --- publishing ---------------------------------------------------------------------

def test_provider_head_publishes_and_edits_create_versions(client, login, org):
    login(org["heads"]["IT"])
    form = client.get("/agreements/new")
    assert 'value="30m"' in form.text  # suggested urgent response target
    response = client.post("/agreements/new", data=targets_form(response_urgent="30m", resolution_urgent="2h 30m",
                                                                note="First agreement"))
    assert response.status_code == 303
    agreement = db.session.scalar(select(Agreement))
    assert response.headers["Location"].endswith(f"/agreements/{agreement.id}")
    assert (agreement.provider_id, agreement.request_type_id, agreement.requesting_department_id) == (org["IT"].id, None, None)
    v1 = agreement.current
    assert (v1.number, v1.response_urgent, v1.resolution_urgent, v1.resolution_low) == (1, 30 * M, 150 * M, 16 * H)
    assert v1.published_by_id == org["heads"]["IT"].id

    edit = client.get(f"/agreements/{agreement.id}/publish")
    assert 'value="2h 30m"' in edit.text  # prefilled from the version in force
    response = client.post(f"/agreements/{agreement.id}/publish", data=targets_form(response_high="1h"))
    assert response.status_code == 303
    db.session.expire_all()
    versions = db.session.scalars(select(AgreementVersion).order_by(AgreementVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].superseded_at is not None and versions[1].superseded_at is None
    assert versions[1].response_high == H

    page = client.get(f"/agreements/{agreement.id}").text
    assert "Version 2</strong> published" in page and "Version 1</strong> published" in page
    assert "replaced" in page and "in force" in page and "First agreement" in page
    assert "by Head of IT" in page and "High 1h / 2d" not in page  # 2d is shown as 16h
    assert "High 1h / 16h" in page


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"response_normal": "4"}, "response_normal", "Add a unit: 4h or 4m?"),
    ({"resolution_low": "whenever"}, "resolution_low", "is not a duration"),
    ({"response_high": "3d", "resolution_high": "1d"}, "resolution_high", "cannot be shorter than the first response"),
    ({"response_urgent": ""}, "response_urgent", "Enter a target such as"),
])
def test_target_errors_show_next_to_the_field(client, login, org, overrides, field, message):
    login(org["heads"]["IT"])
    response = client.post("/agreements/new", data=targets_form(**overrides))
    assert response.status_code == 422
    assert message in field_error(response.text, field)
    assert db.session.scalar(select(Agreement)) is None


def test_scope_for_one_department_needs_a_request_type(make, client, login, org):
    laptop = make.request_type(org["IT"], "Laptop")
    login(org["heads"]["IT"])
    response = client.post("/agreements/new", data=targets_form(requesting_department=org["FIN"].id))
    assert response.status_code == 422
    assert "needs a request type" in field_error(response.text, "request_type")
    response = client.post("/agreements/new", data=targets_form(request_type=laptop.id, requesting_department=org["FIN"].id))
    assert response.status_code == 303
    agreement = db.session.scalar(select(Agreement))
    assert (agreement.request_type_id, agreement.requesting_department_id) == (laptop.id, org["FIN"].id)


def test_only_the_providers_head_publishes(client, login, org):
    version = publish(org)
    login(org["heads"]["FIN"])
    assert client.get(f"/agreements/{version.agreement_id}/publish").status_code == 404
    assert client.post(f"/agreements/{version.agreement_id}/publish", data=targets_form()).status_code == 404
    assert "Publish new targets" not in client.get(f"/agreements/{version.agreement_id}").text
    assert len(db.session.scalars(select(AgreementVersion)).all()) == 1


# --- signing off ------------------------------------------------------------------

def test_requesting_head_sees_every_agreement_that_applies(make, client, login, switch, org):
    laptop, desk_move = make.request_type(org["IT"], "Laptop"), make.request_type(org["FAC"], "Desk move")
    publish(org, "IT")
    publish(org, "IT", request_type=laptop)
    publish(org, "IT", request_type=laptop, requesting_department=org["MKT"])  # another department's
    publish(org, "FAC", request_type=desk_move, requesting_department=org["FIN"])
    login(org["heads"]["FIN"])
    page = client.get("/agreements/received").text
    assert page.count('class="card mb-3 sign-off"') == 3
    assert "IT: All request types" in page and "IT: Laptop<" in page.replace("</a>", "<")
    assert "FAC: Desk move, for " in page
    assert "for MKT" not in page and "Department MKT" not in page
    assert page.count("Not yet answered") == 3

    # For MKT its own Laptop agreement overrides the type-wide one.
    switch(org["heads"]["MKT"])
    page = client.get("/agreements/received").text
    assert page.count('class="card mb-3 sign-off"') == 2
    assert "Laptop, for Department MKT" in page


def test_agree_and_dispute_swap_the_row_in_place(client, login, org):
    version = publish(org)
    login(org["heads"]["FIN"])
    url = f"/agreements/versions/{version.id}/sign-off"

    response = client.post(url, data=sign_off_data(version, "disputed"), headers=HTMX)
    assert response.status_code == 422
    assert "<html" not in response.text and 'class="card mb-3 sign-off"' in response.text
    assert "Say what you dispute." in field_error(response.text, f"v{version.id}-comment")
    assert db.session.scalar(select(SignOff)) is None

    response = client.post(url, data=sign_off_data(version, "disputed", "Urgent must be <1h>"), headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Disputed" in response.text and "Urgent must be &lt;1h&gt;" in response.text
    assert "Your answer is recorded." in response.text

    response = client.post(url, data=sign_off_data(version, "agreed"), headers=HTMX)
    assert response.status_code == 200 and "✓</span> Agreed" in response.text
    rows = db.session.scalars(select(SignOff).order_by(SignOff.id)).all()
    assert [(r.decision, r.comment, r.department_id) for r in rows] == [
        (Decision.DISPUTED, "Urgent must be <1h>", org["FIN"].id), (Decision.AGREED, "", org["FIN"].id)]


def test_sign_off_without_htmx_redirects(client, login, org):
    version = publish(org)
    login(org["heads"]["FIN"])
    response = client.post(f"/agreements/versions/{version.id}/sign-off", data=sign_off_data(version, "agreed"))
    assert response.status_code == 303 and response.headers["Location"].endswith("/agreements/received")
    response = client.post(f"/agreements/versions/{version.id}/sign-off", data=sign_off_data(version, "disputed"))
    assert response.status_code == 422 and "Say what you dispute." in response.text


def test_only_covered_requesting_heads_sign_off(make, client, switch, org):
    laptop = make.request_type(org["IT"], "Laptop")
    version = publish(org, request_type=laptop, requesting_department=org["MKT"])
    for code in ("IT", "FIN"):  # the provider itself, a department the agreement does not cover
        switch(org["heads"][code])
        response = client.post(f"/agreements/versions/{version.id}/sign-off", data=sign_off_data(version, "agreed"))
        assert response.status_code == 404
    assert client.post("/agreements/versions/999/sign-off", data={}).status_code == 404
    assert db.session.scalar(select(SignOff)) is None


def test_answering_a_replaced_version_shows_the_new_one(client, login, org):
    old = publish(org)
    login(org["heads"]["FIN"])
    page = client.get("/agreements/received").text
    new = publish(org, targets={p: (H, 8 * H) for p in Priority})
    response = client.post(f"/agreements/versions/{old.id}/sign-off", data=sign_off_data(old, "agreed"), headers=HTMX)
    assert "version 1" in page
    assert response.status_code == 422
    assert "replaced" in response.text and "version 2" in response.text
    assert f'action="/agreements/versions/{new.id}/sign-off"' in response.text
    assert db.session.scalar(select(SignOff)) is None


def test_provider_sees_who_agreed_and_who_disputed(client, login, org):
    version = publish(org)
    sign(org, version, "FIN", "agreed")
    sign(org, version, "MKT", "disputed", "We need weekend cover")
    login(org["heads"]["IT"])
    page = client.get("/agreements/offered").text
    assert "1 agreed · 1 disputed · 2 not yet answered" in page  # FAC and HRD have not answered
    assert "Department MKT (Head of MKT): <span class=\"user-text\">We need weekend cover</span>" in page
    detail = client.get(f"/agreements/{version.agreement_id}").text
    answers = detail[detail.index('id="answers-heading"'):detail.index('id="history-heading"')]
    assert answers.count("<tr>") == 5  # header + FAC, FIN, HRD, MKT
    fin_row = answers[answers.index("<td>Department FIN</td>"):]
    assert "Agreed" in fin_row[:fin_row.index("</tr>")] and "Head of FIN" in fin_row[:fin_row.index("</tr>")]
    assert "We need weekend cover" in detail and "! disputed" in detail  # the history lists it too


# --- the matrix -------------------------------------------------------------------

def cell(page, provider, requester):
    match = re.search(rf'id="cell-{provider.id}-{requester.id}" data-state="(\w+)">(.*?)</td>', page, re.S)
    assert match, (provider.code, requester.code)
    return match.group(1), " ".join(re.sub(r"<[^>]+>", " ", match.group(2)).split())


def test_matrix_shows_states_as_text(make, client, login, org):
    laptop = make.request_type(org["IT"], "Laptop")
    version = publish(org)
    sign(org, version, "FIN", "agreed")
    sign(org, version, "MKT", "disputed", "Too slow")
    specific = publish(org, request_type=laptop, requesting_department=org["HRD"])
    sign(org, specific, "HRD", "agreed")
    login(org["heads"]["FIN"])
    page = client.get("/agreements").text
    assert cell(page, org["IT"], org["FIN"]) == ("agreed", "✓ agreed v1 (IT to FIN)")
    assert cell(page, org["IT"], org["MKT"]) == ("disputed", "! disputed v1 (IT to MKT)")
    assert cell(page, org["IT"], org["FAC"]) == ("pending", "? pending v1 (IT to FAC)")
    # HRD agreed to its Laptop agreement but not yet to the department-wide one: the least settled shows.
    assert cell(page, org["IT"], org["HRD"]) == ("pending", "? pending 2 agreements (IT to HRD)")
    assert cell(page, org["FAC"], org["FIN"])[0] == "none"
    assert f'href="/agreements/between/{org["IT"].id}/{org["MKT"].id}"' in page
    between = client.get(f"/agreements/between/{org['IT'].id}/{org['MKT'].id}").text
    assert "What IT offers" not in between and "What Department IT offers Department MKT" in between
    assert "Too slow" in between and "Disputed" in between


def test_matrix_runs_a_fixed_number_of_queries(make, client, login, org):
    sign(org, publish(org), "FIN", "agreed")
    login(org["heads"]["FIN"])
    with count_queries() as few:
        assert client.get("/agreements").status_code == 200
    for n in range(4):
        department = make.department(f"Q{chr(65 + n)}")
        head = make.head(department)
        version = agreements.publish_agreement(head, department, TARGETS)
        agreements.sign_off(org["heads"]["MKT"], version, "agreed")
        db.session.commit()
    with count_queries() as many:
        page = client.get("/agreements")
    assert page.text.count('data-state="agreed"') == 5
    assert len(many) == len(few)
