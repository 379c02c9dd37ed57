"""Business time: how many working seconds lie between two instants.

A :class:`BusinessCalendar` knows a time zone, the opening hours of a normal
week and a list of special dates (holidays, make-up workdays, half days).
From those it answers "how much business time passed?" and "when will N
business seconds have passed?".  It is pure Python (standard library only) so
the database and web layers can share it and tests need no app.

How it stays correct and fast
-----------------------------
Opening hours are wall-clock times, but time only accrues in real seconds, so
each date's intervals are converted to UTC epoch seconds for that date (a day
with a DST change simply has a longer or shorter interval).  The converted
intervals of one calendar year are kept as a *chunk*: sorted interval starts
and ends plus running totals of business seconds.  A question about an
instant is then a binary search inside its year, and a question spanning
years adds up whole-year totals, so nothing ever steps minute by minute or
even day by day.  Chunks are built lazily and cached; the calendar is
immutable, so the cache never goes stale and concurrent threads can at worst
build the same chunk twice.

Conventions
-----------
* Instants are truncated to whole seconds.  ``seconds_between(a, b)`` counts
  the business seconds in ``[a, b)``.
* ``"24:00"`` may end an interval (midnight at the end of the day), so
  ``("00:00", "24:00")`` is a whole day.  Intervals may not cross midnight:
  split them at ``24:00``.  Touching intervals (``12:00``/``12:00``) merge.
* A wall-clock time means the *earliest real instant at which the local clock
  shows that time or later*.  An ambiguous time (autumn, the clock repeats an
  hour) therefore means its first occurrence; a nonexistent time (spring, the
  clock skips an hour) means the moment the clock jumps.  In Europe/Berlin an
  interval 01:00-04:00 lasts 2 h on 2026-03-29 and 4 h on 2026-10-25.  This
  rule is monotonic, so converted intervals never overlap or reorder.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["BusinessCalendar", "STANDARD_WEEK", "parse_intervals"]

Interval = tuple[str, str]

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: Monday to Friday, 09:00-12:00 and 13:00-18:00 (a one-hour lunch break).
STANDARD_WEEK: Mapping[int, tuple[Interval, ...]] = MappingProxyType(
    {day: (("09:00", "12:00"), ("13:00", "18:00")) for day in range(5)}
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
_FAR_FUTURE = 2**62  # stop of the last representable year
_TIME = re.compile(r"\s*(\d{1,2}):(\d{2})\s*")
_RANGE_SEPARATOR = re.compile(r"\s*[-\u2013\u2014]\s*")  # hyphen, en dash, em dash


# --------------------------------------------------------------------------
# Parsing and validating wall-clock intervals
# --------------------------------------------------------------------------

def _minutes(text: object) -> int:
    """'HH:MM' -> minutes after midnight; '24:00' -> 1440."""
    match = _TIME.fullmatch(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a time like 09:00")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"{text!r} is not a valid time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_minutes(intervals: object) -> tuple[tuple[int, int], ...]:
    """Validate one day's intervals; return them sorted and merged, in minutes."""
    if isinstance(intervals, str) or not isinstance(intervals, Sequence):
        raise ValueError("intervals must be a list of (start, end) pairs")
    spans = []
    for interval in intervals:
        if isinstance(interval, str) or not isinstance(interval, Sequence) or len(interval) != 2:
            raise ValueError(f"{interval!r} is not a (start, end) pair")
        start, end = _minutes(interval[0]), _minutes(interval[1])
        label = f"{_hhmm(start)}-{_hhmm(end)}"
        if start == 24 * 60:
            raise ValueError(f"{label}: 24:00 can only end an interval")
        if end == start:
            raise ValueError(f"{label}: end is not after start")
        if end < start:
            raise ValueError(
                f"{label}: end is not after start (an interval may not cross "
                f"midnight; split it at 24:00)"
            )
        spans.append((start, end))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            previous = merged[-1]
            raise ValueError(
                f"{_hhmm(previous[0])}-{_hhmm(previous[1])} and "
                f"{_hhmm(start)}-{_hhmm(end)} overlap"
            )
        if merged and start == merged[-1][1]:  # touching: one longer interval
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _checked(day_label: str, intervals: object) -> tuple[tuple[int, int], ...]:
    """Like _day_minutes, with the day named in any error message."""
    try:
        return _day_minutes(intervals)
    except ValueError as error:
        raise ValueError(f"{day_label}: {error}") from None


