"""The SLA sweep (warn once at risk / breached) and /health."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from desk.extensions import db
from desk.models import ClockKind, Event, EventKind, Notification, Priority, SlaWarning, Status, WarningLevel
from desk.services import sla_sweep, workflow
from tests.sla_support import BERLIN, agree, at, give_calendar, local, utc


@pytest.fixture
def org(make):
    it, mkt = make.department("IT"), make.department("MKT")
    give_calendar(it, "Europe/Berlin")
    ns = SimpleNamespace(it=it, mkt=mkt, it_head=make.head(it), it_agent=make.agent(it),
                         requester=make.user(mkt), laptop=make.request_type(it, "Laptop"))
    agree(ns.it_head, it)  # normal: 2 h response, 16 h resolution
    return ns


def file(org, when, priority=Priority.NORMAL):
    with at(when):
        req = workflow.file_request(org.requester, org.laptop, title="Screen", body="Flickers", priority=priority)
        db.session.commit()
    return req


def run_sweep(app, when):
    with at(when):
        result = app.test_cli_runner().invoke(args=["sla-sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def warnings():
    return sorted((w.kind.value, w.level.value) for w in db.session.query(SlaWarning))


def test_sweep_warns_once_per_level(app, org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    on_time = file(org, local(BERLIN, 2026, 3, 2, 10, 29))
    out = run_sweep(app, local(BERLIN, 2026, 3, 2, 10, 29))
    assert warnings() == [] and "0 new warnings" in out

    out = run_sweep(app, local(BERLIN, 2026, 3, 2, 10, 30))  # 75 % of the 2 h response target
    assert f"{req.key}: response at risk" in out and on_time.key not in out
    assert warnings() == [("response", "at_risk")]
    out = run_sweep(app, local(BERLIN, 2026, 3, 2, 10, 45))  # again: nothing new
    assert "0 new warnings" in out and len(warnings()) == 1

    run_sweep(app, local(BERLIN, 2026, 3, 2, 11, 0))
    run_sweep(app, local(BERLIN, 2026, 3, 2, 11, 1))
    assert warnings() == [("response", "at_risk"), ("response", "breached")]
    events = db.session.query(Event).filter_by(request_id=req.id, kind=EventKind.SLA_WARNING).all()
    assert [(e.data["clock"], e.data["level"], e.internal) for e in events] == [
        ("response", "at_risk", True), ("response", "breached", True)]
    # in-app notices (desk.services.notify): the department head hears each warning once
    notices = db.session.query(Notification).filter_by(user_id=org.it_head.id, request_id=req.id,
                                                       kind="sla_warning")
    assert notices.count() == 2


def test_jumping_straight_to_breached_warns_breached_only(app, org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0), Priority.URGENT)  # 30 min / 4 h
    with at(local(BERLIN, 2026, 3, 2, 9, 10)):
        workflow.reply(org.it_agent, req, "Looking")
        db.session.commit()
    run_sweep(app, local(BERLIN, 2026, 3, 3, 9, 0))
    assert warnings() == [("resolution", "breached")]
    row = db.session.query(SlaWarning).one()
    assert (row.request_id, row.department_id, row.kind, row.level) == (
        req.id, org.it.id, ClockKind.RESOLUTION, WarningLevel.BREACHED)


def test_paused_and_stopped_clocks_are_not_warned(app, org):
    waiting = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    done = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    with at(local(BERLIN, 2026, 3, 2, 9, 30)):
        workflow.reply(org.it_agent, waiting, "Which model?")
        workflow.change_status(org.it_agent, waiting, Status.WAITING)
        workflow.change_status(org.it_agent, done, Status.RESOLVED)
        db.session.commit()
    run_sweep(app, local(BERLIN, 2026, 3, 10, 9, 0))
    assert warnings() == []


def test_sweep_runs_the_same_service_directly(org, ctx):
    file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    now = utc(local(BERLIN, 2026, 3, 2, 11, 0))
    first = sla_sweep.sweep(now)
    second = sla_sweep.sweep(now)
    assert [w[1:] for w in first.warnings] == [(ClockKind.RESPONSE, WarningLevel.BREACHED)]
    assert second.warnings == [] and sla_sweep.last_run() == now


def test_health_reports_the_sweep(app, client, org):
    with at(local(BERLIN, 2026, 3, 2, 9, 0)):
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "sla_sweep_last_run": None, "sla_sweep_stale": True}
    run_sweep(app, local(BERLIN, 2026, 3, 2, 9, 0))
    db.session.remove()  # the client reads in its own session
    with at(local(BERLIN, 2026, 3, 2, 9, 4)):
        fresh = client.get("/health").json
    assert fresh["sla_sweep_last_run"] == "2026-03-02T08:00:00+00:00" and fresh["sla_sweep_stale"] is False
    with at(local(BERLIN, 2026, 3, 2, 9, 6)):
        assert client.get("/health").json["sla_sweep_stale"] is True  # cron stopped 6 min ago
