"""Small helpers for HTTP tests: counting SQL statements, htmx headers, reading forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from desk.extensions import db

HTMX = {"HX-Request": "true"}


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block (SAVEPOINTs and the like excluded).

    The session starts cold (everything expired), as a real request's would.
    """
    statements: list[str] = []
    db.session.expire_all()

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def field_error(html: str, field_id: str) -> str:
    """The error text shown next to a form field (templates/_macros.html ``field``).

    On the request page field ids carry their form's name (``reply-body``), so an
    optional ``<form>-`` prefix is accepted.
    """
    match = re.search(rf'id="(?:[a-z_]+-)?{re.escape(field_id)}-error"[^>]*>(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else ""


def version_of(html: str, form_action: str) -> int:
    """The hidden ``version`` of the form posting to ``form_action`` on a request page."""
    start = html.index(f'action="{form_action}"')
    match = re.search(r'name="version" type="hidden" value="(\d+)"', html[start:])
    assert match, f"no version in the form posting to {form_action}"
    return int(match.group(1))
