"""POST actions on one request. Each: load (404 if not visible), authorize,
validate, call the workflow, commit once, then show the page or its fragment."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from desk.extensions import db
from desk.forms import VersionedForm
from desk.forms.clock import EscalateForm, LinkedRequestForm
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
from desk.models import Priority, RequestType, ServiceRequest, Status, User
from desk.services import attachments, policy, queries, workflow
from desk.services.workflow import WorkflowError
from desk.views.request_page import build_forms, form_choices, render_request_page
from desk.web import is_htmx

bp = Blueprint("actions", __name__, url_prefix="/requests/<key>")


def perform(
    req: ServiceRequest, name: str, form: FlaskForm, change: Callable[[], object], done: str, *, anchor: str | None = None
):
    """Validate ``form``, apply ``change``, commit; on failure show the form again, losing nothing.

    Every POST on the request page goes through here, the rating panel's too (desk.views.ratings):
    ``name`` is the form's name on the page, ``anchor`` where the page scrolls back to afterwards.
    """
    fresh = build_forms(req).get(name)
    if fresh is not None:
        # Dynamic choices (agents, transfer targets) come from the current request. Fixed
        # ones (statuses) stay whole, so a move not allowed now gets the workflow's message.
        form_choices(fresh, form, missing_only=True)
    elif any(getattr(f, "choices", False) is None for f in form):
        # The page no longer offers this action (the request moved on): nothing to choose from.
        return render_request_page(req, status=409, error=_no_longer_possible(req, form))
    if not form.validate_on_submit():
        return render_request_page(req, status=422, submitted={name: form})
    try:
        change()
        db.session.commit()
    except WorkflowError as error:
        db.session.rollback()
        return render_request_page(_reload(req), status=409, error=str(error), submitted={name: form})
    except StaleDataError:
        # Another person's change landed between our read and our write.
        db.session.rollback()
        req = _reload(req)
        who = f" ({req.assignee.name} has it now)" if req.assignee else ""
        return render_request_page(
            req, status=409, error=f"{req.key} was changed by someone else just now{who}. Nothing was saved."
        )
    if is_htmx():
        return render_request_page(_reload(req), error=None)
    flash(done.format(key=req.key), "success")
    return redirect(url_for("requests.show", key=req.key, _anchor=anchor), code=303)


def _no_longer_possible(req: ServiceRequest, form: FlaskForm) -> str:
    version = getattr(form, "version", None)
    if version is not None and version.data != req.version:
        return f"{req.key} changed since you opened it (see the latest activity below). Nothing was saved."
    return f"{req.key} is {req.status.label.lower()}; that can no longer be done. Nothing was saved."


def _reload(req: ServiceRequest) -> ServiceRequest:
    db.session.expire_all()
    return queries.request_or_404(current_user, req.key)


def request_for(key: str, *, may: Callable[[User, ServiceRequest], bool]) -> ServiceRequest:
    """The request if visible (else 404) and the user may do this to it (else 403)."""
    req = queries.request_or_404(current_user, key)
    if not may(current_user, req):
        abort(403)
    return req


@bp.post("/reply")
@login_required
def reply(key):
    req = request_for(key, may=policy.can_reply)
    form = ReplyForm()

    def change():
        event = workflow.reply(current_user, req, form.body.data)
        attachments.store(current_user, req, event, form.attachments.uploads)

    return perform(req, "reply", form, change, "Reply sent.")


@bp.post("/note")
@login_required
def note(key):
    req = request_for(key, may=policy.can_work)
    form = NoteForm()

    def change():
        event = workflow.add_note(current_user, req, form.body.data)
        attachments.store(current_user, req, event, form.attachments.uploads)

    return perform(req, "note", form, change, "Note added.")


@bp.post("/take")
@login_required
def take(key):
    req = request_for(key, may=policy.can_work)
    form = VersionedForm()
    return perform(
        req, "take", form, lambda: workflow.take(current_user, req, version=form.version.data), "You took {key}."
    )


@bp.post("/assign")
@login_required
def assign(key):
    req = request_for(key, may=policy.can_work)
    form = AssignForm()

    def change():
        assignee = db.session.get(User, form.assignee.data) if form.assignee.data else None
        workflow.assign(current_user, req, assignee, version=form.version.data)

    return perform(req, "assign", form, change, "Assignment saved.")


@bp.post("/status")
@login_required
def status(key):
    req = request_for(key, may=policy.can_work)
    form = StatusForm()
    change = lambda: workflow.change_status(  # noqa: E731
        current_user, req, Status(form.status.data), reason=form.reason.data or "", version=form.version.data,
        clarity=form.clarity.data or None,
    )
    return perform(req, "status", form, change, "Status changed.")


@bp.post("/priority")
@login_required
def priority(key):
    req = request_for(key, may=policy.can_work)
    form = PriorityForm()
    change = lambda: workflow.set_priority(  # noqa: E731
        current_user, req, Priority(form.priority.data), version=form.version.data
    )
    return perform(req, "priority", form, change, "Priority changed.")


@bp.post("/transfer")
@login_required
def transfer(key):
    req = request_for(key, may=policy.can_work)
    form = TransferForm()

    def change():
        to_type = db.session.get(RequestType, form.type.data)
        if to_type is None:
            raise WorkflowError("Choose where the request goes.")
        workflow.transfer(current_user, req, to_type, reason=form.reason.data, version=form.version.data)

    return perform(req, "transfer", form, change, "{key} was handed over.")


@bp.post("/cancel")
@login_required
def cancel(key):
    req = request_for(key, may=policy.is_requester)
    form = OptionalReasonForm()
    change = lambda: workflow.cancel(current_user, req, reason=form.reason.data or "", version=form.version.data)  # noqa: E731
    return perform(req, "cancel", form, change, "{key} is cancelled.")


@bp.post("/reopen")
@login_required
def reopen(key):
    req = request_for(key, may=policy.is_requester)
    form = ReasonForm()
    change = lambda: workflow.reopen(current_user, req, reason=form.reason.data, version=form.version.data)  # noqa: E731
    return perform(req, "reopen", form, change, "{key} is open again.")


@bp.post("/watchers")
@login_required
def add_watcher(key):
    req = request_for(key, may=policy.can_add_watcher)
    form = WatcherForm()

    def change():
        email = form.email.data.strip().lower()
        watcher = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if watcher is None:
            raise WorkflowError(f"Nobody at the company has the e-mail {email}.")
        workflow.add_watcher(current_user, req, watcher)

    return perform(req, "watcher", form, change, "Watcher added.")


@bp.post("/escalate")
@login_required
def escalate(key):
    req = request_for(key, may=policy.can_escalate)
    form = EscalateForm()
    change = lambda: workflow.escalate(current_user, req, reason=form.reason.data, version=form.version.data)  # noqa: E731
    return perform(req, "escalate", form, change, "{key} is escalated to the head of the department.")


@bp.post("/link")
@login_required
def open_linked_request(key):
    req = request_for(key, may=policy.can_open_linked_request)
    form = LinkedRequestForm()

    def change():
        request_type = db.session.get(RequestType, form.type.data)
        if request_type is None or request_type.archived or not request_type.department.takes_requests:
            raise WorkflowError("Choose which department you wait on.")
        workflow.open_linked_request(current_user, req, request_type, title=form.title.data, body=form.body.data)

    return perform(req, "link", form, change, "Linked request opened; {key} waits on it.")
