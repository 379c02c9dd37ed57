"""Who may see which rating, on every path: request page and its fragment, lists, reports, CSV, e-mail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import Notification, NotificationKind, Rating, User
from desk.services import policy, workflow
from tests.helpers import HTMX
from tests.mail_support import smtp, text_of  # noqa: F401 - smtp is a fixture
from tests.rating_support import Shop

COMMENT = "Wombat comment about the service"


@pytest.fixture
def world(make):
    shop = Shop(make)
    shop.hr_dept = make.department("HR", "Human Resources")
    shop.hr = make.user(shop.hr_dept, name="Hector HR", is_hr=True)
    shop.mkt_head = make.head(shop.mkt, name="Mona Marketing head")
    shop.watcher = make.user(shop.fin, name="Walter Watcher")
    req = make.request(shop.requester, shop.laptop, title="Laptop fan is loud")
    workflow.add_watcher(shop.requester, req, shop.watcher)
    workflow.take(shop.agent, req)
    workflow.change_status(shop.agent, req, workflow.Status.RESOLVED)
    db.session.commit()
    shop.req = req
    return shop


def _rate(world, score=2):
    return world.rate(world.req, score, comment=COMMENT, reliability=2)


def sees(client, login, user, url, headers=None) -> tuple[int, bool]:
    client.post("/logout")
    login(user)
    response = client.get(url, headers=headers or {})
    return response.status_code, COMMENT in response.text


def test_the_request_page_and_its_fragment_show_the_rating_only_to_its_readers(world, client, login):
    _rate(world)
    expected = {
        "requester": (200, True), "head": (200, True), "agent": (200, True),
        "agent2": (200, False),  # an IT agent who never touched it sees the request, not the rating
        "mkt_head": (200, False), "watcher": (200, False),  # may see the request, not the rating
        "hr": (404, False), "fin_agent": (404, False),
    }
    for name, outcome in expected.items():
        user = getattr(world, name)
        assert sees(client, login, user, "/requests/IT-1") == outcome, name
        assert sees(client, login, user, "/requests/IT-1", HTMX) == outcome, name + " (htmx)"
    # nobody reads the score off the timeline
    client.post("/logout")
    login(world.watcher)
    page = client.get("/requests/IT-1").text
    assert "rated the service" in page and "2 of 5" not in page


def test_an_agent_who_acted_on_the_request_sees_its_rating(world, client, login):
    req = world.make.request(world.requester, world.laptop, title="Second")
    workflow.take(world.agent, req)
    workflow.add_note(world.agent2, req, "Checked the fan")  # agent2 worked this one
    workflow.change_status(world.agent, req, workflow.Status.RESOLVED)
    db.session.commit()
    world.rate(req, 4, comment="Second comment")
    assert sees(client, login, world.agent2, "/requests/IT-2")[0] == 200
    assert "Second comment" in client.get("/requests/IT-2").text
    assert "Second comment" in client.get("/ratings/worked").text


def test_department_page_and_csv_are_for_the_providers_heads(world, client, login):
    _rate(world)
    assert sees(client, login, world.head, "/ratings/department") == (200, True)
    csv = client.get("/ratings/department/ratings.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv" and COMMENT in csv.text
    assert "attachment" in csv.headers["Content-Disposition"]
    agents = client.get("/ratings/department/agents.csv")
    assert "Ivan Agent" in agents.text and "not enough ratings" in agents.text
    assert client.get("/ratings/department/nonsense.csv").status_code == 404

    for user in (world.agent, world.agent2, world.requester, world.hr):
        assert sees(client, login, user, "/ratings/department") == (404, False)
        assert client.get("/ratings/department/ratings.csv").status_code == 404
    # the head of another department sees their own department's page, not IT's ratings
    assert sees(client, login, world.mkt_head, "/ratings/department") == (200, False)
    assert COMMENT not in client.get("/ratings/department/ratings.csv").text


def test_hr_sees_aggregates_only_and_nothing_under_five_ratings(world, client, login):
    _rate(world)
    status, leaked = sees(client, login, world.hr, "/ratings/hr")
    assert (status, leaked) == (200, False)
    page = client.get("/ratings/hr").text
    assert "not enough ratings" in page
    for name in ("providers", "pairs", "types", "weekly", "servqual", "stars", "clarity"):
        csv = client.get(f"/ratings/hr/{name}.csv")
        assert csv.status_code == 200 and COMMENT not in csv.text, name
    assert "not enough ratings" in client.get("/ratings/hr/providers.csv").text
    assert client.get("/ratings/hr/agents.csv").status_code == 404  # no per-agent table for HR
    for user in (world.head, world.agent, world.requester):
        assert sees(client, login, user, "/ratings/hr")[0] == 404
        assert client.get("/ratings/hr/providers.csv").status_code == 404


def test_the_five_rating_threshold(world, client, login):
    _rate(world, score=4)
    for n in range(3):
        world.rate(world.resolved(title=f"More {n}"), 4)
    login(world.hr)
    assert "not enough ratings" in client.get("/ratings/hr/providers.csv").text  # 4 ratings
    world.rate(world.resolved(title="The fifth"), 2)
    providers = client.get("/ratings/hr/providers.csv").text
    it_row = next(line for line in providers.splitlines() if line.startswith("IT,"))
    assert it_row == "IT,5,5,100.0,80.0,3.6"
    assert "not enough ratings" not in it_row


def test_the_low_rating_mail_and_notification_go_to_the_head_only(world, smtp):
    smtp.clear()
    _rate(world, score=1)
    (mail,) = [m for m in smtp.messages if "rated it" in m["Subject"]]
    assert world.head.email in str(mail["To"]) and COMMENT in text_of(mail)
    low = db.session.scalars(select(Notification).where(Notification.kind == NotificationKind.LOW_RATING)).all()
    assert [n.user_id for n in low] == [world.head.id]
    for m in smtp.messages:
        if world.head.email not in str(m["To"]):
            assert COMMENT not in m.as_string()


def test_can_see_rating_and_the_list_clause_agree_for_everyone(world):
    _rate(world)
    other = world.resolved(requester=world.fin_member, agent=world.agent2, title="Other")
    world.rate(other, 5)
    fin_req = world.resolved(request_type=world.invoice, title="Invoice")
    world.rate(fin_req, 3)
    everyone = db.session.scalars(select(User)).all()
    all_ratings = db.session.scalars(select(Rating)).all()
    for user in everyone:
        listed = set(db.session.scalars(select(Rating.id).where(policy.rating_visible_clause(user))))
        single = {r.id for r in all_ratings if policy.can_see_rating(user, r)}
        assert listed == single, user.name
    assert {r.request.key for r in all_ratings if policy.can_see_rating(world.agent2, r)} == {"IT-2"}
    assert {r.request.key for r in all_ratings if policy.can_see_rating(world.head, r)} == {"IT-1", "IT-2"}
    assert not any(policy.can_see_rating(world.hr, r) for r in all_ratings)
    assert not any(policy.can_see_rating(world.mkt_head, r) for r in all_ratings)


def test_a_forwarded_rating_link_does_not_show_the_title(world, client, login, app):
    from desk.services import rating_links

    with app.test_request_context():
        token = rating_links.make_token(world.req, world.requester, 4)
    anonymous = client.get(f"/rate/{token}")
    assert anonymous.status_code == 200 and "IT-1" in anonymous.text
    assert "Laptop fan is loud" not in anonymous.text
    login(world.fin_agent)  # logged in, but may not see the request
    assert "Laptop fan is loud" not in client.get(f"/rate/{token}").text
    client.post("/logout")
    login(world.requester)
    assert "Laptop fan is loud" in client.get(f"/rate/{token}").text
