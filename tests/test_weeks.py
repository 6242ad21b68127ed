"""Week ids in the ``us`` and ``iso`` schemes: known calendar facts, year boundaries and invariants."""

from __future__ import annotations

import datetime as dt

import pytest

from ghdigest.weeks import Week, WeekError, weeks_in_year

D = dt.date.fromisoformat
FIRST_DAY = dt.date(2015, 1, 1)
LAST_DAY = dt.date(2031, 12, 31)
ALL_DAYS = [FIRST_DAY + dt.timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
SUNDAY, MONDAY = 6, 0  # date.weekday()


def reference_week(day: dt.date, scheme: str) -> tuple[int, int]:
    """(year, number) straight from the definitions, without the module under test.

    ``us``: the week runs Sunday to Saturday and week 1 holds 1 January, so a week belongs to
    the year of its Saturday and is numbered by how many Saturdays of that year it has seen.
    ``iso``: the week runs Monday to Sunday and week 1 holds the first Thursday, so a week
    belongs to the year of its Thursday and is numbered by how many Thursdays it has seen.
    """
    if scheme == "us":
        key_day = day + dt.timedelta(days=(5 - day.weekday()) % 7)  # Saturday on or after
    else:
        key_day = day - dt.timedelta(days=day.weekday()) + dt.timedelta(days=3)  # Thursday of the week
    return key_day.year, (key_day.timetuple().tm_yday - 1) // 7 + 1


def count_weekdays(year: int, weekday: int) -> int:
    """How many days of ``year`` fall on ``weekday`` (Monday=0)."""
    day = dt.date(year, 1, 1)
    count = 0
    while day.year == year:
        count += day.weekday() == weekday
        day += dt.timedelta(days=1)
    return count


# --- known facts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "scheme", "week_id"),
    [
        # required facts
        ("2020-09-13", "us", "2020-W38"),
        ("2020-09-13", "iso", "2020-W37"),
        ("2021-02-07", "us", "2021-W07"),
        ("2021-02-07", "iso", "2021-W05"),
        ("2020-09-19", "us", "2020-W38"),
        ("2020-09-12", "us", "2020-W37"),
        ("2020-09-20", "us", "2020-W39"),
        ("2020-09-14", "iso", "2020-W38"),
        ("2020-09-20", "iso", "2020-W38"),
        # US year boundaries: the Sunday-to-Saturday week holding 1 January is week 1
        ("2020-12-26", "us", "2020-W52"),
        ("2020-12-27", "us", "2021-W01"),
        ("2020-12-31", "us", "2021-W01"),
        ("2021-01-01", "us", "2021-W01"),
        ("2021-01-02", "us", "2021-W01"),
        ("2021-01-03", "us", "2021-W02"),
        ("2019-12-28", "us", "2019-W52"),
        ("2019-12-29", "us", "2020-W01"),
        ("2021-12-25", "us", "2021-W52"),
        ("2021-12-26", "us", "2022-W01"),
        ("2022-01-01", "us", "2022-W01"),
        ("2022-12-24", "us", "2022-W52"),
        ("2022-12-25", "us", "2022-W53"),
        ("2022-12-31", "us", "2022-W53"),
        ("2023-01-01", "us", "2023-W01"),
        ("2023-01-07", "us", "2023-W01"),
        ("2016-01-02", "us", "2016-W01"),
        ("2016-12-31", "us", "2016-W53"),
        ("2017-01-01", "us", "2017-W01"),
        # ISO year boundaries: the Monday-to-Sunday week holding the first Thursday is week 1
        ("2020-12-28", "iso", "2020-W53"),
        ("2021-01-01", "iso", "2020-W53"),
        ("2021-01-03", "iso", "2020-W53"),
        ("2021-01-04", "iso", "2021-W01"),
        ("2019-12-29", "iso", "2019-W52"),
        ("2019-12-30", "iso", "2020-W01"),
        ("2022-01-01", "iso", "2021-W52"),
        ("2022-01-03", "iso", "2022-W01"),
        ("2023-01-01", "iso", "2022-W52"),
        ("2016-01-03", "iso", "2015-W53"),
        ("2024-12-30", "iso", "2025-W01"),
    ],
)
def test_week_of_known_days(day: str, scheme: str, week_id: str) -> None:
    week = Week.of(D(day), scheme)  # type: ignore[arg-type]
    assert week.id == week_id
    assert week.scheme == scheme


