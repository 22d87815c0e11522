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
import re
from typing import Any

from workbench.generate.chains import Chain, first_fields, learn_chains, list_ends, named_items
from workbench.generate.chitchat import capabilities, chat_pool
from workbench.generate.phrasings import DATE, Phrasing, identifies, learn, learn_clauses, lower_first
from workbench.generate.schema_values import ValueMaker
from workbench.generate.values import NUMBER_WORDS, Dates, Slot


class Conversation:
    """Builds one example's messages; `call` runs the calls on the toolset's stubs when it has them."""

    def __init__(self, session=None, fresh=None):
        self.session = session
        self.fresh = fresh   # makes another, independent world (for `probe`)
        self.messages: list[dict] = []
        self.setup: list[tuple[str, dict]] = []   # calls that made the world before the conversation
        self._calls = 0

    def prepare(self, calls: list[tuple[str, dict]]) -> None:
        """Run `calls` on this world before the conversation (a return the user started earlier);
        they are kept with the example (`meta["setup"]`) so that verification replays them first."""
        for name, args in calls:
            self.session.call(name, args)
        self.setup += calls

    def probe(self, name: str, args: dict, setup: list[tuple[str, dict]] = ()) -> Any:
        """What the call would return in a fresh world (after this conversation's setup calls and
        `setup`), leaving this conversation's world alone."""
        if self.fresh is None:
            return None
        world = self.fresh()
        for n, a in [*self.setup, *setup]:
            world.call(n, a)
        return json.loads(world.call(name, args))

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


ARTICLE_VERBS = {"create", "add", "start", "schedule", "book", "open", "make", "send", "write", "file", "submit",
                 "place", "set", "issue", "register", "request"}


# Other verbs people use for what a tool's name says (plain English, not any one toolset's): "show
# my orders" for list_orders, "drop the order" for cancel_order, "book a pickup" for schedule_pickup.
VERB_SYNONYMS = {"list": ("show",), "find": ("check",), "get": ("check",), "cancel": ("drop",),
                 "delete": ("remove",), "create": ("add",), "schedule": ("book",), "update": ("change",)}


# Words that point at what an earlier step made or found ("set it to high priority").
POINTS = re.compile(r"\b(it|them|that one)\b", re.I)

# Verbs of a tool that changes a thing it names: its request says what changes to what.
UPDATE_VERBS = {"update", "change", "edit", "modify", "set", "patch"}

# A parameter that holds a state, whose values are adjectives: "delivered orders", "open tasks".
STATE_WORDS = re.compile(r"(?i)status|state|stage")


def action(tool: str, rng: random.Random, synonyms: bool = True) -> str:
    """What calling a tool does, from its name: start_return -> "start a return", list_orders -> "list
    my orders" (or "show my orders"), find_order -> "find the order", get_weather -> "get the weather"."""
    words = tool.replace("-", "_").split("_")
    if len(words) == 1:
        return words[0]
    verb, rest = words[0], " ".join(words[1:])
    if synonyms and verb in VERB_SYNONYMS and rng.random() < 0.35:
        verb = pick(rng, VERB_SYNONYMS[verb])
    if verb in ARTICLE_VERBS and not rest.endswith("s"):
        return f"{verb} {'an' if rest[:1] in 'aeiou' else 'a'} {rest}"
    return f"{verb} {rng.choice(['my', 'the']) if rest.endswith('s') else 'the'} {rest}"


def self_describing(schema: dict, slot: Slot) -> bool:
    """A value that says what it is without its parameter's name: a code in a patterned format
    ("SKU-HD310", "rt_4101"), an email, a choice from an enum said in words ("too large")."""
    if not isinstance(slot.value, str):
        return False
    if schema.get("format") == "email" or "@" in slot.text:
        return True
    if "enum" in schema:
        return slot.text != slot.value or " " in slot.text or len(slot.text) > 3  # not "S", "on"
    return "pattern" in schema and bool(re.search(r"[A-Za-z]", slot.value) and re.search(r"[\d_-]", slot.value))


def vaguely(thing: str, rng: random.Random) -> str:
    """How people point at a thing without saying which: "the task" -> "it", "that one", "my task",
    "one of my tasks" (what a clarifying question then asks about)."""
    noun = thing.split()[-1]
    if noun.endswith("s"):   # "my orders": a list has no vaguer form
        return thing
    return rng.choice([f"the {noun}", "it", "that one", f"my {noun}", f"one of my {noun}s"])


HINT_TAIL = re.compile(r",?\s*\(?\b(?:like|e\.g\.|such as|for example|for instance)\b.*$", re.I)


