"""Outgoing e-mail: queued during the unit of work, sent after the commit.

Services call :func:`send_later`; nothing leaves until the database session
commits (a SQLAlchemy ``after_commit`` listener), and a rollback drops the
queue, so nobody is told about a change that did not happen. Sending uses the
standard library (smtplib, EmailMessage) against ``DESK_SMTP_HOST``; without
a host, each mail is written to the ``desk.mail`` log so development needs no
mail server. A failed send is logged and never undoes the committed change.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from desk.extensions import db

log = logging.getLogger("desk.mail")
if log.level == logging.NOTSET:
    # INFO so the development "mail in the log" shows without configuring logging.
    log.setLevel(logging.INFO)

_QUEUE = "desk.mail.queue"
_suppressed: ContextVar[bool] = ContextVar("desk_mail_suppressed", default=False)
# CRLF line ends, and long headers kept on one line (up to RFC 5322's 998): the
# standard folding would break a long subject right after "Subject:", and some
# clients then show it with a leading space.
MAIL_POLICY = email_policy.SMTP.clone(max_line_length=998)


def send_later(to: str, subject: str, text: str, html: str | None = None, *, to_name: str = "") -> EmailMessage | None:
    """Queue a mail (plain text, optionally with an HTML alternative) for after the commit."""
    if _suppressed.get():
        return None
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = formataddr((to_name, to)) if to_name else to
    message["Subject"] = " ".join(subject.split())  # no header injection through newlines
    message["Message-ID"] = make_msgid(domain=_domain(current_app.config["MAIL_FROM"]))
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    db.session.info.setdefault(_QUEUE, []).append(message)
    return message


@contextmanager
def suppressed() -> Iterator[None]:
    """Send nothing from the block (the demo seeder replays months of history)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def is_suppressed() -> bool:
    return _suppressed.get()


def queued() -> list[EmailMessage]:
    """Mails waiting for the commit (tests and the seeder look at them)."""
    return list(db.session.info.get(_QUEUE, []))


def discard_queued() -> int:
    """Forget the waiting mails (the demo seeder: nobody should get 3,000 e-mails)."""
    return len(db.session.info.pop(_QUEUE, []))


def deliver(messages: list[EmailMessage]) -> None:
    """Send now, over one SMTP connection; log instead without a configured host."""
    if not messages:
        return
    config = current_app.config
    if not config.get("SMTP_HOST"):
        for message in messages:
            log.info("mail (no SMTP_HOST configured, not sent)\nTo: %s\nSubject: %s\n\n%s",
                     message["To"], message["Subject"], _text_part(message))
        return
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), timeout=15) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            for message in messages:
                try:
                    smtp.send_message(message)
                except smtplib.SMTPException:
                    # One refused recipient must not stop the others.
                    log.exception("mail to %s (%s) was refused", message["To"], message["Subject"])
    except (OSError, smtplib.SMTPException):
        log.exception("could not send %d mail(s) through %s:%s: %s", len(messages), config["SMTP_HOST"],
                      config.get("SMTP_PORT"), "; ".join(str(m["Subject"]) for m in messages))


def _after_commit(session: Session) -> None:
    messages = session.info.pop(_QUEUE, [])
    if not messages:
        return
    if not has_app_context():
        log.error("%d mail(s) committed outside an application context were not sent", len(messages))
        return
    try:
        deliver(messages)
    except Exception:  # noqa: BLE001 - the commit happened; a mail problem must never surface as an error
        log.exception("sending mail after the commit failed")


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole unit of work was rolled back, not a savepoint
        session.info.pop(_QUEUE, None)


def _text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip("> ") or "localhost"


for _name, _listener in (("after_commit", _after_commit), ("after_soft_rollback", _after_soft_rollback)):
    if not event.contains(db.session, _name, _listener):
        event.listen(db.session, _name, _listener)


def link(endpoint: str, **values) -> str:
    """An absolute URL for a mail: ``BASE_URL`` plus the route's path (works outside requests too)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path
