"""The one clock of the application.

Everything that needs "now" calls :func:`utcnow`, so nothing evaluates the
time at import, tests can freeze it (time-machine), and the demo seeder can
replay history at past instants with :func:`travel`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_travelled_to: ContextVar[datetime | None] = ContextVar("travelled_to", default=None)


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC, to the second."""
    at = _travelled_to.get()
    if at is not None:
        return at
    return datetime.now(UTC).replace(microsecond=0)


@contextmanager
def travel(at: datetime) -> Iterator[None]:
    """Run the block as if it were ``at`` (for seeding history; not for request handling)."""
    token = _travelled_to.set(at.astimezone(UTC).replace(microsecond=0))
    try:
        yield
    finally:
        _travelled_to.reset(token)