@pytest.mark.parametrize(
    ("week_id", "scheme", "start", "end"),
    [
        ("2020-W38", "us", "2020-09-13", "2020-09-19"),
        ("2020-W38", "iso", "2020-09-14", "2020-09-20"),
        ("2021-W07", "us", "2021-02-07", "2021-02-13"),
        ("2021-W05", "iso", "2021-02-01", "2021-02-07"),
        ("2020-W01", "us", "2019-12-29", "2020-01-04"),
        ("2020-W52", "us", "2020-12-20", "2020-12-26"),
        ("2021-W01", "us", "2020-12-27", "2021-01-02"),
        ("2022-W01", "us", "2021-12-26", "2022-01-01"),
        ("2022-W53", "us", "2022-12-25", "2022-12-31"),
        ("2023-W01", "us", "2023-01-01", "2023-01-07"),
        ("2020-W01", "iso", "2019-12-30", "2020-01-05"),
        ("2020-W53", "iso", "2020-12-28", "2021-01-03"),
        ("2021-W01", "iso", "2021-01-04", "2021-01-10"),
        ("2021-W52", "iso", "2021-12-27", "2022-01-02"),
    ],
)
def test_parse_gives_start_and_end(week_id: str, scheme: str, start: str, end: str) -> None:
    week = Week.parse(week_id, scheme)  # type: ignore[arg-type]
    assert (week.start, week.end) == (D(start), D(end))
    assert D(start) in week
    assert D(end) in week
    assert D(start) - dt.timedelta(days=1) not in week
    assert D(end) + dt.timedelta(days=1) not in week


def test_parse_defaults_to_us_scheme() -> None:
    assert Week.parse("2020-W38").start == D("2020-09-13")
    assert Week.parse("2020-W38").scheme == "us"


@pytest.mark.parametrize(
    ("year", "scheme", "count"),
    [
        (2016, "us", 53),  # leap year starting on a Friday: 53 Saturdays
        (2017, "us", 52),
        (2020, "us", 52),
        (2021, "us", 52),
        (2022, "us", 53),  # starts on a Saturday; 2023-01-01 is a Sunday
        (2023, "us", 52),
        (2028, "us", 53),  # leap year starting on a Saturday
        (2015, "iso", 53),
        (2020, "iso", 53),
        (2021, "iso", 52),
        (2022, "iso", 52),
        (2026, "iso", 53),
    ],
)
def test_weeks_in_year(year: int, scheme: str, count: int) -> None:
    assert weeks_in_year(year, scheme) == count  # type: ignore[arg-type]


@pytest.mark.parametrize("scheme", ["us", "iso"])
@pytest.mark.parametrize("year", range(2015, 2032))
def test_last_week_exists_and_the_one_after_does_not(year: int, scheme: str) -> None:
    # a US week is counted by its Saturday, an ISO week by its Thursday
    count = count_weekdays(year, 5 if scheme == "us" else 3)
    assert weeks_in_year(year, scheme) == count  # type: ignore[arg-type]
    last = Week.parse(f"{year}-W{count}", scheme)  # type: ignore[arg-type]
    assert last.next() == Week(year + 1, 1, scheme)  # type: ignore[arg-type]
    with pytest.raises(WeekError):
        Week.parse(f"{year}-W{count + 1}", scheme)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("week_id", "scheme"),
    [("2021-W53", "us"), ("2020-W53", "us"), ("2023-W53", "us"), ("2021-W53", "iso"), ("2022-W53", "iso")],
)
def test_week_53_of_a_52_week_year_is_refused(week_id: str, scheme: str) -> None:
    with pytest.raises(WeekError, match="53"):
        Week.parse(week_id, scheme)  # type: ignore[arg-type]


@pytest.mark.parametrize(("week_id", "scheme"), [("2022-W53", "us"), ("2016-W53", "us"), ("2020-W53", "iso")])
def test_week_53_of_a_53_week_year_is_accepted(week_id: str, scheme: str) -> None:
    assert Week.parse(week_id, scheme).id == week_id  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("week", "following"),
    [
        (Week(2020, 38, "us"), Week(2020, 39, "us")),
        (Week(2020, 52, "us"), Week(2021, 1, "us")),
        (Week(2021, 52, "us"), Week(2022, 1, "us")),
        (Week(2022, 52, "us"), Week(2022, 53, "us")),
        (Week(2022, 53, "us"), Week(2023, 1, "us")),
        (Week(2020, 52, "iso"), Week(2020, 53, "iso")),
        (Week(2020, 53, "iso"), Week(2021, 1, "iso")),
        (Week(2021, 52, "iso"), Week(2022, 1, "iso")),
    ],
)
def test_next_and_previous_across_year_ends(week: Week, following: Week) -> None:
    assert week.next() == following
    assert following.previous() == week
    assert following.start - week.start == dt.timedelta(days=7)


# --- properties over every day of 2015-2031 ---------------------------------------------------------


@pytest.mark.parametrize("scheme", ["us", "iso"])
def test_every_day_maps_to_one_consistent_week(scheme: str) -> None:
    first_weekday = SUNDAY if scheme == "us" else MONDAY
    previous: Week | None = None
    for day in ALL_DAYS:
        week = Week.of(day, scheme)  # type: ignore[arg-type]
        assert (week.year, week.number) == reference_week(day, scheme), day
        assert day in week, day
        assert week.start <= day <= week.end, day
        assert week.start.weekday() == first_weekday, day
        assert week.end - week.start == dt.timedelta(days=6), day
        assert Week.parse(week.id, scheme) == week, day  # type: ignore[arg-type]
        assert week.next().previous() == week, day
        assert week.previous().next() == week, day
        if scheme == "iso":
            iso = day.isocalendar()
            assert (week.year, week.number) == (iso[0], iso[1]), day
        if previous is not None:
            if day.weekday() == first_weekday:
                assert week == previous.next(), day
                assert previous < week, day
                assert week.start == day
            else:
                assert week == previous, day
        previous = week


