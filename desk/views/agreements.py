"""Service level agreements: the matrix, what a department offers, what covers it, sign-offs.

Heads and HR only; anyone else gets a 404. Provider heads publish targets;
requesting departments' heads agree or dispute, through htmx in place.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from desk.extensions import db, login_manager
from desk.forms import EmptyForm, choices
from desk.forms.sla import NewAgreementForm, SignOffForm, TargetsForm, format_business_duration
from desk.models import Department, RequestType
from desk.services import agreement_queries, agreements, policy, queries
from desk.services.agreements import AgreementError
from desk.web import is_htmx, render
from desk.wording import counted

bp = Blueprint("agreements", __name__, url_prefix="/agreements")
bp.add_app_template_filter(format_business_duration, "business_hours")


@bp.before_request
def _heads_and_hr():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not policy.can_see_agreements(current_user):
        abort(404)
    return None


@bp.get("")
@login_required
def index():
    return render("agreements/matrix.html", matrix=agreement_queries.matrix())


@bp.get("/offered")
@login_required
def offered():
    provider = _headed_department()
    return render("agreements/offered.html", provider=provider, rows=agreement_queries.offered_by(provider))


@bp.get("/received")
@login_required
def received():
    department = _headed_department()
    items = agreement_queries.covering(department)
    return render("agreements/received.html", department=department, items=items, forms=_sign_off_forms(items))


@bp.get("/between/<int:provider_id>/<int:requester_id>")
@login_required
def between(provider_id: int, requester_id: int):
    provider, requester = _department_or_404(provider_id), _department_or_404(requester_id)
    items = agreement_queries.covering(requester, provider.id)
    return render("agreements/between.html", provider=provider, requester=requester, items=items,
                  forms=_sign_off_forms(items))


@bp.get("/<int:agreement_id>")
@login_required
def show(agreement_id: int):
    agreement = agreement_queries.agreement_or_404(agreement_id)
    answers = agreement_queries.answers_to(agreement)
    mine = [a for a in answers if a.department.id == current_user.department_id]
    return render("agreements/show.html", agreement=agreement, answers=answers, mine=mine,
                  forms=_sign_off_forms(mine),
                  can_publish=policy.can_publish_agreements(current_user, agreement.provider),
                  can_retire=agreement.current is not None and policy.can_retire_agreement(current_user, agreement))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    provider = _headed_department()
    form = NewAgreementForm()
    form.request_type.choices = choices(
        [(0, "All request types")] + [(t.id, t.name) for t in queries.live_types(provider.id)])
    form.requesting_department.choices = choices(
        [(0, "Every requesting department")]
        + [(d.id, d.name) for d in agreement_queries.departments() if d.id != provider.id])
    if request.method == "GET":
        form.fill()
    elif form.validate_on_submit():
        request_type = db.session.get(RequestType, form.request_type.data) if form.request_type.data else None
        requester = db.session.get(Department, form.requesting_department.data) if form.requesting_department.data else None
        return _publish(form, provider, request_type, requester, "agreements/new.html")
    return render("agreements/new.html", "agreement_form", status=422 if form.errors else 200,
                  form=form, provider=provider)


@bp.route("/<int:agreement_id>/publish", methods=["GET", "POST"])
@login_required
def publish(agreement_id: int):
    agreement = agreement_queries.agreement_or_404(agreement_id)
    if not policy.can_publish_agreements(current_user, agreement.provider):
        abort(404)
    form = TargetsForm()
    if request.method == "GET":
        form.fill(agreement.current or (agreement.versions[-1] if agreement.versions else None))
    elif form.validate_on_submit():
        return _publish(form, agreement.provider, agreement.request_type, agreement.requesting_department,
                        "agreements/publish.html", agreement=agreement)
    return render("agreements/publish.html", "agreement_form", status=422 if form.errors else 200,
                  form=form, agreement=agreement)


@bp.post("/<int:agreement_id>/retire")
@login_required
def retire(agreement_id: int):
    agreement = agreement_queries.agreement_or_404(agreement_id)
    if not policy.can_retire_agreement(current_user, agreement):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        changed = agreements.retire_agreement(current_user, agreement)
    except AgreementError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        moved = (f"{counted(changed, 'open request')} got new deadlines" if changed
                 else "no open request's deadlines changed")
        flash(f"The agreement is retired; {moved}.", "success")
    return redirect(url_for("agreements.show", agreement_id=agreement_id), code=303)


@bp.post("/versions/<int:version_id>/sign-off")
@login_required
def sign_off(version_id: int):
    version = agreement_queries.version_or_404(version_id)
    if not policy.can_sign_off(current_user, version.agreement):
        abort(404)
    form = SignOffForm(prefix=f"v{version.id}")
    error = None
    if form.validate_on_submit():
        try:
            agreements.sign_off(current_user, version, form.decision.data, form.comment.data or "")
        except AgreementError as refused:
            db.session.rollback()
            error = _show(form, refused)
        else:
            db.session.commit()
            if not is_htmx():
                flash("Your answer is recorded.", "success")
                return redirect(url_for("agreements.received"), code=303)
            form = SignOffForm(formdata=None, prefix=f"v{version.id}")
            return _sign_off_fragment(version_id, form, message="Your answer is recorded.")
    return _sign_off_fragment(version_id, form, error=error, status=422)


# --- helpers ---------------------------------------------------------------

def _publish(form, provider, request_type, requester, template: str, **context):
    """Publish the form's targets for the scope; the form again with the service's refusal."""
    try:
        version = agreements.publish_agreement(
            current_user, provider, form.targets, request_type=request_type,
            requesting_department=requester, note=form.note.data or "")
    except AgreementError as refused:
        db.session.rollback()
        form.form_errors.extend(filter(None, [_show(form, refused)]))
        return render(template, "agreement_form", status=422, form=form, provider=provider, **context)
    db.session.commit()
    flash(f"Version {version.number} is published and in force for new requests.", "success")
    return redirect(url_for("agreements.show", agreement_id=version.agreement_id), code=303)


def _show(form, refused: AgreementError) -> str | None:
    """Put the service's message next to its field; return it if no field fits."""
    name = refused.field
    if name and name not in form:  # a priority ("low"): show it at that priority's resolution target
        name = f"resolution_{name}"
    if name and name in form:
        form[name].errors = [*form[name].errors, str(refused)]
        return None
    return str(refused)


