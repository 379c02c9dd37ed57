"""The bell, the inbox and the e-mail settings."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user, login_required

from desk.auth import safe_next
from desk.extensions import db
from desk.forms import EmptyForm
from desk.forms.feedback import preferences_form
from desk.models import NotificationKind
from desk.services import inbox, ratings
from desk.web import render
from desk.wording import counted

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _bell_count():
    # Lazy: only pages that draw the bell pay for the count query.
    def unread_notifications() -> int:
        if not current_user or not current_user.is_authenticated:
            return 0
        return inbox.unread_count(current_user)

    def to_rate_count() -> int:
        if not current_user or not current_user.is_authenticated:
            return 0
        return ratings.to_rate_count(current_user)

    return {"unread_notifications": unread_notifications, "to_rate_count": to_rate_count}


@bp.get("/notifications/bell")
def bell():
    """htmx polls this every 30 s. It is passive: it reads a count and touches
    nothing (no session write, no "last seen"), so an idle session stays idle.
    ``g.passive_request`` tells any activity tracking to leave this request out."""
    g.passive_request = True
    if not current_user.is_authenticated:
        return "", 286  # htmx stops polling on 286; the page itself will ask to log in
    return render("notifications/_bell.html", count=inbox.unread_count(current_user))


@bp.get("/notifications")
@login_required
def index():
    unread_only = request.args.get("show") == "unread"
    page = inbox.page(current_user, unread_only=unread_only, page=request.args.get("page", 1, type=int),
                      per_page=current_app.config["PER_PAGE"])
    return render("notifications/index.html", "inbox", page=page, unread_only=unread_only, form=EmptyForm(),
                  count=inbox.unread_count(current_user))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    notification = inbox.mine_or_none(current_user, notification_id)
    if notification is None:
        abort(404)
    inbox.mark_read(notification)
    db.session.commit()
    if request.form.get("open"):
        return redirect(url_for("requests.show", key=notification.request.key), code=303)
    return redirect(safe_next(request.form.get("next") or url_for("notifications.index")), code=303)


@bp.post("/notifications/read-all")
@login_required
def mark_all_read():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    count = inbox.mark_all_read(current_user)
    db.session.commit()
    flash(f"Marked {counted(count, 'notification')} as read." if count else "Nothing was unread.", "success")
    return redirect(url_for("notifications.index"), code=303)


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    current = inbox.email_choices(current_user)
    form = preferences_form(current)
    if form.validate_on_submit():
        inbox.set_email_choices(current_user, {kind: bool(form[kind.value].data) for kind in NotificationKind})
        db.session.commit()
        flash("Your e-mail choices are saved.", "success")
        return redirect(url_for("notifications.settings"), code=303)
    status = 422 if form.errors else 200
    return render("notifications/settings.html", status=status, form=form, kinds=list(NotificationKind))
