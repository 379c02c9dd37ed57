"""English wording shared by flashes, e-mails and pages."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """"1 open request", "3 open requests", "0 open requests"; ``plural`` for a noun that does
    not take an s ("person", "people")."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def joined(names: list[str]) -> str:
    """"IT", "IT and HR", "IT, HR and Legal"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
