"""Phrasings learned from the user's own examples: their words, with slots where the values were.

An accepted example whose first turn is a request answered by one call turn (one call, or
several in parallel) becomes a `Phrasing` when every argument value can be found in the
user's words: strings as written (or with `_` read as a space), numbers as written, dates as
any way of saying them relative to the project's today ("tomorrow", "Friday", "March 6"),
lists as said ("office and supplies", "office, supplies"). New requests re-fill the slots
with new values, in the case the user wrote them ("remind me to call mom" for the title
"Call mom" re-fills with "book a haircut", not "Book a haircut"); the more examples a user
accepts or writes, the more ways of asking the generator has.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from workbench.dates import WEEKDAYS
from workbench.generate.values import (
    CURRENCY_WORDS,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    TIME,
    month_day_forms,
    ordinal,
    time_phrases,
    typed_id_forms,
)

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Phrasing:
    """A request with `{i:param}` slots for the arguments of call i of its call turn."""

    text: str
    tools: tuple[str, ...]            # the tool of each call, in order
    params: tuple[frozenset, ...]     # the parameters each call sets (all of them are slots)
    source: str = ""                  # the example it came from
    lowered: frozenset = frozenset()  # (call, param) slots the user wrote with a small first letter

    def fill(self, values: list[dict[str, str]]) -> str:
        """The request with call i's parameter p said as values[i][p]."""
        def said(m: re.Match) -> str:
            i, param = int(m.group(1)), m.group(2)
            text = values[i][param]
            return lower_first(text) if (i, param) in self.lowered else text

        text = re.sub(r"\{(\d+):([^{}]+)\}", said, self.text)
        # "on Thursday" re-filled with "tomorrow": people say "tomorrow", not "on tomorrow" (nor "on in a week").
        text = re.sub(r"\bon (?=(?:today|tomorrow|the day after tomorrow|in \w+|next |this |a week |one week |"
                      r"\d+ days? from)\b)", "", text)
        return re.sub(r"\b(my|the) all\b", r"all \1", text)   # "show my {status} tasks" for "all"

    def without(self, call: int, param: str, thing: str = "it", names: bool = False, noun: str = "") -> str | None:
        """The request with one slot's words removed (a clarifying request), or None if that reads badly.
        A quoted slot ("Add '{title}' with high priority"), or one that `names` the thing acted on
        ("get rid of {task_id}"), becomes `thing` ("Add a task with ...", "get rid of the task")."""
        slot = re.escape(f"{{{call}:{param}}}")
        label = re.escape(param.replace("_", " "))
        noun = noun or (thing.split()[-1] if thing.split() else "")   # what the thing is: "order"
        if names and noun and re.search(rf"\b{re.escape(noun)}\s+{slot}", self.text):
            # "Where's my order {order_id}?" already says the thing: "Where's my order?"
            text = re.sub(rf"\s+{slot}", "", self.text, count=1)
            return re.sub(r"\s+([,.?!])", r"\1", text).strip()
        # The subject of a question ("what orders did {customer_email} place"): someone still did it.
        subject = re.compile(rf"(?i)\b(did|does|do|has|have|is|are|was|were|will|can)\s+{slot}")
        if subject.search(self.text):
            text = subject.sub(lambda m: f"{m.group(1)} {thing if names else 'I'}", self.text, count=1)
            return re.sub(r"\s+([,.?!])", r"\1", text).strip()
        quoted = re.compile(rf"['\"‘“]{slot}['\"’”]" + (rf"|{slot}" if names else ""))
        if quoted.search(self.text):
            text = quoted.sub(thing, self.text, count=1)
            return re.sub(r"\s+([,.?!])", r"\1", text).strip()
        before = r"(?:\b(?:for|to|from|at|on|in|with|of|by|is|as|after|before|since|until)\s+)?"
        text = re.sub(rf"\s*{before}(?:(?:the\s+)?{label}:?\s+)?{slot}", "", self.text, count=1)
        if "{" + f"{call}:{param}" + "}" in text or len(text.split()) < 2:
            return None
        text = re.sub(r"\s+([,.?!])", r"\1", text).strip()
        return re.sub(r":(?=[,.?!]|$)", "", text)   # "new task:, tag it home" -> "new task, tag it home"


