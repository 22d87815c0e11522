"""The offline generator: examples from the tool schemas alone, deterministic for a seed.

It owns balance and coverage: tools are drawn least-used first, every optional parameter
and enum value is pushed until it has appeared, categories get exactly the counts asked
for (moved elsewhere only when the toolset cannot write one, and then said so). The
toolset's `Phrasebook` owns the words; calls run on the toolset's stubs, so tool results
are real. Near-identical requests are dropped and redrawn.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import Counter
from collections.abc import Callable

from workbench.examples import Example, make_example
from workbench.generate.phrasebook import Conversation, Phrasebook, is_error
from workbench.generate.spec import GenerateSpec, apportion
from workbench.generate.values import Dates, Slot

MAX_TRIES = 40


def request_key(text: str) -> str:
    """Requests that differ only in case, punctuation or spacing are the same request."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


class Coverage:
    """Counts of what has been generated, so the next draw can favour what is rare."""

    def __init__(self):
        self.tools: Counter = Counter()
        self.params: Counter = Counter()
        self.enums: Counter = Counter()
        # Tools asked for alone (one call, then the answer). Counted apart: a tool that starts most
        # chains (find_order before every named return) would otherwise never be a single call, and
        # a model that has only seen it followed by another call makes that call after every lookup.
        self.singles: Counter = Counter()

    def add_examples(self, examples) -> None:
        """Count what the project already has, so that generating fills its gaps first."""
        for ex in examples:
            for name, args in ex.calls():
                if args is not None:
                    self.add(name or "", args)
            if ex.category == "single":
                self.singles.update({name or "" for name, _ in ex.calls()})

    def add(self, tool: str, args: dict) -> None:
        self.tools[tool] += 1
        for k, v in args.items():
            self.params[(tool, k)] += 1
            if isinstance(v, str):
                self.enums[(tool, k, v)] += 1


