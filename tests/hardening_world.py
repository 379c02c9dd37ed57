"""A small company for the hardening tests: one person per role, one request
with a reply, an internal note and attachments, and one confidential request.

Text that only some roles may read is marked with canaries: a test can then
look at every page, fragment and download and tell whether it leaked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desk.extensions import db
from desk.models import Calendar, CalendarDay
from desk.services import attachments, rating_links, workflow

# role -> who it is. The order is the column order of tests/test_access_matrix.py.
ROLES = ("anon", "requester", "member_other", "agent_other", "agent", "head", "hr", "admin")

CANARY_TITLE = "Zebrafinch laptop"  # IT-1: requester and IT staff only
CANARY_BODY = "Quokka body text"
CANARY_NOTE = "Pangolin internal note"  # IT-1 internal note: IT staff only
CANARY_CONFIDENTIAL = "Axolotl grievance"  # HR-1, confidential: requester and HR agents only

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" + b"\x00" * 40


@dataclass(frozen=True)
class World:
    """Plain ids and names only, so it outlives the app context it was built in."""

    emails: dict[str, str | None]  # role -> login e-mail
    user_ids: dict[str, int]
    it_id: int
    hr_department_id: int
    laptop_id: int
    concern_id: int
    request_key: str
    request_id: int
    confidential_key: str
    calendar_id: int
    calendar_day_id: int
    public_attachment_id: int
    note_attachment_id: int
    notification_id: int = 0  # the requester's first notification (issue 4)
    rating_token: str = ""  # a one-click rating link's token for IT-1 (not resolved: it cannot rate)
    mkt_id: int = 0  # the requester's department
    agreement_id: int = 0  # IT's department-wide agreement (issue 3), published by the head
    agreement_version_id: int = 0

    @staticmethod
    def readers() -> dict[str, set[str]]:
        """Which roles may read each canary (tests check every response against this)."""
        return {
            CANARY_TITLE: {"requester", "agent", "head"},
            CANARY_BODY: {"requester", "agent", "head"},
            CANARY_NOTE: {"agent", "head"},
            CANARY_CONFIDENTIAL: {"requester"},
        }


def build_world(make) -> World:
    """Build the company with ``make`` (tests.factories.Factory); needs an app context."""
    calendar = Calendar(name="Berlin office", tz="Europe/Berlin",
                        weekly={str(d): [["09:00", "17:00"]] for d in range(5)})
    calendar.days.append(CalendarDay(day=date(2030, 12, 25), intervals=[], note="Christmas"))
    db.session.add(calendar)
    db.session.commit()
    it = make.department("IT", "Information Technology", calendar_id=calendar.id)
    mkt = make.department("MKT", "Marketing")
    fin = make.department("FIN", "Finance")
    hr = make.department("HR", "Human Resources")
    laptop = make.request_type(it, "Laptop")
    make.request_type(fin, "Invoice")
    concern = make.request_type(hr, "Workplace concern", confidential=True)
    users = {
        "requester": make.user(mkt, name="Rita Requester"),
        "member_other": make.user(fin, name="Olga Outsider"),
        "agent_other": make.agent(fin, name="Finn Agent"),
        "agent": make.agent(it, name="Ivan Agent"),
        "head": make.head(it, name="Hilda Head"),
        "hr": make.user(hr, name="Hector HR", is_hr=True),
        "admin": make.user(fin, name="Ada Admin", is_admin=True),
    }
    make.agent(hr, name="Harriet HR agent")
    requester, agent = users["requester"], users["agent"]
    req = make.request(requester, laptop, title=CANARY_TITLE, body=CANARY_BODY)
    public = attachments.store(requester, req, req.events[0],
                               [attachments.Upload("photo.png", PNG, "image/png", "png")])[0]
    workflow.reply(agent, req, "We are on it.")
    note = workflow.add_note(agent, req, CANARY_NOTE)
    internal = attachments.store(agent, req, note,
                                 [attachments.Upload("quote.txt", b"internal quote", "text/plain", "txt")])[0]
    db.session.commit()
    confidential = make.request(requester, concern, title=CANARY_CONFIDENTIAL, body="About my team.")
    version = _agreement(users["head"], it)
    return World(
        emails={"anon": None, **{role: u.email for role, u in users.items()}},
        user_ids={role: u.id for role, u in users.items()},
        it_id=it.id, hr_department_id=hr.id, laptop_id=laptop.id, concern_id=concern.id,
        request_key=req.key, request_id=req.id, confidential_key=confidential.key,
        calendar_id=calendar.id, calendar_day_id=calendar.days[0].id,
        public_attachment_id=public.id, note_attachment_id=internal.id,
        notification_id=_first_notification(requester), rating_token=rating_links.make_token(req, requester, 5),
        mkt_id=mkt.id, agreement_id=version.agreement_id, agreement_version_id=version.id,
    )


def _agreement(head, department):
    from desk.models import Priority
    from desk.services import agreements

    hours = {p: 4 - p.rank for p in Priority}  # urgent 1 h / 8 h ... low 4 h / 32 h
    version = agreements.publish_agreement(head, department, {p: (h * 3600, h * 8 * 3600) for p, h in hours.items()})
    db.session.commit()
    return version


def _first_notification(user) -> int:
    from sqlalchemy import select

    from desk.models import Notification

    return db.session.scalar(select(Notification.id).where(Notification.user_id == user.id).order_by(Notification.id))


def built_world(app) -> World:
    """Build the world in a throw-away app context (HTTP tests then get a context per request)."""
    from tests.factories import Factory

    with app.test_request_context():
        world = build_world(Factory())
        db.session.remove()
    return world


def log_in(client, email: str, password: str = "correct horse battery"):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 303, response.text
    return client
