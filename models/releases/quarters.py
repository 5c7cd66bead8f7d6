"""Calendar quarters, the unit of a release: "2026Q3" is 1 July to 30 September 2026."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from models.i18n import N_, translate

_PATTERN = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


class QuarterError(ValueError):
    """Not a quarter such as 2026Q3, or not a closed one."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        found = _PATTERN.match(text or "")
        if found is None:
            raise QuarterError(f"{text!r} is not a quarter; write it as 2026Q3")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the quarter."""
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def start_moment(self) -> dt.datetime:
        """Midnight UTC at the start of the quarter, to compare with timestamp columns."""
        return dt.datetime.combine(self.start, dt.time(), dt.UTC)

    def end_moment(self) -> dt.datetime:
        """Midnight UTC after the quarter's last day (exclusive)."""
        return dt.datetime.combine(self.next().start, dt.time(), dt.UTC)

    def closed_on(self, today: dt.date) -> bool:
        """Whether the quarter is over on ``today``."""
        return self.end < today

    def label(self, language: str = "en") -> str:
        return translate(N_("{year} Q{quarter}"), language).format(
            year=self.year, quarter=self.number
        )


def last_closed(today: dt.date) -> Quarter:
    return Quarter.of(today).previous()
