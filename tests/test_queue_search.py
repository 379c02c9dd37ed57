"""Queue text search through the database's full-text index (FTS5 on SQLite, tsvector on PostgreSQL)."""

from __future__ import annotations

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
