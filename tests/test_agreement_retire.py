"""Retiring an agreement from its page: the provider's head only; open requests fall back."""

from __future__ import annotations

import html
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import AgreementVersion, Event, EventKind, Priority, ServiceRequest
from desk.services import agreements, workflow

H = 3600


@pytest.fixture
def org(make):
    """IT offers a department-wide agreement and a tighter one for laptops; MKT files a laptop request."""
    it, fin, mkt = make.department("IT"), make.department("FIN"), make.department("MKT")
    laptop = make.request_type(it, "Laptop")
    ns = SimpleNamespace(it=it, laptop=laptop, it_head=make.head(it, name="Iris Head"), it_agent=make.agent(it),
                         fin_head=make.head(fin), hr=make.user(mkt, is_hr=True), admin=make.user(None, is_admin=True),
                         requester=make.user(mkt))
    ns.wide = agreements.publish_agreement(ns.it_head, it, {p: (2 * H, 16 * H) for p in Priority})
    ns.tight = agreements.publish_agreement(ns.it_head, it, {p: (1 * H, 4 * H) for p in Priority},
                                            request_type=laptop)
    db.session.commit()
    ns.req = workflow.file_request(ns.requester, laptop, title="Laptop broken", body="It does not start.")
    db.session.commit()
    assert ns.req.agreement_version_id == ns.tight.id
    return ns


def page_of(client, url: str) -> str:
    return html.unescape(client.get(url).text)


def test_the_providers_head_retires_and_open_requests_fall_back(org, client, login):
    url = f"/agreements/{org.tight.agreement_id}"
    login(org.it_head)
    page = page_of(client, url)
    assert "Retire this agreement" in page and f'action="{url}/retire"' in page

    response = client.post(f"{url}/retire")
    assert response.status_code == 303 and response.location.endswith(url)
    page = page_of(client, response.location)
    assert "The agreement is retired; 1 open request got new deadlines." in page
    assert "This agreement is no longer in force" in page
    assert "Retire this agreement" not in page

    db.session.expire_all()
    assert db.session.get(AgreementVersion, org.tight.id).superseded_at is not None
    assert db.session.get(AgreementVersion, org.wide.id).superseded_at is None
    req = db.session.get(ServiceRequest, org.req.id)
    assert req.agreement_version_id == org.wide.id and req.resolution_target_seconds == 16 * H
    event = db.session.scalar(select(Event).where(Event.request_id == req.id, Event.kind == EventKind.DEADLINES_CHANGED))
    assert event.data["because"] == "agreement"


def test_retiring_twice_is_refused_with_a_message(org, client, login):
    url = f"/agreements/{org.tight.agreement_id}"
    login(org.it_head)
    client.post(f"{url}/retire")
    retired_at = db.session.get(AgreementVersion, org.tight.id).superseded_at
    response = client.post(f"{url}/retire")
    assert response.status_code == 303 and response.location.endswith(url)
    assert '<div class="alert alert-danger" role="alert">This agreement is not in force.</div>' in client.get(url).text
    db.session.expire_all()
    assert db.session.get(AgreementVersion, org.tight.id).superseded_at == retired_at


def test_with_no_open_request_the_message_says_so(org, client, login):
    login(org.it_head)
    response = client.post(f"/agreements/{org.wide.agreement_id}/retire")  # the laptop request keeps its own
    assert "The agreement is retired; no open request's deadlines changed." in page_of(client, response.location)


@pytest.mark.parametrize("who", ["fin_head", "hr", "it_agent", "admin"])
def test_nobody_else_may_retire(org, client, login, who):
    login(getattr(org, who))
    url = f"/agreements/{org.tight.agreement_id}"
    if who in ("fin_head", "hr"):  # they may read the agreement, without the button
        page = client.get(url)
        assert page.status_code == 200 and "Retire this agreement" not in page.text
    response = client.post(f"{url}/retire")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(AgreementVersion, org.tight.id).superseded_at is None
    assert db.session.get(ServiceRequest, org.req.id).agreement_version_id == org.tight.id


def test_anonymous_goes_to_login(org, client):
    response = client.post(f"/agreements/{org.tight.agreement_id}/retire")
    assert response.status_code == 302 and "/login" in response.location
    assert db.session.get(AgreementVersion, org.tight.id).superseded_at is None


def test_an_unknown_agreement_is_404(org, client, login):
    login(org.it_head)
    assert client.post("/agreements/9999/retire").status_code == 404
