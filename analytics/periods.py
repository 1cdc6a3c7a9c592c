"""Calendar periods of the analytics answers (pure Python over a handful of dates): months, ISO weeks, days."""

import datetime


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(first: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after (or before, when negative) the month of `first`."""
    index = first.year * 12 + (first.month - 1) + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(day: datetime.date) -> datetime.date:
    return add_months(month_start(day), 1) - datetime.timedelta(days=1)


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s ISO week (what TruncWeek returns on both engines)."""
    return day - datetime.timedelta(days=day.weekday())


def period_key(first_day: datetime.date, group_by: str) -> str:
    """`YYYY-MM-DD`, ISO week `YYYY-Www` or `YYYY-MM`.

    A week is named by its ISO year, which differs from the calendar year around New Year (2024-12-30 is in
    2025-W01), so the key comes from the Monday's `isocalendar()`, not from the database.
    """
    if group_by == "day":
        return first_day.isoformat()
    if group_by == "week":
        iso_year, iso_week, _ = first_day.isocalendar()
        return f"{iso_year:04d}-W{iso_week:02d}"
    return f"{first_day.year:04d}-{first_day.month:02d}"


def period_starts(start: datetime.date, end: datetime.date, group_by: str) -> list[datetime.date]:
    """The first day of every period touching [start, end], oldest first."""
    if group_by == "day":
        return [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
    if group_by == "week":
        first, last = week_start(start), week_start(end)
        return [first + datetime.timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    first, last = month_start(start), month_start(end)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first, i) for i in range(count)]
