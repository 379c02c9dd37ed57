"""The demo company: six departments, their people and catalogues, and 90 days
of requests in every status, made through the workflow so the history is real."""

from __future__ import annotations

import random
from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from desk.auth import rotate_session, set_password
from desk.clock import travel, utcnow
from desk.extensions import db
from desk.models import Department, Priority, RequestType, Role, ServiceRequest, Status, User
from desk.seed import feedback
from desk.services import workflow
from desk.seed.sla import seed_agreements, seed_calendars

DEMO_PASSWORD = "demo-desk-2026"

DEPARTMENTS = [
    # code, name, takes requests, request types (name, default priority, confidential, description)
    ("IT", "IT", True, [
        ("Laptop or hardware problem", Priority.NORMAL, False, "Broken, slow or missing equipment."),
        ("Access request", Priority.NORMAL, False, "Access to a system, share or mailbox."),
        ("New starter setup", Priority.HIGH, False, "Accounts and a laptop for someone joining."),
        ("Software installation", Priority.LOW, False, "A program you need installed or licensed."),
        ("Security incident", Priority.URGENT, False, "Phishing, a lost device, anything suspicious."),
    ]),
    ("HR", "Human Resources", True, [
        ("Employment letter", Priority.NORMAL, False, "Proof of employment, salary confirmation."),
        ("Leave question", Priority.LOW, False, "Holidays, parental leave, sick leave."),
        ("Hiring request", Priority.NORMAL, False, "Open a position in your team."),
        ("Workplace concern", Priority.HIGH, True, "Raise a concern in confidence."),
    ]),
    ("FAC", "Facilities", True, [
        ("Repair", Priority.NORMAL, False, "Something in the building is broken."),
        ("Meeting room setup", Priority.LOW, False, "Furniture, catering or equipment for an event."),
        ("Desk move", Priority.LOW, False, "Move people or desks."),
        ("Access badge", Priority.NORMAL, False, "New, lost or broken badges."),
    ]),
    ("FIN", "Finance", True, [
        ("Purchase approval", Priority.NORMAL, False, "Approve a purchase above your budget limit."),
        ("Expense question", Priority.LOW, False, "Claims, receipts and reimbursements."),
        ("Invoice payment", Priority.HIGH, False, "A supplier invoice that needs paying."),
    ]),
    ("LEG", "Legal", True, [
        ("Contract review", Priority.NORMAL, True, "Review a contract before signing."),
        ("NDA", Priority.NORMAL, False, "A non-disclosure agreement with a partner."),
        ("Compliance question", Priority.LOW, True, "Data protection, policies, regulation."),
    ]),
    ("MKT", "Marketing", True, [
        ("Design request", Priority.NORMAL, False, "Slides, flyers, social media visuals."),
        ("Website change", Priority.NORMAL, False, "Content or pages on the public website."),
        ("Event support", Priority.LOW, False, "Help presenting the company at an event."),
    ]),
]

