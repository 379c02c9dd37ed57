"""The rating panel of the request page: what it shows, and its forms."""

from __future__ import annotations

from flask_login import current_user

from desk.forms.feedback import DIMENSIONS, NotFixedForm, RatingForm
from desk.models import ServiceRequest
from desk.services import ratings


def rating_panel(req: ServiceRequest, submitted: dict | None = None) -> dict | None:
    """The panel's context, or None when there is nothing to show this user.

    ``submitted`` may carry a posted ``rating`` or ``not_fixed`` form back with its errors.
    """
    if req.resolved_at is None:
        return None
    panel = ratings.panel(current_user, req)
    if not (panel["rating"] or panel["can_rate"] or panel["own_department"]):
        return None
    submitted = submitted or {}
    form = submitted.get("rating")
    if form is None:
        form = RatingForm(formdata=None)
        if panel["rating"] is not None and panel["rating"].requester_id == current_user.id:
            form.fill(panel["rating"])
    not_fixed = submitted.get("not_fixed") or NotFixedForm(formdata=None)
    return {**panel, "form": form, "not_fixed": not_fixed, "dimensions": DIMENSIONS}