def lower_first(text: str) -> str:
    """"Call mom" -> "call mom", but "USB cable", "ORD-104871" and "I need" stay as they are."""
    if text.startswith(("I ", "I'")):
        return text
    if len(text) > 1 and text[0].isupper() and not text[1].isupper() and not text[1].isdigit():
        return text[0].lower() + text[1:]
    return text


def date_phrases(iso: str, today: dt.date) -> list[str]:
    """Every way the generator (and people) say this date relative to today, longest first."""
    d = dt.date.fromisoformat(iso)
    out = month_day_forms(d) + [f"the {ordinal(d.day)}", f"the {ORDINAL_WORDS[d.day - 1]}"]
    delta = (d - today).days
    if delta == -1:
        out.append("yesterday")
    if d == today.replace(day=1) and delta < 0:
        out += ["the start of the month", "the beginning of the month", "the first of the month"]
    if delta == 0:
        out.append("today")
    if delta == 1:
        out.append("tomorrow")
    if delta == 2:
        out.append("the day after tomorrow")
    if 0 < delta <= 7:
        out += [f"this {WEEKDAYS[d.weekday()]}", WEEKDAYS[d.weekday()]]
    monday_next = today + dt.timedelta(days=7 - today.weekday())
    if 0 <= (d - monday_next).days < 7:
        out.append(f"next {WEEKDAYS[d.weekday()]}")
    return sorted(set(out), key=len, reverse=True)


