"""Read queries for request pages and lists. Each list declares its eager loading here."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from desk.clock import utcnow
from desk.extensions import db
from desk.models import (
    OPEN_STATUSES,
    Department,
    Event,
    Priority,
    RequestType,
    ServiceRequest,
    Status,
    User,
    Watcher,
)
from desk.services import policy, sla_queries
from desk.services.search import open_text_match, recent_matches  # the full-text index: FTS5 / tsvector

# A search of a department's history lists at most this many matches, the newest.
HISTORY_LIMIT = 500


def request_or_404(user: User, key: str) -> ServiceRequest:
    """The request with this key if the user may see it; otherwise 404, never 403."""
    req = db.session.scalar(
        select(ServiceRequest)
        .where(ServiceRequest.key == key.upper())
        .options(
            joinedload(ServiceRequest.requester),
            joinedload(ServiceRequest.assignee),
            joinedload(ServiceRequest.department),
            joinedload(ServiceRequest.type),
            joinedload(ServiceRequest.requesting_department),
            selectinload(ServiceRequest.holdings),
            selectinload(ServiceRequest.watchers).joinedload(Watcher.user),
        )
    )
    if req is None or not policy.can_view(user, req):
        abort(404)
    return req


def filed_with_key(user: User, submission_key: str | None) -> ServiceRequest | None:
    """The request this user already filed from the form with this submission key, if any."""
    if not submission_key:
        return None
    return db.session.scalar(
        select(ServiceRequest).where(
            ServiceRequest.requester_id == user.id, ServiceRequest.submission_key == submission_key
        )
    )


def timeline(user: User, req: ServiceRequest) -> list[Event]:
    """The request's history as this user may see it (internal notes only for the provider side)."""
    query = select(Event).where(Event.request_id == req.id).options(joinedload(Event.actor)).order_by(Event.id)
    if not policy.can_see_internal_notes(user, req):
        query = query.where(Event.internal.is_(False))
    return list(db.session.scalars(query))


def _list_options(query: Select) -> Select:
    # Everything a list row shows, loaded with the page: no query per row.
    return query.options(
        joinedload(ServiceRequest.department),
        joinedload(ServiceRequest.assignee),
        joinedload(ServiceRequest.type),
        joinedload(ServiceRequest.requester),
    )


