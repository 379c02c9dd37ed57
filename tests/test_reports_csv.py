"""Every report table exports as CSV from the same query; cells cannot become spreadsheet formulas."""

from __future__ import annotations

import csv
import io

import pytest

from desk.extensions import db
from desk.services.reports.tables import Column, Table, csv_cell, to_csv
from tests.report_history import NOW, PERIOD, build
from tests.sla_support import at

TABLES = {
    "/reports/review": ["summary", "weekly", "by_type", "by_priority", "by_requesting", "backlog"],
    "/reports/bottlenecks": ["matrix"],
    "/reports/waits": ["waits"],
    "/reports/handoffs": ["flows", "ping_pong", "touched", "by_type"],
    "/reports/health": ["scorecard"],
    "/reports/attainment": ["by_agreement", "by_agent"],
}


@pytest.fixture
def h(make):
    return build(make)


def fetch(client, user, login, path, **args):
    with at(NOW):
        client.post("/logout")
        login(user)
        return client.get(path, query_string={**PERIOD, **args})


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_every_table_downloads(h, client, login):
    with at(NOW):
        login(h.it_head)
        for path, names in TABLES.items():
            page = client.get(path, query_string=PERIOD).text
            for name in names:
                assert f"table={name}" in page.replace("&amp;", "&"), (path, name)
                response = client.get(path, query_string={**PERIOD, "format": "csv", "table": name})
                assert response.status_code == 200 and response.mimetype == "text/csv", (path, name)
                assert "attachment" in response.headers["Content-Disposition"]
                assert len(parse(response.text)) >= 1


def test_review_csv_has_the_report_figures(h, client, login):
    response = fetch(client, h.it_head, login, "/reports/review", format="csv", table="by_priority")
    header, *rows = parse(response.text)
    assert header[:4] == ["Priority", "Resolved", "Response met", "Resolution met"]
    by_label = {row[0]: dict(zip(header, row)) for row in rows}
    assert by_label["Normal"]["Resolved"] == "4" and by_label["Normal"]["Response met"] == "75.0"
    assert by_label["High"]["Resolution met"] == "0.0"
    assert by_label["Normal"]["CSAT"] == "not enough ratings"
    by_type = parse(fetch(client, h.it_head, login, "/reports/review", format="csv", table="by_type").text)
    assert dict(zip(by_type[0], by_type[1]))["90th percentile"] == "7.3"
    summary = dict(parse(fetch(client, h.it_head, login, "/reports/review", format="csv", table="summary").text)[1:])
    assert summary["CSAT (share of 4 and 5 stars)"] == "80.0"
    assert summary["Received (filed to it or handed in)"] == "10"


def test_unknown_table_is_404(h, client, login):
    assert fetch(client, h.it_head, login, "/reports/review", format="csv", table="nope").status_code == 404


def test_formula_injection_is_neutralised(h, client, login, make):
    from desk.models import Status
    from desk.services import workflow

    evil = make.department("EVL", name='=HYPERLINK("http://evil","x")')
    with at(NOW):
        req = make.request(make.user(evil), h.laptop, title="x")
        workflow.take(h.agent, req)
        workflow.change_status(h.agent, req, Status.RESOLVED)
        db.session.commit()
    response = fetch(client, h.it_head, login, "/reports/review", format="csv", table="by_requesting",
                     **{"to": "2026-03-09"})
    labels = [row[0] for row in parse(response.text)[1:]]
    assert labels == ['\'=HYPERLINK("http://evil","x")', "Department MKT"]


def test_csv_cells():
    assert csv_cell("=1+2", "text") == "'=1+2"
    assert csv_cell("+SUM(A1)", "text") == "'+SUM(A1)"
    assert csv_cell("-2+3", "text") == "'-2+3"
    assert csv_cell("@cmd", "text") == "'@cmd"
    assert csv_cell("\tx", "text") == "'\tx"
    assert csv_cell(-5, "int") == -5 and csv_cell(2.345, "pct") == 2.35
    assert csv_cell(None, "csat") == "not enough ratings" and csv_cell(None, "hours") == ""
    table = Table("t", "T", [Column("name", "=Name", "text"), Column("n", "N")], [{"name": "=evil()", "n": -1}])
    assert parse(to_csv(table)) == [["'=Name", "N"], ["'=evil()", "-1"]]
