"""Agreement attainment: each agreement version's requests and the share met,
so heads review contracts, not just departments; and attainment per agent
(heads only: the view never calls :func:`by_agent` for anyone else).

Over requests resolved in the period. A request belongs to the version that
governed its clock at the department that resolved it (the version in force
when it was filed there, or handed there).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from desk.extensions import db
from desk.models import Agreement, AgreementVersion, OutcomeDay, Rating, ServiceRequest
from desk.services.reports import lookups
from desk.services.reports.filters import ReportFilters
from desk.services.reports.outcomes import add_percentiles, outcomes, request_outcomes
from desk.services.reports.tables import Column, Table

r = ServiceRequest
OUTCOME_COLUMNS = [
    Column("resolved", "Requests resolved"), Column("response_pct", "Response met", "pct"),
    Column("resolution_pct", "Resolution met", "pct"), Column("breaches", "Resolution breaches"),
    Column("median_hours", "Median to resolve", "hours"), Column("p90_hours", "90th percentile", "hours"),
]


def _figures(o) -> dict:
    return {"resolved": o.resolved, "response_pct": o.response_pct, "resolution_pct": o.resolution_pct,
            "breaches": o.resolution_missed, "median_hours": o.median_hours, "p90_hours": o.p90_hours}


def by_agreement(filters: ReportFilters) -> Table:
    """Per agreement version; the median and 90th percentile once a department is chosen."""
    found = outcomes(filters, [OutcomeDay.agreement_version_id])
    if filters.department_id:
        add_percentiles(found, filters, [r.agreement_version_id])
    rows_by_version = {o.key[0]: o for o in found if o.resolved}
    versions = {
        v.id: v for v in db.session.scalars(
            select(AgreementVersion).where(AgreementVersion.id.in_([k for k in rows_by_version if k is not None]))
            .options(joinedload(AgreementVersion.agreement).joinedload(Agreement.provider),
                     joinedload(AgreementVersion.agreement).joinedload(Agreement.request_type),
                     joinedload(AgreementVersion.agreement).joinedload(Agreement.requesting_department))
        )
    }
    rows = []
    for version_id, o in rows_by_version.items():
        version = versions.get(version_id)
        rows.append({"agreement": scope_label(version.agreement) if version else "No agreement",
                     "version": version.number if version else None,
                     "in_force": ("in force" if version.in_force else "superseded") if version else "",
                     **_figures(o)})
    rows.sort(key=lambda row: (row["agreement"] == "No agreement", row["agreement"], row["version"] or 0))
    return Table("by_agreement", "By agreement and version", [
        Column("agreement", "Agreement", "text"), Column("version", "Version", "int"),
        Column("in_force", "Status", "text"),
        *[c for c in OUTCOME_COLUMNS if filters.department_id or c.kind != "hours"],
    ], rows)


def scope_label(agreement: Agreement) -> str:
    parts = [agreement.provider.name]
    if agreement.request_type is not None:
        parts.append(agreement.request_type.name)
    if agreement.requesting_department is not None:
        parts.append(f"for {agreement.requesting_department.name}")
    return " · ".join(parts) if len(parts) > 1 else f"{parts[0]} (whole department)"


def by_agent(filters: ReportFilters) -> Table:
    """Per agent who resolved (the assignee at resolution), with their CSAT (5-rating threshold)."""
    per_agent = request_outcomes(filters, [r.assignee_id], rating_groups=[Rating.agent_id])
    names = lookups.user_names(o.key[0] for o in per_agent)
    rows = [{"agent": names.get(o.key[0], "Unassigned"), **_figures(o), "csat": o.satisfaction.pct}
            for o in per_agent]
    rows.sort(key=lambda row: (row["agent"] == "Unassigned", row["agent"]))
    return Table("by_agent", "By agent", [
        Column("agent", "Agent", "text"), *OUTCOME_COLUMNS, Column("csat", "CSAT", "csat")], rows)
