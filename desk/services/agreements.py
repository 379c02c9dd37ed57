"""Service level agreements: publish targets, sign them off, find the one that applies.

Writes flush and never commit (the view commits once). Who may call them is
:mod:`desk.services.policy`'s business (a provider's head publishes; a
requesting department's head signs off); these functions guard the rules of
the data itself and raise :class:`AgreementError` with a message for the user.

Versions: publishing targets for a scope that already has an agreement adds a
new version and supersedes the old one. Requests keep the version they were
filed under (their stored targets do not change). Creating a new scope or
retiring one changes *which* agreement governs the provider's open requests,
so those are recomputed in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from desk.clock import utcnow
from desk.extensions import db
from desk.models import (
    Agreement,
    AgreementVersion,
    Decision,
    Department,
    Priority,
    RequestType,
    SignOff,
    User,
)
from desk.models.sla import scope_key

#: {priority: (response seconds, resolution seconds)}
Targets = Mapping[Priority | str, tuple[int, int]]

MAX_TARGET_SECONDS = 366 * 24 * 3600  # a year of business time is beyond any real agreement


class AgreementError(ValueError):
    """A change the rules refuse; ``field`` names the form field to show it next to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- reading ----------------------------------------------------------------

def effective_agreement(
    provider_id: int, request_type_id: int | None, requesting_department_id: int | None
) -> AgreementVersion | None:
    """The version in force of the most specific agreement for this scope, or None.

    (provider, type, requesting department) > (provider, type) > (provider).
    One indexed query; an agreement without a version in force (retired) is skipped.
    """
    a, v = Agreement, AgreementVersion
    specificity = case((a.request_type_id.is_(None), 0), else_=1) + case(
        (a.requesting_department_id.is_(None), 0), else_=1
    )
    return db.session.scalar(
        select(v)
        .join(a, v.agreement_id == a.id)
        .where(
            a.provider_id == provider_id,
            v.superseded_at.is_(None),
            or_(a.request_type_id.is_(None), a.request_type_id == request_type_id),
            or_(a.requesting_department_id.is_(None), a.requesting_department_id == requesting_department_id),
        )
        .order_by(specificity.desc(), v.number.desc())
        .limit(1)
    )


def agreements_of(provider_id: int) -> list[Agreement]:
    """A provider's agreements, the whole-department one first, with versions and sign-offs loaded."""
    return list(
        db.session.scalars(
            select(Agreement)
            .where(Agreement.provider_id == provider_id)
            .options(
                joinedload(Agreement.request_type),
                joinedload(Agreement.requesting_department),
                selectinload(Agreement.versions).selectinload(AgreementVersion.sign_offs),
            )
            .order_by(Agreement.scope_key)
        )
    )


def agreements_applying_to(department_id: int) -> list[Agreement]:
    """Agreements other departments offer that cover requests from ``department_id``."""
    return list(
        db.session.scalars(
            select(Agreement)
            .where(
                Agreement.provider_id != department_id,
                or_(Agreement.requesting_department_id.is_(None),
                    Agreement.requesting_department_id == department_id),
            )
            .options(
                joinedload(Agreement.provider),
                joinedload(Agreement.request_type),
                selectinload(Agreement.versions).selectinload(AgreementVersion.sign_offs),
            )
            .order_by(Agreement.provider_id, Agreement.scope_key)
        )
    )


def latest_decision(version: AgreementVersion, department_id: int) -> SignOff | None:
    """The department's latest sign-off on this version (history is kept; the latest counts)."""
    rows = [s for s in version.sign_offs if s.department_id == department_id]
    return rows[-1] if rows else None


def latest_decisions(version_ids: Iterable[int]) -> dict[tuple[int, int], SignOff]:
    """{(version id, department id): latest sign-off} for many versions in one query."""
    ids = list(version_ids)
    if not ids:
        return {}
    latest = (
        select(func.max(SignOff.id))
        .where(SignOff.version_id.in_(ids))
        .group_by(SignOff.version_id, SignOff.department_id)
    )
    rows = db.session.scalars(select(SignOff).where(SignOff.id.in_(latest)).options(joinedload(SignOff.user)))
    return {(s.version_id, s.department_id): s for s in rows}


@dataclass(frozen=True)
class MatrixCell:
    """What a requesting department said about the provider's whole-department agreement."""

    version: AgreementVersion | None  # None: the provider has no department-wide agreement in force
    decision: Decision | None  # None: not signed off yet


