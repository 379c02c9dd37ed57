"""Read queries for the agreements pages: who offers which targets to whom, and who agreed.

Every page loads the versions in force with one query, the departments with
one, and the latest sign-offs with one more; which agreement covers which
requesting department is then worked out in memory, so no page runs a query
per row or per matrix cell.

An agreement covers a requesting department unless it is the provider itself,
it names another requesting department, or (for a request-type agreement) a
more specific agreement for that type and that department overrides it: the
most specific one wins, so that is the one the department signs off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from desk.extensions import db
from desk.models import Agreement, AgreementVersion, Decision, Department, SignOff
from desk.services.agreements import latest_decisions


class State(StrEnum):
    AGREED = "agreed"
    DISPUTED = "disputed"
    PENDING = "pending"

    @property
    def symbol(self) -> str:
        return {"agreed": "✓", "disputed": "!", "pending": "?"}[self.value]

    @property
    def label(self) -> str:
        return {"agreed": "Agreed", "disputed": "Disputed", "pending": "Not yet answered"}[self.value]


def state_of(sign_off: SignOff | None) -> State:
    if sign_off is None:
        return State.PENDING
    return State.AGREED if sign_off.decision == Decision.AGREED else State.DISPUTED


@dataclass(frozen=True)
class Covered:
    """One version in force as one requesting department sees it."""

    version: AgreementVersion
    department: Department  # the requesting department
    sign_off: SignOff | None  # its latest decision on this version

    @property
    def agreement(self) -> Agreement:
        return self.version.agreement

    @property
    def state(self) -> State:
        return state_of(self.sign_off)


def in_force(provider_id: int | None = None) -> list[AgreementVersion]:
    """Versions in force with their agreement's scope loaded, provider by provider."""
    query = (
        select(AgreementVersion)
        .join(Agreement, AgreementVersion.agreement_id == Agreement.id)
        .where(AgreementVersion.superseded_at.is_(None))
        .options(
            joinedload(AgreementVersion.agreement).options(
                joinedload(Agreement.provider),
                joinedload(Agreement.request_type),
                joinedload(Agreement.requesting_department),
            ),
            joinedload(AgreementVersion.published_by),
        )
        .order_by(Agreement.provider_id, Agreement.scope_key)
    )
    if provider_id is not None:
        query = query.where(Agreement.provider_id == provider_id)
    return list(db.session.scalars(query))


def departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def _overrides(versions: Iterable[AgreementVersion]) -> set[tuple[int, int, int]]:
    """(provider, type, requesting department) scopes that override a type-wide agreement."""
    return {
        (v.agreement.provider_id, v.agreement.request_type_id, v.agreement.requesting_department_id)
        for v in versions
        if v.agreement.requesting_department_id is not None
    }


def covers(agreement: Agreement, department_id: int, overrides: set[tuple[int, int, int]]) -> bool:
    if agreement.provider_id == department_id:
        return False
    if agreement.requesting_department_id is not None:
        return agreement.requesting_department_id == department_id
    if agreement.request_type_id is not None:
        return (agreement.provider_id, agreement.request_type_id, department_id) not in overrides
    return True


def _covered(versions: list[AgreementVersion], requesters: list[Department]) -> list[Covered]:
    overrides = _overrides(versions)
    decisions = latest_decisions(v.id for v in versions)
    return [
        Covered(v, d, decisions.get((v.id, d.id)))
        for v in versions
        for d in requesters
        if covers(v.agreement, d.id, overrides)
    ]


def covering(department: Department, provider_id: int | None = None) -> list[Covered]:
    """Every agreement in force that covers requests from ``department`` (optionally one provider's)."""
    return _covered(in_force(provider_id), [department])


@dataclass
class Cell:
    """What a requesting department has said about everything one provider offers it."""

    items: list[Covered] = field(default_factory=list)

    @property
    def state(self) -> State | None:
        states = {item.state for item in self.items}
        for state in (State.DISPUTED, State.PENDING, State.AGREED):  # the worst one shows
            if state in states:
                return state
        return None

    @property
    def versions_text(self) -> str:
        if len(self.items) == 1:
            return f"v{self.items[0].version.number}"
        return f"{len(self.items)} agreements"


@dataclass
class Matrix:
    providers: list[Department]
    requesters: list[Department]
    cells: dict[tuple[int, int], Cell]

    def cell(self, provider: Department, requester: Department) -> Cell | None:
        return self.cells.get((provider.id, requester.id))


def matrix() -> Matrix:
    """Providers x requesting departments; three queries whatever the size."""
    everyone = departments()
    versions = in_force()
    offering = {v.agreement.provider_id for v in versions}
    providers = [d for d in everyone if d.takes_requests or d.id in offering]
    cells = {(p.id, r.id): Cell() for p in providers for r in everyone if p.id != r.id}
    for item in _covered(versions, everyone):
        cells[(item.agreement.provider_id, item.department.id)].items.append(item)
    return Matrix(providers, everyone, cells)


@dataclass(frozen=True)
class Offered:
    """One of the provider's agreements with every requesting department's answer."""

    version: AgreementVersion
    answers: list[Covered]

    @property
    def agreed(self) -> list[Covered]:
        return [a for a in self.answers if a.state == State.AGREED]

    @property
    def disputed(self) -> list[Covered]:
        return [a for a in self.answers if a.state == State.DISPUTED]

    @property
    def pending(self) -> list[Covered]:
        return [a for a in self.answers if a.state == State.PENDING]


def offered_by(provider: Department) -> list[Offered]:
    """The provider's agreements in force, each with the sign-off state of every department it covers."""
    versions = in_force(provider.id)
    answers = _covered(versions, departments())
    return [Offered(v, [a for a in answers if a.version is v]) for v in versions]


def agreement_or_404(agreement_id: int) -> Agreement:
    """An agreement with its whole history: versions, their publishers and every sign-off."""
    agreement = db.session.scalar(
        select(Agreement)
        .where(Agreement.id == agreement_id)
        .options(
            joinedload(Agreement.provider),
            joinedload(Agreement.request_type),
            joinedload(Agreement.requesting_department),
            selectinload(Agreement.versions).options(
                joinedload(AgreementVersion.published_by),
                selectinload(AgreementVersion.sign_offs).options(
                    joinedload(SignOff.user), joinedload(SignOff.department)
                ),
            ),
        )
    )
    if agreement is None:
        abort(404)
    return agreement


def answers_to(agreement: Agreement) -> list[Covered]:
    """Each covered department's latest answer to the version in force (none if retired)."""
    version = agreement.current
    if version is None:
        return []
    overrides = _overrides(in_force(agreement.provider_id))
    latest: dict[int, SignOff] = {}
    for sign_off in version.sign_offs:  # ordered by id: the last one per department wins
        latest[sign_off.department_id] = sign_off
    return [
        Covered(version, d, latest.get(d.id))
        for d in departments()
        if covers(agreement, d.id, overrides)
    ]


def version_or_404(version_id: int) -> AgreementVersion:
    version = db.session.scalar(
        select(AgreementVersion)
        .where(AgreementVersion.id == version_id)
        .options(joinedload(AgreementVersion.agreement))
    )
    if version is None:
        abort(404)
    return version
