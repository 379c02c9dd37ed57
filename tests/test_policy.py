"""Unit tests of desk.services.policy: who sees which request, and the SQL rule agreeing with it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import Role, ServiceRequest, Status, User
from desk.services import policy, workflow
from tests.factories import small_company


@pytest.fixture
def world(make):
    """The small company (tests/factories.py), the people at the rule's edges, and requests:
    one moved from IT (``agent`` held it) to Facilities, a confidential one, and more."""
    w = small_company(make)
    w.hr_dept = make.department("HR", name="Human Resources")
    w.contract = make.request_type(w.leg, "Contract review", confidential=True)
    w.nda = make.request_type(w.leg, "NDA")
    w.colleague = make.user(w.mkt, name="Colleague of the requester")
    w.fac_head = make.head(w.fac, name="Current holder head")
    w.other_agent = make.agent(w.hr_dept, name="Unrelated agent")
    w.other_head = make.head(w.hr_dept, name="Unrelated head")
    w.loner = make.user(None, name="No department")
    w.gone = make.agent(w.fac, name="Deactivated holder agent", active=False)
    w.gone_requester = make.user(w.mkt, name="Deactivated requester")
    # moved: filed to IT, watched, handed over to Facilities
    w.moved = workflow.file_request(w.requester, w.laptop, title="Desk wobbles", body="...")
    workflow.add_watcher(w.requester, w.moved, w.watcher)
    workflow.transfer(w.agent, w.moved, w.repair, reason="furniture")
    # secret: filed to IT with a watcher, then handed to a confidential Legal type
    w.secret = workflow.file_request(w.requester, w.laptop, title="Leaked laptop", body="...")
    workflow.add_watcher(w.requester, w.secret, w.watcher)
    workflow.transfer(w.agent, w.secret, w.contract, reason="legal matter")
    # confidential from the start
    w.grievance = workflow.file_request(w.requester, w.contract, title="Contract", body="...")
    # plain ones
    w.own_head = workflow.file_request(w.mkt_head, w.nda, title="NDA for partner", body="...")
    w.homeless = workflow.file_request(w.loner, w.laptop, title="No department", body="...")
    w.closed = workflow.file_request(w.gone_requester, w.laptop, title="Old one", body="...")
    workflow.change_status(w.agent, w.closed, Status.REJECTED, reason="dup")
    w.gone_requester.active = False
    db.session.commit()
    return w


def _visible(user, req) -> bool:
    return policy.can_view(user, req)


def test_requester_watcher_and_requesting_head_see_a_request(world):
    w = world
    assert _visible(w.requester, w.moved)
    assert _visible(w.watcher, w.moved)
    assert _visible(w.mkt_head, w.moved)


def test_current_and_past_holders_see_it(world):
    w = world
    assert _visible(w.fac_agent, w.moved) and _visible(w.fac_head, w.moved)  # holds it now
    assert _visible(w.agent, w.moved) and _visible(w.it_head, w.moved)  # held it


@pytest.mark.parametrize(
    "who",
    ["colleague", "it_member", "leg_agent", "other_agent", "other_head", "hr", "admin", "loner", "gone"],
)
def test_unrelated_people_do_not_see_it(world, who):
    assert not _visible(getattr(world, who), world.moved)


def test_a_plain_member_of_the_holding_department_does_not_see_it(world):
    assert world.it_member.department_id in {h.department_id for h in world.moved.holdings}
    assert not _visible(world.it_member, world.moved)


def test_confidential_drops_watchers_and_the_requesting_head(world):
    w = world
    assert w.secret.confidential
    assert _visible(w.requester, w.secret)
    assert _visible(w.leg_agent, w.secret)  # holds it
    assert _visible(w.agent, w.secret)  # held it before it became confidential
    assert not _visible(w.watcher, w.secret)
    assert not _visible(w.mkt_head, w.secret)
    assert not _visible(w.mkt_head, w.grievance)
    assert not _visible(w.hr, w.grievance) and not _visible(w.admin, w.grievance)


def test_a_head_sees_their_own_request_and_no_one_elses_without_a_department(world):
    w = world
    assert _visible(w.mkt_head, w.own_head)
    assert _visible(w.loner, w.homeless)
    assert not _visible(w.mkt_head, w.homeless)  # no requesting department: no requesting head
    w.loner.role = Role.HEAD  # a head without a department (bad data) sees nothing extra
    assert not _visible(w.loner, w.own_head)
    assert not policy.can_view(w.loner, w.moved)


def test_deactivated_people_see_nothing(world):
    w = world
    assert not _visible(w.gone_requester, w.closed)
    assert not _visible(w.gone, w.moved)


def test_acting_rights(world):
    w = world
    assert policy.can_work(w.fac_agent, w.moved) and policy.can_work(w.fac_head, w.moved)
    assert not policy.can_work(w.agent, w.moved)  # held it, no longer works it
    assert not policy.can_work(w.requester, w.moved)
    assert policy.can_see_internal_notes(w.agent, w.moved)
    assert policy.can_see_internal_notes(w.fac_agent, w.moved)
    assert not policy.can_see_internal_notes(w.requester, w.moved)
    assert not policy.can_see_internal_notes(w.mkt_head, w.moved)
    assert policy.can_reply(w.requester, w.moved) and policy.can_reply(w.fac_agent, w.moved)
    assert not policy.can_reply(w.watcher, w.moved) and not policy.can_reply(w.agent, w.moved)
    assert not policy.can_reply(w.agent, w.closed)  # rejected: no more replies
    assert policy.can_add_watcher(w.requester, w.moved) and not policy.can_add_watcher(w.requester, w.secret)
    assert policy.is_requester(w.requester, w.moved) and not policy.is_requester(w.watcher, w.moved)


def test_administration_and_catalogue_rights(world):
    w = world
    assert policy.can_administer(w.admin) and not policy.can_administer(w.hr)
    assert policy.can_see_hr_reports(w.hr) and not policy.can_see_hr_reports(w.admin)
    assert policy.can_manage_catalogue(w.fac_head, w.fac)
    assert not policy.can_manage_catalogue(w.fac_head, w.it)
    assert not policy.can_manage_catalogue(w.fac_agent, w.fac)
    assert policy.can_work_queue(w.fac_agent, w.fac) and not policy.can_work_queue(w.it_member, w.it)


def test_visible_clause_agrees_with_can_view_for_everyone(world):
    """The SQL rule and the Python rule give the same answer for every user and request."""
    people = {role: v for role, v in vars(world).items() if isinstance(v, User)}
    users = list(people.values())
    requests = list(db.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)))
    assert len(users) == 17 and len(requests) == 6
    disagreements = []
    for user in users:
        in_sql = set(db.session.scalars(select(ServiceRequest.id).where(policy.visible_clause(user))))
        in_python = {r.id for r in requests if policy.can_view(user, r)}
        if in_sql != in_python:
            disagreements.append((user.name, sorted(in_sql), sorted(in_python)))
    assert disagreements == []
    # and the world is mixed enough for that to mean something
    counts = {role: sum(policy.can_view(u, r) for r in requests) for role, u in people.items()}
    assert counts["requester"] == 3 and counts["hr"] == 0 and counts["agent"] == 4
