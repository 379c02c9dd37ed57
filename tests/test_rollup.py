"""The report rollup stays equal to what the requests say, whoever changes them, and its
monthly and department-day rows stay the sums of its daily rows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from desk.extensions import db
from desk.models import DepartmentOutcomeDay, OutcomeDay, OutcomeMonth, Priority, Status
from desk.services import ratings, workflow
from desk.services.reports.filters import ReportFilters
from desk.services.reports.outcomes import sums, whole_months
from desk.services.reports.rollup import DEPARTMENT_KEYS, KEYS, MEASURES, MONTH_KEYS, contributions, rebuild
from tests.report_history import build, t
from tests.sla_support import at


def kept() -> dict[tuple, tuple]:
    """The rollup as the hooks kept it (rows that went back to all zeros are no rows)."""
    rows = db.session.execute(select(*[getattr(OutcomeDay, c) for c in (*KEYS, *MEASURES)])).all()
    return {tuple(row[:len(KEYS)]): tuple(row[len(KEYS):]) for row in rows if any(row[len(KEYS):])}


def kept_months() -> dict[tuple, tuple]:
    rows = db.session.execute(select(*[getattr(OutcomeMonth, c) for c in (*MONTH_KEYS, *MEASURES)])).all()
    return {tuple(row[:len(KEYS)]): tuple(row[len(KEYS):]) for row in rows if any(row[len(KEYS):])}


def by_month(rows: dict[tuple, tuple]) -> dict[tuple, tuple]:
    """Daily rows summed by calendar month, as the monthly table should hold them."""
    at = KEYS.index("day")
    months: dict[tuple, list] = {}
    for key, values in rows.items():
        month = (*key[:at], key[at].replace(day=1), *key[at + 1:])
        months[month] = [a + b for a, b in zip(months.get(month, [0] * len(values)), values)]
    return {key: tuple(values) for key, values in months.items() if any(values)}


def kept_department_days() -> dict[tuple, tuple]:
    d = DepartmentOutcomeDay
    rows = db.session.execute(select(*[getattr(d, c) for c in (*DEPARTMENT_KEYS, *MEASURES)])).all()
    return {tuple(row[:2]): tuple(row[2:]) for row in rows if any(row[2:])}


def by_department_day(rows: dict[tuple, tuple]) -> dict[tuple, tuple]:
    """Daily rows summed by department and day, as the department-day table should hold them."""
    totals: dict[tuple, list] = {}
    for key, values in rows.items():
        k = (key[KEYS.index("department_id")], key[KEYS.index("day")])
        totals[k] = [a + b for a, b in zip(totals.get(k, [0] * len(values)), values)]
    return {key: tuple(values) for key, values in totals.items() if any(values)}


def consistent() -> bool:
    """The kept rollup, in its three tables, equals one worked out again from the requests."""
    days = fresh()
    return kept() == days and kept_months() == by_month(days) and kept_department_days() == by_department_day(days)


def fresh() -> dict[tuple, tuple]:
    """The rollup worked out again from every request."""
    rows = db.session.execute(contributions()).all()
    return {tuple(row[:len(KEYS)]): tuple(int(v) for v in row[len(KEYS):]) for row in rows}


def totals(rows: dict[tuple, tuple]) -> dict[str, int]:
    return {name: sum(values[i] for values in rows.values()) for i, name in enumerate(MEASURES)}


@pytest.fixture
def history(make):
    return build(make)


def test_the_kept_rollup_equals_one_worked_out_from_the_requests(history):
    assert consistent()
    assert len(kept_months()) < len(kept())  # the history spans days of one month
    figures = totals(kept())
    # Nine requests filed; R1-R5 and R8 resolved (R5 once: its first resolution was undone
    # by the reopening); R6 escalated; six ratings, four of them 4 or 5.
    assert figures["filed"] == 9
    assert figures["resolved"] == 6 and figures["reopened"] == 1
    assert figures["escalated"] == 1 and figures["escalated_resolved"] == 0
    assert (figures["ratings"], figures["satisfied"]) == (6, 4)


def test_rows_are_per_day_provider_and_type(history):
    h = history
    r5 = h.r[5]
    key = (h.it.id, date(2026, 3, 6), h.mkt.id, h.laptop.id, "normal", r5.agreement_version_id or 0)
    row = db.session.execute(select(OutcomeDay).where(
        *[getattr(OutcomeDay, c) == v for c, v in zip(KEYS, key)])).scalar_one()
    # Friday 6 March at IT, normal laptops: R5 resolved again (reopened once) and rated 4.
    assert (row.resolved, row.reopened, row.ratings, row.satisfied) == (1, 1, 1, 1)
    # Thursday 5 March had R5's first resolution; the reopening took it back out.
    thursday = db.session.execute(select(OutcomeDay.resolved, OutcomeDay.filed).where(
        OutcomeDay.department_id == h.it.id, OutcomeDay.day == date(2026, 3, 5),
        OutcomeDay.type_id == h.laptop.id, OutcomeDay.priority == "normal")).all()
    assert sum(resolved for resolved, _ in thursday) == 2  # R2 and R4


def test_a_change_and_its_rating_move_the_counts(history):
    h = history
    before = totals(kept())
    with at(t(9, 10)):
        workflow.change_status(h.agent, h.r[6], Status.IN_PROGRESS)
        workflow.change_status(h.agent, h.r[6], Status.RESOLVED)
        db.session.commit()
    with at(t(9, 11)):
        ratings.give(h.employee, h.r[6], score=1)
        db.session.commit()
    after = totals(kept())
    assert after["resolved"] == before["resolved"] + 1
    assert after["escalated_resolved"] == 1
    assert (after["ratings"], after["satisfied"]) == (before["ratings"] + 1, before["satisfied"])
    assert consistent()


def test_a_rolled_back_change_leaves_the_rollup_alone(history):
    h = history
    before, months = kept(), kept_months()
    with at(t(9, 10)):
        workflow.set_priority(h.agent, h.r[6], Priority.URGENT)
        db.session.flush()
        assert kept() != before and kept_months() != months  # the flush moved R6's counts to "urgent"...
        db.session.rollback()
    assert kept() == before == fresh() and kept_months() == months  # ...and the rollback took them back


def test_rebuild_gives_the_same_rows(history):
    before, months, department_days = kept(), kept_months(), kept_department_days()
    rebuild()
    db.session.commit()
    assert (kept(), kept_months(), kept_department_days()) == (before, months, department_days)


def test_open_and_instant_stages_add_no_rows(history):
    """A stage still open (or closed within no business time) has no seconds yet: no empty rows."""
    h = history
    with at(t(9, 10)):  # Monday: taking R9 at LEG opens an in-progress span there
        workflow.take(h.leg_agent, h.r[9])
        db.session.commit()
    rows = fresh()
    assert rows and all(any(values) for values in rows.values())
    assert consistent()


@pytest.mark.parametrize("start, end, filed", [
    (date(2026, 2, 15), date(2026, 4, 10), 9),  # March whole, days around it empty
    (date(2026, 3, 5), date(2026, 4, 30), 4),  # April whole; 5-31 March from the days (R6-R9)
    (date(2026, 2, 1), date(2026, 3, 3), 4),  # February whole; 1-3 March from the days (R1-R4)
    (date(2026, 3, 1), date(2026, 3, 31), 9),  # exactly one month
])
def test_whole_months_read_from_the_monthly_rows_give_the_daily_figures(history, start, end, filed):
    filters = ReportFilters(start=start, end=end)
    groups = [OutcomeDay.department_id, OutcomeDay.type_id, OutcomeDay.priority, OutcomeDay.requesting_department_id]
    from_months = sums(filters, list(MEASURES), groups)
    days_only = [OutcomeDay.day.is_not(None)]  # a condition on the day: the daily rows alone
    assert from_months == sums(filters, list(MEASURES), groups, days_only)
    assert sum(figures["filed"] for figures in from_months.values()) == filed


def filed(found: dict) -> int:
    return sum(figures["filed"] for figures in found.values())


def test_a_long_period_reads_the_monthly_rows(history):
    filters = ReportFilters(start=date(2026, 2, 15), end=date(2026, 4, 10))
    by_type = [OutcomeDay.type_id]
    db.session.execute(update(OutcomeMonth).values(filed=OutcomeMonth.filed + 100))
    assert filed(sums(filters, ["filed"], by_type)) == 9 + 100 * len(kept_months())
    assert filed(sums(filters, ["filed"], by_type, [OutcomeDay.day.is_not(None)])) == 9  # the daily rows
    db.session.rollback()


@pytest.mark.parametrize("group", ["department_id", "day", None])
def test_department_and_day_alone_read_the_department_day_rows(history, group):
    filters = ReportFilters(start=date(2026, 3, 2), end=date(2026, 3, 8))
    groups = [getattr(OutcomeDay, group)] if group else []
    daily_rows = [OutcomeDay.type_id.is_not(None), OutcomeDay.day.is_not(None)]  # names a key: the daily rows
    found = sums(filters, list(MEASURES), groups)
    assert found == sums(filters, list(MEASURES), groups, daily_rows) and filed(found) == 9
    db.session.execute(update(DepartmentOutcomeDay).values(filed=DepartmentOutcomeDay.filed + 100))
    assert filed(sums(filters, ["filed"], groups)) > 100
    db.session.rollback()


def test_whole_months():
    assert whole_months(date(2026, 1, 1), date(2026, 1, 31)) == (date(2026, 1, 1), date(2026, 2, 1))
    assert whole_months(date(2026, 1, 2), date(2026, 2, 28)) == (date(2026, 2, 1), date(2026, 3, 1))
    assert whole_months(date(2026, 1, 2), date(2026, 2, 27)) is None
    assert whole_months(date(2025, 12, 4), date(2026, 12, 3)) == (date(2026, 1, 1), date(2026, 12, 1))
    assert whole_months(date(2025, 12, 31), date(2026, 1, 30)) is None
