"""The request page: one template, rendered whole or as its ``request_main`` block."""

from __future__ import annotations

from flask_login import current_user

from desk.forms import VersionedForm, choices
from desk.forms.requests import (
    AssignForm,
    NoteForm,
    OptionalReasonForm,
    PriorityForm,
    ReasonForm,
    ReplyForm,
    StatusForm,
    TransferForm,
    WatcherForm,
)
from desk.models import ServiceRequest, Status
from desk.services import policy, queries, workflow
from desk.web import render


def build_forms(req: ServiceRequest) -> dict:
    """Every form the page may show, filled with the request's current state."""
    user = current_user
    forms: dict = {}
    if policy.can_reply(user, req):
        forms["reply"] = ReplyForm(formdata=None)
    if policy.can_work(user, req):
        forms["note"] = NoteForm(formdata=None)
        forms["take"] = VersionedForm(formdata=None, version=req.version)
        if req.is_open:
            assign = AssignForm(formdata=None, version=req.version, assignee=req.assignee_id or 0)
            assign.assignee.choices = choices([(0, "Nobody")] + [(u.id, u.name) for u in queries.department_agents(req.department_id)])
            forms["assign"] = assign
            priority = PriorityForm(formdata=None, version=req.version, priority=req.priority.value)
            forms["priority"] = priority
            transfer = TransferForm(formdata=None, version=req.version)
            transfer.type.choices = choices([(0, "Choose a department and type…")] + [(t.id, f"{t.department.name}: {t.name}") for t in queries.transfer_targets(req)])
            forms["transfer"] = transfer
        moves = workflow.allowed_moves(req)
        if moves:
            status = StatusForm(formdata=None, version=req.version)
            status.status.choices = choices((s.value, s.label) for s in Status if s in moves)
            forms["status"] = status
    if policy.is_requester(user, req):
        if req.is_open:
            forms["cancel"] = OptionalReasonForm(formdata=None, version=req.version)
        if req.status == Status.RESOLVED:
            forms["reopen"] = ReasonForm(formdata=None, version=req.version)
    if policy.can_add_watcher(user, req):
        forms["watcher"] = WatcherForm(formdata=None)
    return forms


def render_request_page(req: ServiceRequest, *, status: int = 200, error: str | None = None, **replaced_forms):
    """Render the page; ``replaced_forms`` carry a submitted form back with its errors."""
    forms = build_forms(req)
    for name, form in replaced_forms.items():
        if name in forms:
            # keep the submitted values and errors, but the freshest choices and version
            form_choices(forms[name], form)
            forms[name] = form
    return render(
        "requests/show.html",
        "request_main",
        status=status,
        req=req,
        events=queries.timeline(current_user, req),
        forms=forms,
        error=error,
        can_work=policy.can_work(current_user, req),
        see_notes=policy.can_see_internal_notes(current_user, req),
        reopen_until=workflow.reopen_deadline(req) if req.status == Status.RESOLVED else None,
    )


def form_choices(fresh, submitted) -> None:
    for field in fresh:
        if hasattr(field, "choices") and field.name in submitted._fields:
            submitted[field.name].choices = field.choices
