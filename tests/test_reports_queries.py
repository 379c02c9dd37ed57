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


def test_percentiles_over_a_long_period_read_value_indexes_without_sorting(make, monkeypatch):
    """Over a long period, each walk and each GROUP BY by agent follows an index in order (the
    ix_requests_seconds* indexes, the ratings' agent index): no temporary B-tree (a sort), on
    SQLite, whose planner has to be steered to them."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL picks the value index for ORDER BY ... LIMIT by cost by itself")
    from desk.services.reports import attainment, bottlenecks, percentiles, review
    from tests.test_reports_numbers import week

    h = build(make)
    more_history(h, make, 6)
    monkeypatch.setattr(percentiles, "WALK_SHARE", 10**9)
    with at(NOW), counting_with_parameters() as statements:
        review.department_review(week(h.it), NOW)
        attainment.by_agreement(week(h.it))
        attainment.by_agent(week(h.it))
        bottlenecks.bottleneck_matrix(week(h.it))
    marks = ("resolution_business_seconds IS NOT NULL", "GROUP BY requests.assignee_id", "GROUP BY ratings.agent_id")
    ranked = [(sql, params) for sql, params in statements if any(mark in sql for mark in marks)]
    # Walks: overall, type, version, agent, requesting department; the agent's counts and CSAT.
    assert len(ranked) == 7
    cursor = db.session.connection().connection.driver_connection.cursor()
    for sql, params in ranked:
        plan = " / ".join(row[3] for row in cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        index = "ix_ratings_department_agent" if "FROM ratings" in sql else "ix_requests_seconds"
        assert index in plan and "TEMP B-TREE" not in plan, (sql, plan)


@contextmanager
def counting_with_parameters():
    statements: list[tuple[str, tuple]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
