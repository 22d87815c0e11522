"""Multi-step requests learned from the user's own multi-step examples.

"The rain jacket from ORD-104233 is too small, I want to send it back", answered by
`find_order` and then `start_return` with the jacket's SKU and quantity read off the order,
becomes a `Chain`: the user's words with slots for what they said ("{0:order_id}",
"{1:reason}") and for the thing they named in a result ("{item}"), and for each call where
each argument comes from: the user's words, a field of an earlier result (an id), or a field
of the named item. New examples re-fill it by running the calls on the project's stubs, so
each step reads real values off the step before, in the user's own way of asking.

It also holds the readers of tool results that the schema-derived chains share.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from workbench.generate.phrasings import find_said, lower_first, value_phrases


@dataclass(frozen=True)
class Source:
    """Where a call's argument comes from. kind "say": the slot `step:key` in the user's words;
    "read": field `key` of call `step`'s result; "item": field `key` of the item the user named,
    found in call `step`'s result."""

    kind: str
    step: int
    key: str


@dataclass(frozen=True)
class Chain:
    text: str                                          # with "{i:param}" and "{item}" slots
    tools: tuple[str, ...]                             # one call per step, in order
    args: tuple[tuple[tuple[str, Source], ...], ...]   # each step's (parameter, where its value comes from)
    lowered: frozenset = frozenset()                   # slots the user wrote with a small first letter
    source: str = ""                                   # the example it came from

    def item_keys(self) -> set[str]:
        return {src.key for step in self.args for _, src in step if src.kind == "item"}

    def fill(self, said: dict[str, str], item: str | None) -> str:
        def put(m: re.Match) -> str:
            key = m.group(1)
            text = item if key == "item" else said[key]
            return lower_first(text) if key in self.lowered else text

        return re.sub(r"\{(item|\d+:[^{}]+)\}", put, self.text)


def learn_chains(examples, tools: list[dict], today: dt.date) -> list[Chain]:
    """The chains found in these examples: one user request, then two or more call turns of one
    call each, every call answered without an error, every argument sourced (see the module docstring)."""
    props = {t["function"]["name"]: (t["function"].get("parameters") or {}).get("properties") or {} for t in tools}
    out = []
    for ex in examples:
        chain = _learn(ex, props, today)
        if chain is not None:
            out.append(chain)
    return out


def _learn(ex, props: dict, today: dt.date) -> Chain | None:
    msgs = [m for m in ex.messages if isinstance(m, dict) and m.get("role") != "system"]
    if not msgs or msgs[0].get("role") != "user" or sum(m.get("role") == "user" for m in msgs) != 1:
        return None
    text = msgs[0].get("content") or ""
    calls, results = [], []
    for i, m in enumerate(msgs):
        if m.get("role") != "assistant" or not m.get("tool_calls"):
            continue
        if len(m["tool_calls"]) != 1:
            return None
        fn = m["tool_calls"][0].get("function") or {}
        args = fn.get("arguments")
        try:
            args = json.loads(args) if isinstance(args, str) else args
            result = json.loads(msgs[i + 1]["content"]) if i + 1 < len(msgs) and msgs[i + 1].get("role") == "tool" else None
        except (json.JSONDecodeError, TypeError):
            return None
        if fn.get("name") not in props or not isinstance(args, dict) or result is None \
                or (isinstance(result, dict) and "error" in result):
            return None
        calls.append((fn["name"], args))
        results.append(result)
    if len(calls) < 2:
        return None

    taken: list[tuple[int, int]] = []
    slots: list[tuple[int, int, str]] = []
    said: dict[tuple[str, Any], str] = {}   # (param, value) -> its slot, so a value said once feeds every call
    item_span = None                        # (start, end, step) of the named item in the words
    lowered = set()
    steps = []

    def named(j: int) -> list[tuple[dict, str, tuple[int, int]]]:
        """The items of result j that the user's words name, with the span where they first name them."""
        found = [(it, label, find_said(text, [label], [])) for it, label in named_items(results[j])]
        return [(it, label, span) for it, label, span in found if span is not None]

    for i, (tool, args) in enumerate(calls):
        step = []
        for param, value in args.items():
            schema = props[tool].get(param) or {}
            src = None
            if (param, json.dumps(value)) in said:
                first, _, key = said[(param, json.dumps(value))].partition(":")
                src = Source("say", int(first), key)
            # An id or code is read off an earlier result when one holds it under the same name.
            ident = param.lower().endswith("id") or "pattern" in schema
            if src is None and ident:
                src = next((Source("read", j, param) for j in range(i)
                            if first_fields(results[j]).get(param) == value), None)
            if src is None and i > 0:
                # The named item's own field: its SKU, or its quantity when the user did not say one.
                for j in range(i):
                    for it, label, (start, end) in named(j):
                        key = param if it.get(param) == value else next(
                            (k for k, v in it.items() if v == value and ident), None)
                        if key is None or (not ident and find_said(text, value_phrases(value, schema, today), taken)):
                            continue
                        if item_span is None:
                            if any(not (end <= a or start >= b) for a, b in taken):
                                continue
                            item_span = (start, end, j)
                            taken.append((start, end))
                            if text[start].islower() and label[:1].isupper():
                                lowered.add("item")
                        elif item_span[2] != j:
                            continue
                        src = Source("item", j, key)
                        break
                    if src is not None:
                        break
            if src is None:
                span = find_said(text, value_phrases(value, schema, today), taken)
                if span is None:
                    return None
                taken.append(span)
                name = f"{i}:{param}"
                slots.append((*span, "{" + name + "}"))
                said[(param, json.dumps(value))] = name
                if isinstance(value, str) and text[span[0]].islower() and value[:1].isupper():
                    lowered.add(name)
                src = Source("say", i, param)
            step.append((param, src))
        steps.append(tuple(step))
    if item_span is not None:
        slots.append((item_span[0], item_span[1], "{item}"))
    for start, end, slot in sorted(slots, reverse=True):
        text = text[:start] + slot + text[end:]
    return Chain(text, tuple(t for t, _ in calls), tuple(steps), frozenset(lowered), ex.id)


