"""Tests for desk.business_time: hand-worked examples, bad input, properties.

Pure unit tests: no app, no database.  Dates used below (all 2026 unless
said otherwise): Jan 5 is a Monday, Jan 9 a Friday; Berlin switches to summer
time on Sunday Mar 29 (02:00 -> 03:00) and back on Sunday Oct 25
(03:00 -> 02:00); Oct 1 is a Thursday, Oct 10 a Saturday; Dec 31 a Thursday.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from desk.business_time import STANDARD_WEEK, BusinessCalendar, parse_intervals

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def ber(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=BERLIN, fold=fold)


def every_day(*intervals: tuple[str, str]) -> dict[int, list[tuple[str, str]]]:
    return {day: list(intervals) for day in range(7)}


GOLDEN_WEEK = {date(2026, 10, d): [] for d in range(1, 8)}
CHINA_SPECIAL = {
    **GOLDEN_WEEK,
    date(2026, 9, 20): list(STANDARD_WEEK[0]),  # make-up workday, a Sunday
    date(2026, 10, 10): list(STANDARD_WEEK[0]),  # make-up workday, a Saturday
    date(2026, 12, 31): [("09:00", "12:00")],  # half day
    date(2027, 1, 1): [],
}

STANDARD = BusinessCalendar("Asia/Shanghai", STANDARD_WEEK)
CHINA = BusinessCalendar("Asia/Shanghai", STANDARD_WEEK, CHINA_SPECIAL)
# Intervals deliberately inside the hours that DST skips or repeats.
BERLIN_SHIFTS_WEEKLY = {
    **every_day(("00:30", "02:15"), ("02:45", "04:00"), ("22:00", "24:00")),
    **{day: [("00:30", "02:15"), ("02:45", "04:00"), ("09:00", "12:00"), ("13:00", "18:00")] for day in range(5)},
}
BERLIN_SHIFTS = BusinessCalendar("Europe/Berlin", BERLIN_SHIFTS_WEEKLY, {date(2026, 3, 30): []})


# --------------------------------------------------------------------------
# Worked examples
# --------------------------------------------------------------------------

class TestSecondsBetween:
    def test_a_full_workday_is_eight_hours(self):
        assert STANDARD.seconds_between(sh(2026, 1, 5), sh(2026, 1, 6)) == 8 * HOUR

    def test_a_full_week_is_forty_hours(self):
        assert STANDARD.seconds_between(sh(2026, 1, 5), sh(2026, 1, 12)) == 40 * HOUR

    def test_the_weekend_does_not_count(self):
        assert STANDARD.seconds_between(sh(2026, 1, 10), sh(2026, 1, 12)) == 0
        # Friday 17:00 -> Monday 10:00: one hour each side of the weekend.
        assert STANDARD.seconds_between(sh(2026, 1, 9, 17), sh(2026, 1, 12, 10)) == 2 * HOUR

    def test_lunch_break_does_not_count(self):
        assert STANDARD.seconds_between(sh(2026, 1, 5, 11, 30), sh(2026, 1, 5, 13, 30)) == HOUR
        assert STANDARD.seconds_between(sh(2026, 1, 5, 12, 15), sh(2026, 1, 5, 13, 15)) == 15 * 60

    def test_start_before_opening_and_after_closing(self):
        assert STANDARD.seconds_between(sh(2026, 1, 5, 8), sh(2026, 1, 5, 9, 30)) == 30 * 60
        assert STANDARD.seconds_between(sh(2026, 1, 5, 18, 30), sh(2026, 1, 6, 9, 15)) == 15 * 60
        assert STANDARD.seconds_between(sh(2026, 1, 5, 18), sh(2026, 1, 6, 9)) == 0

    def test_equal_instants_give_zero(self):
        assert STANDARD.seconds_between(sh(2026, 1, 5, 10), sh(2026, 1, 5, 10)) == 0

    def test_holidays_are_closed(self):
        # Wed Sep 30 17:00 -> Thu Oct 8 10:00 over the Golden Week.
        assert CHINA.seconds_between(sh(2026, 9, 30, 17), sh(2026, 10, 8, 10)) == 2 * HOUR

    def test_make_up_saturday_is_worked(self):
        # Fri Oct 9 + Sat Oct 10 (make-up) ; Sunday stays closed.
        assert CHINA.seconds_between(sh(2026, 10, 9), sh(2026, 10, 12)) == 16 * HOUR
        assert STANDARD.seconds_between(sh(2026, 10, 9), sh(2026, 10, 12)) == 8 * HOUR

    def test_half_day_and_year_boundary(self):
        # Thu Dec 31 is 09:00-12:00, Fri Jan 1 2027 a holiday.
        assert CHINA.seconds_between(sh(2026, 12, 31), sh(2027, 1, 4, 10)) == 4 * HOUR

    def test_long_range_over_several_years(self):
        # 2028 starts on a Saturday; 2027-01-04 and 2029-01-01 are Mondays: 104 whole weeks.
        assert STANDARD.seconds_between(sh(2027, 1, 4), sh(2029, 1, 1)) == 104 * 40 * HOUR

    def test_other_zones_are_converted(self):
        # 01:00 UTC is 09:00 in Shanghai.
        start = datetime(2026, 1, 5, 1, tzinfo=UTC)
        assert STANDARD.seconds_between(start, start + timedelta(hours=2)) == 2 * HOUR

    def test_fractions_of_a_second_are_truncated(self):
        start = sh(2026, 1, 5, 9, 0, 0, 900_000)
        assert STANDARD.seconds_between(start, sh(2026, 1, 5, 9, 0, 1, 100_000)) == 1


class TestDaylightSaving:
    def test_wall_clock_hours_are_kept_over_a_dst_weekend(self):
        berlin = BusinessCalendar("Europe/Berlin", STANDARD_WEEK)
        assert berlin.seconds_between(ber(2026, 3, 27, 17), ber(2026, 3, 30, 10)) == 2 * HOUR
        assert berlin.seconds_between(ber(2026, 10, 23, 17), ber(2026, 10, 26, 10)) == 2 * HOUR

    @pytest.mark.parametrize(
        ("day", "hours"), [(date(2026, 3, 28), 3), (date(2026, 3, 29), 2), (date(2026, 10, 25), 4)]
    )
    def test_interval_over_the_change_has_real_length(self, day, hours):
        calendar = BusinessCalendar("Europe/Berlin", every_day(("01:00", "04:00")))
        midnight = ber(day.year, day.month, day.day)
        assert calendar.seconds_between(midnight, midnight + timedelta(days=1)) == hours * HOUR

    def test_whole_day_is_23_or_25_hours(self):
        calendar = BusinessCalendar("Europe/Berlin", every_day(("00:00", "24:00")))
        assert calendar.seconds_between(ber(2026, 3, 29), ber(2026, 3, 30)) == 23 * HOUR
        assert calendar.seconds_between(ber(2026, 10, 25), ber(2026, 10, 26)) == 25 * HOUR

    def test_night_shift_over_the_change(self):
        calendar = BusinessCalendar("Europe/Berlin", every_day(("00:00", "06:00"), ("22:00", "24:00")))
        assert calendar.seconds_between(ber(2026, 3, 28, 22), ber(2026, 3, 29, 6)) == 7 * HOUR
        assert calendar.seconds_between(ber(2026, 10, 24, 22), ber(2026, 10, 25, 6)) == 9 * HOUR

    def test_nonexistent_start_opens_when_the_clock_jumps(self):
        calendar = BusinessCalendar("Europe/Berlin", every_day(("02:30", "05:00")))
        assert calendar.next_open(ber(2026, 3, 29)) == ber(2026, 3, 29, 3)
        assert calendar.seconds_between(ber(2026, 3, 29), ber(2026, 3, 30)) == 2 * HOUR

    def test_interval_entirely_in_the_gap_has_no_time(self):
        calendar = BusinessCalendar("Europe/Berlin", every_day(("02:00", "02:30"), ("09:00", "10:00")))
        assert calendar.seconds_between(ber(2026, 3, 29), ber(2026, 3, 30)) == HOUR

    def test_ambiguous_start_means_first_occurrence(self):
        calendar = BusinessCalendar("Europe/Berlin", every_day(("02:30", "05:00")))
        # 02:30 CEST (00:30 UTC) to 05:00 CET (04:00 UTC).
        assert calendar.next_open(ber(2026, 10, 25)) == ber(2026, 10, 25, 2, 30, fold=0)
        assert calendar.seconds_between(ber(2026, 10, 25), ber(2026, 10, 26)) == 3 * HOUR + 30 * 60

    def test_add_over_the_spring_gap_counts_real_time(self):
        calendar = BusinessCalendar("Europe/Berlin", every_day(("00:00", "24:00")))
        result = calendar.add(ber(2026, 3, 29, 1, 30), HOUR)
        assert result == ber(2026, 3, 29, 3, 30)
        assert result.utcoffset() == timedelta(hours=2)


class TestAdd:
    def test_within_one_interval(self):
        assert STANDARD.add(sh(2026, 1, 5, 9), HOUR) == sh(2026, 1, 5, 10)

    def test_over_lunch(self):
        assert STANDARD.add(sh(2026, 1, 5, 11, 30), HOUR) == sh(2026, 1, 5, 13, 30)
        assert STANDARD.add(sh(2026, 1, 5, 12, 30), 30 * 60) == sh(2026, 1, 5, 13, 30)

    def test_landing_on_an_interval_end_gives_the_end(self):
        assert STANDARD.add(sh(2026, 1, 5, 9), 3 * HOUR) == sh(2026, 1, 5, 12)
        assert STANDARD.add(sh(2026, 1, 5, 9), 8 * HOUR) == sh(2026, 1, 5, 18)
        assert STANDARD.add(sh(2026, 1, 9, 17), HOUR) == sh(2026, 1, 9, 18)

    def test_one_second_more_goes_to_the_next_opening(self):
        assert STANDARD.add(sh(2026, 1, 9, 17), HOUR + 1) == sh(2026, 1, 12, 9, 0, 1)

    def test_from_closed_time(self):
        assert STANDARD.add(sh(2026, 1, 10, 10), 1) == sh(2026, 1, 12, 9, 0, 1)
        assert STANDARD.add(sh(2026, 1, 5, 7), 2 * HOUR) == sh(2026, 1, 5, 11)

    def test_over_holidays_and_make_up_day(self):
        assert CHINA.add(sh(2026, 9, 30, 17), 2 * HOUR) == sh(2026, 10, 8, 10)
        assert CHINA.add(sh(2026, 10, 9, 17), 2 * HOUR) == sh(2026, 10, 10, 10)

    def test_over_half_day_into_next_year(self):
        assert CHINA.add(sh(2026, 12, 31, 11), 2 * HOUR) == sh(2027, 1, 4, 10)

    def test_zero_returns_start_unchanged(self):
        start = datetime(2026, 1, 10, 3, 4, 5, 6, tzinfo=UTC)
        assert STANDARD.add(start, 0) is start

    def test_result_is_aware_in_calendar_zone(self):
        result = STANDARD.add(datetime(2026, 1, 5, 1, tzinfo=UTC), HOUR)
        assert result.tzinfo is SHANGHAI
        assert result == datetime(2026, 1, 5, 2, tzinfo=UTC)

    def test_only_special_days_then_nothing(self):
        calendar = BusinessCalendar("Asia/Shanghai", {}, {date(2026, 1, 10): [("09:00", "10:00")]})
        assert calendar.add(sh(2026, 1, 1), HOUR) == sh(2026, 1, 10, 10)
        with pytest.raises(ValueError, match="no working time"):
            calendar.add(sh(2026, 1, 1), HOUR + 1)

    def test_calendar_without_working_time_refuses(self):
        calendar = BusinessCalendar("Asia/Shanghai", {})
        assert calendar.seconds_between(sh(2026, 1, 1), sh(2030, 1, 1)) == 0
        with pytest.raises(ValueError, match="no working time"):
            calendar.add(sh(2026, 1, 1), 1)
        with pytest.raises(ValueError, match="no working time"):
            calendar.next_open(sh(2026, 1, 1))


class TestOpenAndNextOpen:
    def test_is_open(self):
        assert STANDARD.is_open(sh(2026, 1, 5, 9))
        assert STANDARD.is_open(sh(2026, 1, 5, 11, 59, 59))
        assert not STANDARD.is_open(sh(2026, 1, 5, 12))
        assert not STANDARD.is_open(sh(2026, 1, 10, 10))
        assert CHINA.is_open(sh(2026, 10, 10, 10))
        assert not CHINA.is_open(sh(2026, 10, 1, 10))

    def test_next_open(self):
        open_now = sh(2026, 1, 5, 10)
        assert STANDARD.next_open(open_now) is open_now
        assert STANDARD.next_open(sh(2026, 1, 5, 12, 30)) == sh(2026, 1, 5, 13)
        assert STANDARD.next_open(sh(2026, 1, 9, 18)) == sh(2026, 1, 12, 9)
        assert CHINA.next_open(sh(2026, 9, 30, 18)) == sh(2026, 10, 8, 9)
        assert CHINA.next_open(sh(2026, 12, 31, 12)) == sh(2027, 1, 4, 9)


class TestDescription:
    def test_round_trip_through_json(self):
        data = json.loads(json.dumps(CHINA.to_dict()))
        assert data["weekly"]["0"] == [["09:00", "12:00"], ["13:00", "18:00"]]
        assert data["special"]["2026-10-01"] == []
        assert BusinessCalendar.from_dict(data) == CHINA
        assert hash(BusinessCalendar.from_dict(data)) == hash(CHINA)

    def test_from_dict_rejects_bad_keys(self):
        with pytest.raises(ValueError, match="weekday"):
            BusinessCalendar.from_dict({"tz": "UTC", "weekly": {"monday": []}})
        with pytest.raises(ValueError, match="ISO date"):
            BusinessCalendar.from_dict({"tz": "UTC", "special": {"1 Oct": []}})
        with pytest.raises(ValueError, match="tz"):
            BusinessCalendar.from_dict({"weekly": {}})

    def test_hours_on(self):
        assert CHINA.hours_on(date(2026, 10, 1)) == []
        assert CHINA.hours_on(date(2026, 10, 10)) == [("09:00", "12:00"), ("13:00", "18:00")]
        assert CHINA.hours_on(date(2026, 12, 31)) == [("09:00", "12:00")]

    def test_touching_intervals_merge(self):
        calendar = BusinessCalendar("UTC", {0: [("13:00", "18:00"), ("09:00", "13:00")]})
        assert calendar.hours_on(date(2026, 1, 5)) == [("09:00", "18:00")]

    def test_whole_day(self):
        calendar = BusinessCalendar("UTC", {0: [("00:00", "24:00")]})
        start = datetime(2026, 1, 5, tzinfo=UTC)
        assert calendar.seconds_between(start, start + timedelta(days=7)) == 24 * HOUR


class TestParseIntervals:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("09:00-12:00, 13:00-18:00", [("09:00", "12:00"), ("13:00", "18:00")]),
            ("13:00 - 18:00; 9:00\u201312:00", [("09:00", "12:00"), ("13:00", "18:00")]),
            ("09:00-12:00 13:00-18:00,", [("09:00", "12:00"), ("13:00", "18:00")]),
            ("", []),
            ("closed", []),
            ("00:00-24:00", [("00:00", "24:00")]),
        ],
    )
    def test_good(self, text, expected):
        assert parse_intervals(text) == expected

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("9-12", "'9' is not a time like 09:00"),
            ("09:00", "is not a time range like 09:00-12:00"),
            ("09:00-12:00-13:00", "is not a time range"),
            ("09:00-25:00", "not a valid time of day"),
            ("09:60-10:00", "not a valid time of day"),
            ("12:00-09:00", "end is not after start"),
            ("22:00-02:00", "may not cross midnight"),
            ("09:00-12:00, 11:00-13:00", "09:00-12:00 and 11:00-13:00 overlap"),
            ("24:00-24:00", "24:00 can only end an interval"),
        ],
    )
    def test_bad(self, text, message):
        with pytest.raises(ValueError, match=message):
            parse_intervals(text)


class TestBadInput:
    def test_unknown_zone_is_named(self):
        with pytest.raises(ValueError, match="Mars/Olympus"):
            BusinessCalendar("Mars/Olympus", STANDARD_WEEK)

    def test_overlap_names_the_day(self):
        with pytest.raises(ValueError, match=r"Tuesday: 09:00-12:00 and 11:00-13:00 overlap"):
            BusinessCalendar("UTC", {1: [("09:00", "12:00"), ("11:00", "13:00")]})

    def test_end_before_start_names_the_day(self):
        with pytest.raises(ValueError, match=r"Monday: 12:00-09:00: end is not after start"):
            BusinessCalendar("UTC", {0: [("12:00", "09:00")]})
        with pytest.raises(ValueError, match=r"Monday: 09:00-09:00: end is not after start"):
            BusinessCalendar("UTC", {0: [("09:00", "09:00")]})

    def test_crossing_midnight(self):
        with pytest.raises(ValueError, match=r"Friday: .*cross midnight"):
            BusinessCalendar("UTC", {4: [("22:00", "02:00")]})

    def test_malformed_time(self):
        with pytest.raises(ValueError, match=r"Monday: '9am' is not a time"):
            BusinessCalendar("UTC", {0: [("9am", "12:00")]})

    def test_weekday_out_of_range(self):
        with pytest.raises(ValueError, match="weekday 7 is outside"):
            BusinessCalendar("UTC", {7: [("09:00", "12:00")]})

    def test_bad_special_names_the_date(self):
        with pytest.raises(ValueError, match=r"2026-10-01: .*overlap"):
            BusinessCalendar("UTC", {}, {date(2026, 10, 1): [("09:00", "12:00"), ("10:00", "11:00")]})
        with pytest.raises(ValueError, match="must be a date"):
            BusinessCalendar("UTC", {}, {datetime(2026, 10, 1): []})

    def test_naive_datetimes(self):
        naive = datetime(2026, 1, 5, 9)
        with pytest.raises(ValueError, match="naive"):
            STANDARD.seconds_between(naive, sh(2026, 1, 6))
        with pytest.raises(ValueError, match="naive"):
            STANDARD.seconds_between(sh(2026, 1, 4), naive)
        with pytest.raises(ValueError, match="naive"):
            STANDARD.add(naive, 60)
        with pytest.raises(ValueError, match="naive"):
            STANDARD.is_open(naive)

    def test_start_after_end(self):
        with pytest.raises(ValueError, match="is after end"):
            STANDARD.seconds_between(sh(2026, 1, 6), sh(2026, 1, 5))

    def test_negative_seconds(self):
        with pytest.raises(ValueError, match="must not be negative"):
            STANDARD.add(sh(2026, 1, 5), -1)


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

CALENDARS = {
    "standard": (STANDARD, {"tz": "Asia/Shanghai", "weekly": dict(STANDARD_WEEK), "special": {}}),
    "china": (CHINA, {"tz": "Asia/Shanghai", "weekly": dict(STANDARD_WEEK), "special": CHINA_SPECIAL}),
    "berlin": (BERLIN_SHIFTS, {"tz": "Europe/Berlin", "weekly": BERLIN_SHIFTS_WEEKLY, "special": {date(2026, 3, 30): []}}),
}
calendars = st.sampled_from(sorted(CALENDARS))
# Places where mistakes like to hide: DST changes, holidays, the year end.
ANCHORS = [
    datetime(2026, 3, 29, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, tzinfo=UTC),
    datetime(2026, 9, 30, 8, tzinfo=UTC),
    datetime(2026, 12, 31, 0, tzinfo=UTC),
]
SPAN = int(timedelta(days=800).total_seconds())
BASE = datetime(2025, 12, 1, tzinfo=UTC)
ZONES = st.sampled_from([UTC, SHANGHAI, BERLIN])


@st.composite
def instants(draw, whole_minutes: bool = False):
    """Aware datetimes at whole seconds, often near an anchor, in a random zone."""
    if draw(st.booleans()):
        moment = draw(st.sampled_from(ANCHORS)) + timedelta(seconds=draw(st.integers(-3 * 86400, 3 * 86400)))
    else:
        moment = BASE + timedelta(seconds=draw(st.integers(0, SPAN)))
    if whole_minutes:
        moment = moment.replace(second=0)
    return moment.astimezone(draw(ZONES))


def shift(moment: datetime, seconds: int) -> datetime:
    """Real-time arithmetic (aware datetime + timedelta is wall-clock arithmetic)."""
    return (moment.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(moment.tzinfo)


def ordered(*moments: datetime) -> list[datetime]:
    return sorted(moments, key=lambda moment: moment.astimezone(UTC))


business_seconds = st.one_of(st.integers(1, 120), st.integers(1, 40 * HOUR), st.integers(1, 400 * HOUR))
quick = settings(max_examples=150, deadline=None, database=None)


@quick
@given(calendars, instants(), instants(), instants())
def test_monotonic(name, s, t1, t2):
    calendar = CALENDARS[name][0]
    s, t1, t2 = ordered(s, t1, t2)
    assert calendar.seconds_between(s, t1) <= calendar.seconds_between(s, t2)


@quick
@given(calendars, instants(), business_seconds)
def test_add_inverts_seconds_between(name, start, seconds):
    calendar = CALENDARS[name][0]
    assert calendar.seconds_between(start, calendar.add(start, seconds)) == seconds


@quick
@given(calendars, instants(), business_seconds)
def test_add_is_earliest(name, start, seconds):
    calendar = CALENDARS[name][0]
    end = calendar.add(start, seconds)
    assert calendar.seconds_between(start, shift(end, -1)) < seconds
    assert calendar.is_open(shift(end, -1))


@quick
@given(calendars, instants(), instants(), instants())
def test_additive(name, a, b, c):
    calendar = CALENDARS[name][0]
    a, b, c = ordered(a, b, c)
    assert calendar.seconds_between(a, c) == calendar.seconds_between(a, b) + calendar.seconds_between(b, c)


@quick
@given(calendars, instants())
def test_is_open_and_next_open_agree_with_seconds_between(name, at):
    calendar = CALENDARS[name][0]
    assert calendar.is_open(at) == (calendar.seconds_between(at, shift(at, 1)) == 1)
    opening = calendar.next_open(at)
    assert calendar.is_open(opening)
    assert calendar.seconds_between(at, opening) == 0


def reference_seconds_between(spec: dict, start: datetime, end: datetime) -> int:
    """Slow, independent model: walk minute by minute (start, end on whole minutes).

    A wall time means the earliest instant the local clock shows it or later,
    so an instant is open iff the highest clock reading seen so far falls in
    an interval of its date.  (Clocks in our zones go back at most an hour.)
    """
    zone = ZoneInfo(spec["tz"])

    def wall(moment):
        return moment.astimezone(zone).replace(tzinfo=None)

    def minutes(text):
        hours, mins = text.split(":")
        return int(hours) * 60 + int(mins)

    def is_open(reading):
        day = reading.date()
        hours = spec["special"].get(day, spec["weekly"].get(day.weekday(), []))
        minute = reading.hour * 60 + reading.minute
        return any(minutes(a) <= minute < minutes(b) for a, b in hours)

    step = timedelta(minutes=1)
    moment = start.astimezone(UTC) - timedelta(hours=2)
    highest = wall(moment)
    total = 0
    while moment < end.astimezone(UTC):
        highest = max(highest, wall(moment))
        if moment >= start and is_open(highest):
            total += 60
        moment += step
    return total


@settings(max_examples=60, deadline=None, database=None)
@given(calendars, instants(whole_minutes=True), st.integers(0, 3 * 24 * 60))
@example("berlin", ber(2026, 3, 28, 20), 12 * 60)  # spring: clocks skip 02:00-03:00
@example("berlin", ber(2026, 10, 24, 20), 12 * 60)  # autumn: clocks repeat 02:00-03:00
@example("berlin", ber(2026, 10, 25, 2, 50, fold=1), 30)  # second pass of the repeated hour
@example("berlin", ber(2026, 10, 25, 1), 150)  # ends inside the repeated hour's second pass
@example("china", sh(2026, 9, 29, 12), 3 * 24 * 60)  # into the Golden Week
@example("china", sh(2026, 12, 30, 12), 3 * 24 * 60)  # half day, holiday, new year
def test_matches_minute_by_minute_reference(name, start, length_minutes):
    calendar, spec = CALENDARS[name]
    end = shift(start, length_minutes * 60)
    assert calendar.seconds_between(start, end) == reference_seconds_between(spec, start, end)
