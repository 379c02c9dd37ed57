"""A small company for rating tests: resolved requests made through the workflow, rated through the service."""

from __future__ import annotations

import re
from contextlib import nullcontext
from datetime import datetime

from desk.clock import travel
from desk.extensions import db
from desk.models import Status
from desk.services import ratings, workflow

LINK = re.compile(r"https?://[^\s\"<>]+(/rate/[A-Za-z0-9_.\-]+)")


class Shop:
    def __init__(self, make):
        self.make = make
        self.it = make.department("IT", "IT")
        self.mkt = make.department("MKT", "Marketing")
        self.fin = make.department("FIN", "Finance")
        self.laptop = make.request_type(self.it, "Laptop")
        self.access = make.request_type(self.it, "Access")
        self.invoice = make.request_type(self.fin, "Invoice")
        self.head = make.head(self.it, name="Hilda Head", email="hilda@example.test")
        self.agent = make.agent(self.it, name="Ivan Agent", email="ivan@example.test")
        self.agent2 = make.agent(self.it, name="Ines Agent", email="ines@example.test")
        self.fin_agent = make.agent(self.fin, name="Finn Agent", email="finn@example.test")
        self.requester = make.user(self.mkt, name="Rita Requester", email="rita@example.test")
        self.fin_member = make.user(self.fin, name="Fred Finance", email="fred@example.test")

    def resolved(self, requester=None, agent=None, request_type=None, *, at: datetime | None = None,
                 title: str = "Laptop is slow", clarity: int | None = None):
        requester = requester or self.requester
        request_type = request_type or self.laptop
        agent = agent or (self.agent if request_type.department_id == self.it.id else self.fin_agent)
        with travel(at) if at else nullcontext():
            req = workflow.file_request(requester, request_type, title=title, body="Please help.")
            workflow.take(agent, req)
            workflow.change_status(agent, req, Status.RESOLVED, clarity=clarity)
        db.session.commit()
        return req

    def rate(self, req, score: int, *, at: datetime | None = None, comment: str | None = None, **dimensions):
        with travel(at) if at else nullcontext():
            rating = ratings.give(req.requester, req, score=score, dimensions=dimensions or None, comment=comment)
        db.session.commit()
        return rating


def star_links(text: str) -> list[str]:
    """The five one-click paths (1 to 5 stars) in a mail's text."""
    return LINK.findall(text)


def checked_score(html: str) -> str | None:
    """The value of the checked overall-score radio button in a page, if any."""
    for tag in re.findall(r'<input[^>]*name="score"[^>]*>', html):
        if " checked" in tag:
            return re.search(r'value="(\d)"', tag).group(1)
    return None