FIRST = ["Alice", "Ben", "Chen", "Dana", "Emil", "Fatima", "Gus", "Hana", "Ivan", "Jia", "Kofi", "Lena",
         "Marco", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor", "Wen", "Yara"]
LAST = ["Adler", "Baptiste", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hoang", "Ito", "Jensen",
        "Kowalski", "Lopez", "Moreau", "Novak", "Okafor", "Petrov", "Rossi", "Schmidt", "Tanaka", "Weber"]

TITLES = {
    "Laptop or hardware problem": ["Laptop will not start", "Screen flickers", "Keyboard keys stuck", "Docking station not detected"],
    "Access request": ["Access to the finance share", "Need the CRM admin role", "Shared mailbox for support"],
    "New starter setup": ["New analyst starting Monday", "Intern joining next week"],
    "Software installation": ["Install Tableau", "Licence for Adobe Acrobat", "Python on my laptop"],
    "Security incident": ["Suspicious e-mail asking for my password", "Lost phone with company e-mail"],
    "Employment letter": ["Letter for my visa application", "Salary confirmation for the bank"],
    "Leave question": ["How many holidays do I have left?", "Parental leave planning"],
    "Hiring request": ["Open a senior engineer position", "Replace a leaving colleague"],
    "Workplace concern": ["Concern about team behaviour"],
    "Repair": ["Broken chair on floor 3", "Air conditioning too cold", "Kitchen tap leaking"],
    "Meeting room setup": ["Room setup for the all-hands", "Catering for a client visit"],
    "Desk move": ["Move the data team to floor 2"],
    "Access badge": ["Lost my badge", "Badge for a visitor next week"],
    "Purchase approval": ["Approve 3 monitors", "Conference tickets for two", "New server rack"],
    "Expense question": ["Missing reimbursement from March", "Which receipts do I need?"],
    "Invoice payment": ["Supplier invoice overdue", "Pay the cleaning company"],
    "Contract review": ["Review a reseller agreement", "Cloud provider terms"],
    "NDA": ["NDA with a prospective partner", "Mutual NDA for a pilot project"],
    "Compliance question": ["Can we store customer data in this tool?"],
    "Design request": ["Slides for the quarterly review", "Poster for the summer party"],
    "Website change": ["Update the careers page", "Fix a typo on the pricing page"],
    "Event support": ["Booth at the trade fair"],
}

REPLIES = ["Thanks, we are looking into it.", "Could you tell us a bit more?", "This is done on our side now.",
           "We ordered the part; it should arrive this week.", "Sent you the details by e-mail as well."]
REQUESTER_REPLIES = ["Here are the details you asked for.", "Thanks, that works!", "Any update on this?"]
NOTES = ["Checked with the supplier, waiting for a quote.", "Same issue as last month; see the earlier request.",
         "Needs approval from the head first."]


def demo_users() -> list[tuple[str, str]]:
    """The demo logins the README lists: (e-mail, what they are)."""
    return [
        ("admin@desk.example", "administrator"),
        ("hr@desk.example", "HR staff (cross-team reports)"),
        ("it.head@desk.example", "head of IT"),
        ("it.agent@desk.example", "IT agent"),
        ("employee@desk.example", "employee in Marketing"),
        ("fin.head@desk.example", "head of Finance"),
    ]


@click.command("seed-demo")
@click.option("--requests", "count", default=320, show_default=True, help="How many requests to file.")
@click.option("--seed", default=7, show_default=True, help="Random seed, for the same company every time.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def seed_demo_command(count: int, seed: int, if_empty: bool) -> None:
    """Create the demo company (every login's password is the demo password)."""
    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("The database already has data; leaving it as it is.")
        return
    seed_demo(count=count, seed=seed)
    click.echo(f"Demo company ready: {count} requests. Every demo login uses the password {DEMO_PASSWORD!r}.")


def seed_demo(*, count: int = 320, seed: int = 7) -> None:
    rng = random.Random(seed)
    departments = _departments()
    seed_calendars(departments, utcnow())
    people = _people(rng, departments)
    db.session.flush()
    seed_agreements(departments, {code: staff["head"][0] for code, staff in people.items()}, utcnow())
    with feedback.quiet_mail():  # months of history notify in-app, but e-mail nobody
        _requests(rng, departments, people, count)
    feedback.settle_notifications(utcnow())
    db.session.commit()


def _departments() -> dict[str, Department]:
    departments = {}
    for code, name, takes, types in DEPARTMENTS:
        department = Department(code=code, name=name, takes_requests=takes)
        db.session.add(department)
        for type_name, priority, confidential, description in types:
            db.session.add(RequestType(department=department, name=type_name, default_priority=priority,
                                       confidential=confidential, description=description))
        departments[code] = department
    return departments


def _user(email: str, name: str, department: Department, role: Role, **flags) -> User:
    user = User(email=email, name=name, department=department, role=role, **flags)
    set_password(user, DEMO_PASSWORD)
    rotate_session(user)
    db.session.add(user)
    return user


def _people(rng: random.Random, departments: dict[str, Department]) -> dict[str, dict[str, list[User]]]:
    names = iter(rng.sample([f"{f} {l}" for f in FIRST for l in LAST], 200))
    people: dict[str, dict[str, list[User]]] = {}
    named = {  # the demo logins
        "IT": {"head": ("it.head@desk.example", "Irene Torres"), "agent": ("it.agent@desk.example", "Arjun Mehta")},
        "FIN": {"head": ("fin.head@desk.example", "Frank Osei")},
        "MKT": {"member": ("employee@desk.example", "Emma Lindqvist")},
    }
    for code, department in departments.items():
        staff = {"head": [], "agent": [], "member": []}
        for role, how_many in (("head", 1), ("agent", 3), ("member", 5)):
            for i in range(how_many):
                email, name = named.get(code, {}).get(role, (None, None)) if i == 0 else (None, None)
                name = name or next(names)
                email = email or f"{name.lower().replace(' ', '.')}@desk.example"
                staff[role].append(_user(email, name, department, Role(role)))
        people[code] = staff
    people["HR"]["member"].append(_user("hr@desk.example", "Helena Ruiz", departments["HR"], Role.AGENT, is_hr=True))
    _user("admin@desk.example", "Adam Ward", departments["IT"], Role.MEMBER, is_admin=True)
    return people


def _requests(rng: random.Random, departments, people, count: int) -> None:
    now = utcnow()
    codes = list(departments)
    everyone = [u for staff in people.values() for users in staff.values() for u in users]
    types = {code: list(db.session.scalars(select(RequestType).where(RequestType.department_id == d.id)))
             for code, d in departments.items()}
    for i in range(count):
        # Spread over 90 days, in office hours, more recent ones more often.
        days_ago = min(int(rng.expovariate(1 / 25)), 89)
        filed_at = (now - timedelta(days=days_ago)).replace(hour=rng.randint(7, 16), minute=rng.randint(0, 59), second=0)
        if filed_at > now:
            filed_at -= timedelta(days=1)
        provider = rng.choice(codes)
        requester = rng.choice([u for u in everyone if u.department is not departments[provider]])
        if i == 0:
            requester = db.session.scalar(select(User).filter_by(email="employee@desk.example"))
            provider = "IT"
        request_type = rng.choice(types[provider])
        title = rng.choice(TITLES[request_type.name])
        with travel(filed_at):
            req = workflow.file_request(requester, request_type, title=title,
                                        body=f"{title}.\n\nCould you please help? Thanks!", priority=None)
        _play(rng, req, people, departments, types, filed_at, now)


def _play(rng, req: ServiceRequest, people, departments, types, at, now) -> None:
    """Move one request through a plausible life, never past the present."""
    def step(hours: float) -> bool:
        nonlocal at
        at = at + timedelta(hours=hours)
        return at < now

    fate = rng.random()
    code = req.department.code
    agents = people[code]["agent"] + people[code]["head"]
    if fate < 0.12 or not step(rng.uniform(0.2, 6)):
        return  # still new
    agent = rng.choice(agents)
    with travel(at):
        workflow.take(agent, req)
        workflow.reply(agent, req, rng.choice(REPLIES))
    if rng.random() < 0.3 and step(rng.uniform(0.1, 3)):
        with travel(at):
            workflow.add_note(agent, req, rng.choice(NOTES))
    if rng.random() < 0.1 and step(rng.uniform(0.5, 8)):
        target = rng.choice([c for c in departments if c != code])
        with travel(at):
            workflow.transfer(agent, req, rng.choice(types[target]), reason="This belongs with " + departments[target].name + ".")
        code = target
        agent = rng.choice(people[code]["agent"])
        if not step(rng.uniform(0.5, 10)):
            return
        with travel(at):
            workflow.take(agent, req)
    if fate < 0.3 or not step(rng.uniform(1, 30)):
        return  # in progress
    if rng.random() < 0.35:
        with travel(at):
            workflow.change_status(agent, req, Status.WAITING)
        if fate < 0.38 or not step(rng.uniform(1, 40)):
            return  # waiting on the requester
        with travel(at):
            workflow.reply(req.requester, req, rng.choice(REQUESTER_REPLIES))
        if not step(rng.uniform(1, 20)):
            return
    ending = rng.random()
    with travel(at):
        if ending < 0.05:
            workflow.change_status(agent, req, Status.REJECTED, reason="This is not something we can do; see the policy.")
            return
        if ending < 0.09:
            workflow.cancel(req.requester, req, reason="Not needed any more.")
            return
        workflow.change_status(agent, req, Status.RESOLVED, clarity=feedback.clarity_for(req))
    if rng.random() < 0.08 and step(rng.uniform(2, 48)) and (at - req.resolved_at).days < 7:
        with travel(at):
            workflow.reopen(req.requester, req, reason="It happened again this morning.")
        return
    close_after = rng.uniform(24, 24 * 8)  # drawn first, so ratings leave the demo's other choices alone
    if feedback.requester_rates(req, at, now):
        return  # rating closed it
    if step(close_after):
        with travel(at):
            workflow.change_status(agent, req, Status.CLOSED)
