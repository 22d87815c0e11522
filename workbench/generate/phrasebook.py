"""How a toolset is talked about: the words of requests, answers and questions.

The offline generator decides *what* each example contains (which tool, which optional
parameters, which enum value) so that coverage and balance are its job; a `Phrasebook`
decides how a user would *say* it. The base class works from the schemas alone, stiffly;
a project can hold a subclass (`phrases.py`, as the bundled templates do) with real phrasings and
multi-step scenarios over its stub world.
"""

from __future__ import annotations

import json
import random
from typing import Any

from workbench.generate.values import Dates, Slot, generic_value


class Conversation:
    """Builds one example's messages; `call` runs the calls on the toolset's stubs when it has them."""

    def __init__(self, session=None):
        self.session = session
        self.messages: list[dict] = []
        self._calls = 0

    def user(self, text: str) -> None:
        self.messages.append({"role": "user", "content": text})

    def say(self, text: str) -> None:
        self.messages.append({"role": "assistant", "content": text})

    def call(self, calls: list[tuple[str, dict]]) -> list[Any]:
        """Append an assistant turn with these calls and, with stubs, their results (parsed JSON)."""
        turn, results = [], []
        for name, args in calls:
            self._calls += 1
            call_id = f"call_{self._calls}"
            turn.append({"id": call_id, "type": "function",
                         "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)}})
            if self.session is not None:
                text = self.session.call(name, args)
                results.append((call_id, text))
        self.messages.append({"role": "assistant", "content": None, "tool_calls": turn})
        parsed = []
        for call_id, text in results:
            self.messages.append({"role": "tool", "tool_call_id": call_id, "content": text})
            parsed.append(json.loads(text))
        return parsed


def is_error(result: Any) -> bool:
    return isinstance(result, dict) and "error" in result


def pick(rng: random.Random, options):
    """One of `options`; `rng.choice` without its generality, shared by every phrasebook."""
    return options[rng.randrange(len(options))]


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class Phrasebook:
    """Phrasings derived from the tool schemas alone. Subclasses override what they know better."""

    #: Categories this phrasebook can write; the generator moves other requested counts elsewhere.
    categories: tuple[str, ...] = ("single", "parallel", "clarify", "no_tool", "multi_step")
    #: The tools a subclass was written for (None: any). A project that renames or adds a tool
    #: gets the schema-derived wording instead, which serves every tool.
    known_tools: tuple[str, ...] | None = None

    def __init__(self, tools: list[dict], dates: Dates):
        self.tools = {t["function"]["name"]: t["function"] for t in tools}
        self.dates = dates

    # -- what goes into a call
    def value(self, tool: str, param: str, schema: dict, rng: random.Random) -> Slot:
        return generic_value(param, schema, rng, self.dates)

    def min_optional(self, tool: str) -> int:
        """Optional parameters a call needs at the least (an update with nothing to change fails)."""
        return 0

    # -- how a call is asked for
    def request(self, tool: str, slots: dict[str, Slot], rng: random.Random) -> str:
        fn = self.tools[tool]
        what = (fn.get("description") or tool.replace("_", " ")).rstrip(".").replace("the user's", "my")
        props = fn.get("parameters", {}).get("properties", {})
        parts = []
        for name, slot in slots.items():
            label = name.replace("_", " ")
            parts.append(rng.choice([f"{label} {slot.text}", f"{label}: {slot.text}", f"with {label} {slot.text}"])
                         if props.get(name) else slot.text)
        lead = rng.choice(["Please {w}", "{w}", "Could you {w}", "I need you to {w}", "Can you {w}"])
        lead = lead.format(w=what[:1].lower() + what[1:])
        return sentence(lead + (", " + ", ".join(parts) if parts else "") + rng.choice([".", "", "?"]) )

    def parallel_request(self, draws: list[tuple[str, dict[str, Slot]]], rng: random.Random) -> str:
        """One message asking for all of these calls at once."""
        requests = [self.request(t, s, rng) for t, s in draws]
        # Not "then": a request joined by "then" is done in order, one call after the other's result.
        joiner = rng.choice([" and ", ". Also, ", "; plus ", ", and also "])
        first, *rest = requests
        return sentence(first.rstrip(".?!")) + joiner + joiner.join(r[:1].lower() + r[1:].rstrip(".?!") for r in rest)

    def sequence_request(self, requests: list[str], rng: random.Random) -> str:
        joiner = rng.choice([", then ", ". After that, ", " and then ", ". Once that's done, "])
        first, *rest = requests
        return sentence(first.rstrip(".?!")) + joiner + joiner.join(r[:1].lower() + r[1:].rstrip(".?!") for r in rest)

    # -- answers after tool results
    def answer(self, tool: str, args: dict, result: Any) -> str:
        if is_error(result):
            return f"That didn't work: {result['error']}."
        if result is None:
            return "Done."
        summary = json.dumps(result, ensure_ascii=False)
        return f"Here is what I got: {summary[:300]}"

    def answer_many(self, calls: list[tuple[str, dict]], results: list[Any]) -> str:
        return " ".join(self.answer(t, a, r) for (t, a), r in zip(calls, results, strict=False))

    # -- turns without a call
    def clarify(self, tool: str, rng: random.Random) -> tuple[str, str] | None:
        fn = self.tools[tool]
        required = fn.get("parameters", {}).get("required") or []
        if not required:
            return None
        missing = rng.choice(required)
        desc = (fn["parameters"]["properties"].get(missing, {}).get("description") or missing).rstrip(".")
        what = (fn.get("description") or tool).rstrip(".")
        ask = rng.choice(["{w}, please.", "I want to {w}.", "Can you {w}?", "{w}"]).format(w=what[:1].lower() + what[1:])
        return sentence(ask), f"Sure. What should I use for {missing.replace('_', ' ')} ({desc[:1].lower() + desc[1:]})?"

    def no_tool(self, rng: random.Random) -> tuple[str, str]:
        names = ", ".join(self.tools)
        return rng.choice(GENERIC_CHAT)(names)

    # -- scenarios over the stub world (need stubs)
    def multi_step(self, conv: Conversation, rng: random.Random, draw_call) -> bool:
        """Two dependent-looking steps: one call, its result, the next call, then an answer."""
        (t1, s1), (t2, s2) = draw_call(), draw_call()
        conv.user(self.sequence_request([self.request(t1, s1, rng), self.request(t2, s2, rng)], rng))
        a1, a2 = {k: v.value for k, v in s1.items()}, {k: v.value for k, v in s2.items()}
        r1 = conv.call([(t1, a1)])
        if is_error(r1[0]):
            return False
        r2 = conv.call([(t2, a2)])
        if is_error(r2[0]):
            return False
        conv.say(self.answer_many([(t1, a1), (t2, a2)], r1 + r2))
        return True

    def error_recovery(self, conv: Conversation, rng: random.Random, draw_call) -> bool:
        return False


GENERIC_CHAT = [
    lambda names: ("Hi!", "Hello! How can I help you today?"),
    lambda names: ("Thanks a lot", "You're welcome!"),
    lambda names: ("What can you do?", f"I can help with these tools: {names}. What would you like to do?"),
    lambda names: ("Who wrote Pride and Prejudice?", "Jane Austen wrote Pride and Prejudice, published in 1813."),
    lambda names: ("Tell me something interesting", "Octopuses have three hearts and blue blood."),
    lambda names: ("ok, bye", "Goodbye! Come back any time."),
    lambda names: ("How do I boil an egg?", "Put it in boiling water for about 7 minutes for a firm yolk, then cool "
                                            "it in cold water."),
]