def named_items(result: Any, depth: int = 0):
    """(item, its name) of the list items in a result that a person can name: {"sku": ..., "name": "Desk lamp"}."""
    if depth > 3:
        return
    if isinstance(result, dict):
        for v in result.values():
            yield from named_items(v, depth + 1)
    elif isinstance(result, list):
        for item in result:
            if isinstance(item, dict):
                label = next((v for k, v in item.items() if k.lower() in ("name", "title", "label")
                              and isinstance(v, str) and v.strip()), None)
                if label is not None:
                    yield item, label
                yield from named_items(item, depth + 1)


def result_fields(result: Any, depth: int = 0):
    """(name, value) of the scalar fields of a tool result, outer ones first; of a list, its one item.
    A list of several is skipped: "then update that one" would not say which."""
    if depth > 3:
        return
    if isinstance(result, list) and len(result) == 1:
        yield from result_fields(result[0], depth + 1)
    elif isinstance(result, dict):
        for k, v in result.items():
            if isinstance(v, (str, int, float)) and not isinstance(v, bool):
                yield k, v
        for v in result.values():
            if isinstance(v, (dict, list)):
                yield from result_fields(v, depth + 1)


def first_fields(result: Any) -> dict:
    """A result's scalar fields by name, the outermost of each name winning."""
    return dict(reversed(list(result_fields(result))))


# What a tool's description may say of its list's order, and how people then point at its ends.
_NEWEST = ("the most recent one", "the latest one", "the newest one")
_ORDERS = ((re.compile(r"\b(newest|latest|most recent)\s+first\b", re.I), _NEWEST, ("the oldest one",)),
           (re.compile(r"\boldest\s+first\b", re.I), ("the oldest one",), _NEWEST))


def list_ends(result: Any, description: str) -> list[tuple[str, dict]]:
    """The records at the two ends of a result's list of several, each with the words that point at
    it: "the first one", "the last one", and "the most recent one" where the tool's description
    says it lists newest first. Where `result_fields` has no one record, a person still says which."""
    lists = [result] if isinstance(result, list) else list(result.values()) if isinstance(result, dict) else []
    records = next((v for v in lists if isinstance(v, list) and len(v) >= 2 and all(isinstance(r, dict) for r in v)),
                   None)
    if records is None:
        return []
    head, tail = ["the first one"], ["the last one"]
    for pattern, first, last in _ORDERS:
        if pattern.search(description or ""):
            head, tail = head + list(first), tail + list(last)
    return [(words, records[0]) for words in head] + [(words, records[-1]) for words in tail]
