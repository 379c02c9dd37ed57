"""Text search over requests through the database's full-text index.

What a person types becomes a list of word prefixes that must all occur in
the key, title or body ("print jam" finds "Printer jams on floor 2"). Only
letters and digits reach the index's query language, so no input can inject
FTS5 or tsquery syntax. Text shaped like a key ("it-1042") finds that request only.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, and_, bindparam, column, func, literal_column, or_, select, table

from desk.extensions import db
from desk.models import ServiceRequest
from desk.models.search_ddl import PG_CONFIG, PG_VECTOR

_WORD = re.compile(r"[^\W_]+")
_KEY = re.compile(r"[A-Za-z]{1,8}-\d+")
MAX_WORDS = 8


def words(text: str) -> list[str]:
    """The searchable words of ``text``, lower-cased, at most :data:`MAX_WORDS`."""
    return [w.lower() for w in _WORD.findall(text)][:MAX_WORDS]


def text_match(text: str, *, open_only: bool = False) -> ColumnElement[bool]:
    """A WHERE clause on ``ServiceRequest``: every word as a prefix, or the exact key.

    ``open_only``: the rest of the query keeps only open requests (an open
    queue), so the small index of open requests answers it (see
    :mod:`desk.models.search_ddl`); otherwise the index of all requests does.
    """
    exact_key = ServiceRequest.key == text.strip().upper()
    found = words(text)
    if not found or _KEY.fullmatch(text.strip()):
        return exact_key  # "it-1042" means that request, not everything with "it" and "1042"
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        index = "requests_open_fts" if open_only else "requests_fts"
        query = " ".join(f'"{w}"*' for w in found)
        matching = select(column("rowid")).select_from(table(index)).where(
            literal_column(index).op("MATCH")(bindparam("fts_query", query))
        )
        return or_(exact_key, ServiceRequest.id.in_(matching))
    if dialect == "postgresql":
        # The same expression either way: the planner picks the partial index of open
        # requests by itself when the query's status condition implies it.
        query = " & ".join(f"{w}:*" for w in found)
        return or_(exact_key, literal_column(PG_VECTOR).op("@@")(func.to_tsquery(PG_CONFIG, query)))
    # Any other database: a plain (slow) substring match on every word.
    return or_(exact_key, and_(*[_contains(w) for w in found]))


def _contains(word: str) -> ColumnElement[bool]:
    pattern = f"%{word}%"
    return or_(ServiceRequest.title.ilike(pattern), ServiceRequest.body.ilike(pattern))