def value_phrases(value, schema: dict, today: dt.date) -> list[str]:
    """How a value may appear in the user's words, longest first."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        forms = {str(value), f"{value:,}"}
        if isinstance(value, float):
            forms |= {f"{value:.2f}", f"{value:,.2f}"}
            if value == int(value):
                forms |= {str(int(value)), f"{int(value):,}"}
        # "send back two pairs"; after the digits, so that "that one" is not a 1 when "1" is there too.
        words = [NUMBER_WORDS[int(value)]] if float(value).is_integer() and 0 < value < len(NUMBER_WORDS) else []
        return sorted(forms, key=len, reverse=True) + words
    if isinstance(value, str):
        if schema.get("format") == "date" or DATE.match(value):
            try:
                return date_phrases(value, today)
            except ValueError:
                return [value]
        if TIME.match(value):
            return sorted(time_phrases(value), key=len, reverse=True)   # "9:15 am" before "9:15"
        forms = {value, value.replace("_", " "), *typed_id_forms(value)}
        if value in CURRENCY_WORDS:
            forms.add(CURRENCY_WORDS[value])   # "35 euros" for EUR
        return sorted(forms, key=len, reverse=True)
    if isinstance(value, list) and value and all(isinstance(v, (str, int, float)) for v in value):
        items = [str(v) for v in value]
        if len(items) == 1:
            return value_phrases(value[0], schema.get("items") or {}, today)
        head, last = ", ".join(items[:-1]), items[-1]
        forms = {f"{head} and {last}", f"{head}, and {last}", ", ".join(items), f"{head} & {last}",
                 " ".join(f"#{v}" for v in items)}
        return sorted(forms, key=len, reverse=True)
    return []


def learn(examples, tools: list[dict], today: dt.date) -> list[Phrasing]:
    """The phrasings found in these examples (see the module docstring)."""
    props = {t["function"]["name"]: (t["function"].get("parameters") or {}).get("properties") or {} for t in tools}
    out = []
    for ex in examples:
        msgs = [m for m in ex.messages if isinstance(m, dict)]
        if len(msgs) < 2 or msgs[0].get("role") != "user" or msgs[1].get("role") != "assistant":
            continue
        calls = msgs[1].get("tool_calls") or []
        if not calls or any((c.get("function") or {}).get("name") not in props for c in calls):
            continue
        # Only a request answered by this one call turn: in a multi-step or error-recovery
        # example the first calls do part of what was asked, or the wrong thing.
        if sum(1 for m in msgs if m.get("role") == "assistant" and m.get("tool_calls")) > 1 or ex.refused_call_ids():
            continue
        phrasing = _slot(msgs[0].get("content") or "", calls, props, today, ex.id)
        if phrasing is not None:
            out.append(phrasing)
    return out


def identifies(name: str, schema) -> bool:
    """An id or a patterned code: what a person reads off a result rather than says."""
    return isinstance(schema, dict) and (name.lower().endswith("id") or "pattern" in schema)


# Where one part of a request ends and the next begins: "..., they're damaged, and book me a drop-off".
CLAUSE_BREAK = re.compile(r"[.;!?]\s+|,\s*(?:and\s+|then\s+|also\s+)?|\s+(?:and|then)\s+(?=[a-z])")
GLUE = {"a", "an", "the", "on", "at", "for", "to", "in", "of", "by", "with", "from", "and", "or", "it", "me"}
LEAD_IN = re.compile(r"^(?:and|then|also|after that|afterwards|once that's done)[,\s]+", re.I)


def learn_clauses(examples, tools: list[dict], today: dt.date) -> list[Phrasing]:
    """One call's own words inside a longer request, as a phrasing of that call alone.

    "Return both hoodies from ORD-103590, they're damaged, and book me a drop-off at Downtown on
    Friday at 10:30" holds "book me a drop-off at {store} on {day} at {time}": the user's way of
    asking for a drop-off, which neither `learn` (the hoodies' SKU is never said) nor a chain
    (nor is the return they name) can take. The clause asks for the call after another one
    (its return id read off a result) and, with "for {return_id}" added, for the call alone.
    A clause is kept only when what the user did not say there is the id the call before made or
    returned: anything else ("both" for a quantity of 2, "the passport task" for one of a list)
    would be lost from the call.
    """
    props = {t["function"]["name"]: (t["function"].get("parameters") or {}).get("properties") or {} for t in tools}
    out = []
    for ex in examples:
        msgs = [m for m in ex.messages if isinstance(m, dict) and m.get("role") != "system"]
        if not msgs or msgs[0].get("role") != "user" or sum(m.get("role") == "user" for m in msgs) != 1 \
                or ex.refused_call_ids():
            continue
        calls = [c for m in msgs if m.get("role") == "assistant" for c in m.get("tool_calls") or []]
        if len(calls) < 2 or any((c.get("function") or {}).get("name") not in props for c in calls):
            continue
        results = []
        for m in msgs:
            if m.get("role") == "tool":
                try:
                    results.append(json.loads(m.get("content") or "null"))
                except json.JSONDecodeError:
                    results.append(None)
        out += _clauses(msgs[0].get("content") or "", calls, results, props, today, ex.id)
    return out


def _clauses(text: str, calls: list[dict], results: list, props: dict, today: dt.date,
             source: str) -> list[Phrasing]:
    args = []
    for call in calls:
        a = call["function"].get("arguments")
        try:
            a = json.loads(a or "{}") if isinstance(a, str) else a
        except json.JSONDecodeError:
            return []
        if not isinstance(a, dict):
            return []
        args.append(a)
    # Each call's said values, where a value only that call has (a value two calls share was said once, for both).
    taken: list[tuple[int, int]] = []
    spans: list[dict[str, tuple[int, int]]] = []
    for i, (call, a) in enumerate(zip(calls, args, strict=True)):
        tool = call["function"]["name"]
        own = {}
        for param, value in a.items():
            if any(value == other.get(param) for j, other in enumerate(args) if j != i):
                continue
            span = find_said(text, value_phrases(value, props[tool].get(param) or {}, today), taken)
            if span is not None:
                taken.append(span)
                own[param] = span
        spans.append(own)
    breaks = list(CLAUSE_BREAK.finditer(text))
    starts, ends = [0] + [m.end() for m in breaks], [m.start() for m in breaks] + [len(text)]
    out = []
    for i, (call, a) in enumerate(zip(calls, args, strict=True)):
        tool, own = call["function"]["name"], spans[i]
        unsaid = [p for p in a if p not in own]
        # What the clause leaves unsaid is the id the call before made or returned ("book me a
        # drop-off" for the return just started): not one of several the user picked by name.
        before = results[i - 1] if i > 0 else None
        if not own or any(not identifies(p, props[tool].get(p)) or not isinstance(before, dict)
                          or before.get(p) != a[p] for p in unsaid):
            continue
        lo, hi = min(s for s, _ in own.values()), max(e for _, e in own.values())
        start = max(b for b in starts if b <= lo)
        end = min(e for e in ends if e >= hi)
        clause = text[start:end]
        if any(start <= s < end for j, other in enumerate(spans) if j != i for s, _ in other.values()):
            continue
        for param, (s, e) in sorted(own.items(), key=lambda kv: -kv[1][0]):
            clause = clause[:s - start] + f"{{0:{param}}}" + clause[e - start:]
        clause = LEAD_IN.sub("", re.sub(r"[\s,.;!?]+$", "", clause.strip()))
        words = re.findall(r"[a-z']+", re.sub(r"\{0:[^{}]+\}", "", clause).lower())
        if not set(words) - GLUE:
            continue   # "{0:store} on {0:day}" says nothing of what is asked
        lowered = frozenset((0, p) for p, (s, _) in own.items()
                            if isinstance(a[p], str) and text[s].islower() and a[p][:1].isupper())
        out.append(Phrasing(clause, (tool,), (frozenset(own),), source, lowered))
        if unsaid:
            # The id said where the clause pointed at it ("set it to high priority" -> "set {task_id} to
            # high priority"), else after it ("book me a drop-off ... for {return_id}").
            ids = " and ".join(f"{{0:{p}}}" for p in unsaid)
            more = re.sub(r"\b(it|them|that one)\b", ids, clause, count=1)
            more = more if more != clause else f"{clause} for {ids}"
            out.append(Phrasing(more, (tool,), (frozenset(a),), source, lowered))
    return out


def _slot(text: str, calls: list[dict], props: dict, today: dt.date, source: str) -> Phrasing | None:
    taken: list[tuple[int, int]] = []
    slots: list[tuple[int, int, str]] = []
    names, params, lowered = [], [], set()
    for i, call in enumerate(calls):
        fn = call["function"]
        try:
            args = json.loads(fn.get("arguments") or "{}") if isinstance(fn.get("arguments"), str) else fn["arguments"]
        except json.JSONDecodeError:
            return None
        if not isinstance(args, dict):
            return None
        names.append(fn["name"])
        params.append(frozenset(args))
        for param, value in args.items():
            span = find_said(text, value_phrases(value, props[fn["name"]].get(param) or {}, today), taken)
            if span is None:
                return None   # a value the user did not say as such: this example cannot be re-filled
            if "enum" in (props[fn["name"]].get(param) or {}) and text[span[0]:span[1]].lower() in QUANTIFIERS:
                # "show all my tasks": "all" is grammar as much as a value; re-filled it reads
                # "show open my tasks", so the request is no template.
                return None
            taken.append(span)
            slots.append((*span, f"{{{i}:{param}}}"))
            if isinstance(value, str) and text[span[0]].islower() and value[:1].isupper():
                lowered.add((i, param))
    for start, end, slot in sorted(slots, reverse=True):
        text = text[:start] + slot + text[end:]
    return Phrasing(text, tuple(names), tuple(params), source, frozenset(lowered))


# Enum values that are also words of grammar, said where no other value fits.
QUANTIFIERS = {"all", "any", "none", "both", "every", "each", "some"}


def find_said(text: str, phrases: list[str], taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The span of the first of `phrases` in `text` as a whole word, outside the spans already `taken`."""
    for phrase in phrases:
        for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text, re.I):
            if all(m.end() <= a or m.start() >= b for a, b in taken):
                return m.span()
    return None
