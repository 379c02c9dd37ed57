"""One synthetic request's life, as the rows the workflow would have written.

A request arrives in business hours at a provider, waits unassigned, may be
handed to another department (sometimes back again: ping-pong, sometimes on
to a third), is worked, may wait on its requester, is resolved (or rejected,
or cancelled), may be reopened, rated and closed. Durations are drawn in
*business* seconds of the holding department's calendar and turned into
instants with :meth:`BusinessCalendar.add`, so every stored duration agrees
with the calendar exactly as the workflow's would. Whatever would happen after
``until`` does not happen: that stretch stays open.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from desk.models import SERVQUAL, EventKind, Priority, Status, handoff_facts
from desk.seed.volume_org import HOUR, Org, Provider, title_for

PRIORITIES = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]
WORDS = ("laptop screen printer badge invoice contract access mailbox chair room monitor licence supplier "
         "payment leave letter poster website booth quote server network password phone desk").split()
REQUEST_DEFAULTS = dict(
    assignee_id=None, submission_key=None, resolved_at=None, closed_at=None, transfer_count=0, reopen_count=0,
    version=1, agreement_version_id=None, response_target_seconds=None, resolution_target_seconds=None,
    clock_started_at=None, response_due_at=None, resolution_due_at=None, first_response_at=None,
    response_risk_at=None, resolution_risk_at=None, clarity_score=None,
    response_business_seconds=None, resolution_business_seconds=None, paused_at=None, paused_business_seconds=0,
    response_met=None, resolution_met=None, escalated_at=None, parent_id=None,
)


class Earlier(NamedTuple):
    """A hand-off this request had, as :func:`desk.models.handoff_facts` reads it."""

    from_department_id: int
    to_department_id: int
    from_type_id: int
    at: datetime


class Stop(Exception):
    """The next step would happen after ``until``: the history ends here."""


class Life:
    """Writes one request's rows into ``rows`` (lists of dicts per table)."""

    def __init__(self, rng: random.Random, org: Org, rows: dict, until: datetime) -> None:
        self.rng, self.org, self.rows, self.until = rng, org, rows, until

    def draw(self, median: float) -> int:
        """Log-normal business seconds around ``median``: most quick, a long tail."""
        return max(60, int(median * math.exp(self.rng.gauss(0, 0.9))))

    def live(self, rid: int, key: str, arrival: datetime, provider: Provider, requester: int, req_dept: int) -> None:
        rng = self.rng
        type_id, type_name, default_priority, confidential = rng.choice(provider.types)
        priority = default_priority if rng.random() < 0.7 else rng.choices(PRIORITIES, (25, 55, 15, 5))[0]
        self.req = dict(REQUEST_DEFAULTS, id=rid, key=key, title=title_for(rng, type_name),
                        body=f"{' '.join(rng.sample(WORDS, 6))} ({key})", requester_id=requester,
                        requesting_department_id=req_dept, priority=priority.value, confidential=confidential,
                        created_at=arrival, status=Status.NEW.value)
        self.rid, self.t, self.provider, self.type_id, self.priority = rid, arrival, provider, type_id, priority
        self.holdings, self.previous, self.handoffs = {provider.id}, provider, []
        self.event(requester, EventKind.CREATED, {"department": provider.code})
        self._start_clock()
        try:
            self._lifecycle(requester)
        except Stop:
            pass
        self.req.update(department_id=self.provider.id, type_id=self.type_id, updated_at=self.t)
        self.rows["requests"].append(self.req)
        self.rows["holdings"].extend({"request_id": rid, "department_id": d} for d in self.holdings)

    # -- the story ---------------------------------------------------------

    def _lifecycle(self, requester: int) -> None:
        rng, req = self.rng, self.req
        if rng.random() < 0.03:  # withdrawn before anyone looked
            self.stay(Status.NEW, self.draw(self.resp * 0.5))
            return self.move(requester, Status.CANCELLED)
        hops = 0
        while hops < 3 and rng.random() < (0.12 if hops == 0 else 0.3):
            hops += 1
            self.stay(Status.NEW, self.draw(self.resp * 0.4 * self.provider.speed))
            if rng.random() < 0.3:  # worked on a while before someone saw it belongs elsewhere
                self.assign()
                self.stay(Status.IN_PROGRESS, self.draw(2 * HOUR))
            self.transfer(hops)
        self.stay(Status.NEW, self.draw(self.resp * 0.3 * self.provider.speed))
        self.respond()
        if req["status"] == Status.NEW.value:
            self.assign()
        work = self.res * 0.45 * self.provider.speed
        if rng.random() < 0.25:  # a question to the requester pauses the clock
            self.stay(Status.IN_PROGRESS, self.draw(work * 0.4))
            self.move(self.agent, Status.WAITING)
            self.paused_since = self.t
            waited = self.stay(Status.WAITING, self.draw(6 * HOUR))
            self.paused_since = None
            self.req["paused_business_seconds"] += waited
            self.deadlines()
            self.move(requester, Status.IN_PROGRESS)
        self.stay(Status.IN_PROGRESS, self.draw(work * 0.6))
        if rng.random() < 0.03:
            return self.move(self.agent, Status.REJECTED)
        self.resolve()
        if rng.random() < 0.05:  # "not actually fixed"
            gap = self.draw(8 * HOUR)
            self.at(self.cal.add(self.t, gap))
            req["paused_business_seconds"] += gap  # no clock runs while it sits resolved
            req.update(reopen_count=1, resolved_at=None, resolution_met=None, resolution_business_seconds=None)
            self.deadlines()
            self.move(requester, Status.IN_PROGRESS, EventKind.REOPENED)
            self.stay(Status.IN_PROGRESS, self.draw(self.res * 0.2 * self.provider.speed))
            self.resolve()
        rated_at = self.rate(requester)  # rating closes the request; otherwise it closes after a week
        self.at(rated_at or req["resolved_at"] + timedelta(days=7))
        self.move(requester if rated_at else None, Status.CLOSED)

    def _start_clock(self) -> None:
        version, targets = self.provider.version_at(self.t)
        self.resp, self.res = targets[self.priority]
        self.cal, self.paused_since, self.agent = self.provider.calendar, None, None
        self.req.update(agreement_version_id=version, response_target_seconds=self.resp,
                        resolution_target_seconds=self.res, clock_started_at=self.t, first_response_at=None,
                        response_business_seconds=None, response_met=None, paused_business_seconds=0,
                        assignee_id=None)
        self.deadlines()

    def deadlines(self) -> None:
        """Due and at-risk (75 %) instants, as desk.services.sla sets them; pauses move resolution's."""
        req, paused = self.req, self.req["paused_business_seconds"]
        req.update(response_due_at=self.after_start(self.resp),
                   response_risk_at=self.after_start((3 * self.resp + 3) // 4),
                   resolution_due_at=self.after_start(self.res + paused),
                   resolution_risk_at=self.after_start((3 * self.res + 3) // 4 + paused))

    def after_start(self, seconds: int) -> datetime:
        return self.cal.add(self.req["clock_started_at"], seconds).astimezone(UTC)

    # -- steps -------------------------------------------------------------

    def at(self, moment: datetime) -> None:
        if moment > self.until:
            self._stopped()
            raise Stop
        self.t = moment.astimezone(UTC)  # calendar arithmetic answers in the calendar's zone

    def _stopped(self) -> None:
        """Open at ``until``: a breached open request may have been escalated."""
        req = self.req
        due = req["resolution_due_at"]
        if req["status"] in ("new", "in_progress") and due and due < self.until and self.rng.random() < 0.3:
            req["escalated_at"] = min(due + timedelta(hours=4), self.until)
            self.event(req["requester_id"], EventKind.ESCALATED, {}, req["escalated_at"])
        if self.paused_since is not None:
            req["paused_at"] = self.paused_since

    def stay(self, status: Status, seconds: int) -> int:
        """A stretch in ``status`` of ``seconds`` business seconds (open if it outlasts ``until``)."""
        start = self.t
        end = self.cal.add(start, seconds).astimezone(UTC)
        span = {"request_id": self.rid, "department_id": self.provider.id, "status": status.value,
                "started_at": start, "ended_at": None, "business_seconds": None}
        self.rows["spans"].append(span)
        self.at(end)
        span.update(ended_at=end, business_seconds=seconds)
        return seconds

    def move(self, actor: int | None, to: Status, kind: EventKind = EventKind.STATUS_CHANGED) -> None:
        self.event(actor, kind, {"from": self.req["status"], "to": to.value})
        self.req["status"] = to.value
        if to in (Status.CLOSED, Status.REJECTED, Status.CANCELLED):
            self.req["closed_at"] = self.t

    def event(self, actor: int | None, kind: EventKind, data: dict, at: datetime | None = None) -> None:
        self.rows["events"].append({"request_id": self.rid, "actor_id": actor, "kind": kind.value, "body": "",
                                    "internal": False, "data": data, "created_at": at or self.t})

    def assign(self) -> None:
        self.agent = self.rng.choice(self.provider.agents)
        self.req["assignee_id"] = self.agent
        self.move(self.agent, Status.IN_PROGRESS)

    def respond(self) -> None:
        req = self.req
        req["first_response_at"] = self.t
        req["response_business_seconds"] = spent = self.cal.seconds_between(req["clock_started_at"], self.t)
        req["response_met"] = spent <= self.resp
        self.agent = self.rng.choice(self.provider.agents)
        self.event(self.agent, EventKind.REPLIED, {})

    def transfer(self, seq: int) -> None:
        rng, source = self.rng, self.provider
        others = [p for p in self.org.providers.values() if p.id != source.id]
        target = rng.choice(others)
        if seq >= 2 and rng.random() < 0.5 and self.previous.id != source.id:
            target = self.previous  # ping-pong: straight back to where it came from
        to_type = rng.choice(target.types)
        self.rows["handoffs"].append({"request_id": self.rid, "seq": seq, "from_department_id": source.id,
                                      "to_department_id": target.id, "from_type_id": self.type_id,
                                      "to_type_id": to_type[0], "at": self.t, **handoff_facts(
                                          self.handoffs, self.holdings, source.id, target.id, self.type_id)})
        self.handoffs.append(Earlier(source.id, target.id, self.type_id, self.t))
        self.holdings.add(target.id)
        self.event(self.agent or rng.choice(source.agents), EventKind.TRANSFERRED,
                   {"from": source.code, "to": target.code, "type": to_type[1]})
        self.previous, self.provider, self.type_id = source, target, to_type[0]
        self.req.update(status=Status.NEW.value, transfer_count=seq,
                        confidential=self.req["confidential"] or to_type[3])
        self._start_clock()

    def resolve(self) -> None:
        req = self.req
        self.move(self.agent, Status.RESOLVED)
        spent = self.cal.seconds_between(req["clock_started_at"], self.t) - req["paused_business_seconds"]
        req.update(resolved_at=self.t, resolution_business_seconds=spent, resolution_met=spent <= self.res,
                   clarity_score=self.rng.choice((None, None, 2, 3, 4, 4, 5, 5)))
        if not req["resolution_met"] and self.rng.random() < 0.3:
            req["escalated_at"] = req["resolution_due_at"] + timedelta(hours=2)
            if req["escalated_at"] < self.t:
                self.event(req["requester_id"], EventKind.ESCALATED, {}, req["escalated_at"])
            else:
                req["escalated_at"] = None

    def rate(self, requester: int) -> datetime | None:
        """Nearly half the requesters rate; on-time, first-time fixes score better."""
        rng, req = self.rng, self.req
        if rng.random() > 0.45:
            return None
        at = req["resolved_at"] + timedelta(hours=rng.randint(1, 72))
        if at > self.until:
            return None
        mean = (4.4 if req["resolution_met"] else 3.1) - 0.8 * req["reopen_count"] - 0.3 * req["transfer_count"]
        score = min(5, max(1, round(rng.gauss(mean, 0.9))))
        dims = {d: min(5, max(1, score + rng.choice((-1, 0, 0, 1)))) if rng.random() < 0.3 else None
                for d in SERVQUAL}
        self.rows["ratings"].append({"request_id": self.rid, "requester_id": requester, "score": score,
                                     "department_id": self.provider.id, "agent_id": req["assignee_id"],
                                     "resolved_at": req["resolved_at"], "comment": "", "created_at": at,
                                     "updated_at": at, **dims})
        self.event(requester, EventKind.RATED, {"score": score}, at)
        return at
