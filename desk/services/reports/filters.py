"""The report filters: one dataclass, parsed from the URL and written back into it.

A period is a range of whole UTC days, ``start`` and ``end`` inclusive; SQL
compares with ``[start_at, end_before)``. Presets are relative to today, so
a shared link keeps meaning "the last 30 days"; a custom range is absolute.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from desk.models import Priority

PRESETS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "quarter": "This quarter",
    "12m": "Last 12 months",
    "custom": "Custom dates",
}
DEFAULT_PRESET = "30d"
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class ReportFilters:
    start: date
    end: date
    preset: str = DEFAULT_PRESET
    department_id: int | None = None  # the providing department (None: all, HR only)
    type_id: int | None = None
    priority: str = ""
    errors: tuple[str, ...] = field(default=())

    @classmethod
    def from_args(cls, args, *, today: date) -> ReportFilters:
        """Parse ``period``, ``from``, ``to``, ``department``, ``type``, ``priority``; bad input falls back."""
        errors: list[str] = []
        preset = args.get("period", DEFAULT_PRESET)
        if preset not in PRESETS:
            preset = DEFAULT_PRESET
        if preset == "custom":
            start, end = _day(args.get("from")), _day(args.get("to"))
            if start is None or end is None:
                errors.append("Enter both dates as YYYY-MM-DD.")
            elif start > end:
                errors.append("The first day must not be after the last day.")
            elif (end - start).days >= MAX_DAYS:
                errors.append("Choose at most three years.")
            else:
                return cls._with_rest(start, end, preset, args, errors)
            preset = DEFAULT_PRESET
        start, end = preset_range(preset, today)
        return cls._with_rest(start, end, preset, args, errors)

    @classmethod
    def _with_rest(cls, start: date, end: date, preset: str, args, errors: list[str]) -> ReportFilters:
        priority = args.get("priority", "")
        return cls(start=start, end=end, preset=preset, department_id=_int(args.get("department")),
                   type_id=_int(args.get("type")),
                   priority=priority if priority in {p.value for p in Priority} else "", errors=tuple(errors))

    # -- SQL bounds ----------------------------------------------------------

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def end_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> ReportFilters:
        """The period of the same length just before this one (for trend arrows)."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1),
                       preset="custom")

    def for_department(self, department_id: int | None) -> ReportFilters:
        return replace(self, department_id=department_id)

    # -- URLs ----------------------------------------------------------------

    def as_args(self) -> dict:
        """Query-string arguments that reproduce these filters."""
        args: dict = {"period": self.preset}
        if self.preset == "custom":
            args |= {"from": self.start.isoformat(), "to": self.end.isoformat()}
        args |= {"department": self.department_id, "type": self.type_id, "priority": self.priority}
        return {k: v for k, v in args.items() if v not in (None, "")}

    @property
    def label(self) -> str:
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"


def preset_range(preset: str, today: date) -> tuple[date, date]:
    if preset == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    days = {"7d": 7, "30d": 30, "90d": 90, "12m": 365}.get(preset, 30)
    return today - timedelta(days=days - 1), today


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
