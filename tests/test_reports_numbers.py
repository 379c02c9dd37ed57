"""Every report figure over a small known history (tests/report_history.py), worked out on paper.

Hours are business hours: 09-12 and 13-18 UTC, Monday to Friday; IT is
closed on Wednesday 4 March. The same assertions run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from desk.services.reports import attainment, bottlenecks, handoffs, health, percentiles, review, waits
from desk.services.reports.filters import ReportFilters
from tests.report_history import NOW, PERIOD, build
from tests.sla_support import at

H = 3600


@pytest.fixture
def h(make):
    return build(make)


@pytest.fixture(params=["one pass", "rank walk"])
def both_ways(request, monkeypatch):
    """Medians and 90th percentiles worked out each way desk.services.reports.percentiles
    knows (a week that holds the whole history would otherwise always walk)."""
    monkeypatch.setattr(percentiles, "WALK_SHARE", 0 if request.param == "one pass" else 10**9)
    monkeypatch.setattr(percentiles, "MAX_WALKS", 3)  # several statements, one of a single walk
    return request.param


def week(department=None, **extra) -> ReportFilters:
    args = MultiDict({**PERIOD, **extra})
    if department is not None:
        args["department"] = department.id
    return ReportFilters.from_args(args, today=NOW.date())


def rows(table, key="label"):
    return {row[key]: row for row in table.rows}


def test_resolution_seconds_stored_as_worked_out(h):
    # R1: Mon 09-12 + 13-15 = 5 h.  R2: Mon 16-18 (2) + Tue 09-11 (2) + Thu 10-12, 13-14:30 (3.5), waiting
    # Tue 11 -> Thu 10 excluded = 7.5 h.  R4 back at IT Tue 14:00: Tue 14-18 (4) + Wed closed + Thu 09-11 (2) = 6 h.
    # R5: Wed (closed) .. Thu 09-18 = 8 h minus the hour it sat resolved (Thu 10-11) = 7 h.  R8: Fri 09-12, 13-15 = 5 h.
    # R3 at FAC from Tue 10:00: Tue 10-12, 13-18 (7) + Wed 09-12 (3) = 10 h.
    got = {n: h.r[n].resolution_business_seconds for n in (1, 2, 3, 4, 5, 8)}
    assert got == {1: 5 * H, 2: 7.5 * H, 3: 10 * H, 4: 6 * H, 5: 7 * H, 8: 5 * H}
    assert [h.r[n].response_met for n in (1, 2, 3, 4, 5, 8)] == [True, False, True, True, True, True]
    assert [h.r[n].resolution_met for n in (1, 2, 3, 4, 5, 8)] == [True, True, False, True, True, False]


def test_department_review_of_it(h, both_ways):
    with at(NOW):
        report = review.department_review(week(h.it), NOW)
    o = report.summary
    # Resolved at IT in the week: R1, R2, R4, R5, R8 (R3 was resolved by FAC, R6 open, R7 rejected, R9 at LEG).
    assert o.resolved == 5
    # Response: R2 answered after 2.5 h of a 2 h target; the other four in time -> 4 / 5.
    assert (o.response_met, o.response_total, o.response_pct) == (4, 5, 80.0)
    # Resolution: R8 (high, 4 h target) took 5 h -> 4 / 5.
    assert (o.resolution_met, o.resolution_total, o.resolution_pct) == (4, 5, 80.0)
    # Sorted 5, 5, 6, 7, 7.5 h: median 6 h; p90 at rank 1 + 0.9 * 4 = 4.6: 7 + 0.6 * 0.5 = 7.3 h.
    assert o.median_seconds == 6 * H
    assert o.p90_seconds == pytest.approx(7.3 * H)
    assert o.reopened == 1 and o.reopen_pct == 20.0  # R5
    summary = {row["label"]: row["value"] for row in report.tables["summary"].rows}
    # Arrivals at IT: R1-R8 filed (8) + R4 back from FAC + R9 from FAC = 10.
    assert summary["Received (filed to it or handed in)"] == 10
    assert summary["Handed in by other departments"] == 2  # R4 back, R9
    assert summary["Handed out to other departments"] == 3  # R3, R4, R9 (to LEG)
    assert summary["Filed by its people to others"] == 0
    assert summary["Escalations"] == 1  # R6
    assert summary["Resolution breaches"] == 1 and summary["First-response breaches"] == 1
    # Ratings of R1, R2, R4, R5, R8: 5, 4, 5, 4, 3 -> 4 of 5 are 4 or 5.
    assert summary["CSAT (share of 4 and 5 stars)"] == 80.0
    assert summary["Open backlog now"] == 1  # R6
    assert summary["Open and past resolution due time"] == 1  # due Thu 18:00


def test_review_breakdowns(h, both_ways):
    with at(NOW):
        report = review.department_review(week(h.it), NOW)
    by_priority = rows(report.tables["by_priority"])
    normal = by_priority["Normal"]  # R1, R2, R4, R5
    assert normal["resolved"] == 4 and normal["resolution_pct"] == 100.0 and normal["response_pct"] == 75.0
    assert normal["csat"] is None  # 4 ratings: not enough
    high = by_priority["High"]  # R8 only
    assert (high["resolved"], high["resolution_pct"], high["breaches"], high["reopen_pct"]) == (1, 0.0, 1, 0.0)
    by_type = rows(report.tables["by_type"])
    laptop = by_type["IT: Laptop"]
    assert list(by_type) == ["IT: Laptop"] and laptop["csat"] == 80.0
    assert (laptop["median_hours"], laptop["p90_hours"]) == pytest.approx((6.0, 7.3))
    by_requesting = rows(report.tables["by_requesting"])
    assert by_requesting["Department MKT"]["resolved"] == 5
    backlog = rows(report.tables["backlog"])
    # R6 filed Thu 09:00, now Mon 12:00: 4 days 3 hours old.
    assert backlog["3–7 days"] == {"label": "3–7 days", "open": 1, "breached": 1}
    assert sum(b["open"] for b in backlog.values()) == 1
    weekly = report.tables["weekly"].rows
    assert [(w["week"], w["received"], w["resolved"]) for w in weekly] == [("2026-03-02", 10, 5)]


def test_fac_review_and_not_enough_ratings(h, both_ways):
    with at(NOW):
        report = review.department_review(week(h.fac), NOW)
    o = report.summary
    # R3 at FAC: answered after 2 h (Tue 10-12) of a 2 h target, resolved after 10 h of 8 h.
    assert (o.resolved, o.response_pct, o.resolution_pct, o.median_seconds) == (1, 100.0, 0.0, 10 * H)
    summary = {row["label"]: row["value"] for row in report.tables["summary"].rows}
    assert summary["Received (filed to it or handed in)"] == 3  # R3 and R4 handed in, R9 filed
    assert summary["CSAT (share of 4 and 5 stars)"] is None  # one rating


def test_where_requests_wait(h):
    with at(NOW):
        report = waits.where_requests_wait(week())
    it = rows(report.table, "department")["Department IT"]
    # Unassigned at IT: R1 1, R2 2.5, R3 1, R4 0.5 + 1, R5 0 (holiday), R7 1, R8 0.5, R9 1 = 8.5 h (R6 still open).
    assert it["new"] == pytest.approx(8.5)
    # In progress: R1 4, R2 1.5 + 3.5, R4 5, R5 1 + 6, R8 4.5 = 25.5 h.
    assert it["in_progress"] == pytest.approx(25.5)
    assert it["waiting_on_requester"] == pytest.approx(7)  # R2: Tue 11-12, 13-18, Thu 09-10
    # After IT's hand-offs: R3 at FAC 2 + 8 h, R4 at FAC 1.5 h; R9 is still open at LEG -> 11.5 h.
    assert it["elsewhere"] == pytest.approx(11.5)
    assert it["total"] == pytest.approx(52.5) and it["dominant"] == "In progress (49 %)"
    fac = rows(report.table, "department")["Department FAC"]
    # FAC unassigned: R3 2 h, R4 1.5 h, R9 1 h; in progress R3 8 h; after FAC's hand-offs:
    # R4 back at IT 1 + 5 h, R9 at IT 1 h -> 7 h.
    assert (fac["new"], fac["in_progress"], fac["elsewhere"]) == pytest.approx((4.5, 8, 7))


def test_handoffs(h):
    with at(NOW):
        report = handoffs.handoff_report(week())
    flows = {(row["from"], row["to"]): row for row in report.tables["flows"].rows}
    assert {k: v["handoffs"] for k, v in flows.items()} == {
        ("Department IT", "Department FAC"): 2, ("Department FAC", "Department IT"): 2,
        ("Department IT", "Department LEG"): 1}
    assert report.total == 5
    assert flows[("Department IT", "Department FAC")]["ping_pong"] == 1  # R4 came straight back
    assert report.tables["ping_pong"].rows == [{"a": "Department IT", "b": "Department FAC", "requests": 1}]
    assert report.tables["touched"].rows == [{"departments": "3", "requests": 1}]  # R9: FAC, IT, LEG
    by_type = {row["type"]: (row["handoffs"], row["requests"]) for row in report.tables["by_type"].rows}
    assert by_type == {"IT: Laptop": (3, 3), "FAC: Repair": (2, 2)}


def test_handoffs_of_one_department(h):
    with at(NOW):
        report = handoffs.handoff_report(week(h.leg))
    assert [(r["from"], r["to"], r["handoffs"]) for r in report.tables["flows"].rows] == [
        ("Department IT", "Department LEG", 1)]


def test_bottleneck_matrix(h, both_ways, monkeypatch):
    monkeypatch.setattr(bottlenecks, "MIN_CLOCKS", 1)
    with at(NOW):
        matrix = bottlenecks.bottleneck_matrix(week())
    it = matrix.cell(h.mkt.id, h.it.id)
    assert (it.filed, it.open, it.outcome.resolved, it.attainment) == (7, 1, 5, 80.0)  # R1, R2, R4-R8 now at IT
    assert it.satisfaction.pct == 80.0
    # Medians rank the requests one by one: worked out once a department is chosen, not for all at once.
    assert it.outcome.median_seconds is None and "median_hours" not in [c.key for c in matrix.table.columns]
    with at(NOW):
        own = bottlenecks.bottleneck_matrix(week(h.it)).cell(h.mkt.id, h.it.id)
    assert own.outcome.median_seconds == 6 * H and (own.filed, own.attainment) == (7, 80.0)
    fac = matrix.cell(h.mkt.id, h.fac.id)
    assert (fac.filed, fac.attainment, fac.level, fac.satisfaction.pct) == (1, 0.0, "poor", None)
    leg = matrix.cell(h.mkt.id, h.leg.id)
    assert (leg.filed, leg.open, leg.outcome) == (1, 1, None)
    assert [(c.requesting_id, c.providing_id) for c in matrix.worst] == [(h.mkt.id, h.fac.id), (h.mkt.id, h.it.id)]


def test_bottleneck_cells_need_enough_clocks(h):
    with at(NOW):
        matrix = bottlenecks.bottleneck_matrix(week())
    assert matrix.cell(h.mkt.id, h.it.id).level == "few" and matrix.worst == []


def test_health_scorecard(h):
    with at(NOW):
        cards = {c.name: c for c in health.scorecards(week(), NOW)}
    it = cards["Department IT"].now
    assert (it["attainment"], it["csat"], it["reopen_pct"]) == (80.0, 80.0, 20.0)
    assert it["escalations"] == 20.0  # 1 escalation per 5 resolved
    assert it["handoff_pct"] == 30.0  # 3 handed out of 10 arrivals
    # Backlog at the end of the week (Mon 00:00): R6, filed Thu 09:00 -> 3 days 15 h = 3.625 -> 3.6 days.
    assert it["backlog_days"] == 3.6
    # (30 * 80 + 20 * 80 + 15 * 100 * (1 - 3.6 / 20) + 10 * 0 + 10 * 0 + 15 * 0) / 100 = 52.3
    assert it["index"] == 52.3
    assert cards["Department IT"].before.get("index") is None and cards["Department IT"].trend("index") == ""
    assert cards["Department FAC"].now["csat"] is None  # one rating


def test_health_trend_against_previous_week(h):
    with at(NOW):
        cards = {c.name: c for c in health.scorecards(week(**{"from": "2026-03-05", "to": "2026-03-08"}), NOW)}
    it = cards["Department IT"]
    # Now (Thu-Sun): R2, R4, R5, R8 resolved; before (Sun 1 - Wed 4): R1 -> 100 % then, 75 % now.
    assert (it.before["attainment"], it.now["attainment"]) == (100.0, 75.0)
    assert it.trend("attainment") == "worse"
    assert it.trend("reopen_pct") == "worse"  # 0 % -> 25 %


def test_agreement_attainment(h):
    with at(NOW):
        table = attainment.by_agreement(week())
    got = {(r["agreement"], r["version"]): (r["resolved"], r["response_pct"], r["resolution_pct"]) for r in table.rows}
    assert got == {("Department IT (whole department)", 1): (5, 80.0, 80.0),
                   ("Department FAC (whole department)", 1): (1, 100.0, 0.0)}


def test_agreement_attainment_of_one_department(h, both_ways):
    with at(NOW):
        table = attainment.by_agreement(week(h.it))
    (row,) = table.rows
    # R1, R2, R4, R5, R8 under IT's only version: 5, 5, 6, 7, 7.5 h, as in the review.
    assert (row["version"], row["resolved"], row["median_hours"]) == (1, 5, 6.0)
    assert row["p90_hours"] == pytest.approx(7.3)


def test_attainment_per_agent(h, both_ways):
    with at(NOW):
        table = attainment.by_agent(week(h.it))
    got = {r["agent"]: (r["resolved"], r["resolution_pct"], r["csat"]) for r in table.rows}
    assert got == {"Ada Agent": (4, 100.0, None), "Bo Second": (1, 0.0, None)}  # 4 and 1 ratings: not enough
    # Ada resolved R1, R2, R4, R5: sorted 5, 6, 7, 7.5 h -> median 6.5 h; p90 at 0.9 * 3 = 2.7 from the
    # first: 7 + 0.7 * 0.5 = 7.35 h.  Bo resolved R8 alone: 5 h both.
    hours = {r["agent"]: (r["median_hours"], r["p90_hours"]) for r in table.rows}
    assert hours == {"Ada Agent": pytest.approx((6.5, 7.35)), "Bo Second": (5.0, 5.0)}


def test_filters_by_priority_and_type(h):
    with at(NOW):
        high = review.department_review(week(h.it, priority="high"), NOW).summary
        other = review.department_review(week(h.it, type=h.repair.id), NOW).summary
    assert (high.resolved, high.resolution_pct) == (1, 0.0)  # R8
    assert other.resolved == 0


def test_period_presets():
    today = date(2026, 3, 9)
    assert (ReportFilters.from_args({}, today=today).start, ReportFilters.from_args({}, today=today).end) == (
        date(2026, 2, 8), today)
    quarter = ReportFilters.from_args({"period": "quarter"}, today=today)
    assert (quarter.start, quarter.days) == (date(2026, 1, 1), 68)
    bad = ReportFilters.from_args({"period": "custom", "from": "2026-03-09", "to": "2026-03-01"}, today=today)
    assert bad.preset == "30d" and bad.errors
    assert week().previous().start == date(2026, 2, 23)


def test_an_empty_period_gives_empty_reports(h, both_ways):
    # PostgreSQL answers an aggregate over no rows with one row of NULLs, SQLite with none.
    empty = ReportFilters.from_args(MultiDict({"period": "custom", "from": "2020-01-06", "to": "2020-01-12"}),
                                    today=NOW.date())
    with at(NOW):
        summary = review.department_review(empty, NOW).summary
        assert (summary.resolved, summary.median_seconds) == (0, None)
        assert review.department_review(empty.for_department(h.it.id), NOW).tables["by_type"].rows == []
        assert bottlenecks.bottleneck_matrix(empty).cell(h.mkt.id, h.it.id).outcome is None
        assert waits.where_requests_wait(empty).table.rows == []
        assert handoffs.handoff_report(empty).total == 0
        assert all(c.now.get("attainment") is None for c in health.scorecards(empty, NOW))
        assert attainment.by_agreement(empty).rows == [] and attainment.by_agent(empty.for_department(h.it.id)).rows == []
