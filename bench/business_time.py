"""Benchmark desk.business_time on a realistic calendar.

Run from the project root:  python bench/business_time.py

Calendar: STANDARD_WEEK (09:00-12:00, 13:00-18:00, Mon-Fri) in Asia/Shanghai
with the 2026 Chinese public holidays and make-up workdays.  Times 100,000
``add`` calls (targets 1..40 business hours) and 100,000 ``seconds_between``
calls from instants spread over 2026.  Goal: each batch < 2 s on one core.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.business_time import STANDARD_WEEK, BusinessCalendar  # noqa: E402

CALLS = 100_000
GOAL_SECONDS = 2.0
YEAR = 2026
ZONE = "Asia/Shanghai"

# Fallback when the `holidays` package is missing (same data as holidays 0.109).
CN_2026_DAYS_OFF = [
    date(2026, 1, 1), date(2026, 1, 2),
    date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19),
    date(2026, 2, 20), date(2026, 2, 23),
    date(2026, 4, 5), date(2026, 4, 6),
    date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 4), date(2026, 5, 5),
    date(2026, 6, 19), date(2026, 9, 25),
    date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3), date(2026, 10, 5),
    date(2026, 10, 6), date(2026, 10, 7),
]
CN_2026_MAKE_UP_WORKDAYS = [
    date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28),
    date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10),
]


def chinese_special_days() -> tuple[dict, str]:
    """Holidays closed, make-up weekend days worked with normal hours."""
    try:
        import holidays

        calendar = holidays.country_holidays("CN", years=YEAR)
        days_off = list(calendar)
        workdays = [d for d in getattr(calendar, "weekend_workdays", ()) if d.year == YEAR]
        source = f"holidays {holidays.__version__}"
    except ImportError:
        days_off, workdays = CN_2026_DAYS_OFF, CN_2026_MAKE_UP_WORKDAYS
        source = "hard-coded list"
    special = {day: [] for day in days_off}
    special.update({day: STANDARD_WEEK[0] for day in workdays})
    return special, source


def report(label: str, seconds: float) -> None:
    verdict = "ok" if seconds < GOAL_SECONDS else "TOO SLOW"
    print(
        f"{label:<32} {seconds:6.3f} s total  {seconds / CALLS * 1e6:6.2f} us/call"
        f"  (goal < {GOAL_SECONDS:.0f} s: {verdict})"
    )


def main() -> None:
    special, source = chinese_special_days()
    calendar = BusinessCalendar(ZONE, STANDARD_WEEK, special)
    print(f"{calendar!r}; holidays from {source}")

    rng = random.Random(2026)
    year_start = datetime(YEAR, 1, 1, tzinfo=calendar.tz)
    year_seconds = int((datetime(YEAR + 1, 1, 1, tzinfo=calendar.tz) - year_start).total_seconds())
    starts = [year_start + timedelta(seconds=rng.randrange(year_seconds)) for _ in range(CALLS)]
    targets = [rng.randint(3600, 40 * 3600) for _ in range(CALLS)]
    ends = [start + timedelta(seconds=rng.randrange(30 * 86400)) for start in starts]

    began = time.perf_counter()
    add = calendar.add
    results = [add(start, target) for start, target in zip(starts, targets)]
    report(f"{CALLS:,} add() calls", time.perf_counter() - began)

    began = time.perf_counter()
    between = calendar.seconds_between
    for start, end in zip(starts, ends):
        between(start, end)
    report(f"{CALLS:,} seconds_between() calls", time.perf_counter() - began)

    # A cheap sanity check so a fast-but-wrong change doesn't go unnoticed.
    for start, target, result in list(zip(starts, targets, results))[:1000]:
        assert calendar.seconds_between(start, result) == target


if __name__ == "__main__":
    main()
