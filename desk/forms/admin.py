"""Forms for the administrator and for heads managing their catalogue."""

from functools import lru_cache
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from desk.forms import choices
from desk.forms.requests import PRIORITY_CHOICES
from desk.models import Role

PASSWORD_MIN = 10


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class DepartmentForm(FlaskForm):
    name = StringField("Name", filters=[_strip], validators=[DataRequired("Give the department a name."), Length(max=80)])
    code = StringField(
        "Code",
        validators=[
            DataRequired("Give the department a short code."),
            Length(min=2, max=8),
            Regexp(r"^[A-Z]+$", message="Letters only, such as IT or FAC."),
        ],
        description="Prefix of request keys, such as IT for IT-1042. Fixed once requests exist.",
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
    )
    takes_requests = BooleanField("Takes requests from other departments", default=True)
    # 0 is "no calendar": the standard week in UTC.
    calendar = SelectField("Business calendar", coerce=int, default=0, validators=[Optional()])


class UserForm(FlaskForm):
    name = StringField("Name", filters=[_strip], validators=[DataRequired("Give the person's name."), Length(max=120)])
    email = EmailField(
        "E-mail",
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        validators=[DataRequired("An e-mail address is needed to log in."), Length(max=254)],
    )
    # 0 is "no department": someone who only files requests.
    department = SelectField("Home department", coerce=int, default=0)
    role = SelectField("Role", choices=choices((r.value, r.label) for r in Role), default=Role.MEMBER.value,
                       description="Agents work their department's queue; heads also manage its catalogue.")
    time_zone = StringField("Time zone", default="UTC", filters=[_strip],
                            validators=[DataRequired(), Length(max=64)],
                            description="Dates are shown in it, such as Europe/Berlin or Asia/Shanghai.")
    is_hr = BooleanField("HR: sees cross-team reports")
    is_admin = BooleanField("Administrator")
    active = BooleanField("Active (may log in)", default=True,
                          description="Deactivating ends the person's sessions; their history stays.")
    password = PasswordField(
        "New password",
        validators=[Optional(), Length(min=PASSWORD_MIN, max=256)],
        description=f"At least {PASSWORD_MIN} characters. Leave empty to keep the current one.",
    )

    def validate_email(self, field) -> None:
        # No DNS look-ups, and internal domains (intranet.internal, example.test) are fine.
        try:
            validate_email(field.data, check_deliverability=False, globally_deliverable=False,
                           test_environment=True)
        except EmailNotValidError:
            raise ValidationError("That is not an e-mail address.") from None

    def validate_password(self, field) -> None:
        # Length, breached/common passwords and the person's own name: desk.passwords (zxcvbn).
        from desk.passwords import password_problem

        problem = field.data and password_problem(field.data, user_inputs=[self.name.data or "", self.email.data or ""])
        if problem:
            raise ValidationError(problem)

    def validate_time_zone(self, field) -> None:
        if field.data not in known_time_zones():
            raise ValidationError("Not a known time zone; use a name like Europe/Berlin.")


class NewUserForm(UserForm):
    """Creating an account: a first password is required."""

    password = PasswordField(
        "Password",
        validators=[InputRequired("Set a first password."), Length(min=PASSWORD_MIN, max=256)],
        description=f"At least {PASSWORD_MIN} characters. Hand it over safely; they can be given a new one here.",
    )


@lru_cache(maxsize=1)
def known_time_zones() -> frozenset[str]:
    # available_timezones() walks the zone database on disk: once per process is plenty.
    return frozenset(available_timezones() | {"UTC"})


class RequestTypeForm(FlaskForm):
    name = StringField("Name", filters=[_strip],
                       validators=[DataRequired("Give the request type a name."), Length(max=120)])
    description = TextAreaField(
        "Description", filters=[_strip], validators=[Length(max=2_000)],
        description="Shown in the catalogue: what this covers and what to include.",
    )
    default_priority = SelectField("Default priority", choices=PRIORITY_CHOICES, default="normal")
    confidential = BooleanField(
        "Confidential",
        description="Only the requester and your department see these requests (not watchers or the "
        "requester's head). Applies to requests filed from now on.",
    )
