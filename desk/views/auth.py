from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from desk.auth import authenticate, remote_address, rotate_session, safe_next
from desk.database import reads_only
from desk.extensions import db, limiter
from desk.forms.auth import LoginForm

bp = Blueprint("auth", __name__)


def _login_account_key() -> str:
    """Rate-limit per account too, so one address cannot be blamed for a botnet."""
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"], key_func=remote_address)
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"], key_func=_login_account_key)
@reads_only  # logging in writes nothing (the session is a cookie)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session at login: nothing planted before survives
            login_user(user)
            return redirect(safe_next(request.args.get("next")), code=303)
        # One message for an unknown e-mail, a wrong password and a deactivated account.
        form.password.errors.append("E-mail or password is not right.")
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    rotate_session(current_user)  # the old cookie stops working even if it was copied
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"), code=303)
