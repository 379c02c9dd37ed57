"""Forms for the SLA side of a request: escalate it, open a linked request."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from desk.forms import VersionedForm
from desk.forms.requests import REASON_MAX, TEXT_MAX, TITLE_MAX


class _Prefixed:
    """Field ids and names get the form's prefix: the request page shows several forms
    with a ``reason``, ``body`` or ``type`` field, and ids must stay unique."""

    form_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.form_prefix)
        super().__init__(*args, **kwargs)


class EscalateForm(_Prefixed, VersionedForm):
    form_prefix = "escalate"
    reason = TextAreaField(
        "Why escalate?",
        validators=[DataRequired("Say why you escalate the request."), Length(max=REASON_MAX)],
        description="The head of the providing department reads this.",
    )


class LinkedRequestForm(_Prefixed, FlaskForm):
    form_prefix = "link"
    type = SelectField("Department and type", coerce=int,
                       validators=[InputRequired("Choose which department you wait on.")])
    title = StringField("Title", validators=[DataRequired("Give it a short title."), Length(max=TITLE_MAX)])
    body = TextAreaField(
        "What do you need from them?",
        validators=[DataRequired("Say what you need."), Length(max=TEXT_MAX)],
        description="This request waits (its clock pauses) until the linked one is resolved.",
    )
