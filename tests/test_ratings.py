"""Rating a resolved request: the e-mail's one-click links, the request page panel, the rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from desk.clock import utcnow
from desk.extensions import db
from desk.models import (
    Event,
    EventKind,
    Notification,
    NotificationKind,
    Rating,
    RatingInvitation,
    ServiceRequest,
    Status,
)
from desk.services import rating_links, ratings, workflow
from desk.services.workflow import WorkflowError
from tests.helpers import HTMX, version_of
from tests.mail_support import smtp, text_of  # noqa: F401 - smtp is a fixture
from tests.rating_support import Shop, checked_score, star_links


def events_of(req, kind):
    return db.session.scalars(select(Event).where(Event.request_id == req.id, Event.kind == kind)).all()


def rating_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Rating))


# --- the e-mail journey ---------------------------------------------------------

def test_resolution_mail_lets_the_requester_rate_in_one_click_then_add_more(make, smtp, client):
    shop = Shop(make)
    smtp.clear()
    req = shop.resolved()
    (mail,) = smtp.resolutions(shop.requester.email)
    assert mail["Subject"] == "[IT-1] Ivan Agent changed the status to resolved: Laptop is slow"
    links = star_links(text_of(mail))
    assert len(links) == 5 and len(set(links)) == 5
    assert "/rate/" in mail.get_body(("html",)).get_content()

    # Opening the link changes nothing (link scanners fetch links): it asks for one click.
    page = client.get(links[3])
    assert page.status_code == 200
    assert "You chose" in page.text and "4 of 5" in page.text and "autofocus" in page.text
    db.session.expire_all()
    assert rating_count() == 0 and req.status == Status.RESOLVED

    response = client.post(links[3])
    assert response.status_code == 303
    assert response.headers["Location"].endswith(links[3] + "/more")
    db.session.expire_all()
    rating = db.session.scalar(select(Rating))
    assert (rating.score, rating.requester_id, rating.department_id, rating.agent_id) == (
        4, shop.requester.id, shop.it.id, shop.agent.id)
    assert req.status == Status.CLOSED
    assert len(events_of(req, EventKind.RATED)) == 1

    more = client.get(links[3] + "/more")
    assert "Anything to add?" in more.text and checked_score(more.text) == "4"
    response = client.post(links[3] + "/more", data={
        "score": "5", "reliability": "5", "responsiveness": "4", "assurance": "0", "empathy": "3",
        "tangibles": "0", "comment": "Quick and friendly."})
    assert response.status_code == 200 and "Thank you, Rita Requester" in response.text
    db.session.expire_all()
    assert (rating.score, rating.reliability, rating.responsiveness, rating.assurance, rating.empathy,
            rating.comment) == (5, 5, 4, None, 3, "Quick and friendly.")
    assert len(events_of(req, EventKind.RATED)) == 2  # the first closed it, the change is recorded too


def test_replaying_a_link_sets_the_same_score_again_and_nothing_else(make, smtp, client):
    shop = Shop(make)
    req = shop.resolved()
    link = star_links(text_of(smtp.resolutions(shop.requester.email)[0]))[1]
    assert client.post(link).status_code == 303
    client.post(link + "/more", data={"score": "2", "comment": "Took a week."})
    for _ in range(2):
        assert client.post(link).status_code == 303
    db.session.expire_all()
    (rating,) = db.session.scalars(select(Rating)).all()
    assert (rating.score, rating.comment) == (2, "Took a week.")
    assert len(events_of(req, EventKind.RATED)) == 2  # the star, then the comment; replays add nothing
    # the head heard about the poor rating once
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == NotificationKind.LOW_RATING)) == 1


def test_a_tampered_or_foreign_token_is_refused(make, smtp, client, app):
    shop = Shop(make)
    shop.resolved()
    link = star_links(text_of(smtp.resolutions(shop.requester.email)[0]))[4]
    token = link.rsplit("/", 1)[1]
    payload, rest = token.split(".", 1)
    forged_payload = payload[:-2] + ("AA" if not payload.endswith("AA") else "BB")
    for bad in (f"/rate/{forged_payload}.{rest}", f"/rate/{token[:-3]}", "/rate/not-a-token"):
        for response in (client.get(bad), client.post(bad)):
            assert response.status_code == 404
            assert "This rating link is not valid" in response.text
    # A token signed with the right key but another salt (a session cookie, say) is no rating link.
    from itsdangerous import URLSafeTimedSerializer

    other = URLSafeTimedSerializer(app.secret_key, salt="something-else").dumps({"r": 1, "u": shop.requester.id, "s": 5})
    assert client.post(f"/rate/{other}").status_code == 404
    # A token for a score outside 1-5, properly signed, is refused too.
    with app.test_request_context():
        odd = rating_links._serializer().dumps({"r": 1, "u": shop.requester.id, "s": 9})
    assert client.post(f"/rate/{odd}").status_code == 404
    assert rating_count() == 0


def test_a_token_for_someone_else_is_refused(make, client, app):
    shop = Shop(make)
    req = shop.resolved()
    with app.test_request_context():
        token = rating_links.make_token(req, shop.agent, 5)  # signed, but not the requester
    response = client.post(f"/rate/{token}")
    assert response.status_code == 404 and "not valid any more" in response.text
    assert rating_count() == 0


def test_links_expire_after_the_rating_window(make, smtp, client):
    shop = Shop(make)
    shop.resolved()
    link = star_links(text_of(smtp.resolutions(shop.requester.email)[0]))[4]
    with time_machine.travel(utcnow() + timedelta(days=14, minutes=1), tick=False):
        for response in (client.get(link), client.post(link)):
            assert response.status_code == 410
            assert "This rating link has expired." in response.text
    assert rating_count() == 0
    with time_machine.travel(utcnow() + timedelta(days=13), tick=False):
        assert client.post(link).status_code == 303
    assert rating_count() == 1


# --- the rules ----------------------------------------------------------------------

def test_one_rating_per_request_is_enforced_by_the_database(make):
    shop = Shop(make)
    req = shop.resolved()
    values = dict(request_id=req.id, requester_id=shop.requester.id, department_id=shop.it.id,
                  resolved_at=req.resolved_at, score=3)
    db.session.add(Rating(**values))
    db.session.commit()
    db.session.add(Rating(**values))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert rating_count() == 1


def test_rating_twice_changes_the_rating_even_when_another_insert_won_the_race(make, monkeypatch):
    shop = Shop(make)
    req = shop.resolved()
    shop.rate(req, 3)
    # Simulate the race: this call does not see the first rating and tries to INSERT.
    real = ratings.rating_of
    calls = []

    def stale_then_real(r):
        calls.append(r)
        return None if len(calls) == 1 else real(r)

    monkeypatch.setattr(ratings, "rating_of", stale_then_real)
    ratings.give(shop.requester, req, score=5, comment="Better than I said")
    db.session.commit()
    (rating,) = db.session.scalars(select(Rating)).all()
    assert (rating.score, rating.comment) == (5, "Better than I said")


def test_rating_is_open_for_fourteen_days_and_may_be_changed_within_them(make):
    shop = Shop(make)
    req = shop.resolved()
    shop.rate(req, 3)
    later = utcnow() + timedelta(days=13, hours=23)
    shop.rate(req, 4, at=later)
    assert db.session.scalar(select(Rating.score)) == 4
    with pytest.raises(WorkflowError, match="closed 14 days after"):
        shop.rate(req, 5, at=utcnow() + timedelta(days=14, minutes=1))
    db.session.rollback()
    assert db.session.scalar(select(Rating.score)) == 4


def test_only_resolved_requests_can_be_rated(make):
    shop = Shop(make)
    req = make.request(shop.requester, shop.laptop)
    with pytest.raises(WorkflowError, match="only a resolved request"):
        ratings.give(shop.requester, req, score=5)
    with pytest.raises(WorkflowError, match="only a resolved request"):
        workflow.rate(shop.requester, req)


def test_nobody_rates_their_own_departments_work(make, smtp, client, login):
    shop = Shop(make)
    colleague = make.user(shop.it, name="Iris IT member", email="iris@example.test")
    smtp.clear()
    req = shop.resolved(requester=colleague)
    (mail,) = smtp.resolutions(colleague.email)
    assert star_links(text_of(mail)) == []  # no invitation
    with pytest.raises(WorkflowError, match="own department"):
        ratings.give(colleague, req, score=5)
    db.session.rollback()
    login(colleague)
    page = client.get(f"/requests/{req.key}")
    assert "is your own department, so there is nothing to rate" in page.text
    assert 'action="/requests/IT-1/rating"' not in page.text
    assert client.post(f"/requests/{req.key}/rating", data={"score": "5"}).status_code == 403
    assert "IT-1" not in client.get("/ratings/to-rate").text
    with client.application.test_request_context():
        token = rating_links.make_token(req, colleague, 5)
    assert "nothing to rate" in client.get(f"/rate/{token}").text
    assert client.post(f"/rate/{token}").status_code == 409
    assert rating_count() == 0


def test_e_mail_invitations_at_most_once_a_day_but_the_in_app_prompt_stays(make, smtp, client, login):
    shop = Shop(make)
    smtp.clear()
    shop.resolved(title="First")
    shop.resolved(title="Second")
    first, second = smtp.resolutions(shop.requester.email)
    assert len(star_links(text_of(first))) == 5
    assert star_links(text_of(second)) == []  # resolved mail still sent, without the invitation
    assert "Rate it with one click" not in text_of(second)
    assert db.session.scalar(select(func.count()).select_from(RatingInvitation)) == 1

    with time_machine.travel(utcnow() + timedelta(days=1, minutes=1), tick=False):
        smtp.clear()
        shop.resolved(title="Third")
        (third,) = smtp.resolutions(shop.requester.email)
        assert len(star_links(text_of(third))) == 5
        login(shop.requester)
        to_rate = client.get("/ratings/to-rate")
        assert all(key in to_rate.text for key in ("IT-1", "IT-2", "IT-3"))
        assert "To rate <span class=\"badge text-bg-primary\">3</span>" in to_rate.text
        assert "Rate the service" in client.get("/requests/IT-2").text


def test_a_rating_of_one_or_two_tells_the_providers_head(make, smtp):
    shop = Shop(make)
    good = shop.resolved(title="Good one")
    bad = shop.resolved(title="Bad one")
    smtp.clear()
    shop.rate(good, 4, comment="Fine")
    assert smtp.to(shop.head.email) == []
    shop.rate(bad, 2, comment="Nobody answered for a week")
    (mail,) = smtp.to(shop.head.email)
    assert mail["Subject"] == "[IT-2] Rita Requester rated it 2 of 5: Bad one"
    assert "Nobody answered for a week" in text_of(mail)
    notes = db.session.scalars(select(Notification).where(Notification.kind == NotificationKind.LOW_RATING)).all()
    assert [(n.user_id, n.request.key) for n in notes] == [(shop.head.id, "IT-2")]
    assert all(shop.agent.email not in str(m["To"]) for m in smtp.messages)
    # 2 -> 1 is still poor: no second alarm; 4 -> 1 is news
    shop.rate(bad, 1)
    shop.rate(good, 1)
    assert [n.request.key for n in db.session.scalars(select(Notification).where(
        Notification.kind == NotificationKind.LOW_RATING).order_by(Notification.id))] == ["IT-2", "IT-1"]


def test_not_actually_fixed_reopens_instead_of_rating(make, client, login):
    shop = Shop(make)
    req = shop.resolved()
    login(shop.requester)
    page = client.get(f"/requests/{req.key}")
    assert "Not actually fixed?" in page.text
    response = client.post(f"/requests/{req.key}/not-fixed", data={"reason": ""}, headers=HTMX)
    assert response.status_code == 422 and "Say what is still wrong." in response.text
    response = client.post(f"/requests/{req.key}/not-fixed", data={"reason": "Still slow every morning"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/requests/IT-1#rating")
    db.session.expire_all()
    assert req.status == Status.IN_PROGRESS and req.reopen_count == 1 and req.resolved_at is None
    (event,) = events_of(req, EventKind.REOPENED)
    assert event.body == "Still slow every morning"
    assert rating_count() == 0
    assert "Rate the service" not in client.get(f"/requests/{req.key}").text


def test_rating_on_the_request_page_closes_it_and_shows_it(make, client, login):
    shop = Shop(make)
    req = shop.resolved()
    login(shop.requester)
    page = client.get(f"/requests/{req.key}")
    assert "Rate the service" in page.text and 'name="score"' in page.text
    bad = client.post(f"/requests/{req.key}/rating", data={"score": "", "comment": "x" * 2001}, headers=HTMX)
    assert bad.status_code == 422
    assert "Choose 1 to 5 stars." in bad.text and "Field cannot be longer than 2000 characters." in bad.text
    response = client.post(f"/requests/{req.key}/rating", headers=HTMX, data={
        "score": "4", "reliability": "5", "responsiveness": "0", "assurance": "0", "empathy": "0",
        "tangibles": "0", "comment": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "Your rating" in response.text and "4 of 5" in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text and "<script>alert" not in response.text
    assert "rated the service, which closed the request" in response.text
    assert "Save my rating" in response.text  # may still change it
    db.session.expire_all()
    assert req.status == Status.CLOSED and req.closed_at is not None


@pytest.mark.parametrize("path, data, step, kind", [
    ("rating", {"score": "4", "comment": "Quick and kind"}, "rate", EventKind.RATED),
    ("not-fixed", {"reason": "Still slow every morning"}, "reopen", EventKind.REOPENED),
])
def test_a_rating_panel_post_that_loses_a_race_is_refused_like_any_action(make, client, login, monkeypatch,
                                                                         path, data, step, kind):
    """The agent closes the request between the requester's read and write (on PostgreSQL both read
    at once): the version check refuses the write and the page says so, as for every other action."""
    shop = Shop(make)
    req = shop.resolved()
    version = req.version
    login(shop.requester)
    original = getattr(workflow, step)

    def after_someone_else_wrote(requester, target, **kwargs):
        # What another process's committed change looks like from here: a newer version under our feet.
        db.session.execute(update(ServiceRequest.__table__).where(ServiceRequest.id == target.id)
                           .values(version=ServiceRequest.version + 1))
        return original(requester, target, **kwargs)

    monkeypatch.setattr(workflow, step, after_someone_else_wrote)
    response = client.post(f"/requests/{req.key}/{path}", data=data, headers=HTMX)
    assert response.status_code == 409
    assert (f"{req.key} was changed by someone else just now (Ivan Agent has it now). Nothing was saved."
            in response.text)
    assert "Rate the service" in response.text  # the panel is still there to try again
    db.session.expire_all()
    assert (req.status, req.version, req.reopen_count) == (Status.RESOLVED, version, 0)
    assert rating_count() == 0 and events_of(req, kind) == []


def test_a_star_from_the_mail_that_loses_a_race_is_refused_without_a_crash(make, smtp, client, monkeypatch):
    """The same race through the one-click link: a 409 page that says what happened, nothing saved."""
    shop = Shop(make)
    req = shop.resolved()
    version = req.version
    link = star_links(text_of(smtp.resolutions(shop.requester.email)[0]))[4]
    original = workflow.rate

    def after_someone_else_wrote(requester, target, **kwargs):
        db.session.execute(update(ServiceRequest.__table__).where(ServiceRequest.id == target.id)
                           .values(version=ServiceRequest.version + 1))
        return original(requester, target, **kwargs)

    monkeypatch.setattr(workflow, "rate", after_someone_else_wrote)
    response = client.post(link)
    assert response.status_code == 409
    assert f"{req.key} was changed by someone else just now. Nothing was saved: open the link again." in response.text
    db.session.expire_all()
    assert (req.status, req.version) == (Status.RESOLVED, version) and rating_count() == 0


def test_the_to_rate_list_empties_as_ratings_come_in(make, client, login):
    shop = Shop(make)
    req = shop.resolved()
    other = shop.resolved(requester=shop.fin_member)
    login(shop.requester)
    page = client.get("/ratings/to-rate")
    assert 'href="/requests/IT-1#rating"' in page.text and "IT-2" not in page.text
    shop.rate(req, 5)
    assert "Nothing waits for your rating" in client.get("/ratings/to-rate").text
    assert ratings.to_rate_count(shop.fin_member) == 1 and other.key == "IT-2"


def test_the_agent_scores_request_clarity_when_resolving(make, client, login):
    shop = Shop(make)
    req = make.request(shop.requester, shop.laptop)
    workflow.take(shop.agent, req)
    db.session.commit()
    login(shop.agent)
    page = client.get(f"/requests/{req.key}")
    assert "How clear was the request?" in page.text
    version = version_of(page.text, f"/requests/{req.key}/status")
    response = client.post(f"/requests/{req.key}/status",
                           data={"status": "resolved", "reason": "", "clarity": "2", "version": version})
    assert response.status_code == 303
    db.session.expire_all()
    assert (req.status, req.clarity_score) == (Status.RESOLVED, 2)
    bad = make.request(shop.requester, shop.laptop)
    with pytest.raises(WorkflowError, match="1 to 5"):
        workflow.change_status(shop.agent, bad, Status.RESOLVED, clarity=9)
    db.session.rollback()
    assert db.session.get(ServiceRequest, bad.id).clarity_score is None


def test_a_request_the_agent_closed_can_still_be_rated_within_the_window(make, client, login):
    shop = Shop(make)
    req = shop.resolved()
    workflow.change_status(shop.agent, req, Status.CLOSED)
    db.session.commit()
    login(shop.requester)
    assert "Rate the service" in client.get(f"/requests/{req.key}").text
    response = client.post(f"/requests/{req.key}/rating", data={"score": "5"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/requests/IT-1#rating")
    assert "Thank you for rating IT-1." in client.get(response.headers["Location"]).text
    db.session.expire_all()
    assert req.status == Status.CLOSED and db.session.scalar(select(Rating.score)) == 5
    (event,) = events_of(req, EventKind.RATED)
    assert event.data == {"changed": False}
