"""Queue text search through the database's full-text index (FTS5 on SQLite, tsvector on PostgreSQL)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import text

from desk.extensions import db
from desk.services.search import words


@pytest.fixture
def queue(make, client, login):
    it = make.department("IT")
    laptop = make.request_type(it, "Laptop")
    employee = make.user(make.department("MKT"))
    make.request(employee, laptop, title="Printer jams on floor 2", body="Paper stuck in tray")
    make.request(employee, laptop, title="Screen flickers", body="Since Monday; the Überwachung tool too")
    make.request(employee, laptop, title="Access to 50% share", body="Need the finance_share folder")
    login(make.agent(it))
    return client


def keys(client, q: str, status: str = "all") -> list[str]:
    page = client.get("/queue/", query_string={"q": q, "status": status, "sort": "oldest"}).text
    return [k for k in ("IT-1", "IT-2", "IT-3") if f">{k}<" in page]


def test_words_are_prefixes_and_all_must_match(queue):
    assert keys(queue, "print") == ["IT-1"]
    assert keys(queue, "print jam") == ["IT-1"]
    assert keys(queue, "print flicker") == []
    assert keys(queue, "PAPER stuck") == ["IT-1"]  # body, any case
    assert keys(queue, "monday") == ["IT-2"]


def test_key_and_punctuation(queue):
    assert keys(queue, "it-2") == ["IT-2"]
    assert keys(queue, "50%") == ["IT-3"]
    assert keys(queue, "finance_share") == ["IT-3"]
    assert keys(queue, '"*) OR (x') == []  # no query syntax reaches the index
    assert keys(queue, "überwachung") == ["IT-2"]


def test_index_follows_edits_and_deletes(queue, make):
    from desk.models import ServiceRequest

    req = db.session.scalar(db.select(ServiceRequest).filter_by(key="IT-1"))
    req.title = "Toner empty"
    db.session.commit()
    assert keys(queue, "toner") == ["IT-1"] and keys(queue, "printer") == []
    db.session.delete(req)
    db.session.commit()
    assert keys(queue, "toner") == []


def test_an_open_queue_is_searched_in_the_index_of_open_requests(queue):
    """The open queue has its own small index: a request enters it when filed, follows its edits and
    statuses, and leaves it when it closes; searching all statuses still finds everything."""
    from desk.models import ServiceRequest, Status

    req = db.session.scalar(db.select(ServiceRequest).filter_by(key="IT-1"))
    assert keys(queue, "print", "open") == keys(queue, "print", "new") == ["IT-1"]
    req.title = "Toner empty"
    req.status = Status.IN_PROGRESS
    db.session.commit()
    assert keys(queue, "toner", "open") == keys(queue, "toner", "in_progress") == ["IT-1"]
    assert keys(queue, "printer", "open") == [] and keys(queue, "toner", "new") == []
    req.status = Status.RESOLVED
    db.session.commit()
    assert keys(queue, "toner", "open") == []
    assert keys(queue, "toner", "resolved") == keys(queue, "toner") == ["IT-1"]
    req.status = Status.IN_PROGRESS  # reopened
    db.session.commit()
    assert keys(queue, "toner", "open") == ["IT-1"]


@pytest.mark.parametrize("sqlite_table, pg_index", [("requests_fts", "ix_requests_search"),
                                                     ("requests_open_fts", "ix_requests_open_search")])
def test_the_indexes_are_there(app, sqlite_table, pg_index):
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            found = db.session.execute(text("SELECT name FROM sqlite_master WHERE name = :n"),
                                       {"n": sqlite_table}).all()
        else:
            found = db.session.execute(text("SELECT indexname FROM pg_indexes WHERE indexname = :n"),
                                       {"n": pg_index}).all()
        assert found


def test_words():
    assert words("Printer-jam, floor_2 (urgent!)") == ["printer", "jam", "floor", "2", "urgent"]
    assert words("  ") == [] and len(words("a " * 20)) == 8


def test_search_pages_keep_their_order_and_total(make, ctx):
    """One look-up gives the page (in the queue's order) and the total; past the end, an empty page."""
    from desk.services import queries
    from desk.services.queries import QueueFilters

    it = make.department("IT")
    laptop = make.request_type(it, "Laptop")
    employee = make.user(make.department("MKT"))
    for n in range(5):
        make.request(employee, laptop, title=f"Docking station {n}", body="It does not charge")
    make.request(employee, laptop, title="Printer", body="Jammed")
    agent = make.agent(it)

    def search(page: int, sort: str):
        return queries.queue(agent, it, QueueFilters(status="all", q="dock", sort=sort, page=page), per_page=2)

    first, last = search(1, "newest"), search(3, "newest")
    assert [r.key for r in first.items] == ["IT-5", "IT-4"] and (first.total, first.pages) == (5, 3)
    assert [r.key for r in last.items] == ["IT-1"] and last.total == 5
    assert [r.key for r in search(1, "oldest").items] == ["IT-1", "IT-2"]
    beyond = search(4, "newest")
    assert beyond.items == [] and beyond.total == 5


@pytest.fixture
def history(make):
    """Six IT requests about a docking station (two of them urgent) and one about a printer."""
    from desk.models import Priority

    it = make.department("IT")
    laptop = make.request_type(it, "Laptop")
    employee = make.user(make.department("MKT"))
    for n in range(6):
        make.request(employee, laptop, title=f"Docking station {n}", body="It does not charge",
                     priority=Priority.URGENT if n in (1, 4) else None)
    make.request(employee, laptop, title="Printer", body="Jammed")
    return SimpleNamespace(it=it, laptop=laptop, agent=make.agent(it), employee=employee)


def history_search(history, q: str = "dock", **filters):
    from desk.services import queries
    from desk.services.queries import QueueFilters

    found = queries.queue(history.agent, history.it, QueueFilters(status="all", q=q, **filters), per_page=10)
    return [r.key for r in found.items], found.total, found.more_than


def test_a_history_search_lists_the_newest_matches_up_to_the_limit(history, ctx, monkeypatch):
    from desk.services import queries

    assert history_search(history, sort="oldest") == (["IT-1", "IT-2", "IT-3", "IT-4", "IT-5", "IT-6"], 6, None)
    monkeypatch.setattr(queries, "HISTORY_LIMIT", 4)
    # The four filed last, still in the order the queue asks for; the page says some were left out.
    assert history_search(history, sort="oldest") == (["IT-3", "IT-4", "IT-5", "IT-6"], 4, 4)
    assert history_search(history, sort="newest") == (["IT-6", "IT-5", "IT-4", "IT-3"], 4, 4)
    # The queue's other filters choose the matches before the limit does.
    assert history_search(history, sort="oldest", priority="urgent") == (["IT-2", "IT-5"], 2, None)
    assert history_search(history, q="it-2") == (["IT-2"], 1, None)  # a key is still that request


def test_the_page_says_when_a_history_search_left_matches_out(history, client, login, monkeypatch):
    from desk.services import queries

    login(history.agent)
    page = client.get("/queue/", query_string={"q": "dock", "status": "all"}).text
    assert "6 requests" in page and "search-limit" not in page
    monkeypatch.setattr(queries, "HISTORY_LIMIT", 4)
    page = client.get("/queue/", query_string={"q": "dock", "status": "all"}).text
    assert "More than 4 requests match" in page and "the 4 filed most recently" in page
    assert ">IT-3<" in page and ">IT-2<" not in page


def test_a_history_search_follows_a_transfer_to_the_new_department(history, make, ctx):
    """The index knows each request's department (SQLite keeps it in the FTS table, by trigger)."""
    from desk.models import ServiceRequest
    from desk.services import workflow
    from desk.services.queries import QueueFilters, queue

    facilities = make.department("FAC")
    repair = make.request_type(facilities, "Repair")
    req = db.session.scalar(db.select(ServiceRequest).filter_by(key="IT-3"))
    workflow.transfer(history.agent, req, repair, reason="A broken desk, not a laptop")
    db.session.commit()
    assert "IT-3" not in history_search(history)[0]
    found = queue(make.agent(facilities), facilities, QueueFilters(status="all", q="dock"))
    assert [r.id for r in found.items] == [req.id]


@pytest.mark.parametrize("sample, window", [(1, 1), (1, 2), (2, 1), (2, 100), (100, 100)])
def test_reading_the_newest_first_then_the_index_finds_the_same_requests(history, ctx, monkeypatch, sample, window):
    """PostgreSQL tests the newest requests one by one (a sample, then a window if the sample promises
    enough) and asks the index for the older ones; wherever those steps end, the answer is the same.
    SQLite reads its index throughout."""
    from desk.models import ServiceRequest
    from desk.services import search

    monkeypatch.setattr(search, "SAMPLE", sample)
    monkeypatch.setattr(search, "WINDOW", window)
    query = db.select(ServiceRequest).where(ServiceRequest.department_id == history.it.id)
    keys = {req.id: req.key for req in db.session.scalars(query)}
    for words_typed, limit, expected in [
        ("docking charge", 2, ["IT-6", "IT-5"]),
        ("docking charge", 5, ["IT-6", "IT-5", "IT-4", "IT-3", "IT-2"]),
        ("docking charge", 10, ["IT-6", "IT-5", "IT-4", "IT-3", "IT-2", "IT-1"]),
        ("printer", 3, ["IT-7"]),  # the newest request only: the sample promises more than there are
        ("nothing like it", 3, []),
    ]:
        found = search.recent_matches(query, words_typed, history.it.id, limit=limit)
        assert [keys[i] for i in found] == expected, (words_typed, limit)
