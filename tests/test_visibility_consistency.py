"""The visibility rule exists twice (policy.can_view for one request,
policy.visible_clause for lists); on the demo company they must agree for
every user and every request, and every list, search and count a user gets
must contain only requests that user may view."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from desk.extensions import db
from desk.models import Role, ServiceRequest, User
from desk.seed.demo import DEMO_PASSWORD, seed_demo
from desk.services import policy, queries
from desk.services.queries import QueueFilters

KEY = re.compile(r"/requests/([A-Z]+-\d+)\"")


def test_visibility_rule_holds_in_every_list_page_and_count(ctx, app):
    """One demo company (seeding it is the slow part), every check on it."""
    seed_demo(count=120)
    users = list(db.session.scalars(select(User).order_by(User.id)))
    requests = list(db.session.scalars(
        select(ServiceRequest).options(selectinload(ServiceRequest.holdings), selectinload(ServiceRequest.watchers))
    ))
    demo = users, requests
    single_check_and_list_clause_agree_for_everyone(demo)
    deactivated_users_see_nothing(demo)
    lists_searches_and_counts_only_hold_viewable_requests(demo)
    counts_agree_with_the_rule(demo)
    pages_show_only_viewable_keys(demo, app)


def visible_ids(user: User) -> set[int]:
    return set(db.session.scalars(select(ServiceRequest.id).where(policy.visible_clause(user))))


def single_check_and_list_clause_agree_for_everyone(demo):
    users, requests = demo
    assert len(users) > 50 and len(requests) == 120
    assert any(r.confidential for r in requests), "the demo should hold confidential requests"
    assert any(r.transfer_count for r in requests), "the demo should hold transferred requests"
    disagreements = []
    for user in users:
        listed = visible_ids(user)
        for req in requests:
            if policy.can_view(user, req) != (req.id in listed):
                disagreements.append((user.email, req.key, policy.can_view(user, req)))
    assert disagreements == []


def deactivated_users_see_nothing(demo):
    users, requests = demo
    user = next(u for u in users if u.role == Role.AGENT)
    user.active = False
    assert visible_ids(user) == set()
    assert not any(policy.can_view(user, r) for r in requests)
    db.session.rollback()


def lists_searches_and_counts_only_hold_viewable_requests(demo):
    users, requests = demo
    by_id = {r.id: r for r in requests}
    words = sorted({w.lower() for r in requests for w in r.title.split() if len(w) > 4})[:12]
    for user in users:
        allowed = visible_ids(user)
        for scope in ("open", "all", "watching"):
            page = queries.my_requests(user, scope=scope, per_page=500)
            assert {r.id for r in page.items} <= allowed, (user.email, scope)
            assert page.total == len(page.items)
        mine = queries.my_requests(user, scope="all", per_page=500)
        assert {r.id for r in mine.items} == {r.id for r in requests if r.requester_id == user.id}
        if user.department and policy.can_work_queue(user, user.department):
            for q in ["", *words]:
                filters = QueueFilters(status="all", q=q)
                page = queries.queue(user, user.department, filters, per_page=500)
                ids = {r.id for r in page.items}
                assert ids <= allowed, (user.email, q)
                # the count shown above the queue is the number of rows it holds
                assert page.total == len(ids)
            everything = queries.queue(user, user.department, QueueFilters(status="all"), per_page=500)
            held_now = {r.id for r in requests if r.department_id == user.department_id}
            assert {r.id for r in everything.items} == held_now
            assert queries.open_count(user.department_id) == sum(
                1 for i in held_now if by_id[i].is_open
            )


def pages_show_only_viewable_keys(demo, app):
    users, requests = demo
    keys = {r.key: r for r in requests}
    staff = [u for u in users if u.role in (Role.AGENT, Role.HEAD)][::4]
    members = [u for u in users if u.role == Role.MEMBER][::6]
    for user in staff + members:
        allowed = visible_ids(user)
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": DEMO_PASSWORD})
        assert response.status_code == 303
        pages = [client.get("/requests?scope=all"), client.get("/requests?scope=watching")]
        if user.role != Role.MEMBER:
            pages += [client.get("/queue/?status=all"), client.get("/queue/?status=all&q=the")]
        for page in pages:
            assert page.status_code == 200
            for key in KEY.findall(page.get_data(as_text=True)):
                assert keys[key].id in allowed, (user.email, key)
        # and every request page answers 200 exactly when the rule says so
        for req in requests[::4]:
            response = client.get(f"/requests/{req.key}")
            assert response.status_code == (200 if req.id in allowed else 404), (user.email, req.key)


def counts_agree_with_the_rule(demo):
    users, _ = demo
    for user in users[:20]:
        counted = db.session.scalar(
            select(func.count()).select_from(ServiceRequest).where(policy.visible_clause(user))
        )
        assert counted == len(visible_ids(user))
