"""What each hand-off records about the request's earlier ones, and the counts built on it.

A request goes IT -> FAC -> IT -> FAC -> LEG over four days. The hand-off
report counts *requests* from those recorded facts instead of COUNT(DISTINCT):
here every count is checked against the hand-offs themselves, across period
boundaries that fall between two hand-offs of the same request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from desk.clock import travel
from desk.extensions import db
from desk.models import Handoff
from desk.services import workflow
from desk.services.reports import handoffs
from desk.services.reports.filters import ReportFilters


def day(n: int) -> datetime:
    return datetime(2026, 3, n, 10, tzinfo=UTC)


@pytest.fixture
def bounced(make):
    """IT-1: IT -> FAC (2 Mar), back to IT (3 Mar), to FAC again (4 Mar), on to LEG (5 Mar)."""
    it, fac, leg = make.department("IT"), make.department("FAC"), make.department("LEG")
    laptop, repair = make.request_type(it, "Laptop"), make.request_type(fac, "Repair")
    contract = make.request_type(leg, "Contract")
    agents = {d.id: make.agent(d) for d in (it, fac, leg)}
    with travel(day(2)):
        req = workflow.file_request(make.user(make.department("MKT")), laptop, title="Desk", body="Wobbles")
    for n, kind in ((2, repair), (3, laptop), (4, repair), (5, contract)):
        with travel(day(n)):
            workflow.transfer(agents[req.department_id], req, kind, reason="not ours")
    db.session.commit()
    return it, fac, leg, laptop, repair


def test_each_hand_off_records_what_it_shares_with_the_earlier_ones(bounced):
    it, fac, leg, laptop, repair = bounced
    rows = db.session.execute(select(
        Handoff.from_department_id, Handoff.to_department_id, Handoff.sent_back, Handoff.previous_pair_at,
        Handoff.previous_type_at, Handoff.departments_after).order_by(Handoff.seq)).all()
    assert [tuple(row) for row in rows] == [
        (it.id, fac.id, False, None, None, 2),
        (fac.id, it.id, True, None, None, 2),  # straight back to IT
        (it.id, fac.id, True, day(2), day(2), 2),  # IT -> FAC again, again as a laptop request
        (fac.id, leg.id, False, None, day(3), 3),  # a third department
    ]


def period(start: int, end: int, department=None) -> ReportFilters:
    return ReportFilters(start=date(2026, 3, start), end=date(2026, 3, end),
                         department_id=department.id if department else None)


@pytest.mark.parametrize(("start", "it_to_fac", "laptop"), [
    (1, (2, 1), (2, 1)),  # both IT -> FAC hand-offs in the period: one request
    (3, (1, 1), (1, 1)),  # the first is before it: the second counts the request
])
def test_requests_are_counted_once_per_pair_and_type(bounced, start, it_to_fac, laptop):
    it, fac, leg, laptop_type, repair = bounced
    flows = {(a, b): (n, requests) for a, b, n, requests in handoffs.flows(period(start, 31))}
    assert flows[(it.id, fac.id)] == it_to_fac
    types = {kind: (n, requests) for kind, n, requests in handoffs.by_type(period(start, 31))}
    assert types[laptop_type.id] == laptop


def test_the_same_counts_through_a_department_filter(bounced):
    it, fac, leg, laptop, repair = bounced
    # LEG's view keeps only FAC -> LEG: the repair type's earlier hand-off (FAC -> IT) is dropped.
    assert handoffs.by_type(period(4, 31, leg)) == [(repair.id, 1, 1)]
    assert handoffs.flows(period(1, 31, leg)) == [(fac.id, leg.id, 1, 1)]


def test_ping_pong_and_three_departments_by_the_period(bounced):
    it, fac, leg, laptop, repair = bounced
    assert handoffs.ping_pong(period(1, 31)) == {(it.id, fac.id): 1, (fac.id, it.id): 1}
    assert handoffs.ping_pong(period(4, 31)) == {(fac.id, it.id): 1}  # FAC -> IT -> FAC, back on 4 Mar
    assert handoffs.many_departments(period(1, 31)) == {3: 1}
    # Up to 4 March the request had been held by IT and FAC only.
    assert handoffs.many_departments(period(1, 4)) == {}
    assert handoffs.many_departments(period(5, 31, it)) == {}  # IT took no part in the hand-off to LEG
