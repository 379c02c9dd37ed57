"""Text search over requests through the database's full-text index.

What a person types becomes a list of word prefixes that must all occur in
the key, title or body ("print jam" finds "Printer jams on floor 2"). Only
letters and digits reach the index's query language, so no input can inject
FTS5 or tsquery syntax. Text shaped like a key ("it-1042") finds that request only.

Two ways to search, by what is searched:

* :func:`open_text_match`, a WHERE clause, for the open queue: every match, in any
  order the queue asks for. Open requests are few (a small index of its own).
* :func:`recent_matches` for a department's history: the newest matches only,
  up to a limit, read newest first so the work stops at the limit. A word
  found in 100,000 past requests costs what the newest few hundred cost.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Select, and_, bindparam, column, func, literal_column, or_, select, table

from desk.extensions import db
from desk.models import ServiceRequest
from desk.models.search_ddl import PG_CONFIG, PG_VECTOR

_WORD = re.compile(r"[^\W_]+")
_KEY = re.compile(r"[A-Za-z]{1,8}-\d+")
MAX_WORDS = 8
# PostgreSQL: how many of a department's newest requests a history search tests one by one
# first, and how many more when those promise enough matches (see _recent_in_tsvector).
SAMPLE = 2_000
WINDOW = 20_000


def words(text: str) -> list[str]:
    """The searchable words of ``text``, lower-cased, at most :data:`MAX_WORDS`."""
    return [w.lower() for w in _WORD.findall(text)][:MAX_WORDS]


def _words_unless_key(text: str) -> list[str]:
    """The words to look for; none when the text is shaped like a key or has no words, and
    then only the request with that exact key matches ("it-1042" means that request, not
    everything with "it" and "1042")."""
    return [] if _KEY.fullmatch(text.strip()) else words(text)


def _exact_key(text: str) -> ColumnElement[bool]:
    return ServiceRequest.key == text.strip().upper()


def open_text_match(text: str) -> ColumnElement[bool]:
    """A WHERE clause on ``ServiceRequest``: every word as a prefix, or the exact key.

    Only for a query that keeps open requests alone (an open queue): the small
    index of open requests answers it (see :mod:`desk.models.search_ddl`), and
    on SQLite that index holds nothing else.
    """
    exact_key = _exact_key(text)
    found = _words_unless_key(text)
    if not found:
        return exact_key
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        matching = select(column("rowid")).select_from(table("requests_open_fts")).where(
            literal_column("requests_open_fts").op("MATCH")(bindparam("fts_query", _fts5_prefixes(found)))
        )
        return or_(exact_key, ServiceRequest.id.in_(matching))
    if dialect == "postgresql":
        # The planner picks the partial index of open requests by itself: the query's
        # status condition implies the index's.
        return or_(exact_key, literal_column(PG_VECTOR).op("@@")(_tsquery_prefixes(found)))
    # Any other database: a plain (slow) substring match on every word.
    return or_(exact_key, and_(*[_contains(w) for w in found]))


def recent_matches(query: Select, text: str, department_id: int, *, limit: int) -> list[int]:
    """The ids of the newest ``limit`` requests of ``query`` matching ``text``, newest first.

    ``query`` selects requests of department ``department_id`` with the queue's
    other filters. "Newest" is by id, which is the order requests were filed in.
    """
    r = ServiceRequest
    newest = query.with_only_columns(r.id).order_by(r.id.desc())
    found = _words_unless_key(text)
    if not found:
        return list(db.session.scalars(newest.where(_exact_key(text)).limit(limit)))
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        return _recent_in_fts5(newest, found, department_id, limit)
    if dialect == "postgresql":
        return _recent_in_tsvector(newest, found, department_id, limit)
    return list(db.session.scalars(newest.where(and_(*[_contains(w) for w in found])).limit(limit)))


def _recent_in_fts5(newest: Select, found: list[str], department_id: int, limit: int) -> list[int]:
    # The index holds the department too, so it yields this department's matches by itself,
    # newest rowid first; each is joined to its request for the queue's other filters.
    index = table("requests_fts", column("rowid"))
    query = f"department_id : {int(department_id)} AND {{key title body}} : ({_fts5_prefixes(found)})"
    matching = (
        newest.join(index, index.c.rowid == ServiceRequest.id)
        .where(literal_column("requests_fts").op("MATCH")(bindparam("fts_query", query)))
        .order_by(None).order_by(index.c.rowid.desc())
    )
    return list(db.session.scalars(matching.limit(limit)))


def _recent_in_tsvector(newest: Select, found: list[str], department_id: int, limit: int) -> list[int]:
    """Read the newest requests in order while the word is common among them, else ask the index.

    Testing a request's stored vector is cheap but reading requests is not
    free (about half a microsecond each); the GIN index costs what the words'
    lists cost over all departments (a prefix of a common word collects a
    quarter of a million entries) and then every match of this department. So:

    1. the newest :data:`SAMPLE` requests are tested one by one;
    2. if at that rate the next :data:`WINDOW` hold the rest of the limit,
       those are tested too (a common word fills 500 within a few thousand);
    3. whatever is still missing, the GIN index finds among the older ones,
       from the rarest word (:func:`_rarest`): the words are rare here, so
       their matches in this department are few.

    Steps 1 and 2 write the test as ``ts_match_vq``, the function behind ``@@``:
    the planner cannot take a function to the GIN index, and with the operator
    it estimates several words' matches as their product, far too few, and
    fetches and sorts all of them instead.
    """
    r = ServiceRequest
    vector = literal_column(PG_VECTOR)
    tested_in_order = func.ts_match_vq(vector, _tsquery_prefixes(found))

    def matches(condition, wanted: int, above: int | None, up_to: int | None = None) -> list[int]:
        query = newest.where(condition)
        if above is not None:
            query = query.where(r.id > above)
        if up_to is not None:
            query = query.where(r.id <= up_to)
        return list(db.session.scalars(query.limit(wanted)))

    sample_floor = _below_newest(department_id, SAMPLE)
    ids = matches(tested_in_order, limit, above=sample_floor)
    if sample_floor is None or len(ids) == limit:
        return ids
    floor = sample_floor
    if len(ids) * WINDOW >= (limit - len(ids)) * SAMPLE:  # at the sample's rate, the window holds the rest
        floor = _below_newest(department_id, SAMPLE + WINDOW)
        ids += matches(tested_in_order, limit - len(ids), above=floor, up_to=sample_floor)
        if floor is None or len(ids) == limit:
            return ids
    from_index = and_(vector.op("@@")(_tsquery_prefixes([_rarest(found, vector)])), tested_in_order)
    return ids + matches(from_index, limit - len(ids), above=None, up_to=floor)


def _rarest(found: list[str], vector) -> str:
    """The word with the fewest matches among the newest requests of all departments.

    The GIN index reads every entry of a prefix ("screen" has 254,000 at a
    million requests) before it can AND the words, so step 3 gives it the
    rarest word alone and tests the others on the few requests it returns.
    """
    if len(found) == 1:
        return found[0]
    newest = (
        select(vector.label("vector")).select_from(ServiceRequest).order_by(ServiceRequest.id.desc()).limit(SAMPLE)
    ).subquery()
    counts = db.session.execute(
        select(*[func.count().filter(func.ts_match_vq(newest.c.vector, _tsquery_prefixes([w]))) for w in found])
    ).one()
    return min(zip(counts, found))[1]


def _tsquery_prefixes(found: list[str]):
    """A tsquery: every word as a prefix."""
    return func.to_tsquery(PG_CONFIG, " & ".join(f"{w}:*" for w in found))


def _fts5_prefixes(found: list[str]) -> str:
    """An FTS5 query: every word as a prefix (quoted, so no word is read as an operator)."""
    return " ".join(f'"{w}"*' for w in found)


def _below_newest(department_id: int, count: int) -> int | None:
    """The id just below the department's newest ``count`` requests (None: it has no more)."""
    r = ServiceRequest
    newest = select(r.id).where(r.department_id == department_id).order_by(r.id.desc())
    return db.session.scalar(newest.offset(count).limit(1))


def _contains(word: str) -> ColumnElement[bool]:
    pattern = f"%{word}%"
    return or_(ServiceRequest.title.ilike(pattern), ServiceRequest.body.ilike(pattern))