def question_for(name: str, schema: dict) -> str:
    """The assistant asking for a missing value in plain words from its description:
    "Which store: Downtown, Riverside Mall or Airport Plaza?", "What's the order number?"."""
    desc = HINT_TAIL.sub("", (schema.get("description") or "").strip()).rstrip(". ")
    if not desc:
        return f"What {name.replace('_', ' ')} should I use?"
    if re.match(r"(?i)(which|what|how|when|where|who|why)\b", desc):
        return desc[:1].upper() + desc[1:] + "?"
    lowered = desc if desc[1:2].isupper() else desc[:1].lower() + desc[1:]   # "ISO 4217 code" keeps its capitals
    if re.match(r"(?i)(the|a|an)\b", desc):
        return f"What's {lowered}?"
    return f"What's the {lowered}?"


class Phrasebook:
    """Phrasings derived from the tool schemas alone. Subclasses override what they know better."""

    #: Categories this phrasebook can write; the generator moves other requested counts elsewhere.
    categories: tuple[str, ...] = ("single", "parallel", "clarify", "no_tool", "multi_step", "error_recovery")
    #: The tools a subclass was written for (None: any). A project that renames or adds a tool
    #: gets the schema-derived wording instead, which serves every tool.
    known_tools: tuple[str, ...] | None = None
    #: Share of single calls kept when the stubs answer them with an error (the call is still right;
    #: values drawn from a schema often name things the stubs' world lacks).
    keep_failed_calls: float = 0.25

    def __init__(self, tools: list[dict], dates: Dates, examples=(), pools: dict | None = None):
        """`examples`: the project's accepted examples, whose argument values are the most realistic."""
        self.tools = {t["function"]["name"]: t["function"] for t in tools}
        self.dates = dates
        self.values = ValueMaker(tools, dates, examples, pools)
        # The user's own ways of asking, by the tools of the call turn they ask for.
        self.phrasings: dict[tuple[str, ...], list[Phrasing]] = {}
        for p in learn(examples, tools, dates.today) + learn_clauses(examples, tools, dates.today):
            self.phrasings.setdefault(p.tools, []).append(p)
        # ... and of asking for several steps, each fed by the one before.
        self.chains: list[Chain] = learn_chains(examples, tools, dates.today)
        # Turns without a call: the user's own (their wording of chit-chat and of what is out of
        # scope) with the generic pool that fits these tools.
        self.chat = [(ex.first_user_message(), ex.messages[-1].get("content") or "") for ex in examples
                     if ex.category == "no_tool" and len(ex.messages) == 2 and ex.messages[-1].get("content")]
        self.chat += chat_pool(self.tools)

    def param_sets(self, tool: str) -> list[frozenset]:
        """The parameter sets the user's single-call phrasings of `tool` fill."""
        return [p.params[0] for p in self.phrasings.get((tool,), [])]

    def parallel_shapes(self) -> list[tuple[tuple[str, ...], tuple[frozenset, ...]]]:
        """(tools, parameter sets) of the user's two-call phrasings."""
        return [(p.tools, p.params) for ps in self.phrasings.values() for p in ps if len(p.tools) == 2]

    def _phrased(self, draws: list[tuple[str, dict[str, Slot]]], rng: random.Random) -> str | None:
        """The request in the words of one of the user's phrasings with these tools and parameters, as
        often as the user gave different ones: 40% of the requests for one phrasing, 80% for two, at most
        85%. One way of asking written once was every drop-off request the shop generated; the rest are
        derived, in other words."""
        tools = tuple(t for t, _ in draws)
        fits = [p for p in self.phrasings.get(tools, []) if p.params == tuple(frozenset(s) for _, s in draws)]
        if not fits or rng.random() >= min(0.85, 0.4 * len({p.text for p in fits})):
            return None
        return sentence(rng.choice(fits).fill([{k: v.text for k, v in s.items()} for _, s in draws]))

    # -- what goes into a call
    def value(self, tool: str, param: str, schema: dict, rng: random.Random) -> Slot:
        return self.values.value(tool, param, schema, rng)

    def min_optional(self, tool: str) -> int:
        """Optional parameters a call needs at the least (an update with nothing to change fails)."""
        return 0

    # -- how a call is asked for
    def request(self, tool: str, slots: dict[str, Slot], rng: random.Random, plain=frozenset()) -> str:
        """A short request derived from the tool's name and the values (never its description, which
        reads like documentation, not like a person). `plain`: slots said without their parameter's
        name ("for the desk lamp", not "sku the desk lamp")."""
        phrased = self._phrased([(tool, slots)], rng)
        if phrased:
            return phrased
        # A thing said by its name is what the action is for: "start a return for the hoodie, ORD-103590".
        props = (self.tools[tool].get("parameters") or {}).get("properties") or {}
        act = action(tool, rng)
        verb, det, noun = (act.split(" ", 2) + ["", ""])[:3]
        # A choice that filters a list is said as people say it, before the noun or after it: "show my
        # delivered orders", "list the orders that are processing"; whose they are, as a possessive:
        # "show maya.chen@example.com's orders".
        kinds = [n for n, slot in slots.items() if n not in plain and "enum" in (props.get(n) or {})
                 and isinstance(slot.value, str) and not slot.text[:1].isdigit()]
        owners = [n for n, slot in slots.items() if n not in plain and "@" in slot.text]
        if noun.endswith("s") and " " not in noun and det in ("my", "the"):
            before = after = state = ""
            roll = rng.random()
            if kinds and roll < 0.7:
                kind = rng.choice(kinds)
                value = slots[kind].text
                if value == "all":   # "show all my tasks", not "the all tasks"
                    verb = f"{verb} all"
                elif STATE_WORDS.search(kind):   # a state: "delivered orders", "orders that are processing"
                    before, after = (f"{value} ", "") if roll < 0.35 else ("", f" that are {value}")
                    state = value
                else:   # any other choice keeps its name: "high priority tasks", "tasks with low priority"
                    label = kind.replace("_", " ")
                    before, after = (f"{value} {label} ", "") if roll < 0.5 else ("", f" with {value} {label}")
                slots = {n: s for n, s in slots.items() if n != kind}
            if owners:
                # Whose they are, not "my orders for maya.chen@...": "maya.chen@...'s orders", "the orders of ...".
                if rng.random() < 0.35:
                    det = f"{slots[owners[0]].text}'s"
                    slots = {n: s for n, s in slots.items() if n != owners[0]}
                elif det == "my":
                    det = "the"
            act = f"{verb} {det} {before}{noun}{after}"
            if state and after and not slots and rng.random() < 0.5:
                # Asked as a question: "which of tom@example.org's orders are processing?"
                return f"Which of {det} {noun} are {state}?"
        lead = rng.choice(["Please {w}", "{w}", "Could you {w}", "I need to {w}", "Can you {w}", "I'd like to {w}"])
        # An update says what changes to what: "set the priority of task_42 to high", "update task 7:
        # due date to Friday, title to Call the bank" (not "update the task for task_42 and high").
        ids = [n for n in slots if n not in plain and identifies(n, props.get(n))]
        changes = [n for n in slots if n not in ids and n not in plain]
        if verb in UPDATE_VERBS and ids and changes:
            target = " and ".join(slots[n].text for n in ids)
            to = [f"{n.replace('_', ' ')} to {slots[n].text}" for n in changes]
            if len(to) == 1 and rng.random() < 0.5:
                label, value = changes[0].replace("_", " "), slots[changes[0]].text
                text = lead.format(w=rng.choice([f"set the {label} of {target} to {value}",
                                                 f"change the {label} of {target} to {value}"]))
            else:
                text = lead.format(w=f"{verb} {target}") + rng.choice([": ", ", "]) + (
                    ", ".join(to[:-1]) + " and " + to[-1] if len(to) > 1 else to[0])
            return sentence(text + rng.choice([".", "", "?" if lead.startswith(("Could", "Can")) else "."]))
        parts = [f"for {slot.text}" if name in plain else self.said(name, slot, rng, props.get(name) or {})
                 for name, slot in slots.items()]
        text = lead.format(w=act)
        if parts:
            text += " " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 and rng.random() < 0.5
                           else ", ".join(parts))
        return sentence(text + rng.choice([".", "", "?" if lead.startswith(("Could", "Can")) else "."]))

    def said(self, name: str, slot: Slot, rng: random.Random, schema: dict | None = None) -> str:
        """A value with the words that say which parameter it fills: "for ORD-104233", "reason: damaged",
        or as people say it when the value says that itself: "SKU-HD310", "too large", "3 of them"."""
        label = name.replace("_", " ")
        schema = schema or {}
        if name.endswith("_id"):   # the action already names the thing: "cancel the order ORD-105002"
            return rng.choice([f"for {slot.text}", slot.text, slot.text])
        if "@" in slot.text and rng.random() < 0.6:
            # Whose it is: "the orders for maya.chen@example.com" (never bare: "list my orders maya.chen@...").
            return rng.choice([f"for {slot.text}", f"of {slot.text}", f"from {slot.text}"])
        if self_describing(schema, slot) and not STATE_WORDS.search(name) and rng.random() < 0.6:
            # Not a state, which said bare joins badly: "the orders of maya.chen@example.com and shipped".
            return slot.text
        # A lower bound on a date as people say it: "since February 1" ("due before" says itself).
        if isinstance(slot.value, str) and DATE.match(slot.value) and re.search(r"(?:_|^)(after|since|from)$", name) \
                and rng.random() < 0.5:
            return rng.choice([f"since {slot.text}", f"after {slot.text}"])
        # Days and clock times say what they are ("next Tuesday", "on March 12", "at 14:00") when
        # the parameter is just the day or the time; "placed after" or "due" keep their words.
        if label in ("day", "date", "time", "start time", "start date", "when") and isinstance(slot.value, str) \
                and rng.random() < 0.7:
            if schema.get("format") == "date" or DATE.match(slot.value):
                relative = slot.text.startswith(("today", "tomorrow", "the day after", "next ", "this ", "in "))
                return slot.text if relative or rng.random() < 0.4 else f"on {slot.text}"
            if re.fullmatch(r"\d{1,2}:\d{2}", slot.value):
                return f"at {slot.text}"
        if schema.get("type") == "integer" and re.match(r"(?i)how many\b", schema.get("description") or ""):
            if isinstance(slot.value, int) and 0 < slot.value < len(NUMBER_WORDS) and rng.random() < 0.4:
                return rng.choice([f"{NUMBER_WORDS[slot.value]} of them", f"just {NUMBER_WORDS[slot.value]}"])
            return rng.choice([f"{slot.text} of them", f"{label} {slot.text}", f"x{slot.text}"])
        return rng.choice([f"{label} {slot.text}", f"{label}: {slot.text}", f"with {label} {slot.text}",
                           f"{label} {slot.text}"])

    def parallel_request(self, draws: list[tuple[str, dict[str, Slot]]], rng: random.Random) -> str:
        """One message asking for all of these calls at once."""
        phrased = self._phrased(draws, rng)
        if phrased:
            return phrased
        if len(draws) == 2 and draws[0][0] == draws[1][0] and len(draws[0][1]) == 1 \
                and draws[0][1].keys() == draws[1][1].keys() and rng.random() < 0.6:
            # The same action on two things is one sentence: "close task_12 and task_42", "convert
            # 60 USD to EUR and MXN" (the hand-written parallel requests), from a one-call wording.
            (name, a), = draws[0][1].items()
            b = draws[1][1][name]
            if "@" not in a.text + b.text:   # not "a@x.com and b@y.com's orders"
                return self.request(draws[0][0], {name: Slot(a.value, f"{a.text} and {b.text}")}, rng)
        requests = [self.request(t, s, rng) for t, s in draws]
        # Not "then": a request joined by "then" is done in order, one call after the other's result.
        joiner = rng.choice([" and ", ". Also, ", "; plus ", ", and also "])
        first, *rest = requests
        return sentence(first.rstrip(".?!")) + joiner + joiner.join(lower_first(r).rstrip(".?!") for r in rest)

    def sequence_request(self, requests: list[str], rng: random.Random, linked: bool = False) -> str:
        """Requests done one after the other. `linked`: each one acts on what the one before made or
        found ("... and book a pickup for it"), so a plain "and" says the order too."""
        joiners = [", then ", ". After that, ", " and then ", ". Once that's done, "]
        # A plain "and" mostly asks for calls at once (the parallel requests of hand-written cases:
        # "I'm done with task_12 and task_42"): one linked pair in five says it, and its second part
        # points at what the first made ("... and book a drop-off for it"). Half of them did, and the
        # model answered "close task_12 and task_42" with one call, waiting for a result.
        joiner = rng.choice(joiners + [" and "] if linked else joiners)
        first, *rest = requests
        return sentence(first.rstrip(".?!")) + joiner + joiner.join(lower_first(r).rstrip(".?!") for r in rest)

    # -- answers after tool results
    def answer(self, tool: str, args: dict, result: Any) -> str:
        if is_error(result):
            return f"That didn't work: {result['error']}."
        if result is None:
            return "Done."
        return describe(result)

    def answer_many(self, calls: list[tuple[str, dict]], results: list[Any]) -> str:
        return " ".join(self.answer(t, a, r) for (t, a), r in zip(calls, results, strict=False))

    # -- turns without a call
    def clarify(self, tool: str, rng: random.Random) -> tuple[str, str] | None:
        fn = self.tools[tool]
        required = fn.get("parameters", {}).get("required") or []
        if not required:
            return None
        missing = rng.choice(required)
        ask = None
        # The user's own request for this tool with the missing value's words taken out.
        own = [p for p in self.phrasings.get((tool,), []) if missing in p.params[0]]
        if own and rng.random() < 0.7:
            phrasing = rng.choice(own)
            rest = phrasing.params[0] - {missing}
            # An id names the thing acted on ("get rid of the task"); a patterned code such as a
            # currency does not ("convert 80 euros to the price" is not English).
            names = missing.lower().endswith("id")
            thing = action(tool, rng).partition(" ")[2] or "it"
            ask = phrasing.without(0, missing, thing=vaguely(thing, rng) if names else thing, names=names,
                                   noun=thing.split()[-1])
            if ask is not None and rest:
                _, slots = self.draw_values(tool, rest, rng)
                ask = Phrasing(ask, phrasing.tools, (frozenset(rest),), lowered=phrasing.lowered).fill(
                    [{k: v.text for k, v in slots.items()}])
        asked = [missing]
        if ask is None and len(required) > 1 and rng.random() < 0.6:
            # Some of the values said, the rest missing: "book a pickup for rt_4101 on Thursday" asks
            # for the store and the time (two questions at most; a request missing more is vague).
            kept = [r for r in required if r != missing and rng.random() < 0.6]
            asked = [r for r in required if r not in kept]
            if kept and len(asked) <= 2:
                ask = self.request(tool, self.draw_values(tool, kept, rng)[1], rng)
            else:
                asked = [missing]
        if ask is None:
            verb, _, thing = action(tool, rng).partition(" ")
            if thing and missing.lower().endswith("id") and rng.random() < 0.5:
                thing = vaguely(thing, rng)   # "complete it", "delete one of my tasks"
            ask = rng.choice(["{w}, please.", "I want to {w}.", "Can you {w}?", "{w}", "I'd like to {w}."]).format(
                w=f"{verb} {thing}".strip())
        props = fn["parameters"].get("properties", {})
        questions = [question_for(m, props.get(m) if isinstance(props.get(m), dict) else {}) for m in asked]
        question = " And ".join([questions[0]] + [lower_first(q) for q in questions[1:]])
        return sentence(ask), rng.choice(["Sure. ", "Happy to. ", ""]) + question

    def draw_values(self, tool: str, params, rng: random.Random) -> tuple[str, dict[str, Slot]]:
        props = self.tools[tool].get("parameters", {}).get("properties", {})
        return tool, {p: self.value(tool, p, props.get(p, {}), rng) for p in sorted(params)}

    def no_tool(self, rng: random.Random) -> tuple[str, str]:
        ask, answer = pick(rng, self.chat)
        return ask, answer.replace("{can}", capabilities([action(t, rng, synonyms=False) for t in self.tools]))

    # -- scenarios over the stub world (need stubs)
    def multi_step(self, conv: Conversation, rng: random.Random, draw_call) -> bool:
        """Two steps: mostly a result field of the first call feeding a parameter of the second
        (start a return, then book its drop-off); else two requests done in order."""
        if conv.session is not None and rng.random() < 0.7:
            # The user's own multi-step requests, as often as they wrote different ones (15% each, at
            # most 30%): the Task API's one chain, "Create '...' and set it to high priority right
            # away", was a fifth of all multi-step examples.
            if self.chains and rng.random() < min(0.3, 0.15 * len(self.chains)) and self._learned_chain(conv, rng):
                return True
            if rng.random() < 0.35 and self._named_chain(conv, rng, draw_call):
                return True
            if self._chain(conv, rng, draw_call):
                return True
        (t1, s1), (t2, s2) = draw_call(), draw_call()
        if t1 == t2 and {k: v.value for k, v in s1.items()} == {k: v.value for k, v in s2.items()}:
            return False
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

    def _learned_chain(self, conv: Conversation, rng: random.Random) -> bool:
        """One of the user's own multi-step requests re-filled: new values in their words, the calls
        run in a fresh world of the stubs, each reading what it needs off the results before it."""
        if conv.fresh is None:
            return False
        chain = pick(rng, self.chains)
        for _ in range(8):
            ran = self._run_chain(chain, conv.fresh(), rng)
            if ran is None:
                continue
            said, item, calls = ran
            conv.user(sentence(chain.fill({k: v.text for k, v in said.items()}, item)))
            replayed = [conv.call([c])[0] for c in calls]
            if any(is_error(r) for r in replayed):
                return False
            conv.say(self.answer(*calls[-1], replayed[-1]))
            return True
        return False

    def _run_chain(self, chain: Chain, world, rng: random.Random):
        """(said slots, the named item's name, calls) of one filling of `chain` whose every call worked
        in `world`, or None."""
        said: dict[str, Slot] = {}
        item: tuple[dict, str] | None = None
        calls, results = [], []
        for tool, step in zip(chain.tools, chain.args, strict=True):
            props = (self.tools[tool].get("parameters") or {}).get("properties") or {}
            args = {}
            for param, src in step:
                schema = props.get(param) or {}
                if src.kind == "say":
                    slot = f"{src.step}:{src.key}"
                    if slot not in said:
                        said[slot] = self.value(tool, param, schema, rng)
                    args[param] = said[slot].value
                    continue
                if src.kind == "read":
                    value = first_fields(results[src.step]).get(src.key)
                else:
                    if item is None:
                        items = [(i, n) for i, n in named_items(results[src.step]) if chain.item_keys() <= set(i)]
                        if not items:
                            return None
                        item = pick(rng, items)
                    value = item[0].get(src.key)
                if value is None or not self.values.fits(tool, param, schema, value):
                    return None
                args[param] = value
            result = json.loads(world.call(tool, args))
            if is_error(result):
                return None
            calls.append((tool, args))
            results.append(result)
        return said, item[1] if item else None, calls

    def _link(self, world, t1: str, a1: dict, r1: Any, rng: random.Random, draw_call):
        """A next call fed by this call's result: (tool, its said slots, its arguments, the words that
        point at the record it reads), run in `world`, or None. Only what a person would not say but
        reads off a result links: ids and patterned codes. Of a list of several, an end ("the most
        recent one") half the time; else only a result with one record links."""
        ends = list_ends(r1, self.tools[t1].get("description", ""))
        pointer, record = rng.choice(ends) if ends and rng.random() < 0.5 else (None, r1)
        fields = first_fields(record)
        links = [(t2, k) for t2, fn in self.tools.items() if t2 != t1
                 for k, schema in (fn.get("parameters", {}).get("properties") or {}).items()
                 if k in fields and k not in a1 and identifies(k, schema)]
        if not links:
            return None
        t2, key = rng.choice(links)
        _, s2 = draw_call(t2)
        value = fields[key]
        if not self.values.fits(t2, key, self.tools[t2]["parameters"]["properties"][key], value):
            return None
        said = {k: v for k, v in s2.items() if k != key}
        a2 = {**{k: v.value for k, v in said.items()}, key: value}
        if is_error(json.loads(world.call(t2, a2))):
            return None
        return t2, said, a2, pointer

    def _next_request(self, tool: str, said: dict, rng: random.Random, pointer: str | None = None) -> str:
        """The words for a linked call: its own values, and "it" (or which one of a list) for the one
        read off the result."""
        text = (self.request(tool, said, rng) if said else sentence(action(tool, rng))).rstrip(".?! ")
        if pointer:
            return text + f" for {pointer}"
        if POINTS.search(text):   # the user's own words for it already point ("set it to high priority")
            return text
        # Always pointed at: "... and delete the task" alone is a request to ask which task about.
        return text + rng.choice([" for it", " for that one"])

    def _chain(self, conv: Conversation, rng: random.Random, draw_call) -> bool:
        """A call whose result holds a value (an id) that a parameter of the same name of another
        call needs; the user never says that value, the assistant reads it from the result."""
        if conv.fresh is None:
            return False
        for attempt in range(6):
            # The least covered tool first, then any: the least covered one may be a tool that cannot
            # start a chain (a drop-off needs a return made before it), and would stay the least covered.
            t1, s1 = draw_call(None if attempt < 2 else rng.choice(sorted(self.tools)))
            a1 = {k: v.value for k, v in s1.items()}
            world = conv.fresh()   # the whole chain is tried in a world of its own first
            r1 = json.loads(world.call(t1, a1))
            if is_error(r1):
                continue
            linked = self._link(world, t1, a1, r1, rng, draw_call)
            if linked is None:
                continue
            t2, said, a2, pointer = linked
            conv.user(self.sequence_request([self.request(t1, s1, rng), self._next_request(t2, said, rng, pointer)],
                                            rng, linked=True))
            r1 = conv.call([(t1, a1)])
            r2 = conv.call([(t2, a2)])
            if is_error(r1[0]) or is_error(r2[0]):
                return False
            conv.say(self.answer_many([(t1, a1), (t2, a2)], r1 + r2))
            return True
        return False

    def _named_chain(self, conv: Conversation, rng: random.Random, draw_call) -> bool:
        """Acting on a thing the user names, whose id only a lookup gives: "the desk lamp in ORD-106114
        arrived broken" looks the order up, then starts the return with the lamp's SKU read off the
        result. The lookup keeps only what it requires and what the act shares (the order number,
        said once); the thing is said by its name or title in the result."""
        if conv.fresh is None:
            return False
        # Every tool is tried as the lookup, in a random order: the few tools whose results name
        # things (an order's items) are rarely the least covered ones that draw_call() prefers.
        for t1 in rng.sample(sorted(self.tools), len(self.tools)):
            _, drawn = draw_call(t1)
            required = set(self.tools[t1].get("parameters", {}).get("required") or [])
            # The lookup keeps what it needs and what the act shares (said once, in the request); an
            # optional filter the user did not ask for is left out ("list my tasks", not "... tagged home").
            acts = []
            for t2, fn in self.tools.items():
                props = fn.get("parameters", {}).get("properties") or {}
                kept = {k: v for k, v in drawn.items() if k in required or k in props and identifies(k, props[k])}
                if t2 != t1 and set(kept) <= set(props):
                    acts.append((t2, kept))
            if not acts:
                continue
            t2, s1 = rng.choice(acts)
            a1 = {k: v.value for k, v in s1.items()}
            world = conv.fresh()
            r1 = json.loads(world.call(t1, a1))
            if is_error(r1):
                continue
            named = list(named_items(r1))
            props = self.tools[t2].get("parameters", {}).get("properties") or {}
            keys = [k for k, schema in props.items() if k not in a1 and identifies(k, schema)
                    and any(k in item for item, _ in named)]
            if not keys:
                continue
            key = rng.choice(keys)
            item, label = rng.choice([(i, n) for i, n in named if key in i])
            if not self.values.fits(t2, key, props[key], item[key]):
                continue
            _, s2 = draw_call(t2)
            # The item's other fields that the act takes too ("quantity") are, half the time, read
            # off the result rather than said: "return the desk lamp" sends back all of them.
            read = {k: item[k] for k in s2 if k != key and k not in a1 and k in item and rng.random() < 0.5
                    and self.values.fits(t2, k, props[k], item[k])}
            said = {**{k: v for k, v in s2.items() if k != key and k not in s1 and k not in read}, **s1}
            a2 = {**{k: v.value for k, v in said.items()}, key: item[key], **read}
            acted = json.loads(world.call(t2, a2))
            if is_error(acted):
                continue
            # A name is a noun ("the desk lamp"); a title reads like a sentence ("'Renew passport'").
            name = f"the {lower_first(label)}" if any(item.get(k) == label for k in ("name", "label")) \
                else f"'{label}'"
            # Said in the order a person says it: the thing, where it is (the lookup's values), the rest.
            slots = {key: Slot(item[key], name), **s1, **{k: v for k, v in said.items() if k not in s1}}
            request = self.request(t2, slots, rng, plain={key})
            # Sometimes a third call follows from the act's result ("... and book a drop-off for it").
            third = None
            if rng.random() < 0.5:
                third = self._link(world, t2, a2, acted, rng, draw_call)
            if third is not None:
                t3, said3, a3, pointer3 = third
                request = self.sequence_request([request, self._next_request(t3, said3, rng, pointer3)], rng,
                                                linked=True)
            conv.user(request)
            r1 = conv.call([(t1, a1)])
            r2 = conv.call([(t2, a2)])
            if is_error(r1[0]) or is_error(r2[0]):
                return False
            if third is None:
                conv.say(self.answer(t2, a2, r2[0]))
                return True
            r3 = conv.call([(t3, a3)])
            if is_error(r3[0]):
                return False
            conv.say(self.answer_many([(t2, a2), (t3, a3)], r2 + r3))
            return True
        return False

    def made_first(self, tool: str, slots: dict[str, Slot], fresh, rng: random.Random, draw_call,
                   depth: int = 2) -> tuple[list[tuple[str, dict]], dict[str, Slot]] | None:
        """Calls to run before `tool` so that it works, and its slots with the ids they made: a
        drop-off names a return, and a return exists only once it was started. A request for a
        drop-off then runs in a world where the user's return was made before the conversation
        (those calls are not in it) rather than failing with "no return rt_9964". ([], slots) when
        the call works as it is; None when no other tool's result gives what it names."""
        if not is_error(json.loads(fresh().call(tool, {k: s.value for k, s in slots.items()}))):
            return [], slots
        props = (self.tools[tool].get("parameters") or {}).get("properties") or {}
        keys = [k for k in slots if identifies(k, props.get(k))]
        if depth == 0 or not keys:
            return None
        # Each producer a few times: its own drawn values fail often (a SKU the order lacks).
        for producer in rng.sample(sorted(self.tools), len(self.tools)) * 3:
            made = None if producer == tool else self.made_first(producer, draw_call(producer)[1], fresh, rng,
                                                                  draw_call, depth - 1)
            if made is None:
                continue
            setup = made[0] + [(producer, {k: s.value for k, s in made[1].items()})]
            world = fresh()
            made_result = [json.loads(world.call(name, args)) for name, args in setup][-1]
            # What the producer made or found: its result's fields, an item of its list of several.
            fields = first_fields(made_result)
            ends = list_ends(made_result, self.tools[producer].get("description", ""))
            if ends:
                fields = {**first_fields(rng.choice(ends)[1]), **fields}
            new = dict(slots)
            for k in keys:
                v = fields.get(k)
                if v is not None and v != slots[k].value and self.values.fits(tool, k, props[k], v):
                    new[k] = Slot(v, str(v))
            if not is_error(json.loads(world.call(tool, {k: s.value for k, s in new.items()}))):   # after the setup
                return setup, new
        return None

    def error_recovery(self, conv: Conversation, rng: random.Random, draw_call) -> bool:
        """A call the stubs refuse, the assistant saying why, the user correcting one value, and the
        corrected call succeeding. Both calls are real: the failing one differs from a call that
        works in the one value the user then corrects."""
        for _ in range(8):
            tool, good = draw_call()
            # The right call must work: in a fresh world, or after the calls that make what it names.
            made = self.made_first(tool, good, conv.fresh, rng, draw_call) if conv.fresh else None
            if made is None:
                continue
            setup, good = made
            fixable = [k for k in good if k in (self.tools[tool].get("parameters", {}).get("required") or [])] \
                or list(good)
            if not fixable:
                continue
            name = rng.choice(fixable)
            # Wrong values: another draw's, or a near miss of the right one ("task_87" for "task_7").
            schema = (self.tools[tool].get("parameters", {}).get("properties") or {}).get(name) or {}
            wrong = [Slot(v, v) for v in near_misses(good[name].value)
                     if identifies(name, schema) and self.values.fits(tool, name, schema, v)]
            for _ in range(6):
                _, other = draw_call(tool)
                wrong.append(other.get(name))
            for slot in wrong:
                if slot is None or slot.value == good[name].value:
                    continue
                bad = {**good, name: slot}
                if not is_error(conv.probe(tool, {k: s.value for k, s in bad.items()}, setup)):
                    continue
                conv.prepare(setup)
                conv.user(self.request(tool, bad, rng))
                r1 = conv.call([(tool, {k: s.value for k, s in bad.items()})])
                if not is_error(r1[0]):
                    return False
                label = name.replace("_", " ")
                conv.say(rng.choice([f"That didn't work: {r1[0]['error']}. Could you check the {label}?",
                                     f"The call failed ({r1[0]['error']}). Which {label} did you mean?",
                                     f"I couldn't do that: {r1[0]['error']}. What's the right {label}?"]))
                conv.user(rng.choice([f"Sorry, it's {good[name].text}", f"Oh, I meant {good[name].text}",
                                      f"my mistake: {good[name].text}", f"Try {good[name].text}"]))
                r2 = conv.call([(tool, {k: s.value for k, s in good.items()})])
                if is_error(r2[0]):
                    return False
                conv.say(self.answer(tool, {k: s.value for k, s in good.items()}, r2[0]))
                return True
        return False


