"""Forms for the administrator and for heads managing their catalogue."""

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from desk.forms.requests import PRIORITY_CHOICES
from desk.forms import choices
from desk.models import Role

PASSWORD_MIN = 10


class DepartmentForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    code = StringField(
        "Code",
        validators=[
            DataRequired(),
            Length(min=2, max=8),
            Regexp(r"^[A-Za-z]+$", message="Letters only, such as IT or FAC."),
        ],
        description="Prefix of request keys, such as IT for IT-1042. Fixed once requests exist.",
        filters=[lambda v: v.upper() if v else v],
    )
    takes_requests = BooleanField("Takes requests from other departments", default=True)
    calendar = SelectField("Business calendar", coerce=int, validators=[Optional()])


class UserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    department = SelectField("Home department", coerce=int)
    role = SelectField("Role", choices=choices((r.value, r.label) for r in Role))
    time_zone = StringField("Time zone", default="UTC", validators=[DataRequired(), Length(max=64)])
    is_hr = BooleanField("HR: sees cross-team reports")
    is_admin = BooleanField("Administrator")
    active = BooleanField("Active (may log in)", default=True)
    password = PasswordField(
        "New password",
        validators=[Optional(), Length(min=PASSWORD_MIN, max=256)],
        description=f"At least {PASSWORD_MIN} characters. Leave empty to keep the current one.",
    )

    def validate_password(self, field) -> None:
        if field.data and _too_common(field.data):
            raise ValidationError("This password is too common; choose a longer, unusual one.")

    def validate_time_zone(self, field) -> None:
        from zoneinfo import available_timezones

        if field.data not in available_timezones() and field.data != "UTC":
            raise ValidationError("Not a known time zone; use a name like Europe/Berlin.")


# The most frequent passwords of public breach corpora, and obvious variations.
COMMON_PASSWORDS = frozenset(
    """123456789012 1234567890 12345678910 password123 password1234 qwertyuiop
    qwerty123456 1q2w3e4r5t iloveyou123 administrator welcome123 letmein123
    passw0rd123 changeme123 abc123456789 0987654321 1111111111 trustno1234
    football123 monkey12345 dragon12345 baseball123 sunshine123 princess123""".split()
)


def _too_common(password: str) -> bool:
    lowered = password.lower()
    return lowered in COMMON_PASSWORDS or len(set(lowered)) < 4 or re.fullmatch(r"(.+?)\1+", lowered) is not None


class RequestTypeForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Length(max=2_000)])
    default_priority = SelectField("Default priority", choices=PRIORITY_CHOICES)
    confidential = BooleanField(
        "Confidential",
        description="Only the requester and your department see these requests (not watchers or the requester's head).",
    )
