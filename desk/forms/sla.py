"""Forms for business calendars and service level agreements."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, ValidationError

from desk.business_time import DAY_NAMES, parse_intervals
from desk.forms import choices
from desk.models import Priority

HOURS_HELP = 'Like "09:00-12:00, 13:00-18:00"; empty means closed.'


@cache
def time_zones() -> list[str]:
    """Every IANA zone name the server knows, sorted (for the zone datalist)."""
    return sorted(available_timezones() | {"UTC"})


class Hours:
    """Validates opening hours text; the parsed intervals end up in ``field.intervals``."""

    def __call__(self, form, field) -> None:
        try:
            field.intervals = parse_intervals(field.data or "")
        except ValueError as error:
            field.intervals = []
            raise ValidationError(str(error)) from None


def hours_text(intervals) -> str:
    """[["09:00", "12:00"], ...] -> "09:00-12:00, ..." (what the hours fields show)."""
    return ", ".join(f"{start}-{end}" for start, end in intervals)


class CalendarForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the calendar a name."), Length(max=80)])
    tz = StringField(
        "Time zone",
        validators=[DataRequired("Choose a time zone."), Length(max=64)],
        description="An IANA name such as Europe/Berlin or Asia/Shanghai.",
        render_kw={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"},
    )
    # day0 (Monday) .. day6 (Sunday), added below.

    def validate_tz(self, field) -> None:
        if field.data not in time_zones():
            raise ValidationError("Not a known time zone; use a name like Europe/Berlin or Asia/Shanghai.")

    def day_fields(self):
        return [self[f"day{n}"] for n in range(7)]

    @property
    def weekly(self) -> dict[str, list[list[str]]]:
        """The validated weekly hours as stored in ``Calendar.weekly`` (closed days left out)."""
        return {
            str(n): [list(i) for i in field.intervals]
            for n, field in enumerate(self.day_fields())
            if getattr(field, "intervals", None)
        }

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.weekly:
            # A week without working time would never let a deadline fall due.
            self.day0.errors.append("At least one weekday needs working hours.")
            return False
        return valid


for _n, _day in enumerate(DAY_NAMES):
    setattr(
        CalendarForm,
        f"day{_n}",
        StringField(_day, validators=[Length(max=200), Hours()], render_kw={"placeholder": "Closed"}),
    )


class SpecialDayForm(FlaskForm):
    day = DateField("Date", validators=[InputRequired("Enter a date like 2026-10-01.")])
    hours = StringField(
        "Working hours",
        validators=[Length(max=200), Hours()],
        description='Empty for a holiday; hours such as "09:00-13:00" for a half or make-up day.',
    )
    note = StringField("Note", validators=[Length(max=120)], description="Such as the holiday's name.")

    def validate_day(self, field) -> None:
        if field.data and not date(1971, 1, 1) <= field.data <= date(2200, 12, 31):
            raise ValidationError("Choose a date between 1971 and 2200.")


@cache
def holiday_countries() -> list[tuple[str, str]]:
    """(code, "CN · China") for every country the holidays library knows."""
    import holidays

    names: dict[str, str] = {}
    try:  # the registry has readable class names; fall back to bare codes without it
        from holidays.registry import COUNTRIES

        for class_name, code, *_ in COUNTRIES.values():
            names[code] = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)
    except ImportError:
        pass
    return sorted(
        ((code, f"{code} · {names[code]}" if code in names else code) for code in holidays.list_supported_countries()),
        key=lambda pair: pair[1],
    )


class HolidayImportForm(FlaskForm):
    country = SelectField("Country", validators=[DataRequired("Choose a country.")])
    year = IntegerField(
        "Year",
        validators=[InputRequired("Enter a year."), NumberRange(2000, 2100, "Choose a year between 2000 and 2100.")],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = choices([("", "Choose a country…"), *holiday_countries()])


# --- service level agreements ----------------------------------------------------

BUSINESS_DAY = 8 * 3600  # "1d" in a target: one 8-hour business day
MAX_TARGET = 366 * 24 * 3600  # the service refuses more; say so at the field
_DURATION = re.compile(
    r"(?:(?P<d>\d+(?:\.\d+)?)\s*d(?:ays?)?)?\s*"
    r"(?:(?P<h>\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*"
    r"(?:(?P<m>\d+)\s*m(?:in(?:utes?|s)?)?)?",
    re.IGNORECASE,
)
DURATION_EXAMPLE = "4h, 2h 30m, 45m or 1d (1d = 8 business hours)"


def parse_business_duration(text: str) -> int:
    """ "2h 30m" -> 9000 business seconds; "1d" is one 8-hour business day.

    Errors are ValueErrors whose message can be shown next to the field as is.
    """
    text = (text or "").strip()
    if not text:
        raise ValueError(f"Enter a target such as {DURATION_EXAMPLE}.")
    match = _DURATION.fullmatch(text)
    if not match or not any(match.groups()):
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            raise ValueError(f"Add a unit: {text}h or {text}m?")
        raise ValueError(f"{text!r} is not a duration such as {DURATION_EXAMPLE}.")
    seconds = round(
        float(match["d"] or 0) * BUSINESS_DAY + float(match["h"] or 0) * 3600 + int(match["m"] or 0) * 60
    )
    seconds -= seconds % 60  # targets are whole minutes
    if seconds <= 0:
        raise ValueError("A target must be at least one minute.")
    if seconds > MAX_TARGET:
        raise ValueError("A target must be under a year of business time.")
    return seconds


def format_business_duration(seconds: int | None) -> str:
    """9000 -> "2h 30m": the form's own notation, so a shown target can be typed back."""
    if seconds is None:
        return ""
    hours, minutes = divmod(int(seconds) // 60, 60)
    return " ".join(part for part in (f"{hours}h" if hours else "", f"{minutes}m" if minutes else "") if part) or "0m"


class BusinessDuration:
    """Validates a target field; the parsed seconds end up in ``field.seconds``."""

    def __call__(self, form, field) -> None:
        try:
            field.seconds = parse_business_duration(field.data)
        except ValueError as error:
            field.seconds = None
            raise ValidationError(str(error)) from None


# Suggested targets for a new agreement: (response, resolution) per priority.
DEFAULT_TARGETS = {"low": ("1d", "5d"), "normal": ("4h", "2d"), "high": ("2h", "1d"), "urgent": ("30m", "4h")}


class TargetsForm(FlaskForm):
    """Response and resolution targets per priority, in business time; fields added below."""

    note = TextAreaField(
        "What changed (optional)", validators=[Length(max=2_000)],
        description="Shown in the version history to the departments that sign off.",
    )

    def target_rows(self):
        """[(priority, response field, resolution field)] in priority order."""
        return [(p, self[f"response_{p.value}"], self[f"resolution_{p.value}"]) for p in Priority]

    @property
    def targets(self) -> dict[Priority, tuple[int, int]]:
        return {p: (response.seconds, resolution.seconds) for p, response, resolution in self.target_rows()}

    def fill(self, version=None) -> None:
        """Show a version's targets (or the suggested ones) in the fields."""
        for p, response, resolution in self.target_rows():
            if version is None:
                response.data, resolution.data = DEFAULT_TARGETS[p.value]
            else:
                response.data = format_business_duration(version.response_seconds(p))
                resolution.data = format_business_duration(version.resolution_seconds(p))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for p, response, resolution in self.target_rows():
            r, s = getattr(response, "seconds", None), getattr(resolution, "seconds", None)
            if r and s and r > s:
                resolution.errors.append("The resolution target cannot be shorter than the first response target.")
                valid = False
        return valid


for _priority in Priority:
    for _clock, _label in (("response", "first response"), ("resolution", "resolution")):
        setattr(TargetsForm, f"{_clock}_{_priority.value}", StringField(
            f"{_priority.label} priority: {_label}",
            validators=[Length(max=40), BusinessDuration()],
            render_kw={"autocomplete": "off", "inputmode": "text"},
        ))


class NewAgreementForm(TargetsForm):
    request_type = SelectField("Request type", coerce=int, description="All request types, or one of them.")
    requesting_department = SelectField(
        "For", coerce=int, description="Every requesting department, or one (with a request type only).",
    )


class SignOffForm(FlaskForm):
    decision = StringField(validators=[AnyOf(["agreed", "disputed"], "Choose Agree or Dispute.")])
    comment = TextAreaField("Comment", validators=[Length(max=2_000)],
                            description="Required when you dispute: say what you need instead.")

    def validate_comment(self, field) -> None:
        if self.decision.data == "disputed" and not (field.data or "").strip():
            raise ValidationError("Say what you dispute.")
