"""Working days for deadlines: Monday to Friday without the public holidays of the canton of
Luzern (Neujahr, Berchtoldstag, Karfreitag, Ostermontag, Auffahrt, Pfingstmontag, Fronleichnam,
Bundesfeier, Mariä Himmelfahrt, Allerheiligen, Mariä Empfängnis, Weihnachten, Stephanstag)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@lru_cache(maxsize=64)
def luzern_holidays(year: int) -> frozenset[dt.date]:
    easter = easter_sunday(year)
    fixed = [(1, 1), (1, 2), (8, 1), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26)]
    movable = [-2, 1, 39, 50, 60]  # Karfreitag, Ostermontag, Auffahrt, Pfingstmontag, Fronleichnam
    days = {dt.date(year, m, d) for m, d in fixed}
    days |= {easter + dt.timedelta(days=offset) for offset in movable}
    return frozenset(days)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in luzern_holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end ≤ start)."""
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
