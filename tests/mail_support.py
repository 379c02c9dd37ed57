"""A real SMTP server for tests (aiosmtpd on 127.0.0.1), and helpers to read what it got."""

from __future__ import annotations

import socket
import time
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """The aiosmtpd handler: keeps every message, or refuses them all when ``refuse`` is set."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "554 5.0.0 Transaction failed (the test asked for it)"
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Sending is synchronous, but the server thread stores the message; wait for it briefly."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.messages

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def resolutions(self, address: str) -> list[EmailMessage]:
        """The "changed the status to resolved" mails one person got."""
        return [m for m in self.to(address) if "changed the status to resolved" in m["Subject"]]

    def clear(self) -> None:
        self.messages.clear()
        self.recipients.clear()


@pytest.fixture
def smtp(app, monkeypatch):
    """Start an SMTP server on a free port and point the app at it for this test."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "BASE_URL", "https://desk.example.test")
    try:
        yield inbox
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()
