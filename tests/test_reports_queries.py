"""Report and list pages run a bounded number of queries: more requests, not more queries."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from desk.extensions import db
from desk.models import Priority, Status
from desk.services import workflow
from tests.report_history import NOW, PERIOD, build, t
from tests.sla_support import at

PAGES = ["/reports/review", "/reports/bottlenecks", "/reports/waits", "/reports/handoffs", "/reports/health",
         "/reports/attainment", "/reports/chart/review-weekly.svg", "/reports/chart/waits-stages.svg"]
LIMIT = 30  # the review, the busiest page, runs about twenty


@contextmanager
def counting():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def page_queries(client, path, **args) -> int:
    db.session.commit()  # each page from the same start: no open transaction, nothing loaded
    with at(NOW), counting() as statements:
        response = client.get(path, query_string={**PERIOD, **args})
    assert response.status_code == 200, path
    return len(statements)


def more_history(h, make, n: int, start: int = 0) -> None:
    """n more requests of every shape: answered, resolved, handed off."""
    for i in range(start, start + n):
        with at(t(6, 13, i)):
            req = workflow.file_request(h.employee, h.laptop, title=f"More {i}", body="b",
                                        priority=[Priority.LOW, Priority.HIGH][i % 2])
            workflow.take(h.agent2 if i % 2 else h.agent, req)
            if i % 3 == 0:
                workflow.transfer(h.agent, req, h.repair, reason="theirs")
                workflow.take(h.fac_agent, req)
            workflow.change_status(req.assignee, req, Status.RESOLVED)
            db.session.commit()


@pytest.mark.parametrize("who", ["it_head", "hr"])
def test_report_pages_run_a_bounded_number_of_queries(make, client, login, who):
    h = build(make)
    with at(NOW):
        login(getattr(h, who))
    more_history(h, make, 12)
    before = {path: page_queries(client, path) for path in PAGES}
    more_history(h, make, 24, start=12)
    after = {path: page_queries(client, path) for path in PAGES}
    assert after == before
    assert max(after.values()) <= LIMIT, after


def test_list_pages_run_a_bounded_number_of_queries(make, client, login):
    h = build(make)
    with at(NOW):
        login(h.it_head)
    cell = {"requesting": h.mkt.id, "providing": h.it.id}
    more_history(h, make, 12)
    before = (page_queries(client, "/reports/bottlenecks/requests", **cell),
              page_queries(client, "/queue/", status="all"), page_queries(client, "/queue/", q="request"))
    more_history(h, make, 24, start=12)
    after = (page_queries(client, "/reports/bottlenecks/requests", **cell),
             page_queries(client, "/queue/", status="all"), page_queries(client, "/queue/", q="request"))
    assert after == before