class OfflineGenerator:
    def __init__(self, tools: list[dict], today: str | dt.date, toolset=None, phrasebook: Phrasebook | None = None,
                 tool_names: list[str] | None = None, examples=()):
        self.all_tools = tools
        self.dates = Dates(dt.date.fromisoformat(today) if isinstance(today, str) else today)
        # The project's toolset (workbench.toolset): its stubs run the calls, its phrasebook words them.
        self.toolset = toolset
        pb_cls = toolset.phrasebook if toolset is not None else None
        self.notes: list[str] = []
        known = getattr(pb_cls, "known_tools", None)
        drifted = sorted({t["function"]["name"] for t in tools} - set(known)) if pb_cls and known else []
        if drifted:
            # A phrasebook knows its own tools by name; once the project renames or adds one, its
            # wording would fail or lie. The schema-derived wording serves every tool.
            pb_cls = None
            self.notes.append(f"{', '.join(drifted)}: not in the project's phrasebook ({toolset.phrases_path.name}); "
                              "wording derived from the schemas")
        pools = toolset.value_pools() if toolset is not None else None
        self.pb = phrasebook or (pb_cls or Phrasebook)(tools, self.dates, examples, pools)
        names = [t["function"]["name"] for t in tools]
        if tool_names:
            unknown = sorted(set(tool_names) - set(names))
            if unknown:
                raise ValueError(f"unknown tool(s) {', '.join(unknown)}; the project has {', '.join(names)}")
        self.names = tool_names or names
        self.cov = Coverage()
        self.cov.add_examples(examples)

    # -- drawing one call
    def draw_call(self, rng: random.Random, tool: str | None = None,
                  params_set: frozenset | None = None) -> tuple[str, dict[str, Slot]]:
        """A tool (least used first) and values for its required and some optional parameters;
        `params_set`: exactly these parameters (a phrasing's). Half the time, when the user's
        examples say how this tool is asked for, the parameters of one of those phrasings."""
        if tool is None:
            low = min(self.cov.tools[n] for n in self.names)
            tool = rng.choice([n for n in self.names if self.cov.tools[n] == low])
        params = self.pb.tools[tool].get("parameters", {})
        props = params.get("properties", {})
        required = list(params.get("required") or [])
        optional = [p for p in props if p not in required]
        known = self.pb.param_sets(tool)
        if params_set is None and known and rng.random() < 0.5:
            params_set = rng.choice(known)
        if params_set is not None:
            chosen = [p for p in optional if p in params_set]
        else:
            # Most requests give few optional values: a model trained on calls full of them fills
            # them in unasked ("status": "delivered" where the user asked for all orders).
            chosen = [p for p in optional if rng.random() < 0.25]
            if optional and rng.random() < 0.3:  # push the least-seen optional parameter
                rare = min(optional, key=lambda p: (self.cov.params[(tool, p)], rng.random()))
                if rare not in chosen:
                    chosen.append(rare)
            while len(chosen) < min(self.pb.min_optional(tool), len(optional)):
                chosen.append(rng.choice([p for p in optional if p not in chosen]))
        slots: dict[str, Slot] = {}
        for p in required + [p for p in optional if p in chosen]:
            schema = props[p]
            for _ in range(4):   # two parameters of one call rarely hold the same value (EUR to EUR)
                if "enum" in schema and rng.random() < 0.7:  # the least-seen enum value
                    v = min(schema["enum"], key=lambda e: (self.cov.enums[(tool, p, e)], rng.random()))
                    slots[p] = self.pb.value(tool, p, {**schema, "enum": [v]}, rng)
                else:
                    slots[p] = self.pb.value(tool, p, schema, rng)
                if not any(s.value == slots[p].value for k, s in slots.items() if k != p and isinstance(s.value, str)):
                    break
        return tool, slots

    # -- one example per category
    def _session(self):
        return self.toolset.session() if self.toolset is not None and self.toolset.has_stubs else None

    def single(self, rng: random.Random) -> Conversation | None:
        # The tool least often asked for alone, then the least used anywhere.
        tool = min(self.names, key=lambda n: (self.cov.singles[n], self.cov.tools[n], rng.random()))
        tool, slots = self.draw_call(rng, tool)
        conv = Conversation(self._session())
        if conv.session is not None:
            made = self.pb.made_first(tool, slots, self._session, rng, lambda t=None: self.draw_call(rng, t))
            if made is not None:   # what the call names was made before the conversation
                setup, slots = made
                conv.prepare(setup)
        args = {k: s.value for k, s in slots.items()}
        conv.user(self.pb.request(tool, slots, rng))
        results = conv.call([(tool, args)])
        if results:
            # A call the stubs refuse (an id their world lacks) is still the right call; a share of
            # them stay, answered with the error, and the rest are drawn again.
            if is_error(results[0]) and rng.random() >= self.pb.keep_failed_calls:
                return None
            conv.say(self.pb.answer(tool, args, results[0]))
        self.cov.add(tool, args)
        self.cov.singles[tool] += 1
        return conv

    def parallel(self, rng: random.Random) -> Conversation | None:
        shapes = self.pb.parallel_shapes()
        if shapes and rng.random() < 0.5:   # the way the user asked for two calls at once
            tools, params = rng.choice(shapes)
            draws = [self.draw_call(rng, t, p) for t, p in zip(tools, params)]
        else:
            draws = [self.draw_call(rng) for _ in range(2)]
            # The same tool twice is the commonest parallel request (BFCL's "parallel" category is
            # only that; six of the Task API seed's eight): at 30%, the generic Task API model
            # answered every one of them with one call.
            if rng.random() < 0.5:
                draws[1] = self.draw_call(rng, draws[0][0])
        calls = [(t, {k: s.value for k, s in slots.items()}) for t, slots in draws]
        if calls[0] == calls[1]:
            return None
        conv = Conversation(self._session())
        conv.user(self.pb.parallel_request(draws, rng))
        results = conv.call(calls)
        if any(is_error(r) for r in results) and rng.random() >= self.pb.keep_failed_calls:
            return None
        if results:
            conv.say(self.pb.answer_many(calls, results))
        for t, a in calls:
            self.cov.add(t, a)
        return conv

    def scenario(self, rng: random.Random, kind: str) -> Conversation | None:
        conv = Conversation(self._session(), self._session)
        ok = getattr(self.pb, kind)(conv, rng, lambda tool=None: self.draw_call(rng, tool))
        called = {c["function"]["name"] for m in conv.messages for c in m.get("tool_calls") or []}
        if not ok or not called <= set(self.names):  # a scenario may reach for a tool that was not picked
            return None
        for m in conv.messages:
            for c in m.get("tool_calls") or []:
                self.cov.add(c["function"]["name"], json.loads(c["function"]["arguments"]))
        return conv

    def clarify(self, rng: random.Random) -> Conversation | None:
        askable = [n for n in self.names if self.pb.tools[n].get("parameters", {}).get("required")]
        tool = rng.choice(askable)
        pair = self.pb.clarify(tool, rng)
        if pair is None:
            return None
        conv = Conversation()
        conv.user(pair[0])
        conv.say(pair[1])
        return conv

    def no_tool(self, rng: random.Random) -> Conversation | None:
        request, answer = self.pb.no_tool(rng)
        conv = Conversation()
        conv.user(request)
        conv.say(answer)
        return conv

    # -- the whole batch
    def available(self) -> set[str]:
        cats = set(self.pb.categories)
        if self.toolset is None or not self.toolset.has_stubs:
            cats -= {"multi_step", "error_recovery"}  # they need real tool results
        if not any((self.pb.tools[n].get("parameters", {}).get("required")) for n in self.names):
            cats.discard("clarify")
        return cats

    def generate(self, spec: GenerateSpec, progress: Callable[[int, int], None] | None = None,
                 avoid: set[str] = frozenset()) -> list[Example]:
        """`avoid`: request keys (`request_key`) already in the project: a request it has is drawn again
        here rather than made and then rejected as a duplicate (500 asked, 500 made)."""
        rng = random.Random(spec.seed)
        counts = apportion(spec.n, spec.mix)
        can = self.available()
        fallback = "single"
        stubless = self.toolset is None or not self.toolset.has_stubs
        for cat in list(counts):
            if counts[cat] and cat not in can:
                why = ("they need real tool results: give the project stubs (stubs.py)"
                       if stubless and cat in ("multi_step", "error_recovery") and cat in self.pb.categories
                       else "no tool has a required parameter to ask for" if cat == "clarify"
                       else "the phrasebook cannot write these offline")
                self.notes.append(f"{cat}: {why}; {counts[cat]} moved to {fallback}")
                counts[fallback] += counts.pop(cat)
        makers = {"single": self.single, "parallel": self.parallel, "clarify": self.clarify,
                  "no_tool": self.no_tool,
                  "multi_step": lambda r: self.scenario(r, "multi_step"),
                  "error_recovery": lambda r: self.scenario(r, "error_recovery")}
        # Interleave categories so that coverage pressure is shared across all of them.
        order = [cat for cat, k in counts.items() for _ in range(k)]
        rng.shuffle(order)
        seen: set[str] = set(avoid)
        out: list[Example] = []
        short: Counter = Counter()
        for cat in order:
            made = self._distinct(makers[cat], cat, rng, seen)
            if made is None:
                short[cat] += 1
            else:
                out.append(made)
            if progress:
                progress(len(out), spec.n)
        # What a category could not make new is made as single calls: the number asked for is the
        # number made, while the tools have anything new to ask.
        for cat, k in short.items():
            instead = [m for m in (self._distinct(self.single, "single", rng, seen) for _ in range(k)) if m is not None]
            out += instead
            self.notes.append(f"{cat}: {k} fewer than asked (no new distinct request after {MAX_TRIES} tries)"
                              + (f"; {len(instead)} single calls instead" if instead else ""))
            if progress:
                progress(len(out), spec.n)
        _unique_ids(out)
        return out

    def _distinct(self, maker, cat: str, rng: random.Random, seen: set[str]) -> Example | None:
        """An example of `cat` whose request is not in `seen` (then added), or None after MAX_TRIES."""
        for attempt in range(MAX_TRIES):
            made = maker(rng)
            if made is None:
                continue
            key = request_key(made.messages[0]["content"])
            # Chit-chat and clarifying turns have small pools: once new ones are hard to find,
            # a repeat is fine (what matters there is not calling).
            if key in seen and not (cat in ("no_tool", "clarify") and attempt >= 10):
                continue
            seen.add(key)
            ex = make_example(made.messages, self.all_tools, category=cat, source="offline")
            if made.setup:
                ex.meta["setup"] = [{"name": name, "arguments": args} for name, args in made.setup]
            return ex
        return None


def _unique_ids(examples: list[Example]) -> None:
    seen: Counter = Counter()
    for ex in examples:
        seen[ex.id] += 1
        if seen[ex.id] > 1:
            ex.meta["id"] = f"{ex.id}-{seen[ex.id]}"
