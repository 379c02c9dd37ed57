"""Frozen-time tests for every rule of the SLA clock (desk.services.sla)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from desk.extensions import db
from desk.models import (
    AgreementVersion,
    CalendarDay,
    Decision,
    Event,
    EventKind,
    Notification,
    Priority,
    SignOff,
    Status,
)
from desk.services import agreements, sla, workflow
from desk.services.agreements import AgreementError
from tests.sla_support import BERLIN, HOUR, SHANGHAI, agree, at, china_2026, give_calendar, local, utc


@pytest.fixture
def org(make):
    it, fin, mkt = make.department("IT"), make.department("FIN"), make.department("MKT")
    give_calendar(it, "Europe/Berlin")
    give_calendar(fin, "Asia/Shanghai", special=china_2026())
    ns = SimpleNamespace(
        it=it, fin=fin, mkt=mkt,
        it_head=make.head(it), it_agent=make.agent(it),
        fin_head=make.head(fin), fin_agent=make.agent(fin),
        mkt_head=make.head(mkt), requester=make.user(mkt),
        laptop=make.request_type(it, "Laptop"), purchase=make.request_type(fin, "Purchase"),
    )
    ns.it_sla = agree(ns.it_head, it)  # normal: 2 h response, 16 h resolution
    ns.fin_sla = agree(ns.fin_head, fin, normal=(1, 8))
    return ns


def file(org, when, request_type=None, priority=Priority.NORMAL, requester=None):
    with at(when):
        req = workflow.file_request(requester or org.requester, request_type or org.laptop,
                                    title="Laptop broken", body="It does not start.", priority=priority)
        db.session.commit()
    return req


def state(req, when):
    return sla.clock_state(req, utc(when))


# --- deadlines at filing ---------------------------------------------------------

def test_filing_stores_targets_version_and_deadlines(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))  # a Monday
    assert req.agreement_version_id == org.it_sla.id
    assert (req.response_target_seconds, req.resolution_target_seconds) == (2 * HOUR, 16 * HOUR)
    assert req.clock_started_at == utc(local(BERLIN, 2026, 3, 2, 9, 0))
    assert req.response_due_at == utc(local(BERLIN, 2026, 3, 2, 11, 0))
    # two working days of 8 h: Monday and Tuesday
    assert req.resolution_due_at == utc(local(BERLIN, 2026, 3, 3, 18, 0))
    assert req.resolution_risk_at == utc(local(BERLIN, 2026, 3, 3, 14, 0))  # 12 of 16 h: 8 + 3 + 1


def test_lunch_break_is_not_business_time(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 11, 0))
    assert req.response_due_at == utc(local(BERLIN, 2026, 3, 2, 14, 0))  # 11-12, then 13-14


def test_weekend_is_skipped(org):
    req = file(org, local(BERLIN, 2026, 3, 6, 17, 0))  # Friday 17:00
    assert req.response_due_at == utc(local(BERLIN, 2026, 3, 9, 10, 0))  # Monday 10:00


def test_dst_change_uses_wall_clock_hours(org):
    # Berlin switches to summer time on Sunday 2026-03-29: Friday 17:00 CET is 16:00 UTC,
    # Monday 10:00 CEST is 08:00 UTC (naive UTC arithmetic would say 09:00).
    req = file(org, local(BERLIN, 2026, 3, 27, 17, 0))
    assert req.response_due_at.isoformat() == "2026-03-30T08:00:00+00:00"


def test_public_holiday_is_skipped(org):
    # Labour Day: 1-5 May 2026 are days off in China.
    req = file(org, local(SHANGHAI, 2026, 4, 30, 17, 0), org.purchase)
    assert req.response_due_at == utc(local(SHANGHAI, 2026, 4, 30, 18, 0))  # 1 h target fits
    assert req.resolution_due_at == utc(local(SHANGHAI, 2026, 5, 6, 17, 0))  # 1 h + 7 h on Wednesday 6 May


def test_make_up_workday_counts(org):
    # Saturday 9 May 2026 is a make-up working day in China.
    req = file(org, local(SHANGHAI, 2026, 5, 8, 17, 0), org.purchase)
    assert req.resolution_due_at == utc(local(SHANGHAI, 2026, 5, 9, 17, 0))  # 1 h + 7 h on Saturday


def test_no_agreement_means_no_deadlines(org, make):
    other = make.request_type(org.mkt, "Design")
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0), other, requester=org.it_agent)
    assert req.agreement_version_id is None
    assert req.response_due_at is None and req.resolution_due_at is None
    current = state(req, local(BERLIN, 2026, 3, 9, 9, 0))
    assert current.state == "none" and current.label == "No agreement"


def test_most_specific_agreement_wins(org, make):
    access = make.request_type(org.it, "Access")
    by_type = agree(org.it_head, org.it, access, normal=(1, 4))
    for_mkt = agree(org.it_head, org.it, access, org.mkt, normal=(0.5, 2))
    assert agreements.effective_agreement(org.it.id, access.id, org.mkt.id).id == for_mkt.id
    assert agreements.effective_agreement(org.it.id, access.id, org.fin.id).id == by_type.id
    assert agreements.effective_agreement(org.it.id, org.laptop.id, org.mkt.id).id == org.it_sla.id
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0), access)
    assert req.agreement_version_id == for_mkt.id
    assert req.resolution_target_seconds == 2 * HOUR


def test_new_version_supersedes_but_requests_keep_theirs(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    v2 = agree(org.it_head, org.it, normal=(1, 8))
    db.session.refresh(org.it_sla)
    assert (v2.number, org.it_sla.superseded_at is not None, v2.in_force) == (2, True, True)
    db.session.refresh(req)
    assert req.agreement_version_id == org.it_sla.id and req.resolution_target_seconds == 16 * HOUR
    later = file(org, local(BERLIN, 2026, 3, 2, 10, 0))
    assert later.agreement_version_id == v2.id and later.resolution_target_seconds == 8 * HOUR
    assert db.session.query(AgreementVersion).count() == 3  # IT v1, v2 and FIN v1: history kept


# --- response clock ---------------------------------------------------------------

def test_first_public_reply_by_provider_stops_response_clock(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    with at(local(BERLIN, 2026, 3, 2, 9, 30)):
        workflow.reply(org.requester, req, "Any news?")  # the requester: no
        workflow.add_note(org.it_agent, req, "Looking")  # a note: no
        assert req.first_response_at is None
    with at(local(BERLIN, 2026, 3, 2, 10, 15)):
        workflow.reply(org.it_agent, req, "On it.")
        db.session.commit()
    assert req.first_response_at == utc(local(BERLIN, 2026, 3, 2, 10, 15))
    assert (req.response_business_seconds, req.response_met) == (75 * 60, True)
    response, _ = sla.clock_states(req, utc(local(BERLIN, 2026, 3, 5, 9, 0)))
    assert response.state == "met"


def test_late_response_is_missed(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    assert state(req, local(BERLIN, 2026, 3, 2, 10, 29)).state == "on_track"
    assert state(req, local(BERLIN, 2026, 3, 2, 10, 30)).state == "at_risk"  # 75 % of 2 h
    current = state(req, local(BERLIN, 2026, 3, 2, 11, 0))
    assert (current.state, current.kind.value, current.seconds_left) == ("breached", "response", 0)
    with at(local(BERLIN, 2026, 3, 2, 14, 0)):
        workflow.reply(org.it_agent, req, "Sorry for the wait.")
    assert (req.response_business_seconds, req.response_met) == (4 * HOUR, False)
    response, _ = sla.clock_states(req, utc(local(BERLIN, 2026, 3, 2, 15, 0)))
    assert response.state == "missed"


# --- resolution clock --------------------------------------------------------------

def test_at_risk_at_75_percent_then_breached(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0), priority=Priority.URGENT)  # 4 h resolution
    with at(local(BERLIN, 2026, 3, 2, 9, 5)):
        workflow.reply(org.it_agent, req, "Looking.")
    _, resolution = sla.clock_states(req, utc(local(BERLIN, 2026, 3, 2, 11, 59)))
    assert (resolution.state, resolution.seconds_left) == ("on_track", 61 * 60)  # 2 h 59 used
    _, resolution = sla.clock_states(req, utc(local(BERLIN, 2026, 3, 2, 12, 30)))  # lunch: 3 h used
    assert resolution.state == "at_risk" and resolution.left_text == "1 business hour"
    assert not sla.is_breached(req, utc(local(BERLIN, 2026, 3, 2, 13, 59)))
    current = state(req, local(BERLIN, 2026, 3, 2, 14, 30))
    assert (current.state, current.seconds_left, current.due_at) == (
        "breached", -30 * 60, utc(local(BERLIN, 2026, 3, 2, 14, 0)))
    assert sla.is_breached(req, utc(local(BERLIN, 2026, 3, 2, 14, 0)))


def test_resolved_in_time_is_met_and_late_is_missed(org):
    quick = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    slow = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    with at(local(BERLIN, 2026, 3, 3, 17, 0)):
        workflow.change_status(org.it_agent, quick, Status.RESOLVED)
    with at(local(BERLIN, 2026, 3, 4, 10, 0)):
        workflow.change_status(org.it_agent, slow, Status.RESOLVED)
    db.session.commit()
    assert (quick.resolution_business_seconds, quick.resolution_met) == (15 * HOUR, True)
    assert (slow.resolution_business_seconds, slow.resolution_met) == (17 * HOUR, False)
    # resolving without a reply answers the requester too
    assert quick.response_met is False and quick.first_response_at is not None
    assert state(quick, local(BERLIN, 2026, 3, 9, 9, 0)).state == "met"
    assert state(slow, local(BERLIN, 2026, 3, 9, 9, 0)).state == "missed"


def test_waiting_on_requester_pauses_and_reply_resumes(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    with at(local(BERLIN, 2026, 3, 2, 10, 0)):
        workflow.reply(org.it_agent, req, "Which model is it?")
        workflow.change_status(org.it_agent, req, Status.WAITING)
        db.session.commit()
    assert req.paused_at == utc(local(BERLIN, 2026, 3, 2, 10, 0))
    paused = state(req, local(BERLIN, 2026, 3, 2, 16, 0))
    assert (paused.state, paused.seconds_left, paused.due_at) == ("paused", 15 * HOUR, None)
    with at(local(BERLIN, 2026, 3, 3, 10, 0)):
        workflow.reply(org.requester, req, "A ThinkPad X1.")
        db.session.commit()
    assert req.status == Status.IN_PROGRESS and req.paused_at is None
    assert req.paused_business_seconds == 8 * HOUR  # Monday 10-18 minus lunch, Tuesday 9-10
    assert req.resolution_due_at == utc(local(BERLIN, 2026, 3, 4, 18, 0))  # moved by one working day
    assert state(req, local(BERLIN, 2026, 3, 4, 9, 0)).seconds_left == 8 * HOUR
    with at(local(BERLIN, 2026, 3, 4, 12, 0)):
        workflow.change_status(org.it_agent, req, Status.RESOLVED)
    assert (req.resolution_business_seconds, req.resolution_met) == (11 * HOUR, True)


def test_resolving_while_waiting_excludes_the_pause(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    with at(local(BERLIN, 2026, 3, 2, 11, 0)):
        workflow.change_status(org.it_agent, req, Status.WAITING)
    with at(local(BERLIN, 2026, 3, 4, 11, 0)):
        workflow.change_status(org.it_agent, req, Status.RESOLVED)
    assert req.resolution_business_seconds == 2 * HOUR and req.resolution_met is True


def test_reopen_runs_on_from_the_stored_state(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    with at(local(BERLIN, 2026, 3, 2, 13, 0)):  # 3 h used
        workflow.change_status(org.it_agent, req, Status.RESOLVED)
    assert (req.resolution_business_seconds, req.resolution_met) == (3 * HOUR, True)
    with at(local(BERLIN, 2026, 3, 3, 13, 0)):  # a working day later the requester reopens
        workflow.reopen(org.requester, req, reason="Still broken.")
    assert req.resolution_met is None and req.resolution_business_seconds is None
    assert req.paused_business_seconds == 8 * HOUR  # the time it sat resolved does not count
    current = state(req, local(BERLIN, 2026, 3, 3, 14, 0))
    assert (current.state, current.used) == ("on_track", 4 * HOUR)
    with at(local(BERLIN, 2026, 3, 3, 15, 0)):
        workflow.change_status(org.it_agent, req, Status.RESOLVED)
    assert (req.resolution_business_seconds, req.resolution_met) == (5 * HOUR, True)


def test_priority_change_recomputes_from_the_start(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    with at(local(BERLIN, 2026, 3, 2, 10, 0)):
        workflow.set_priority(org.it_agent, req, Priority.URGENT)
        db.session.commit()
    assert (req.response_target_seconds, req.resolution_target_seconds) == (30 * 60, 4 * HOUR)
    assert req.response_due_at == utc(local(BERLIN, 2026, 3, 2, 9, 30))
    assert req.resolution_due_at == utc(local(BERLIN, 2026, 3, 2, 14, 0))
    assert state(req, local(BERLIN, 2026, 3, 2, 10, 0)).state == "breached"  # the response is already late


def test_transfer_starts_the_new_departments_own_clock(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    with at(local(BERLIN, 2026, 3, 2, 9, 30)):
        workflow.reply(org.it_agent, req, "This is for Finance.")
        workflow.change_status(org.it_agent, req, Status.WAITING)
    with at(local(BERLIN, 2026, 3, 2, 10, 0)):  # 17:00 in Shanghai
        workflow.transfer(org.it_agent, req, org.purchase, reason="A purchase")
        db.session.commit()
    assert req.agreement_version_id == org.fin_sla.id
    assert req.clock_started_at == utc(local(BERLIN, 2026, 3, 2, 10, 0))
    assert (req.first_response_at, req.response_met, req.paused_at, req.paused_business_seconds) == (None, None, None, 0)
    assert req.response_due_at == utc(local(SHANGHAI, 2026, 3, 2, 18, 0))  # FIN's own calendar
    assert req.resolution_due_at == utc(local(SHANGHAI, 2026, 3, 3, 17, 0))
    with at(local(SHANGHAI, 2026, 3, 3, 9, 30)):
        workflow.reply(org.it_agent, req, "IT is no longer holding it")  # not the holder: no response
        assert req.first_response_at is None
        workflow.reply(org.fin_agent, req, "Finance here.")
    assert req.response_business_seconds == 90 * 60 and req.response_met is False


def test_linked_request_pauses_the_parent_until_it_ends(org):
    parent = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    with at(local(BERLIN, 2026, 3, 2, 10, 0)):
        child = workflow.open_linked_request(org.it_agent, parent, org.purchase,
                                             title="Approve a laptop", body="1,200 EUR")
        db.session.commit()
    assert (child.parent_id, child.requester_id, child.requesting_department_id) == (
        parent.id, org.it_agent.id, org.it.id)
    assert child.key.startswith("FIN-") and child.agreement_version_id == org.fin_sla.id
    assert parent.paused_at == utc(local(BERLIN, 2026, 3, 2, 10, 0)) and sla.has_open_links(parent)
    assert sla.clock_states(parent, utc(local(BERLIN, 2026, 3, 3, 9, 0)))[1].state == "paused"
    with at(local(BERLIN, 2026, 3, 2, 12, 0)):  # waiting on the requester meanwhile: still paused
        workflow.change_status(org.it_agent, parent, Status.WAITING)
        workflow.change_status(org.it_agent, parent, Status.IN_PROGRESS)
        assert parent.paused_at is not None
    with at(local(BERLIN, 2026, 3, 3, 10, 0)):
        workflow.change_status(org.fin_agent, child, Status.RESOLVED)
        db.session.commit()
    assert parent.paused_at is None and parent.paused_business_seconds == 8 * HOUR
    assert parent.resolution_due_at == utc(local(BERLIN, 2026, 3, 4, 18, 0))
    kinds = [e.kind for e in parent.events]
    assert EventKind.LINK_OPENED in kinds and kinds[-1] == EventKind.LINK_CLOSED
    assert parent.events[-1].data == {"key": child.key, "status": "resolved"}
    # the parent's agents hear that they can go on (desk.services.notify)
    notice = db.session.query(Notification).filter_by(user_id=org.it_agent.id, event_id=parent.events[-1].id)
    assert notice.count() == 1


def test_linked_request_must_go_elsewhere(org):
    parent = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    with pytest.raises(workflow.WorkflowError, match="another department"):
        workflow.open_linked_request(org.it_agent, parent, org.laptop, title="x", body="y")


# --- recompute ---------------------------------------------------------------------

def test_holiday_added_recomputes_open_requests(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    done = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    with at(local(BERLIN, 2026, 3, 2, 12, 0)):
        workflow.change_status(org.it_agent, done, Status.RESOLVED)
        workflow.change_status(org.it_agent, done, Status.CLOSED)
        db.session.commit()
    due_before = done.resolution_due_at
    with at(local(BERLIN, 2026, 3, 2, 15, 0)):
        org.it.calendar.days.append(CalendarDay(day=date(2026, 3, 3), intervals=[], note="Strike day"))
        assert sla.recompute_open_requests(calendar_id=org.it.calendar_id) == 1
        db.session.commit()
    assert req.resolution_due_at == utc(local(BERLIN, 2026, 3, 4, 18, 0))
    assert req.response_due_at == utc(local(BERLIN, 2026, 3, 2, 11, 0))
    assert done.resolution_due_at == due_before  # finished requests keep their history
    event = db.session.query(Event).filter_by(request_id=req.id, kind=EventKind.DEADLINES_CHANGED).one()
    assert event.data["because"] == "calendar"
    # and the clock reads the new calendar on the same instant, not a cached old one
    assert sla.clock_states(req, utc(local(BERLIN, 2026, 3, 4, 9, 0)))[1].seconds_left == 8 * HOUR


def test_new_scope_recomputes_and_retiring_falls_back(org):
    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))
    specific = agree(org.it_head, org.it, org.laptop, normal=(1, 4))
    db.session.refresh(req)
    assert req.agreement_version_id == specific.id
    assert req.resolution_due_at == utc(local(BERLIN, 2026, 3, 2, 14, 0))
    agreements.retire_agreement(org.it_head, specific.agreement)
    db.session.commit()
    assert req.agreement_version_id == org.it_sla.id and req.resolution_target_seconds == 16 * HOUR


# --- agreements -------------------------------------------------------------------

def test_publish_checks_scope_and_targets(org):
    with pytest.raises(AgreementError, match="not a request type of"):
        agreements.publish_agreement(org.it_head, org.it, {}, request_type=org.purchase)
    with pytest.raises(AgreementError, match="needs a request type"):
        agreements.publish_agreement(org.it_head, org.it, {}, requesting_department=org.mkt)
    bad = {p: (3600, 60) for p in Priority}
    with pytest.raises(AgreementError, match="cannot be due after"):
        agreements.publish_agreement(org.it_head, org.it, bad)
    with pytest.raises(AgreementError, match="missing"):
        agreements.publish_agreement(org.it_head, org.it, {Priority.LOW: (1, 2)})


def test_sign_off_keeps_history_and_the_latest_counts(org):
    agreements.sign_off(org.mkt_head, org.it_sla, Decision.DISPUTED, "Too slow for us")
    agreements.sign_off(org.mkt_head, org.it_sla, "agreed")
    db.session.commit()
    assert db.session.query(SignOff).count() == 2
    assert agreements.latest_decision(org.it_sla, org.mkt.id).decision == Decision.AGREED
    assert agreements.latest_decisions([org.it_sla.id])[(org.it_sla.id, org.mkt.id)].decision == Decision.AGREED
    matrix = agreements.sign_off_matrix([org.it, org.fin, org.mkt])
    assert matrix[(org.it.id, org.mkt.id)].decision == Decision.AGREED
    assert matrix[(org.fin.id, org.mkt.id)].decision is None
    with pytest.raises(AgreementError, match="Say what you dispute"):
        agreements.sign_off(org.mkt_head, org.it_sla, Decision.DISPUTED, " ")
    with pytest.raises(AgreementError, match="its own agreement"):
        agreements.sign_off(org.it_head, org.it_sla, Decision.AGREED)


def test_switching_a_departments_calendar_recomputes_its_open_requests(org):
    from desk.services import admin

    req = file(org, local(BERLIN, 2026, 3, 2, 9, 0))  # Berlin hours: due Tuesday 18:00 Berlin
    shanghai = give_calendar(org.fin, "Asia/Shanghai", name="Shanghai hours")
    with at(local(BERLIN, 2026, 3, 2, 9, 0)):
        admin.update_department(org.it, name=org.it.name, code="IT", takes_requests=True, calendar_id=shanghai.id)
        db.session.commit()
    # Filed Monday 16:00 Shanghai: 2 h today, 8 h Tuesday, then 9-12 and 13-16 on Wednesday.
    assert req.resolution_due_at == utc(local(SHANGHAI, 2026, 3, 4, 16, 0))
