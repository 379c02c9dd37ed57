"""Rating aggregates checked against figures worked out by hand, and their CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from desk.csv_export import csv_text, safe_cell
from desk.services import rating_reports as reports
from desk.services.rating_reports import RatingFilters
from tests.rating_support import Shop

MON = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # a Monday
JANUARY = RatingFilters(start=date(2026, 1, 1), end=date(2026, 1, 31))


def _history(make) -> Shop:
    shop = Shop(make)
    # IT, by Ivan, for Marketing: six ratings, the last two in the second week.
    days = [0, 1, 2, 6, 7, 8]  # day 6 is Sunday 11 January, 10:00: still the first week
    for score, day, dims in zip([5, 4, 4, 2, 1, 5], days, [
        {"reliability": 5}, {"reliability": 4}, {"reliability": 4, "empathy": 5}, {"reliability": 3},
        {"reliability": 2, "empathy": 1}, {},
    ]):
        at = MON + timedelta(days=day)
        shop.rate(shop.resolved(at=at, clarity=score), score, at=at + timedelta(hours=1), **dims)
    # IT, by Ines: two resolved and never rated, one rated by Finance.
    shop.resolved(agent=shop.agent2, at=MON)
    shop.resolved(agent=shop.agent2, at=MON)
    rated = shop.resolved(requester=shop.fin_member, agent=shop.agent2, at=MON, clarity=4)
    shop.rate(rated, 3, at=MON + timedelta(hours=2))
    # Finance, for Marketing: three ratings.
    for score in (5, 5, 4):
        shop.rate(shop.resolved(request_type=shop.invoice, at=MON), score, at=MON + timedelta(hours=3))
    # IT's own member asking IT: never counted (nobody rates their own department).
    shop.resolved(requester=make.user(shop.it), at=MON)
    # Outside January: ignored by the filter.
    shop.rate(shop.resolved(at=MON + timedelta(days=40)), 1, at=MON + timedelta(days=40, hours=1))
    return shop


def test_department_figures(make):
    shop = _history(make)
    it = reports.overall(RatingFilters(start=JANUARY.start, end=JANUARY.end, department_id=shop.it.id))
    # scores 5 4 4 2 1 5 3 over 9 rateable resolved requests
    assert (it.resolved, it.ratings, it.average, it.csat, it.response_rate) == (9, 7, 3.43, 57.1, 77.8)

    providers = {f.label: f for f in reports.by_provider(JANUARY)}
    assert providers["Finance"].ratings == 3 and providers["Finance"].average is None  # under 5: masked
    assert providers["Finance"].csat is None and not providers["Finance"].enough
    assert providers["IT"].average == 3.43


def test_pairs_types_agents(make):
    shop = _history(make)
    pairs = {f.label: f for f in reports.by_pair(JANUARY)}
    assert (pairs["Marketing → IT"].resolved, pairs["Marketing → IT"].ratings, pairs["Marketing → IT"].average,
            pairs["Marketing → IT"].csat) == (8, 6, 3.5, 66.7)
    assert pairs["Finance → IT"].ratings == 1 and pairs["Finance → IT"].average is None
    assert pairs["Marketing → Finance"].average is None

    types = {f.label: f.ratings for f in reports.by_type(JANUARY)}
    assert types == {"IT: Laptop": 7, "Finance: Invoice": 3}

    agents = {f.label: f for f in reports.by_agent(RatingFilters(start=JANUARY.start, end=JANUARY.end,
                                                                 department_id=shop.it.id))}
    assert (agents["Ivan Agent"].ratings, agents["Ivan Agent"].average) == (6, 3.5)
    assert (agents["Ines Agent"].resolved, agents["Ines Agent"].ratings, agents["Ines Agent"].average) == (3, 1, None)


def test_weeks_start_on_monday(make):
    shop = _history(make)
    weeks = reports.by_week(RatingFilters(start=JANUARY.start, end=JANUARY.end, department_id=shop.it.id))
    assert [(f.key[0], f.resolved, f.ratings) for f in weeks] == [(date(2026, 1, 5), 7, 5), (date(2026, 1, 12), 2, 2)]
    assert weeks[0].label == "Week of 05 Jan 2026"


def test_servqual_profile_masks_thin_dimensions(make):
    shop = _history(make)
    profile = {d.name: d for d in reports.servqual_profile(
        RatingFilters(start=JANUARY.start, end=JANUARY.end, department_id=shop.it.id))}
    assert (profile["reliability"].ratings, profile["reliability"].average) == (5, 3.6)
    assert (profile["empathy"].ratings, profile["empathy"].average) == (2, None)
    assert (profile["tangibles"].ratings, profile["tangibles"].average) == (0, None)
    by_department = reports.servqual_by_provider(JANUARY)
    assert [name for _, name, _ in by_department] == ["Finance", "IT"]


def test_service_star_needs_five_ratings_and_breaks_ties_by_count(make):
    shop = Shop(make)
    february = MON + timedelta(days=30)
    third = make.agent(shop.it, name="Theo Agent")
    for agent, scores in ((shop.agent, [4] * 5), (shop.agent2, [4] * 6), (third, [5] * 4)):
        for score in scores:
            shop.rate(shop.resolved(agent=agent, at=february), score, at=february)
    shop.rate(shop.resolved(agent=shop.agent, at=MON), 5, at=MON)  # January: only one rating, no star
    for score in (3, 4, 5, 5, 5):
        shop.rate(shop.resolved(request_type=shop.invoice, at=february), score, at=february)
    stars = reports.service_stars(RatingFilters(start=date(2026, 1, 1), end=date(2026, 2, 28)))
    assert [(s.month, s.department, s.agent, s.ratings, s.average) for s in stars] == [
        (date(2026, 2, 1), "Finance", "Finn Agent", 5, 4.4),
        (date(2026, 2, 1), "IT", "Ines Agent", 6, 4.0),  # same average as Ivan, more ratings
    ]


def test_clarity_by_requesting_department(make):
    _history(make)
    clarity = {f.label: f for f in reports.clarity_by_requesting_department(JANUARY)}
    assert (clarity["Marketing"].scored, clarity["Marketing"].average) == (6, 3.5)  # 5 4 4 2 1 5
    assert (clarity["Finance"].scored, clarity["Finance"].average) == (1, None)


def test_csv_cells_cannot_start_a_formula():
    assert [safe_cell(v) for v in ("=1+1", "+CMD", "-2+3", "@SUM(A1)", "\tx", "plain", -3, 4.5, None)] == [
        "'=1+1", "'+CMD", "'-2+3", "'@SUM(A1)", "'\tx", "plain", -3, 4.5, ""]
    text = csv_text(["Comment"], [['=HYPERLINK("http://evil","click")']])
    assert text.splitlines()[1] == '"\'=HYPERLINK(""http://evil"",""click"")"'