def my_requests(user: User, *, scope: str = "open", page: int = 1, per_page: int = 25):
    """Requests the user filed (and, with scope 'watching', the ones they follow)."""
    query = select(ServiceRequest).where(ServiceRequest.requester_id == user.id)
    if scope == "watching":
        query = select(ServiceRequest).join(Watcher).where(
            Watcher.user_id == user.id, ServiceRequest.confidential.is_(False)
        )
    elif scope == "open":
        query = query.where(ServiceRequest.status.in_(OPEN_STATUSES | {Status.RESOLVED}))
    query = _list_options(query).order_by(ServiceRequest.updated_at.desc(), ServiceRequest.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


@dataclass
class QueueFilters:
    """The queue's filters, parsed from the query string so a view can be shared by URL."""

    status: str = "open"  # "open", "all", or a Status value
    assignee: str = ""  # "", "mine", "unassigned", or a user id
    type_id: int | None = None
    priority: str = ""
    q: str = ""
    sort: str = "oldest"  # "oldest", "newest", "updated", "due"
    sla: str = ""  # "", "at_risk", "breached", "escalated" (desk.services.sla_queries)
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> QueueFilters:
        f = cls()
        f.status = args.get("status", "open")
        if f.status not in {"open", "all", *(s.value for s in Status)}:
            f.status = "open"
        f.assignee = args.get("assignee", "")
        f.type_id = args.get("type", type=int)
        f.priority = args.get("priority", "") if args.get("priority", "") in {p.value for p in Priority} else ""
        f.q = args.get("q", "").strip()[:200]
        f.sort = args.get("sort", "oldest") if args.get("sort") in {"oldest", "newest", "updated", "due"} else "oldest"
        f.sla = args.get("sla", "") if args.get("sla", "") in sla_queries.SLA_FILTERS else ""
        f.page = max(args.get("page", 1, type=int), 1)
        return f

    @property
    def searches_history(self) -> bool:
        """A text search that reaches closed requests too: it lists the newest matches only
        (the open queue's search lists every match)."""
        return bool(self.q) and self.status not in OPEN_STATUSES | {"open"}

    def as_args(self) -> dict:
        args = {"status": self.status, "assignee": self.assignee, "type": self.type_id,
                "priority": self.priority, "q": self.q, "sort": self.sort, "sla": self.sla}
        return {k: v for k, v in args.items() if v not in ("", None)}


def queue(user: User, department: Department, filters: QueueFilters, *, per_page: int = 25):
    r = ServiceRequest
    query = select(r).where(r.department_id == department.id)
    if filters.status == "open":
        query = query.where(r.status.in_(OPEN_STATUSES))
    elif filters.status != "all":
        query = query.where(r.status == Status(filters.status))
    if filters.assignee == "mine":
        query = query.where(r.assignee_id == user.id)
    elif filters.assignee == "unassigned":
        query = query.where(r.assignee_id.is_(None))
    elif filters.assignee.isdigit():
        query = query.where(r.assignee_id == int(filters.assignee))
    if filters.type_id:
        query = query.where(r.type_id == filters.type_id)
    if filters.priority:
        query = query.where(r.priority == Priority(filters.priority))
    if filters.sla:
        query = query.where(sla_queries.sla_filter(filters.sla, utcnow()))
    order = {
        "oldest": (r.created_at.asc(), r.id.asc()),
        "newest": (r.created_at.desc(), r.id.desc()),
        "updated": (r.updated_at.desc(), r.id.desc()),
        "due": (sla_queries.next_due().asc().nulls_last(), r.id.asc()),
    }[filters.sort]
    if user.heads(department.id):  # escalations to the head come first
        order = (sla_queries.escalated_first(), *order)
    if filters.searches_history:
        found = recent_matches(query, filters.q, department.id, limit=HISTORY_LIMIT + 1)
        return HistorySearchPagination(found=found, order=order, page=filters.page, per_page=per_page)
    if filters.q:  # finding the matches is the cost: find them once for the page and the total
        return SearchPagination(select=query.where(open_text_match(filters.q)).order_by(*order),
                                page=filters.page, per_page=per_page, error_out=False)
    query = _list_options(query).order_by(*order)
    return db.paginate(query, page=filters.page, per_page=per_page, error_out=False)


class SearchPagination(SelectPagination):
    """A page of a text search with one look-up in the full-text index.

    ``db.paginate`` runs the query twice (the page, then a count), and each run
    looks the words up again. Here the ids of the page and the total come from one
    query (``COUNT(*) OVER ()`` over the matching ids: narrow rows, so sorting them
    is cheap), then the page's requests are loaded by id.
    """

    def _query_items(self) -> list:
        r = ServiceRequest
        found = self._query_args["select"].with_only_columns(r.id, func.count().over())
        rows = db.session.execute(found.limit(self.per_page).offset(self._query_offset)).all()
        self._total = rows[0][1] if rows else None
        ids = [row[0] for row in rows]
        loaded = {req.id: req for req in db.session.scalars(_list_options(select(r).where(r.id.in_(ids))))}
        return [loaded[i] for i in ids]

    def _query_count(self) -> int:
        if self._total is not None:
            return self._total
        # Past the last page there is no row to carry the total: count the matches.
        counted = self._query_args["select"].with_only_columns(func.count()).order_by(None)
        return db.session.scalar(counted) or 0


class HistorySearchPagination(SelectPagination):
    """A page of a search through a department's history (closed requests too).

    History is large and a common word matches thousands of requests, so such a
    search lists the newest :data:`HISTORY_LIMIT` matches (``found``, newest
    first, one more than listed when there are more), in the queue's order.
    ``more_than`` is the limit when matches were left out, for the page to say so.
    """

    def __init__(self, *, found: list[int], order, page: int, per_page: int):
        self.more_than = HISTORY_LIMIT if len(found) > HISTORY_LIMIT else None
        self.listed = found[:HISTORY_LIMIT]
        r = ServiceRequest
        listed = _list_options(select(r).where(r.id.in_(self.listed))).order_by(*order)
        super().__init__(select=listed, session=db.session, page=page, per_page=per_page, error_out=False)

    def _query_count(self) -> int:
        return len(self.listed)


def department_agents(department_id: int) -> list[User]:
    from desk.models import Role

    return list(
        db.session.scalars(
            select(User)
            .where(User.department_id == department_id, User.role.in_([Role.AGENT, Role.HEAD]), User.active.is_(True))
            .order_by(User.name)
        )
    )


def live_types(department_id: int) -> list[RequestType]:
    return list(
        db.session.scalars(
            select(RequestType)
            .where(RequestType.department_id == department_id, RequestType.archived_at.is_(None))
            .order_by(RequestType.name)
        )
    )


def providing_departments() -> list[Department]:
    """Departments that take requests and have at least one live request type."""
    has_types = select(RequestType.department_id).where(RequestType.archived_at.is_(None))
    return list(
        db.session.scalars(
            select(Department)
            .where(Department.takes_requests.is_(True), Department.id.in_(has_types))
            .order_by(Department.name)
        )
    )


def transfer_targets(req: ServiceRequest) -> list[RequestType]:
    """Live request types of the other departments, grouped by department in the form."""
    return list(
        db.session.scalars(
            select(RequestType)
            .join(Department)
            .where(
                RequestType.archived_at.is_(None),
                Department.takes_requests.is_(True),
                Department.id != req.department_id,
            )
            .options(joinedload(RequestType.department))
            .order_by(Department.name, RequestType.name)
        )
    )


def open_count(department_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ServiceRequest).where(
            ServiceRequest.department_id == department_id, ServiceRequest.status.in_(OPEN_STATUSES)
        )
    )
