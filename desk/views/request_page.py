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
from desk.clock import utcnow
from desk.forms.clock import EscalateForm, LinkedRequestForm
from desk.models import ServiceRequest, Status
from desk.services import attachments, policy, queries, sla, sla_view, workflow
from desk.views.rating_panel import rating_panel
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
    if policy.can_open_linked_request(user, req):
        link = LinkedRequestForm(formdata=None)
        link.type.choices = choices([(0, "Choose a department and type…")] + [(t.id, f"{t.department.name}: {t.name}") for t in queries.transfer_targets(req)])
        forms["link"] = link
    if policy.can_escalate(user, req) and req.escalated_at is None and sla.is_breached(req, utcnow()):
        forms["escalate"] = EscalateForm(formdata=None, version=req.version)
    return forms


def render_request_page(
    req: ServiceRequest,
    *,
    status: int = 200,
    error: str | None = None,
    submitted: dict | None = None,
    **replaced_forms,
):
    """Render the page; ``submitted`` (or ``replaced_forms``) carry submitted forms back with their errors.

    ``submitted={"status": form}`` is the safe spelling: a form named like a keyword
    (the status form) cannot go through ``**replaced_forms``.
    """
    replaced_forms = {**replaced_forms, **(submitted or {})}
    forms = build_forms(req)
    for name, form in replaced_forms.items():
        if name in forms:
            # keep the submitted values and errors, but the freshest choices and version
            # (after a stale submit, sending the form again must apply it, not fail again)
            form_choices(forms[name], form)
            if "version" in form._fields:
                form.version.data = req.version
                form.version.raw_data = [str(req.version)]
            forms[name] = form
    panel = rating_panel(req, replaced_forms)
    if panel and panel.get("can_reopen"):
        forms.pop("reopen", None)  # the rating panel's "not actually fixed" is the one way to reopen
    unique_field_ids(forms)
    return render(
        "requests/show.html",
        "request_main",
        status=status,
        req=req,
        events=queries.timeline(current_user, req),
        files=attachments.for_timeline(current_user, req),
        forms=forms,
        error=error,
        can_work=policy.can_work(current_user, req),
        see_notes=policy.can_see_internal_notes(current_user, req),
        reopen_until=workflow.reopen_deadline(req) if req.status == Status.RESOLVED else None,
        rating_panel=panel,
        clock=sla_view.clock_panel(req, utcnow()),
    )


def unique_field_ids(forms: dict) -> None:
    """Prefix each field's HTML id with its form's name (``note-body``, ``status-reason``).

    The page shows several forms with same-named fields (reply and note both have
    ``body``); duplicate ids would tie every label to the first one. Names, and so
    what the views read, stay as they are.
    """
    for name, form in forms.items():
        for field in form:
            field.id = f"{name}-{field.name}"
            field.label.field_id = field.id


def form_choices(fresh, submitted, *, missing_only: bool = False) -> None:
    """Give ``submitted`` the choices of ``fresh`` (only where it has none, with ``missing_only``)."""
    for field in fresh:  # short_name: prefixed forms (desk.forms.clock) key their fields without the prefix
        if hasattr(field, "choices") and field.short_name in submitted._fields:
            if missing_only and submitted[field.short_name].choices is not None:
                continue
            submitted[field.short_name].choices = field.choices
