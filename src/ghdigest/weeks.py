"""Week ids (``2020-W38``) and the two numbering schemes.

``us``: weeks run Sunday to Saturday and week 1 is the week holding 1 January, so the last
days of December can belong to week 1 of the next year (2020-W38 = 2020-09-13 … 2020-09-19).
``iso``: ISO 8601, weeks run Monday to Sunday and week 1 holds the year's first Thursday.
Both map every date to exactly one week and every week to exactly seven dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

WeekScheme = Literal["us", "iso"]
SCHEMES: tuple[WeekScheme, ...] = ("us", "iso")

_WEEK_ID = re.compile(r"([0-9]{4})-W([0-9]{2})")
_ONE_WEEK = dt.timedelta(days=7)
#: Years a week may belong to; the range keeps every neighbouring date computable.
MIN_YEAR, MAX_YEAR = 1000, 9998


class WeekError(ValueError):
    """A week id is malformed or does not exist in its scheme."""


def _us_year_start(year: int) -> dt.date:
    """The Sunday that starts US week 1 of ``year`` (on or before 1 January)."""
    jan1 = dt.date(year, 1, 1)
    # date.weekday(): Monday=0 … Sunday=6; days since the previous Sunday:
    return jan1 - dt.timedelta(days=(jan1.weekday() + 1) % 7)


def _iso_year_start(year: int) -> dt.date:
    """The Monday that starts ISO week 1 of ``year``."""
    return dt.date.fromisocalendar(year, 1, 1)


def _year_start(year: int, scheme: WeekScheme) -> dt.date:
    return _us_year_start(year) if scheme == "us" else _iso_year_start(year)


def weeks_in_year(year: int, scheme: WeekScheme) -> int:
    """Number of weeks (52 or 53) that ``year`` has in ``scheme``."""
    return (_year_start(year + 1, scheme) - _year_start(year, scheme)).days // 7


@dataclass(frozen=True, order=True)
class Week:
    """One week of one scheme; ordered by time within a scheme."""

    year: int
    number: int
    scheme: WeekScheme = "us"

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise WeekError(f"unknown week scheme {self.scheme!r}; expected 'us' or 'iso'")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise WeekError(f"year {self.year} is out of range ({MIN_YEAR} to {MAX_YEAR})")
        last = weeks_in_year(self.year, self.scheme)
        if not 1 <= self.number <= last:
            raise WeekError(f"week {self.number} does not exist in {self.year} ({self.scheme} weeks run 1 to {last})")

    @classmethod
    def parse(cls, text: str, scheme: WeekScheme = "us") -> Week:
        """Parse ``YYYY-Www``; raise WeekError when malformed or out of range."""
        match = _WEEK_ID.fullmatch(text)
        if match is None:
            raise WeekError(f"malformed week id {text!r}; expected a form like 2020-W38")
        return cls(int(match.group(1)), int(match.group(2)), scheme)

    @classmethod
    def of(cls, day: dt.date, scheme: WeekScheme = "us") -> Week:
        """The week of ``scheme`` that holds ``day``."""
        if scheme not in SCHEMES:
            raise WeekError(f"unknown week scheme {scheme!r}; expected 'us' or 'iso'")
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise WeekError(f"{day.isoformat()} is out of range (years {MIN_YEAR} to {MAX_YEAR})")
        if scheme == "iso":
            iso = day.isocalendar()
            return cls(iso[0], iso[1], "iso")
        year = day.year + 1 if day >= _us_year_start(day.year + 1) else day.year
        return cls(year, (day - _us_year_start(year)).days // 7 + 1, "us")

    @property
    def id(self) -> str:
        """The week id, such as ``2020-W38``."""
        return f"{self.year:04d}-W{self.number:02d}"

    @property
    def start(self) -> dt.date:
        """First day of the week (a Sunday for ``us``, a Monday for ``iso``)."""
        return _year_start(self.year, self.scheme) + (self.number - 1) * _ONE_WEEK

    @property
    def end(self) -> dt.date:
        """Last day of the week, inclusive."""
        return self.start + dt.timedelta(days=6)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def next(self) -> Week:
        """The following week."""
        return Week.of(self.start + _ONE_WEEK, self.scheme)

    def previous(self) -> Week:
        """The preceding week."""
        return Week.of(self.start - _ONE_WEEK, self.scheme)

    def __str__(self) -> str:
        return self.id