def _sign_off_fragment(version_id: int, form, *, status: int = 200, error=None, message=None):
    db.session.expire_all()
    version = agreement_queries.version_or_404(version_id)
    item = next((i for i in agreement_queries.covering(current_user.department, version.agreement.provider_id)
                 if i.version.agreement_id == version.agreement_id), None)
    if item is None:  # no longer covers this department (replaced or overridden meanwhile)
        abort(404)
    if item.version.id != version_id:
        form = SignOffForm(formdata=None, prefix=f"v{item.version.id}")
        error = error or "A newer version was published; answer this one."
    if not is_htmx():
        return render("agreements/between.html", status=status, provider=version.agreement.provider,
                      requester=current_user.department, items=[item], forms={item.version.id: form},
                      error=error)
    return render_template("agreements/_sign_off.html", item=item, form=form, error=error,
                           message=message), status


def _sign_off_forms(items) -> dict[int, SignOffForm]:
    """An answer form for each version the current user may sign off, keyed by version id."""
    return {
        i.version.id: SignOffForm(formdata=None, prefix=f"v{i.version.id}")
        for i in items
        if i.department.id == current_user.department_id and policy.can_sign_off(current_user, i.agreement)
    }


def _headed_department() -> Department:
    """The department the current user heads; HR staff without one get a 404 here."""
    department = current_user.department
    if department is None or not current_user.heads(department.id):
        abort(404)
    return department


def _department_or_404(department_id: int) -> Department:
    return db.session.get(Department, department_id) or abort(404)