def sign_off_matrix(departments: list[Department]) -> dict[tuple[int, int], MatrixCell]:
    """{(provider id, requesting department id): cell} for the agreements page matrix.

    Uses each provider's department-wide agreement in force; type-specific
    agreements are listed on the provider's own page. Two queries.
    """
    versions = {
        a.provider_id: v
        for v, a in db.session.execute(
            select(AgreementVersion, Agreement)
            .join(Agreement)
            .where(Agreement.request_type_id.is_(None), AgreementVersion.superseded_at.is_(None))
        )
    }
    decisions = latest_decisions(v.id for v in versions.values())
    matrix = {}
    for provider in departments:
        version = versions.get(provider.id)
        for requester in departments:
            if requester.id == provider.id:
                continue
            sign_off = decisions.get((version.id, requester.id)) if version else None
            matrix[(provider.id, requester.id)] = MatrixCell(version, sign_off.decision if sign_off else None)
    return matrix


# --- writing ----------------------------------------------------------------

def publish_agreement(
    head: User,
    provider: Department,
    targets: Targets,
    *,
    request_type: RequestType | None = None,
    requesting_department: Department | None = None,
    note: str = "",
) -> AgreementVersion:
    """Publish targets for a scope: a new agreement (version 1) or a new version of it.

    ``targets`` maps every priority to (response seconds, resolution seconds),
    business time of the provider's calendar.
    """
    _check_scope(provider, request_type, requesting_department)
    checked = _check_targets(targets)
    key = scope_key(provider.id, request_type.id if request_type else None,
                    requesting_department.id if requesting_department else None)
    agreement = db.session.scalar(select(Agreement).where(Agreement.scope_key == key))
    new_scope = agreement is None or agreement.current is None
    now = utcnow()
    if agreement is None:
        agreement = Agreement(provider=provider, request_type=request_type,
                              requesting_department=requesting_department, scope_key=key, created_at=now)
        db.session.add(agreement)
    current = agreement.current
    if current is not None:
        current.superseded_at = now
    version = AgreementVersion(
        agreement=agreement,
        number=max((v.number for v in agreement.versions), default=0) + 1,
        published_at=now,
        published_by=head,
        note=note.strip(),
        **{f"response_{p.value}": r for p, (r, _) in checked.items()},
        **{f"resolution_{p.value}": s for p, (_, s) in checked.items()},
    )
    db.session.add(version)
    db.session.flush()
    if new_scope:
        _recompute(provider.id)
    return version


def retire_agreement(head: User, agreement: Agreement) -> int:
    """Take the agreement out of force; the provider's open requests fall back to a broader one.

    Returns how many open requests got new deadlines. Publishing targets for
    the scope again brings it back (as a new version).
    """
    current = agreement.current
    if current is None:
        raise AgreementError("This agreement is not in force.")
    current.superseded_at = utcnow()
    db.session.flush()
    return _recompute(agreement.provider_id)


def sign_off(head: User, version: AgreementVersion, decision: Decision | str, comment: str = "") -> SignOff:
    """The requesting department's head agrees to or disputes a version (a new row each time)."""
    decision = Decision(decision)
    department_id = head.department_id
    agreement = version.agreement
    if department_id is None:
        raise AgreementError("You are not in a department.")
    if department_id == agreement.provider_id:
        raise AgreementError("A department does not sign off its own agreement.")
    if agreement.requesting_department_id not in (None, department_id):
        raise AgreementError("This agreement is for another department.")
    if not version.in_force:
        raise AgreementError("This version has been replaced; sign off the one in force.")
    if decision == Decision.DISPUTED and not comment.strip():
        raise AgreementError("Say what you dispute.", "comment")
    row = SignOff(version=version, department_id=department_id, decision=decision,
                  comment=comment.strip(), user=head, created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def _check_scope(provider: Department, request_type: RequestType | None,
                 requesting_department: Department | None) -> None:
    if request_type is not None and request_type.department_id != provider.id:
        raise AgreementError(f"“{request_type.name}” is not a request type of {provider.name}.", "request_type")
    if requesting_department is not None and request_type is None:
        raise AgreementError("An agreement for one requesting department needs a request type.", "request_type")
    if requesting_department is not None and requesting_department.id == provider.id:
        raise AgreementError("A department does not file requests to itself.", "requesting_department")


def _check_targets(targets: Targets) -> dict[Priority, tuple[int, int]]:
    checked = {}
    for priority in Priority:
        pair = targets.get(priority, targets.get(priority.value))
        if pair is None:
            raise AgreementError(f"Targets for {priority.label.lower()} priority are missing.", priority.value)
        response, resolution = (int(x) for x in pair)
        if not 0 < response <= MAX_TARGET_SECONDS or not 0 < resolution <= MAX_TARGET_SECONDS:
            raise AgreementError(f"{priority.label} targets must be positive and under a year.", priority.value)
        if response > resolution:
            raise AgreementError(
                f"{priority.label}: the first response cannot be due after the resolution.", priority.value
            )
        checked[priority] = (response, resolution)
    return checked


def _recompute(provider_id: int) -> int:
    from desk.services import sla  # sla imports this module for effective_agreement

    return sla.recompute_open_requests(department_id=provider_id)
