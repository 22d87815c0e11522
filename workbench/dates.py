"""Calendar arithmetic shared by the generator and the system prompt.

A small model resolves "next Friday" badly when it has to count days, and well when the
date is written in its prompt to be copied. So `{calendar}` in a project's system prompt
expands to the coming two weeks by the names people use, with the same conventions the
offline generator uses to write its dates (weeks start on Monday).
"""

from __future__ import annotations

import datetime as dt

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday(today: dt.date, index: int, next_week: bool = False) -> dt.date:
    """The coming weekday ("Friday": the first Friday after today), or that day of next week."""
    if next_week:
        monday = today + dt.timedelta(days=7 - today.weekday())
        return monday + dt.timedelta(days=index)
    ahead = (index - today.weekday()) % 7 or 7
    return today + dt.timedelta(days=ahead)


def end_of_month(today: dt.date) -> dt.date:
    first_next = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first_next - dt.timedelta(days=1)


def calendar(today: dt.date) -> str:
    """One line naming the dates from tomorrow to the end of next week, and the month's end."""
    names: dict[dt.date, list[str]] = {}
    for i, day in enumerate(WEEKDAYS):
        names.setdefault(weekday(today, i), []).append(day)
        names.setdefault(weekday(today, i, next_week=True), []).append(f"next {day}")
    names[today + dt.timedelta(days=1)].insert(0, "tomorrow")
    days = "; ".join(f"{' or '.join(labels)} {d.isoformat()}" for d, labels in sorted(names.items()))
    return (f"Today is {WEEKDAYS[today.weekday()]} {today.isoformat()}. Coming days: {days}. "
            f"The month ends {end_of_month(today).isoformat()}.")


def fill_prompt(template: str, today: str) -> str:
    """A system prompt with `{today}` (YYYY-MM-DD) and `{calendar}` filled in for `today`."""
    return template.replace("{today}", today).replace("{calendar}", calendar(dt.date.fromisoformat(today)))
