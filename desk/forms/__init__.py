"""WTForms: the shape of input and the messages shown next to each field."""

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice
from wtforms.validators import InputRequired


class EmptyForm(FlaskForm):
    """A form with nothing but its CSRF token, for POST buttons."""


class VersionedForm(FlaskForm):
    """Carries the request version the page showed, so a stale form is refused."""

    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


def choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]