def parse_intervals(text: str) -> list[Interval]:
    """Parse "09:00-12:00, 13:00-18:00" into [("09:00", "12:00"), ("13:00", "18:00")].

    An empty string or "closed" means no hours.  Intervals may be separated by
    commas, semicolons or whitespace.  Errors are ValueErrors whose message can
    be shown next to a form field as is.
    """
    text = text.strip()
    if not text or text.lower() == "closed":
        return []
    pairs = []
    parts = re.split(r"\s*[,;]\s*|(?<=\d)\s+(?=\d)", text)
    for part in filter(None, parts):  # tolerate a trailing comma
        pieces = _RANGE_SEPARATOR.split(part)
        if len(pieces) != 2 or not all(pieces):
            raise ValueError(f"{part!r} is not a time range like 09:00-12:00")
        pairs.append((pieces[0], pieces[1]))
    return [(_hhmm(start), _hhmm(end)) for start, end in _day_minutes(pairs)]


# --------------------------------------------------------------------------
# One year of converted intervals
# --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Chunk:
    """The business intervals of one local calendar year, in UTC epoch seconds.

    Covers the instants [start, stop); ``done_after[i]`` is the business time
    from ``start`` to ``ends[i]``.
    """

    year: int
    start: int
    stop: int
    starts: list[int]
    ends: list[int]
    done_after: list[int]

    @property
    def total(self) -> int:
        return self.done_after[-1] if self.done_after else 0

    def elapsed(self, ts: int) -> int:
        """Business seconds between the start of this year and ``ts``."""
        i = bisect_right(self.starts, ts) - 1
        if i < 0:
            return 0
        return self.done_after[i] - self.ends[i] + min(ts, self.ends[i])

    def instant_at(self, elapsed: int) -> int:
        """Earliest instant with ``elapsed`` business seconds done (0 < elapsed <= total)."""
        i = bisect_left(self.done_after, elapsed)
        return self.ends[i] - (self.done_after[i] - elapsed)

    def is_open(self, ts: int) -> bool:
        i = bisect_right(self.starts, ts) - 1
        return i >= 0 and ts < self.ends[i]

    def next_start(self, ts: int) -> int | None:
        i = bisect_left(self.starts, ts)
        return self.starts[i] if i < len(self.starts) else None


# --------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------

