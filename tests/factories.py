"""Small factories for the objects tests need, committed so HTTP tests see them."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from desk.auth import set_password
from desk.extensions import db
from desk.models import Department, Priority, RequestType, Role, ServiceRequest, User
from desk.services import workflow

_seq = itertools.count(1)


class Factory:
    PASSWORD = "correct horse battery"

    def department(self, code: str | None = None, name: str | None = None, **kw) -> Department:
        n = next(_seq)
        code = code or f"D{n}"
        department = Department(code=code, name=name or f"Department {code}", **kw)
        db.session.add(department)
        db.session.commit()
        return department

    def user(self, department: Department | None = None, role: Role = Role.MEMBER, *,
             name: str | None = None, email: str | None = None, **kw) -> User:
        n = next(_seq)
        user = User(name=name or f"User {n}", email=email or f"user{n}@example.test",
                    department=department, role=role, **kw)
        set_password(user, self.PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user

    def agent(self, department: Department, **kw) -> User:
        return self.user(department, Role.AGENT, **kw)

    def head(self, department: Department, **kw) -> User:
        return self.user(department, Role.HEAD, **kw)

    def request_type(self, department: Department, name: str | None = None, **kw) -> RequestType:
        request_type = RequestType(department=department, name=name or f"Type {next(_seq)}", **kw)
        db.session.add(request_type)
        db.session.commit()
        return request_type

    def request(self, requester: User, request_type: RequestType, *, title: str = "Printer is broken",
                body: str = "The printer on floor 2 jams.", priority: Priority | None = None) -> ServiceRequest:
        req = workflow.file_request(requester, request_type, title=title, body=body, priority=priority)
        db.session.commit()
        return req


def small_company(make: Factory) -> SimpleNamespace:
    """Four departments and one person in each part the visibility rule cares about.

    IT provides (Laptop), Facilities takes hand-overs (Repair), Marketing requests,
    Legal stands aside. No requests: each test file files its own story, and adds
    the people and types only it needs to the namespace it gets back.
    """
    it = make.department("IT", name="IT")
    fac = make.department("FAC", name="Facilities")
    mkt = make.department("MKT", name="Marketing")
    leg = make.department("LEG", name="Legal")
    return SimpleNamespace(
        it=it, fac=fac, mkt=mkt, leg=leg,
        laptop=make.request_type(it, "Laptop"),
        repair=make.request_type(fac, "Repair"),
        requester=make.user(mkt, name="Rita Requester"),
        watcher=make.user(mkt, name="Walt Watcher"),
        mkt_head=make.head(mkt, name="Mia Head"),
        agent=make.agent(it, name="Ada Agent"),
        it_head=make.head(it, name="Hal Head"),
        it_member=make.user(it, name="Ivy Member"),  # a plain member of the providing department
        fac_agent=make.agent(fac, name="Fay Fixer"),
        leg_agent=make.agent(leg, name="Otto Outsider"),
        hr=make.user(leg, name="Hedda HR", is_hr=True),
        admin=make.user(None, name="Adam Admin", is_admin=True),
    )
