"""Forms for ratings, "not actually fixed", notification settings and rating report filters."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from desk.forms import choices
from desk.models import NotificationKind
from desk.services.rating_links import STAR_LABELS
from desk.services.ratings import COMMENT_MAX

DIMENSIONS = {
    "reliability": ("Reliability", "Did they do what they promised, right the first time?"),
    "responsiveness": ("Responsiveness", "Were they quick and willing to help?"),
    "assurance": ("Assurance", "Did they know their subject and inspire confidence?"),
    "empathy": ("Empathy", "Did they understand what you needed?"),
    "tangibles": ("Tangibles", "Were the tools, documents and messages clear and usable?"),
}
DIMENSION_CHOICES = [(0, "Not scored"), *((n, str(n)) for n in range(1, 6))]


def _dimension(name: str) -> SelectField:
    label, question = DIMENSIONS[name]
    return SelectField(label, coerce=int, default=0, choices=choices(DIMENSION_CHOICES), description=question)


class RatingForm(FlaskForm):
    score = RadioField(
        "Overall, how was the service?", coerce=int,
        choices=choices((n, f"{n} · {STAR_LABELS[n]}") for n in range(5, 0, -1)),
        validators=[InputRequired("Choose 1 to 5 stars.")],
    )
    reliability = _dimension("reliability")
    responsiveness = _dimension("responsiveness")
    assurance = _dimension("assurance")
    empathy = _dimension("empathy")
    tangibles = _dimension("tangibles")
    comment = TextAreaField(
        "Comment (optional)", validators=[Length(max=COMMENT_MAX)],
        description="The department's head reads it; HR sees only totals.",
    )

    def dimensions(self) -> dict[str, int | None]:
        return {name: (self[name].data or None) for name in DIMENSIONS}

    def fill(self, rating) -> None:
        """Show an existing rating in the form."""
        self.score.data = rating.score
        for name in DIMENSIONS:
            self[name].data = getattr(rating, name) or 0
        self.comment.data = rating.comment


class NotFixedForm(FlaskForm):
    reason = TextAreaField(
        "What is still wrong?", validators=[DataRequired("Say what is still wrong."), Length(max=2_000)]
    )


def preferences_form(current: dict[NotificationKind, bool], formdata=None) -> FlaskForm:
    """A checkbox per notification kind: e-mail it or not (in-app always)."""

    class PreferencesForm(FlaskForm):
        pass

    for kind in NotificationKind:
        setattr(PreferencesForm, kind.value,
                BooleanField(kind.label, default=current[kind], description=kind.description))
    return PreferencesForm() if formdata is None else PreferencesForm(formdata=formdata)


class RatingFilterForm(FlaskForm):
    """Report filters in the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
    department = SelectField("Providing department", coerce=int, default=0, validators=[Optional()])

    def validate_end(self, field) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The end comes before the start.")