class BusinessCalendar:
    """Opening hours in a time zone, with per-date exceptions. Immutable."""

    __slots__ = ("_tz", "_weekly", "_special", "_last_special_year", "_chunks", "_recent")

    def __init__(
        self,
        tz: str,
        weekly: Mapping[int, Sequence[Interval]],
        special: Mapping[date, Sequence[Interval]] | None = None,
    ) -> None:
        try:
            self._tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"unknown time zone {tz!r}") from None
        self._weekly = self._checked_weekly(weekly)
        self._special = self._checked_special(special or {})
        working_specials = [day.year for day, spans in self._special.items() if spans]
        # Only needed when the weekly hours are empty: after this year nothing opens.
        self._last_special_year = max(working_specials, default=None)
        self._chunks: dict[int, _Chunk] = {}
        self._recent: _Chunk | None = None

    @staticmethod
    def _checked_weekly(weekly: Mapping[int, Sequence[Interval]]) -> dict:
        if not isinstance(weekly, Mapping):
            raise ValueError("weekly hours must map weekday numbers to intervals")
        checked = {}
        for weekday, intervals in weekly.items():
            if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"weekday {weekday!r} is outside 0 (Monday) .. 6 (Sunday)")
            spans = _checked(DAY_NAMES[weekday], intervals)
            if spans:
                checked[weekday] = spans
        return checked

    @staticmethod
    def _checked_special(special: Mapping[date, Sequence[Interval]]) -> dict:
        if not isinstance(special, Mapping):
            raise ValueError("special days must map dates to intervals")
        checked = {}
        for day, intervals in special.items():
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"special day {day!r} must be a date")
            checked[day] = _checked(day.isoformat(), intervals)
        return checked

    # -- description -------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    def hours_on(self, day: date) -> list[Interval]:
        """The wall-clock opening hours of ``day`` (special date or normal week)."""
        return [(_hhmm(s), _hhmm(e)) for s, e in self._wall_spans(day)]

    def to_dict(self) -> dict:
        """A JSON-friendly description; ``from_dict`` turns it back into a calendar."""
        def as_lists(spans):
            return [[_hhmm(s), _hhmm(e)] for s, e in spans]

        return {
            "tz": self._tz.key,
            "weekly": {str(day): as_lists(spans) for day, spans in sorted(self._weekly.items())},
            "special": {day.isoformat(): as_lists(spans) for day, spans in sorted(self._special.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> BusinessCalendar:
        try:
            tz, weekly, special = data["tz"], data.get("weekly") or {}, data.get("special") or {}
        except (KeyError, TypeError, AttributeError):
            raise ValueError("a calendar needs at least a 'tz'") from None
        try:
            weekly = {int(day): spans for day, spans in weekly.items()}
        except (ValueError, TypeError, AttributeError):
            raise ValueError("weekly keys must be weekday numbers 0..6") from None
        try:
            special = {date.fromisoformat(day): spans for day, spans in special.items()}
        except (ValueError, TypeError, AttributeError):
            raise ValueError("special keys must be ISO dates like 2026-10-01") from None
        return cls(tz, weekly, special)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self._tz.key, tuple(sorted(self._weekly.items())), tuple(sorted(self._special.items()))))

    def __repr__(self) -> str:
        return f"BusinessCalendar({self._tz.key!r}, {len(self._weekly)} open weekdays, {len(self._special)} special dates)"

    # -- questions ---------------------------------------------------------

    def seconds_between(self, start: datetime, end: datetime) -> int:
        """Business seconds in [start, end). Both aware, start <= end."""
        since0, since1 = _since_epoch(start, "start"), _since_epoch(end, "end")
        # Compare real instants: same-zone datetime comparison ignores ``fold``.
        if since0 > since1:
            raise ValueError(f"start {start.isoformat()} is after end {end.isoformat()}")
        t0, t1 = since0 // _SECOND, since1 // _SECOND
        first, last = self._chunk_at(t0), self._chunk_at(t1)
        if first is last:
            return last.elapsed(t1) - first.elapsed(t0)
        middle = sum(self._chunk(year).total for year in range(first.year + 1, last.year))
        return first.total - first.elapsed(t0) + middle + last.elapsed(t1)

    def add(self, start: datetime, seconds: int) -> datetime:
        """The earliest instant ``t`` with ``seconds_between(start, t) == seconds``.

        Landing exactly on a closing time gives that closing time, not the next
        opening.  The result is in the calendar's zone; do further arithmetic
        in UTC, because aware datetime + timedelta is wall-clock arithmetic.
        """
        ts = _timestamp(start, "start")
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise ValueError(f"seconds must be an int, got {seconds!r}")
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, got {seconds}")
        if seconds == 0:
            return start
        chunk = self._chunk_at(ts)
        wanted = chunk.elapsed(ts) + seconds
        while wanted > chunk.total:  # roll over whole years until the target fits
            wanted -= chunk.total
            chunk = self._next_chunk(chunk, start)
        return self._datetime(chunk.instant_at(wanted))

    def is_open(self, at: datetime) -> bool:
        """Does business time accrue during the second starting at ``at``?"""
        ts = _timestamp(at, "at")
        return self._chunk_at(ts).is_open(ts)

    def next_open(self, at: datetime) -> datetime:
        """``at`` if open, else the instant business time next starts to accrue."""
        ts = _timestamp(at, "at")
        chunk = self._chunk_at(ts)
        if chunk.is_open(ts):
            return at
        opening = chunk.next_start(ts)
        while opening is None:
            chunk = self._next_chunk(chunk, at)
            opening = chunk.next_start(chunk.start)
        return self._datetime(opening)

    # -- machinery ---------------------------------------------------------

    def _next_chunk(self, chunk: _Chunk, asked_for: datetime) -> _Chunk:
        """The following year, refusing to search an empty future forever."""
        if not self._weekly and (self._last_special_year is None or chunk.year >= self._last_special_year):
            raise ValueError(f"the calendar has no working time after {asked_for.isoformat()}")
        return self._chunk(chunk.year + 1)

    def _chunk_at(self, ts: int) -> _Chunk:
        """The year chunk whose [start, stop) holds ``ts``."""
        recent = self._recent
        if recent is not None and recent.start <= ts < recent.stop:
            return recent  # most questions are about the same year as the last one
        # The UTC year is at most one off the local year.
        chunk = self._chunk(datetime.fromtimestamp(ts, UTC).year)
        if ts < chunk.start:
            chunk = self._chunk(chunk.year - 1)
        elif ts >= chunk.stop:
            chunk = self._chunk(chunk.year + 1)
        self._recent = chunk
        return chunk

    def _chunk(self, year: int) -> _Chunk:
        chunk = self._chunks.get(year)
        if chunk is None:
            chunk = self._chunks[year] = self._build_chunk(year)
        return chunk

    def _build_chunk(self, year: int) -> _Chunk:
        first = date(year, 1, 1)
        starts, ends = [], []
        day = first
        while day.year == year:
            for start, end in self._real_spans(day):
                if end > start:  # an interval inside a DST gap has no real time
                    starts.append(start)
                    ends.append(end)
            day += timedelta(days=1)
        done_after = list(accumulate(end - start for start, end in zip(starts, ends)))
        stop = self._instant(date(year + 1, 1, 1), 0) if year < date.max.year else _FAR_FUTURE
        return _Chunk(year, self._instant(first, 0), stop, starts, ends, done_after)

    def _wall_spans(self, day: date) -> tuple[tuple[int, int], ...]:
        special = self._special.get(day)
        return special if special is not None else self._weekly.get(day.weekday(), ())

    def _real_spans(self, day: date) -> list[tuple[int, int]]:
        return [(self._instant(day, start), self._instant(day, end)) for start, end in self._wall_spans(day)]

    def _instant(self, day: date, minutes: int) -> int:
        """Earliest epoch second at which the local clock shows ``day`` + ``minutes`` or later."""
        if minutes == 24 * 60:
            return self._instant(day + timedelta(days=1), 0)
        wall = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60)
        ts = _timestamp(wall.replace(tzinfo=self._tz))  # fold=0: first occurrence
        if self._wall(ts) == wall:
            return ts
        # ``wall`` falls in a gap, so the two folds land on either side of the
        # jump; binary-search between them for the moment the clock jumps.
        low, high = sorted((_timestamp(wall.replace(tzinfo=self._tz, fold=1)), ts))
        while low < high:
            middle = (low + high) // 2
            if self._wall(middle) >= wall:
                high = middle
            else:
                low = middle + 1
        return low

    def _wall(self, ts: int) -> datetime:
        return datetime.fromtimestamp(ts, self._tz).replace(tzinfo=None)

    def _datetime(self, ts: int) -> datetime:
        return datetime.fromtimestamp(ts, self._tz)


def _since_epoch(moment: datetime, name: str) -> timedelta:
    """Exact time since the epoch of an aware datetime; refuses naive ones."""
    if not isinstance(moment, datetime):
        raise ValueError(f"{name} must be a datetime, got {moment!r}")
    if moment.utcoffset() is None:
        raise ValueError(f"{name} {moment.isoformat()} is naive; business time needs a timezone-aware datetime")
    return moment - _EPOCH


def _timestamp(moment: datetime, name: str = "datetime") -> int:
    """Whole epoch seconds (floored) of an aware datetime."""
    return _since_epoch(moment, name) // _SECOND
