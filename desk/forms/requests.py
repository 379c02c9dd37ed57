"""Forms for filing and working requests."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from desk.forms import VersionedForm, choices
from desk.models import Priority, Status

TITLE_MAX = 200
TEXT_MAX = 20_000
REASON_MAX = 2_000

PRIORITY_CHOICES = choices((p.value, p.label) for p in Priority)


class AttachmentsField(MultipleFileField):
    """Files checked by content (desk.services.attachments); ``uploads`` holds them once valid."""

    def __init__(self, label="Attach files", **kwargs):
        kwargs.setdefault("description", "Images, PDF, Office documents or text; up to 10 MB each.")
        super().__init__(label, **kwargs)
        self.uploads = []

    def pre_validate(self, form) -> None:
        from desk.services.attachments import AttachmentError, inspect_files

        try:
            self.uploads = inspect_files(self.data)
        except AttachmentError as error:
            raise ValidationError(str(error)) from None


class NewRequestForm(FlaskForm):
    department = SelectField("Department", coerce=int, validators=[InputRequired("Choose a department.")])
    type = SelectField("Request type", coerce=int, validators=[InputRequired("Choose what you need.")])
    title = StringField("Title", validators=[DataRequired("Give the request a short title."), Length(max=TITLE_MAX)])
    body = TextAreaField(
        "Description",
        validators=[DataRequired("Describe what you need."), Length(max=TEXT_MAX)],
        description="What do you need, by when, and anything the team should know.",
    )
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, default=Priority.NORMAL.value)
    attachments = AttachmentsField()
    # One random key per rendered form: submitting it twice files one request.
    submission_key = HiddenField(validators=[DataRequired(), Length(max=64)])


class ReplyForm(FlaskForm):
    body = TextAreaField("Reply", validators=[DataRequired("Write something first."), Length(max=TEXT_MAX)])
    attachments = AttachmentsField()


class NoteForm(FlaskForm):
    body = TextAreaField(
        "Internal note",
        validators=[DataRequired("Write something first."), Length(max=TEXT_MAX)],
        description="Only your department sees notes; the requester never does.",
    )
    attachments = AttachmentsField(description="Seen only by your department, like the note.")


class StatusForm(VersionedForm):
    status = SelectField("New status", choices=choices((s.value, s.label) for s in Status))
    reason = TextAreaField("Reason", validators=[Length(max=REASON_MAX)])
    # Two-way feedback: the agent scores the request when resolving (optional; 0 = not given).
    clarity = SelectField(
        "How clear was the request?", coerce=int, default=0,
        choices=choices([(0, "Not scored"), (1, "1 · very unclear"), (2, "2"), (3, "3"), (4, "4"), (5, "5 · perfectly clear")]),
        description="When resolving. HR sees only each requesting department's average.",
    )


class ReasonForm(VersionedForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Say why."), Length(max=REASON_MAX)])


class OptionalReasonForm(VersionedForm):
    reason = TextAreaField("Reason (optional)", validators=[Length(max=REASON_MAX)])


class AssignForm(VersionedForm):
    assignee = SelectField("Assignee", coerce=int)


class TransferForm(VersionedForm):
    type = SelectField("To", coerce=int, validators=[InputRequired("Choose where it goes.")])
    reason = TextAreaField(
        "Reason", validators=[DataRequired("Say why it goes to another department."), Length(max=REASON_MAX)]
    )

    def validate_type(self, field) -> None:
        if not field.data:  # the "Choose a department and type…" placeholder
            raise ValidationError("Choose where it goes.")


class PriorityForm(VersionedForm):
    priority = SelectField("Priority", choices=PRIORITY_CHOICES)


class WatcherForm(FlaskForm):
    email = StringField("Colleague's e-mail", validators=[DataRequired("Whose e-mail?"), Length(max=254)])
