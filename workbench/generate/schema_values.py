"""Argument values for any JSON Schema: valid by construction, and realistic first.

For each parameter the sources are tried from the most realistic down, and a candidate is
used only if it passes the parameter's own schema check (workbench.schema_check):

1. the project's own data: values the user's accepted examples gave this parameter (a share
   that grows with how many different ones they gave: `own_share`), then the project's value
   pools (`values.json`: lists by "tool.param" or "param");
2. the schema's own words: `enum`, `const`, `examples`, `default`, and hints in the
   description ("like ORD-104233", "e.g. Everest", "Downtown, Riverside Mall or Airport Plaza":
   a closed list like that is treated as the only values there are);
3. Faker (a maintained fake-data library), chosen by the parameter's name, description
   and format: emails, people, companies, cities, currency codes, times, amounts;
4. the schema alone: `pattern` through rstr (a maintained regex-driven generator),
   `format`, numeric bounds (inclusive and exclusive), lengths, array sizes.

A field whose name or description says what it holds never falls back to a generic word
pool while a source above can fill it. Dates stay relative to the project's `today` and
come with the words people say for them ("tomorrow", "next Tuesday", "March 12").
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
import re
from collections import defaultdict
from typing import Any

from workbench.generate.values import CURRENCY_WORDS, TIME, TOPICS, Dates, Slot, iso, time_phrases, typed_id_forms

HINT = re.compile(r"\b(?:like|e\.g\.,?|eg\.?|such as|for example|for instance|say)\s+[\"'`]?([^,;()\"'`]+?)[\"'`]?"
                  r"(?=[,;)]|\.(?:\s|$)|\s+or\s|$)", re.I)
# "Which store: Downtown, Riverside Mall or Airport Plaza." / "one of red, green or blue"
CLOSED_LIST = re.compile(r"(?:\bone of|:)\s*([^.:;()]+?(?:,\s*|\s+or\s+)[^.:;()]+?)\s*(?:\.|$)", re.I)
LIST_SPLIT = re.compile(r",\s*(?:or\s+|and\s+)?|\s+or\s+")

# Faker providers by what a parameter's name or description says it holds (checked in order).
FAKER_BY_WORD: list[tuple[tuple[str, ...], str]] = [
    (("currency",), "currency_code"),
    (("country_code",), "country_code"),
    (("email", "e-mail"), "email"),
    (("phone", "mobile"), "phone_number"),
    (("url", "uri", "website", "link"), "url"),
    (("uuid", "guid"), "uuid4"),
    (("first_name", "firstname", "given name"), "first_name"),
    (("last_name", "lastname", "surname", "family name"), "last_name"),
    (("company", "organization", "organisation", "employer", "vendor", "supplier"), "company"),
    (("city", "town"), "city"),
    (("country",), "country"),
    (("street", "address"), "street_address"),
    (("zip", "postcode", "postal"), "postcode"),
    (("customer", "person", "attendee", "contact", "recipient", "assignee", "owner", "full name", "name of"), "name"),
    (("color", "colour"), "color_name"),
    (("language",), "language_name"),
    (("job", "occupation"), "job"),
    (("message", "body", "note", "comment", "text", "description", "reason"), "sentence"),
]
PAST_WORDS = re.compile(r"placed|created|ordered|purchased|bought|since|joined|signed up|registered|born|"
                        r"happened|last seen|updated after|modified after", re.I)
MONEY_WORDS = ("amount", "price", "cost", "total", "budget", "fee", "salary")
COUNT_WORDS = ("quantity", "count", "number of", "how many", "qty", "guests", "people", "seats", "nights")
TOPIC_WORDS = ("query", "search", "keyword", "topic", "subject")


def hints(description: str) -> tuple[list[str], bool]:
    """Values a description names, and whether they are a closed list (the only values there are)."""
    found = [m.group(1).strip() for m in HINT.finditer(description or "")]
    m = CLOSED_LIST.search(description or "")
    if m:
        items = [s.strip() for s in LIST_SPLIT.split(m.group(1)) if s.strip()]
        if len(items) >= 2 and all(0 < len(s.split()) <= 4 for s in items):
            return items, True
    return found, False


def harvest(examples) -> dict[tuple[str, str], list[Any]]:
    """Values the user's examples gave each parameter: {(tool, param): [values]}, and {("", param): [...]}.
    Calls the tools refused (the wrong first try of an error recovery) teach no values."""
    out: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for ex in examples:
        for name, args in ex.calls(refused=False):
            for k, v in (args or {}).items():
                out[(name or "", k)].append(v)
                out[("", k)].append(v)
    return out


def _distinct(values: list) -> list:
    """Each value once (a value the user's examples used twice is not drawn twice as often)."""
    seen, out = set(), []
    for v in values:
        key = json.dumps(v, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def own_share(name: str, distinct: list) -> float:
    """How often a parameter takes one of the values the user's examples gave it.

    Ids keep a high share: the stubs' world knows only the ones the user named, and a made-up id
    is an error. Other values are drawn from the user's data in proportion to how many different
    ones there are: one example's "10:30" drawn for 56% of the shop's drop-offs taught the model
    a prior instead of reading the request ("9:15" came back as "10:15", "2 pairs" as 3).
    """
    if name.lower().endswith("id"):
        return 0.6
    return min(0.5, 0.15 * len(distinct))


def _said(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " and ".join(_said(v) for v in value)
    return str(value)


@functools.cache
def _short_repeats() -> type:
    """rstr's generator with `+` and `*` repeating at most 4 times more than they must: up to 100, its
    default, makes ids no one types ("ticket_9678525449608204022217380337141939954648020662181311").
    rstr has no setting for it; `_handle_repeat` is where it draws the count."""
    import rstr

    class ShortRepeats(rstr.Rstr):
        def _handle_repeat(self, start_range: int, end_range: int, value: str) -> str:
            return super()._handle_repeat(start_range, min(end_range, start_range + 4), value)

    return ShortRepeats


class ValueMaker:
    """Makes argument values for a project's tools; deterministic for the `rng` it is given."""

    def __init__(self, tools: list[dict], dates: Dates, examples=(), pools: dict | None = None):
        """`examples`: the user's accepted examples; `pools`: the project's values.json, lists of values
        by "tool.param" or "param" (task titles, product names: what only the user knows)."""
        from workbench.schema_check import build_checker

        self.dates = dates
        self._build_checker = build_checker
        self.checkers: dict[str, Any] = {}   # by the schema's JSON: one compile per distinct schema
        self.user = harvest(examples)
        self.pools = pools or {}
        self._faker = None

    # -- the one entry point
    def value(self, tool: str, name: str, schema: dict, rng: random.Random) -> Slot:
        """A value for parameter `name` of `tool` that passes `schema`, with the words for it."""
        schema = schema if isinstance(schema, dict) else {}
        for candidate in self.candidates(tool, name, schema, rng):
            if self.fits(tool, name, schema, candidate.value):
                return self._spoken(name, schema, candidate, rng)
        raise ValueError(f"{tool}.{name}: no value satisfies its schema {json.dumps(schema)[:200]}")

    def fits(self, tool: str, name: str, schema: dict, value: Any) -> bool:
        """Whether `value` passes the parameter's schema."""
        schema = schema if isinstance(schema, dict) else {}
        key = json.dumps(schema, sort_keys=True)
        check = self.checkers.get(key)
        if check is None:
            check = self.checkers[key] = self._build_checker(schema)
        problems: list = []
        check(value, "", problems)
        return not problems

    def candidates(self, tool: str, name: str, schema: dict, rng: random.Random):
        """Slots to try, most realistic first (each is checked by `value`)."""
        if not isinstance(schema, dict):
            schema = {}
        if "const" in schema:
            yield Slot(schema["const"], _said(schema["const"]))
        if "enum" in schema:
            v = rng.choice(schema["enum"])
            yield Slot(v, _said(v).replace("_", " "))   # too_large is said "too large"
        kind = schema.get("type")
        fmt = schema.get("format")
        lname, desc = name.lower(), (schema.get("description") or "")
        if fmt in ("date", "date-time") or (kind == "string" and not schema.get("pattern")
                                            and re.search(r"\b(date|day|deadline)\b|_date$|_on$", lname)):
            # What already happened (an order placed, an account created) lies in the past.
            past = PAST_WORDS.search(f"{lname} {desc}")
            slot = iso(self.dates.draw_past(rng) if past else self.dates.draw(rng))
            if fmt == "date-time":
                hour = rng.choice([9, 10, 11, 14, 15, 16])
                yield Slot(f"{slot.value}T{hour:02d}:00:00", f"{slot.text} at {hour if hour <= 12 else hour - 12}"
                                                             f"{'am' if hour < 12 else 'pm'}")
            else:
                yield slot
        own = self.user.get((tool, name)) or self.user.get(("", name)) or []
        distinct = _distinct(own)
        pool = self.pools.get(f"{tool}.{name}") or self.pools.get(name) or []
        listed, closed = hints(desc)
        if pool:
            # The project's own list of what this parameter holds, with the values its examples used:
            # nothing generic is more realistic, and one example's value is not drawn half the time.
            v = rng.choice(pool + [v for v in distinct if v not in pool])
            yield Slot(v, _said(v))
        elif own and not closed and rng.random() < own_share(name, distinct):
            v = rng.choice(distinct)
            yield Slot(v, _said(v))
        examples = [v for v in schema.get("examples") or [] if not isinstance(v, (dict, list))]
        if closed:   # the description names every value there is: never invent another
            v = rng.choice(listed)
            yield Slot(v, v)
        words = (listed if not closed else []) + examples + ([schema["default"]] if "default" in schema else [])
        if words and rng.random() < 0.35:
            v = rng.choice(words)
            yield Slot(v, _said(v))
        if kind == "array":
            yield self._array(tool, name, schema, rng)
        if kind in ("integer", "number"):
            yield self._number(lname + " " + desc.lower(), schema, kind, rng)
        if kind == "boolean":
            v = rng.random() < 0.5
            yield Slot(v, _said(v))
        if kind in ("string", None):
            yield from self._string(lname, desc.lower(), schema, rng)
        if own:
            v = rng.choice(own)
            yield Slot(v, _said(v))
        for v in words:
            yield Slot(v, _said(v))

    @staticmethod
    def _spoken(name: str, schema: dict, slot: Slot, rng: random.Random) -> Slot:
        """Some values are said in words more often than as written: "35 euros" for EUR."""
        said = f"{name} {schema.get('description') or ''}".lower()
        if "currenc" in said and slot.value in CURRENCY_WORDS and rng.random() < 0.4:
            return Slot(slot.value, CURRENCY_WORDS[slot.value])
        if isinstance(slot.value, str) and TIME.match(slot.value) and slot.text == slot.value and rng.random() < 0.6:
            return Slot(slot.value, rng.choice(time_phrases(slot.value)[1:]))   # "9:15", "2pm"
        # "task 7" for the task_id task_7: only where the id's word is the parameter's ("rt_4101" for a
        # return_id is typed as written, "rt" is not what people call a return).
        if name.lower().endswith("_id") and isinstance(slot.value, str) and slot.text == slot.value \
                and slot.value.lower().startswith(name.lower()[:-3]) and rng.random() < 0.25:
            forms = typed_id_forms(slot.value)
            if forms:
                return Slot(slot.value, rng.choice(forms))
        return slot

    # -- by type
    def faker(self, rng: random.Random):
        if self._faker is None:
            from faker import Faker

            self._faker = Faker("en_US")
        self._faker.random = rng   # Faker draws from our generator: the same seed, the same values
        return self._faker

    def _string(self, lname: str, desc: str, schema: dict, rng: random.Random):
        fmt, pattern = schema.get("format"), schema.get("pattern")
        said = f"{lname} {desc}"
        if fmt == "time" or re.search(r"\btime\b|hh:mm", said):
            hour, minute = rng.randint(8, 18), rng.choice([0, 0, 15, 30, 45])
            yield Slot(f"{hour:02d}:{minute:02d}", f"{hour:02d}:{minute:02d}")
        provider = "email" if fmt == "email" else "url" if fmt in ("uri", "url") else "uuid4" if fmt == "uuid" else None
        if provider is None:
            provider = next((p for words, p in FAKER_BY_WORD if any(w in said for w in words)), None)
        if provider is not None:
            fake = self.faker(rng)
            if provider == "email":
                first, last = fake.first_name().lower(), fake.last_name().lower()
                v = rng.choice([f"{first}.{last}", f"{first}{last[0]}", f"{first[0]}{last}"]) + "@" + \
                    rng.choice(["example.com", "example.org", "example.net", fake.domain_name()])
            elif provider == "currency_code" and rng.random() < 0.8:
                # Most conversions people ask for are between the currencies they can name in words,
                # not Faker's uniform pick from all of ISO 4217 (BYN, KPW...).
                v = rng.choice(sorted(CURRENCY_WORDS))
            else:
                v = str(getattr(fake, provider)())
            yield Slot(v, v)
        if pattern:
            v = _short_repeats()(rng).xeger(pattern)
            yield Slot(v, v)
        if any(w in said for w in TOPIC_WORDS):
            v = rng.choice(TOPICS)
            yield Slot(v, v)
        if lname.endswith("id"):
            v = f"{lname[:-2].rstrip('_') or 'item'}_{rng.randint(1, 999)}"
            yield Slot(v, v)
        v = self.faker(rng).catch_phrase() if lname in ("name", "title") else rng.choice(TOPICS)
        lo, hi = schema.get("minLength", 0), schema.get("maxLength", 10**6)
        if not lo <= len(v) <= hi:
            v = (v * (lo // max(len(v), 1) + 1))[:max(lo, min(hi, len(v)))]
        yield Slot(v, v)

    def _number(self, said: str, schema: dict, kind: str, rng: random.Random) -> Slot:
        import math

        step = 1 if kind == "integer" else 0.01
        lo, hi = schema.get("minimum"), schema.get("maximum")
        if isinstance(schema.get("exclusiveMinimum"), (int, float)):
            lo = max(lo if lo is not None else -math.inf, schema["exclusiveMinimum"] + step)
        if isinstance(schema.get("exclusiveMaximum"), (int, float)):
            hi = min(hi if hi is not None else math.inf, schema["exclusiveMaximum"] - step)
        # The window people use for what the name says (a price, a count), inside the schema's bounds.
        w_lo, w_hi = (5, 500) if any(w in said for w in MONEY_WORDS) else (1, 6) if any(
            w in said for w in COUNT_WORDS) else (1, 100)
        a = w_lo if lo is None else max(lo, w_lo)
        b = w_hi if hi is None else min(hi, w_hi)
        if a > b:   # the window misses the bounds: use the bounds
            a = lo if lo is not None else b - (w_hi - w_lo)
            b = hi if hi is not None else a + (w_hi - w_lo)
        if kind == "integer":
            v: float = rng.randint(math.ceil(a), max(math.ceil(a), math.floor(b)))
        elif any(w in said for w in MONEY_WORDS):
            v = round(rng.uniform(a, b), rng.choice([0, 2, 2]))
            v = int(v) if v == int(v) else v   # 405, not 405.0
        else:
            v = round(rng.uniform(a, b), 1)
        return Slot(v, _said(v))

    def _array(self, tool: str, name: str, schema: dict, rng: random.Random) -> Slot:
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {"type": "string"}
        lo = schema.get("minItems", 1)
        hi = max(lo, min(schema.get("maxItems", 3), lo + 2))
        singular = name[:-1] if name.endswith("s") else name
        values, seen = [], set()
        want = rng.randint(lo, hi)
        for _ in range(want * 3):
            if len(values) >= want:
                break
            slot = self.value(tool, singular, items, rng)
            if json.dumps(slot.value) in seen:
                continue
            seen.add(json.dumps(slot.value))
            values.append(slot)
        return Slot([s.value for s in values], " and ".join(s.text for s in values))


def today_dates(today: str | dt.date) -> Dates:
    return Dates(dt.date.fromisoformat(today) if isinstance(today, str) else today)
