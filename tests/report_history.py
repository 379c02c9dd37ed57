"""A small history built by hand through the workflow, with frozen time, for the report tests.

Every department works 09-12 and 13-18 UTC, Monday to Friday; IT's calendar
closes Wednesday 4 March 2026 (a holiday). Agreements (response, resolution):
IT normal 2 h / 8 h, high 1 h / 4 h; FAC normal 4 h / 16 h, high 2 h / 8 h;
LEG none. Everyone files from MKT. The report period is the week of Monday
2 March 2026; "now" is Monday 9 March, 12:00.

    R1 IT  normal  Mon 09:00 filed, 10:00 taken + reply, 15:00 resolved, rated 5
    R2 IT  normal  Mon 16:00 filed, Tue 09:30 taken + reply, 11:00 waiting on requester,
                   Thu 10:00 requester replies, 14:30 resolved, rated 4
    R3 IT  high    Tue 09:00 filed, 10:00 handed to FAC; FAC 13:00 taken + reply,
                   Wed 12:00 resolved, rated 2
    R4 IT  normal  Tue 11:00 filed, 11:30 handed to FAC, FAC hands back 14:00;
                   IT 15:00 taken + reply, Thu 11:00 resolved, rated 5
    R5 IT  normal  Wed 10:00 filed (IT holiday), Thu 09:00 taken + reply, 10:00 resolved,
                   11:00 reopened, Fri 09:00 resolved, rated 4
    R6 IT  normal  Thu 09:00 filed, never answered; escalated Fri 10:00; open
    R7 IT  normal  Thu 13:00 filed, 14:00 rejected
    R8 IT  high    Fri 09:00 filed, 09:30 taken + reply by the second agent, 15:00 resolved, rated 3
    R9 FAC normal  Fri 09:00 filed, 10:00 handed to IT, IT 11:00 hands to LEG; open at LEG
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

from desk.extensions import db
from desk.models import Priority, Status
from desk.services import ratings, workflow
from tests.sla_support import agree, at, give_calendar

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
PERIOD = {"period": "custom", "from": "2026-03-02", "to": "2026-03-08"}


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def build(make) -> SimpleNamespace:
    it, fac, leg, mkt = (make.department(c) for c in ("IT", "FAC", "LEG", "MKT"))
    give_calendar(it, "UTC", special={date(2026, 3, 4): []})
    give_calendar(fac, "UTC")
    give_calendar(leg, "UTC")
    h = SimpleNamespace(it=it, fac=fac, leg=leg, mkt=mkt, it_head=make.head(it), fac_head=make.head(fac),
                        mkt_head=make.head(mkt), agent=make.agent(it, name="Ada Agent"),
                        agent2=make.agent(it, name="Bo Second"), fac_agent=make.agent(fac), leg_agent=make.agent(leg),
                        employee=make.user(mkt), hr=make.user(None, is_hr=True, name="Hana HR"),
                        laptop=make.request_type(it, "Laptop"), repair=make.request_type(fac, "Repair"),
                        contract=make.request_type(leg, "Contract"))
    with at(t(1, 12)):
        agree(h.it_head, it, normal=(2, 8), high=(1, 4))
        agree(h.fac_head, fac, normal=(4, 16), high=(2, 8))
    h.r = {}

    def step(when, action):
        with at(when):
            action()
            db.session.commit()

    def file(n, when, request_type, priority=Priority.NORMAL):
        def action():
            h.r[n] = workflow.file_request(h.employee, request_type, title=f"Request {n}", body="Please help.",
                                           priority=priority)
        step(when, action)

    def take(n, when, agent=None):
        agent = agent or h.agent

        def action():
            workflow.take(agent, h.r[n])
            workflow.reply(agent, h.r[n], "On it.")
        step(when, action)

    def move(n, when, to, agent=None, reason=""):
        step(when, lambda: workflow.change_status(agent or h.agent, h.r[n], to, reason=reason))

    def hand(n, when, agent, request_type):
        step(when, lambda: workflow.transfer(agent, h.r[n], request_type, reason="Belongs elsewhere"))

    def rate(n, when, score):
        step(when, lambda: ratings.give(h.employee, h.r[n], score=score))

    file(1, t(2, 9), h.laptop)
    take(1, t(2, 10))
    move(1, t(2, 15), Status.RESOLVED)
    rate(1, t(2, 16), 5)

    file(2, t(2, 16), h.laptop)
    take(2, t(3, 9, 30))
    move(2, t(3, 11), Status.WAITING)
    step(t(5, 10), lambda: workflow.reply(h.employee, h.r[2], "Here are the details."))
    move(2, t(5, 14, 30), Status.RESOLVED)
    rate(2, t(5, 15), 4)

    file(3, t(3, 9), h.laptop, Priority.HIGH)
    hand(3, t(3, 10), h.agent, h.repair)
    take(3, t(3, 13), h.fac_agent)
    move(3, t(4, 12), Status.RESOLVED, h.fac_agent)
    rate(3, t(4, 13), 2)

    file(4, t(3, 11), h.laptop)
    hand(4, t(3, 11, 30), h.agent, h.repair)
    hand(4, t(3, 14), h.fac_agent, h.laptop)
    take(4, t(3, 15))
    move(4, t(5, 11), Status.RESOLVED)
    rate(4, t(5, 12), 5)

    file(5, t(4, 10), h.laptop)
    take(5, t(5, 9))
    move(5, t(5, 10), Status.RESOLVED)
    step(t(5, 11), lambda: workflow.reopen(h.employee, h.r[5], reason="Still broken"))
    move(5, t(6, 9), Status.RESOLVED)
    rate(5, t(6, 9, 30), 4)

    file(6, t(5, 9), h.laptop)
    step(t(6, 10), lambda: workflow.escalate(h.employee, h.r[6], reason="Nobody answered"))

    file(7, t(5, 13), h.laptop)
    move(7, t(5, 14), Status.REJECTED, reason="Not ours")

    file(8, t(6, 9), h.laptop, Priority.HIGH)
    take(8, t(6, 9, 30), h.agent2)
    move(8, t(6, 15), Status.RESOLVED, h.agent2)
    rate(8, t(6, 16), 3)

    file(9, t(6, 9), h.repair)
    hand(9, t(6, 10), h.fac_agent, h.laptop)
    hand(9, t(6, 11), h.agent, h.contract)
    return h
