"""Admin pages for business calendars: weekly hours, special days, holiday import, preview, deletion."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from desk.clock import utcnow
from desk.extensions import db
from desk.forms import EmptyForm
from desk.forms.sla import CalendarForm, HolidayImportForm, SpecialDayForm, hours_text, time_zones
from desk.models import Calendar
from desk.services import calendar_queries, calendars, policy
from desk.services.errors import FieldError
from desk.web import is_htmx, render
from desk.wording import counted

bp = Blueprint("calendars", __name__, url_prefix="/admin/calendars")


@bp.before_request
@login_required
def _admins_only():
    if not policy.can_administer(current_user):
        abort(404)


@bp.get("")
def index():
    return render("calendars/index.html", rows=calendar_queries.calendars_with_departments())


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = CalendarForm()
    if request.method == "GET":
        _fill(form, Calendar(name="", tz="UTC", weekly={str(d): [["09:00", "12:00"], ["13:00", "18:00"]] for d in range(5)}))
    if form.validate_on_submit():
        try:
            calendar = calendars.create_calendar(form.name.data, form.tz.data, form.weekly)
        except FieldError as error:
            error.show_on(form)
        else:
            db.session.commit()
            flash(f"Calendar {calendar.name} created. Add its holidays below.", "success")
            return redirect(url_for("calendars.edit", calendar_id=calendar.id), code=303)
    return render("calendars/new.html", "calendar_form", status=422 if form.errors else 200,
                  form=form, zones=time_zones())


@bp.route("/<int:calendar_id>", methods=["GET", "POST"])
def edit(calendar_id: int):
    calendar = calendar_queries.calendar_or_404(calendar_id)
    form = CalendarForm()
    if request.method == "GET":
        _fill(form, calendar)
    elif form.validate_on_submit():
        try:
            calendars.update_calendar(calendar, form.name.data, form.tz.data, form.weekly)
        except FieldError as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash("Calendar saved; open requests' deadlines follow the new hours.", "success")
            return redirect(url_for("calendars.edit", calendar_id=calendar.id), code=303)
        calendar = calendar_queries.calendar_or_404(calendar_id)
    day_form = SpecialDayForm(formdata=None)
    editing = request.args.get("day", type=int)
    if editing:
        row = calendar_queries.special_day_or_404(calendar, editing)
        day_form = SpecialDayForm(formdata=None, day=row.day, hours=hours_text(row.intervals), note=row.note)
    block = "days" if editing else "calendar_form"
    return _page(calendar, block, status=422 if form.errors else 200, form=form, day_form=day_form)


@bp.post("/<int:calendar_id>/days")
def save_day(calendar_id: int):
    calendar = calendar_queries.calendar_or_404(calendar_id)
    day_form = SpecialDayForm()
    if not day_form.validate_on_submit():
        return _page(calendar, "days", status=422, day_form=day_form)
    calendars.set_special_day(calendar, day_form.day.data, day_form.hours.intervals, day_form.note.data or "")
    db.session.commit()
    return _done(calendar, f"{day_form.day.data.isoformat()} saved.")


@bp.post("/<int:calendar_id>/days/<int:day_id>/delete")
def remove_day(calendar_id: int, day_id: int):
    calendar = calendar_queries.calendar_or_404(calendar_id)
    row = calendar_queries.special_day_or_404(calendar, day_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    day = row.day
    calendars.remove_special_day(calendar, row)
    db.session.commit()
    return _done(calendar, f"{day.isoformat()} follows the normal week again.")


@bp.post("/<int:calendar_id>/holidays")
def import_holidays(calendar_id: int):
    calendar = calendar_queries.calendar_or_404(calendar_id)
    import_form = HolidayImportForm()
    if import_form.validate_on_submit():
        try:
            result = calendars.import_public_holidays(calendar, import_form.country.data, import_form.year.data)
        except FieldError as error:
            db.session.rollback()
            error.show_on(import_form)
        else:
            db.session.commit()
            workdays = f" and {result.workdays} make-up working days" if result.workdays else ""
            return _done(calendar, f"Imported {result.holidays} public holidays{workdays} "
                                   f"for {import_form.country.data} {import_form.year.data}.")
    calendar = calendar_queries.calendar_or_404(calendar_id)
    return _page(calendar, "days", status=422, import_form=import_form)


@bp.post("/<int:calendar_id>/delete")
def delete(calendar_id: int):
    calendar = calendar_queries.calendar_or_404(calendar_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = calendar.name
    try:
        days = calendars.delete_calendar(calendar)
    except calendars.CalendarInUse as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("calendars.edit", calendar_id=calendar_id), code=303)
    db.session.commit()
    with_days = f", with its {counted(days, 'special day')}" if days else ""
    flash(f"Calendar {name} is deleted{with_days}.", "success")
    return redirect(url_for("calendars.index"), code=303)


# --- helpers ---------------------------------------------------------------

def _page(calendar: Calendar, block: str, *, status: int = 200, form=None, day_form=None, import_form=None,
          message: str | None = None):
    if form is None:
        form = CalendarForm(formdata=None)
        _fill(form, calendar)
    return render(
        "calendars/edit.html", block, status=status, calendar=calendar, form=form, zones=time_zones(),
        day_form=day_form or SpecialDayForm(formdata=None),
        import_form=import_form or HolidayImportForm(formdata=None, year=utcnow().year),
        departments=calendar_queries.departments_using(calendar),
        preview=calendar_queries.preview(calendar, utcnow()),
        message=message,
    )


def _done(calendar: Calendar, message: str):
    """After a special-day change: the fresh days section for htmx, else back to the page."""
    if is_htmx():
        db.session.expire_all()
        return _page(calendar_queries.calendar_or_404(calendar.id), "days", message=message)
    flash(message, "success")
    return redirect(url_for("calendars.edit", calendar_id=calendar.id), code=303)


def _fill(form: CalendarForm, calendar: Calendar) -> None:
    form.name.data, form.tz.data = calendar.name, calendar.tz
    for n, field in enumerate(form.day_fields()):
        field.data = hours_text(calendar.weekly.get(str(n), []))
