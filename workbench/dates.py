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
    """Today, then one line per name a date goes by, tomorrow to the end of next week, and the month's end.

    One "label: date" per line, in date order, each label right before its date: easy to check by eye
    in the prompt preview. The bundled model still copies a neighbouring line's date now and then, as it
    did from the older one-line form (docs/benchmarks.md, quality rows 6 and 7)."""
    named = [(today + dt.timedelta(days=1), "tomorrow")]
    for i, day in enumerate(WEEKDAYS):
        named += [(weekday(today, i), day), (weekday(today, i, next_week=True), f"next {day}")]
    # Dates in order; on a shared date "tomorrow" first, then the plain name, then "next" ("next Monday").
    named.sort(key=lambda item: (item[0], item[1].startswith("next"), item[1] != "tomorrow"))
    lines = [f"Today is {WEEKDAYS[today.weekday()]} {today.isoformat()}. Dates:"]
    lines += [f"{label}: {day.isoformat()}" for day, label in named]
    lines.append(f"end of the month: {end_of_month(today).isoformat()}")
    return "\n".join(lines)


def parse_day(text: str) -> str:
    """`text` if it is a date as YYYY-MM-DD; else ValueError with a message fit for the user."""
    try:
        dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"{text!r} is not a date as YYYY-MM-DD") from None
    return text


def fill_prompt(template: str, today: str) -> str:
    """A system prompt with `{today}` (YYYY-MM-DD) and `{calendar}` filled in for `today`."""
    return template.replace("{today}", today).replace("{calendar}", calendar(dt.date.fromisoformat(today)))
