"""Argument values with the words a user would say for them.

A `Slot` pairs the value that goes into the call with the text that appears in the
request ("2026-03-06" said as "Friday"). Dates are phrased relative to the project's
`today`, the same day the system prompt names, so the model learns to resolve them.
Values for any schema come from `schema_values.ValueMaker`; the pools here serve the phrasebooks.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from typing import Any

from workbench import dates
from workbench.dates import WEEKDAYS

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class Slot:
    value: Any
    text: str


def ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve")
ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                 "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
                 "eighteenth", "nineteenth", "twentieth", "twenty-first", "twenty-second", "twenty-third",
                 "twenty-fourth", "twenty-fifth", "twenty-sixth", "twenty-seventh", "twenty-eighth",
                 "twenty-ninth", "thirtieth", "thirty-first")


def month_day_forms(d: dt.date) -> list[str]:
    """The absolute ways people say a date: "March 6", "the 6th of March", "the sixth of March", ..."""
    m, word = MONTHS[d.month - 1], ORDINAL_WORDS[d.day - 1]
    return [f"{m} {d.day}", f"{m} {ordinal(d.day)}", f"the {ordinal(d.day)} of {m}", f"{d.day} {m}",
            f"{m[:3]} {d.day}", d.isoformat(), f"{m} {d.day} {d.year}", f"{m} {d.day}, {d.year}",
            f"the {word} of {m}", f"{m} {word}"]


def month_day(d: dt.date, rng: random.Random, today: dt.date) -> str:
    """An absolute way of saying a date; the year only sometimes, as people do."""
    forms = month_day_forms(d)
    if d.month == today.month:
        forms += [f"the {ordinal(d.day)}", f"the {ORDINAL_WORDS[d.day - 1]}"]
    return rng.choice(forms)


class Dates:
    """Dates and their phrasings relative to `today` (weeks start on Monday)."""

    def __init__(self, today: dt.date):
        self.today = today

    def weekday(self, index: int, next_week: bool = False) -> dt.date:
        return dates.weekday(self.today, index, next_week)

    def end_of_month(self) -> dt.date:
        return dates.end_of_month(self.today)

    def draw(self, rng: random.Random) -> Slot:
        """A future date said one of the many ways people say dates."""
        t = self.today
        kind = rng.random()
        if kind < 0.14:
            return Slot(t + dt.timedelta(days=1), "tomorrow")
        if kind < 0.18:
            return Slot(t, "today")
        if kind < 0.21:
            return Slot(t + dt.timedelta(days=2), "the day after tomorrow")
        if kind < 0.40:
            i = rng.choice([d for d in range(7) if d != t.weekday()])
            return Slot(self.weekday(i), rng.choice([WEEKDAYS[i], WEEKDAYS[i], f"this {WEEKDAYS[i]}"]))
        if kind < 0.52:
            i = rng.randrange(7)
            return Slot(self.weekday(i, next_week=True), f"next {WEEKDAYS[i]}")
        if kind < 0.57:
            n = rng.randint(2, 10)
            return Slot(t + dt.timedelta(days=n), rng.choice([f"in {n} days", f"{n} days from now"]))
        if kind < 0.61:
            return Slot(t + dt.timedelta(days=7), rng.choice(["a week from today", "in a week", "one week from now"]))
        if kind < 0.65:
            return Slot(self.end_of_month(), rng.choice(["the end of the month", "the last day of the month"]))
        d = t + dt.timedelta(days=rng.randint(3, 120))
        return Slot(d, month_day(d, rng, t))


    def draw_past(self, rng: random.Random) -> Slot:
        """A past date ("placed after", "since"): mostly said as a date, as people do for the past."""
        t = self.today
        kind = rng.random()
        if kind < 0.1:
            return Slot(t - dt.timedelta(days=1), "yesterday")
        if kind < 0.2 and t.day > 1:
            return Slot(t.replace(day=1), rng.choice(["the start of the month", "the beginning of the month",
                                                      "the first of the month"]))
        d = t - dt.timedelta(days=rng.randint(2, 75))
        return Slot(d, month_day(d, rng, t))


def iso(slot: Slot, shift_days: int = 0) -> Slot:
    return Slot((slot.value + dt.timedelta(days=shift_days)).isoformat(), slot.text)


CITIES = ["Paris", "Tokyo", "Lagos", "Lima", "Oslo", "Cairo", "Denver", "Mumbai", "Toronto", "Madrid", "Berlin",
          "Nairobi", "Seoul", "Sydney", "Chicago", "Lisbon", "Dublin", "Hanoi", "Quito", "Reykjavik", "Boston",
          "Austin", "Zurich", "Vienna", "Prague", "Athens", "Istanbul", "Santiago", "Bogota", "Manila", "Perth",
          "Edinburgh", "Kyoto", "Montreal", "Seattle", "Marseille", "Porto", "Krakow", "Cape Town", "Auckland"]
COUNTRIES = {"Paris": "France", "Tokyo": "Japan", "Lima": "Peru", "Oslo": "Norway", "Madrid": "Spain",
             "Berlin": "Germany", "Toronto": "Canada", "Lisbon": "Portugal", "Dublin": "Ireland", "Kyoto": "Japan",
             "Porto": "Portugal", "Krakow": "Poland", "Auckland": "New Zealand", "Perth": "Australia"}
PEOPLE = ["alice", "bob", "carol", "dan", "erin", "farid", "grace", "hiro", "ines", "jonas", "kim", "lena", "mateo",
          "nadia", "omar", "priya", "quinn", "rosa", "sven", "tara"]
DOMAINS = ["example.com", "acme.io", "mail.example.org", "studio.example.net", "corp.example"]
TOPICS = ["quarterly budget", "offsite agenda", "contract renewal", "invoice 2291", "onboarding checklist",
          "design review", "travel receipts", "security audit", "roadmap draft", "customer feedback",
          "hiring plan", "server migration", "press release", "lease agreement", "conference talk",
          "team lunch", "tax forms", "warranty", "insurance claim", "project kickoff"]


# How people say the common currencies ("35 euros", "in yen"); other ISO 4217 codes are said as codes.
CURRENCY_WORDS = {"EUR": "euros", "USD": "US dollars", "GBP": "pounds", "JPY": "yen", "CHF": "Swiss francs",
                  "CAD": "Canadian dollars", "AUD": "Australian dollars", "NZD": "New Zealand dollars",
                  "SEK": "Swedish kronor", "NOK": "Norwegian kroner", "DKK": "Danish kroner", "PLN": "zloty",
                  "CZK": "Czech koruna", "INR": "rupees", "CNY": "yuan", "MXN": "Mexican pesos",
                  "BRL": "Brazilian reais", "ZAR": "rand", "SGD": "Singapore dollars", "KRW": "won",
                  "HKD": "Hong Kong dollars", "TRY": "Turkish lira", "THB": "baht"}


# A time of day as written in a call ("09:15", "14:00").
TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def time_phrases(value: str) -> list[str]:
    """How people say a time of day, the written form first: "09:15", "9:15am", "9:15 am", "9:15";
    "14:00", "2:00pm", "2pm", "2 pm"; "12:00", "12pm", "noon". An afternoon time always says pm: "2:30"
    alone does not say 14:30."""
    m = TIME.match(value)
    if m is None:
        return [value]
    hour, minute = int(m.group(1)), int(m.group(2))
    h12 = hour % 12 or 12
    half = "am" if hour < 12 else "pm"
    clock = f"{h12}:{minute:02d}"
    forms = [value, f"{clock}{half}", f"{clock} {half}"]
    if minute == 0:
        forms += [f"{h12}{half}", f"{h12} {half}"]
    if 7 <= hour < 12:
        forms.append(clock)   # "at 9:15" is the morning in any shop's hours
    if value == "12:00":
        forms.append("noon")
    return forms


# An id made of a word and a number ("task_7", "ticket_12"; not a code like "ORD-104233"): people
# rarely type the underscore.
WORD_ID = re.compile(r"^([a-z]{3,})_(\d+)$")


def typed_id_forms(value: str) -> list[str]:
    """How people type an id like "task_7" in a request: "task 7", "task #7", "#7"; [] for an id of
    another shape ("ORD-104233" is typed as it is written). The call still takes the id."""
    m = WORD_ID.match(value)
    if m is None:
        return []
    word, n = m.group(1).lower(), m.group(2)
    return [f"{word} {n}", f"{word} #{n}", f"{word} number {n}", f"#{n}"]


def email(rng: random.Random) -> Slot:
    addr = f"{rng.choice(PEOPLE)}@{rng.choice(DOMAINS)}"
    return Slot(addr, addr)
