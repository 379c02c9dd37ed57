"""Rating a resolved request: the request page panel, the e-mail's one-click links, the lists."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from desk.extensions import db
from desk.forms import EmptyForm
from desk.forms.feedback import DIMENSIONS, NotFixedForm, RatingForm
from desk.services import policy, ratings, workflow
from desk.services.rating_links import STAR_LABELS, BadRatingLink, read_token
from desk.services.workflow import WorkflowError
from desk.views.actions import perform, request_for
from desk.web import render

bp = Blueprint("ratings", __name__)


# --- on the request page (logged in) --------------------------------------

@bp.post("/requests/<key>/rating")
@login_required
def rate(key: str):
    req = request_for(key, may=policy.can_rate)
    form = RatingForm()
    change = lambda: ratings.give(  # noqa: E731
        current_user, req, score=form.score.data, dimensions=form.dimensions(), comment=form.comment.data or ""
    )
    return perform(req, "rating", form, change, "Thank you for rating {key}.", anchor="rating")


@bp.post("/requests/<key>/not-fixed")
@login_required
def not_fixed(key: str):
    """"Not actually fixed": instead of rating, the requester reopens the request."""
    req = request_for(key, may=policy.is_requester)
    form = NotFixedForm()
    change = lambda: workflow.reopen(current_user, req, reason=form.reason.data)  # noqa: E731
    return perform(req, "not_fixed", form, change, "{key} is open again; the team will look at it.", anchor="rating")


# --- the one-click links in the resolution e-mail (no login needed) --------
# The signed token is the credential: it names the request, the requester and
# the star. Opening the link changes nothing (mail scanners and link previews
# fetch links); the page asks for one click on an autofocused button, which
# POSTs. Posting the same token again sets the same score: harmless.

def _click_or_error(token: str):
    try:
        click = read_token(token)
        req, user = ratings.link_target(click)
    except BadRatingLink as error:
        return None, None, None, render("ratings/link_problem.html", status=410 if error.expired else 404,
                                         message=str(error), req=None)
    except WorkflowError as error:
        return None, None, None, render("ratings/link_problem.html", status=404, message=str(error), req=None)
    return click, req, user, None


@bp.get("/rate/<token>")
def link(token: str):
    click, req, user, problem = _click_or_error(token)
    if problem:
        return problem
    rating = ratings.rating_of(req)
    return render("ratings/link_confirm.html", token=token, click=click, req=req, user=user, form=EmptyForm(),
                  label=STAR_LABELS[click.score], already=rating is not None and rating.score == click.score,
                  open=ratings.may_rate(user, req), own=policy.rates_own_department(user, req),
                  show_title=_may_read_title(req))


@bp.post("/rate/<token>")
def link_confirm(token: str):
    click, req, user, problem = _click_or_error(token)
    if problem:
        return problem
    if not EmptyForm().validate_on_submit():
        abort(400)
    problem = _save(req, lambda: ratings.give_from_link(click))
    return problem or redirect(url_for("ratings.link_more", token=token), code=303)


@bp.route("/rate/<token>/more", methods=["GET", "POST"])
def link_more(token: str):
    """After the star: the rest of the form (SERVQUAL scores and a comment), still through the token."""
    click, req, user, problem = _click_or_error(token)
    if problem:
        return problem
    rating = ratings.rating_of(req)
    if rating is None:  # the star was never confirmed: start there
        return redirect(url_for("ratings.link", token=token), code=303)
    form = RatingForm()
    if request.method == "GET":
        form.fill(rating)
    elif form.validate_on_submit():
        problem = _save(req, lambda: ratings.give(user, req, score=form.score.data, dimensions=form.dimensions(),
                                                  comment=form.comment.data or ""))
        return problem or render("ratings/link_thanks.html", req=req, user=user)
    status = 422 if form.errors else 200
    return render("ratings/link_more.html", status=status, token=token, req=req, user=user,
                  form=form, dimensions=DIMENSIONS, show_title=_may_read_title(req))


def _save(req, change):
    """Make the change and commit; a refusal, or another person's change landing between our read
    and our write (the version check), gives the link's problem page with a 409 instead."""
    key = req.key
    try:
        change()
        db.session.commit()
    except WorkflowError as error:
        db.session.rollback()
        return render("ratings/link_problem.html", status=409, message=str(error), req=req)
    except StaleDataError:
        db.session.rollback()
        return render("ratings/link_problem.html", status=409, req=req,
                      message=f"{key} was changed by someone else just now. Nothing was saved: open the link again.")
    return None


def _may_read_title(req) -> bool:
    """Links get forwarded: the title shows only to someone logged in who may see the request."""
    return current_user.is_authenticated and policy.can_view(current_user, req)


# --- lists -----------------------------------------------------------------

@bp.get("/ratings/to-rate")
@login_required
def to_rate():
    page = ratings.to_rate(current_user, page=request.args.get("page", 1, type=int),
                           per_page=current_app.config["PER_PAGE"])
    return render("ratings/to_rate.html", "results", page=page)


@bp.get("/ratings/worked")
@login_required
def worked():
    """Ratings of requests this person worked (agents), or of their department (heads)."""
    department = current_user.department
    if department is None or not policy.can_work_queue(current_user, department):
        abort(404)
    page = ratings.visible_ratings(current_user, exclude_own=True, page=request.args.get("page", 1, type=int),
                                   per_page=current_app.config["PER_PAGE"])
    return render("ratings/worked.html", "results", page=page, dimensions=DIMENSIONS)