def near_misses(value: Any) -> list[str]:
    """What a person gets wrong about an id or code: the whole id with another number ("task_27" for
    "task_7"). Never the bare number or "#7": a model shown a call made with "15" for "delete 15"
    learns that any word of a request will do as an id, and calls where it should ask which one
    (the Task API's clarify turns were answered delete_task("delete_task"), complete_task("done"))."""
    if not isinstance(value, str):
        return []
    m = re.search(r"\d+", value)
    if m is None or m.group() == value:
        return []
    n = m.group()
    other = str(int(n) * 7 % (10 ** len(n)) or 1).zfill(len(n)) if len(n) > 1 else str((int(n) + 5) % 10) + n
    return [value[:m.start()] + other + value[m.end():]]


def _label(item: Any) -> str:
    """A list item as a person names it: "task_3 (Renew passport)", "ORD-104871", "Lisbon"."""
    if not isinstance(item, dict):
        return str(item)
    scalars = [(k, v) for k, v in item.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)]
    ident = next((str(v) for k, v in scalars if k.lower().endswith("id")), None)
    name = next((str(v) for k, v in scalars if k.lower() in ("title", "name", "label", "subject")), None)
    if ident and name:
        return f"{ident} ({name})"
    return ident or name or (str(scalars[0][1]) if scalars else "one item")


def describe(result: Any) -> str:
    """A tool result in a sentence, from its shape alone (the generic answer after a call)."""
    if isinstance(result, list):
        result = {"results": result}
    if not isinstance(result, dict):
        return f"Done: {result}."
    # A list of records is what was asked for ({"tasks": [...]}); a record's own lists ("tags") are details.
    records = [(k, v) for k, v in result.items() if isinstance(v, list) and (not v or isinstance(v[0], dict))]
    scalars = [f"{k.replace('_', ' ')} {v}" for k, v in result.items()
               if isinstance(v, (str, int, float)) and not isinstance(v, bool)][:4]
    if records or not scalars:
        key, items = (records or [(k, v) for k, v in result.items() if isinstance(v, list)] or [("", [])])[0]
        what = key.replace("_", " ") or "results"
        if not items:
            return f"No {what} found."
        names = ", ".join(_label(i) for i in items[:3])
        more = f", and {len(items) - 3} more" if len(items) > 3 else ""
        return f"Found {len(items)} {what}: {names}{more}."
    return "Done: " + ", ".join(scalars) + "."
