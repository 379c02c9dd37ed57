"""The report rollup stays equal to what the requests say, whoever changes them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import OutcomeDay, Priority, Status
from desk.services import ratings, workflow
from desk.services.reports.rollup import KEYS, MEASURES, contributions, rebuild
from tests.report_history import build, t
from tests.sla_support import at


def kept() -> dict[tuple, tuple]:
    """The rollup as the hooks kept it (rows that went back to all zeros are no rows)."""
    rows = db.session.execute(select(*[getattr(OutcomeDay, c) for c in (*KEYS, *MEASURES)])).all()
    return {tuple(row[:len(KEYS)]): tuple(row[len(KEYS):]) for row in rows if any(row[len(KEYS):])}


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
    assert kept() == fresh()
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
    assert kept() == fresh()


def test_a_rolled_back_change_leaves_the_rollup_alone(history):
    h = history
    before = kept()
    with at(t(9, 10)):
        workflow.set_priority(h.agent, h.r[6], Priority.URGENT)
        db.session.flush()
        assert kept() != before  # the flush moved R6's counts to "urgent"...
        db.session.rollback()
    assert kept() == before == fresh()  # ...and the rollback took them back


def test_rebuild_gives_the_same_rows(history):
    before = kept()
    rebuild()
    db.session.commit()
    assert kept() == before


def test_open_and_instant_stages_add_no_rows(history):
    """A stage still open (or closed within no business time) has no seconds yet: no empty rows."""
    h = history
    with at(t(9, 10)):  # Monday: taking R9 at LEG opens an in-progress span there
        workflow.take(h.leg_agent, h.r[9])
        db.session.commit()
    rows = fresh()
    assert rows and all(any(values) for values in rows.values())
    assert kept() == rows