@pytest.mark.parametrize("scheme", ["us", "iso"])
def test_each_week_holds_exactly_seven_days(scheme: str) -> None:
    days_per_week: dict[Week, int] = {}
    for day in ALL_DAYS:
        week = Week.of(day, scheme)  # type: ignore[arg-type]
        days_per_week[week] = days_per_week.get(week, 0) + 1
    inner = list(days_per_week.values())[1:-1]  # the first and last week may be cut by the range
    assert inner
    assert all(count == 7 for count in inner)


# --- ids, parsing errors and ordering -------------------------------------------------------------


@pytest.mark.parametrize(
    ("week", "week_id"),
    [
        (Week(2021, 7, "us"), "2021-W07"),
        (Week(2021, 1, "iso"), "2021-W01"),
        (Week(2020, 38, "us"), "2020-W38"),
        (Week(2022, 53, "us"), "2022-W53"),
    ],
)
def test_ids_are_zero_padded(week: Week, week_id: str) -> None:
    assert week.id == week_id
    assert str(week) == week_id


@pytest.mark.parametrize("text", ["2020-38", "2020-W8", "2020W38", "20-W38", "2020-W038", "2020-W", "", "2020-W3a"])
def test_malformed_ids_are_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(WeekError) as info:
        Week.parse(text)
    message = str(info.value)
    assert repr(text) in message
    assert "2020-W38" in message  # shows the expected form


@pytest.mark.parametrize("text", [" 2020-W38", "2020-W38 ", "2020-W38\n", "\n2020-W38", "2020-W38\t"])
def test_ids_with_surrounding_white_space_are_refused(text: str) -> None:
    with pytest.raises(WeekError) as info:
        Week.parse(text)
    assert repr(text) in str(info.value)
    assert "2020-W38" in str(info.value)


@pytest.mark.parametrize(
    ("text", "scheme", "number", "last"),
    [("2020-W00", "us", 0, 52), ("2020-W54", "us", 54, 52), ("2020-W00", "iso", 0, 53), ("2020-W54", "iso", 54, 53)],
)
def test_week_numbers_out_of_range_are_refused(text: str, scheme: str, number: int, last: int) -> None:
    with pytest.raises(WeekError) as info:
        Week.parse(text, scheme)  # type: ignore[arg-type]
    message = str(info.value)
    assert f"week {number} " in message
    assert "2020" in message
    assert f"1 to {last}" in message  # says which week numbers exist


@pytest.mark.parametrize("text", ["\uff12\uff10\uff12\uff10-W38", "2020-W\u0663\u0668", "2020-W3\uff18"])
def test_ids_with_non_ascii_digits_are_refused(text: str) -> None:
    # A week id is YYYY-Www in ASCII digits; anything accepted must come back unchanged as ``id``.
    with pytest.raises(WeekError):
        Week.parse(text)


@pytest.mark.parametrize("scheme", ["eu", "ISO", ""])
def test_parse_refuses_unknown_scheme(scheme: str) -> None:
    with pytest.raises(WeekError, match="scheme"):
        Week.parse("2020-W38", scheme)  # type: ignore[arg-type]


@pytest.mark.parametrize("scheme", ["eu", "ISO", ""])
def test_week_of_refuses_unknown_scheme(scheme: str) -> None:
    # A mistyped scheme must not silently give US weeks.
    with pytest.raises(WeekError, match="scheme"):
        Week.of(D("2020-09-13"), scheme)  # type: ignore[arg-type]


def test_week_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="malformed week id"):
        Week.parse("2020-38")


@pytest.mark.parametrize("scheme", ["us", "iso"])
def test_ordering_is_chronological(scheme: str) -> None:
    weeks = [Week.of(day, scheme) for day in ALL_DAYS[::3]]  # type: ignore[arg-type]
    shuffled = weeks[1::2] + weeks[::2]
    assert sorted(shuffled) == sorted(weeks, key=lambda week: week.start)


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        (Week(2020, 52, "us"), Week(2021, 1, "us")),
        (Week(2020, 9, "us"), Week(2020, 10, "us")),
        (Week(2020, 53, "iso"), Week(2021, 1, "iso")),
        (Week(2021, 52, "iso"), Week(2022, 1, "iso")),
    ],
)
def test_earlier_weeks_sort_first(earlier: Week, later: Week) -> None:
    assert earlier < later
    assert later > earlier
    assert earlier.start < later.start
    assert sorted([later, earlier]) == [earlier, later]


def test_weeks_are_hashable_values() -> None:
    assert Week(2020, 38, "us") == Week.parse("2020-W38", "us")
    assert Week(2020, 38, "us") != Week(2020, 38, "iso")
    assert len({Week(2020, 38, "us"), Week.of(D("2020-09-16"), "us")}) == 1
