"""One line of facts per example, and the filter language over them.

The Examples screen shows and filters these; computing them once per change keeps a
filter keystroke over 50,000 examples to a list comprehension.

Filter syntax (terms are ANDed; anything else is text to find, case-insensitive):
    status:accepted|pending|rejected   (or s:)
    tool:create_task                   (or t:; tool:none for examples with no call)
    cat:clarify                        (or category:, c:)
    valid:yes|no|warn                  (or v:; also the bare words `invalid` and `valid`)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.examples import Example
from workbench.problems import Problem


@dataclass(slots=True)
class Summary:
    id: str
    status: str
    category: str
    tools: str       # called tools, comma-separated, in call order
    errors: int
    warnings: int
    message: str     # first user message
    search: str      # lowercase text the filter's free words match
    source: str = ""  # manual, seed, offline, teacher, import...
    verified: str = ""  # generated examples: "ok" or "failed" (with the stage and reasons in the search text)


def summarize(ex: Example, problems: list[Problem] | None) -> Summary:
    problems = problems or []
    errors = sum(p.is_error for p in problems)
    called = ex.called_tools()
    message = ex.first_user_message()
    meta = ex.meta
    verification = meta.get("verification") if isinstance(meta.get("verification"), dict) else None
    verified = "" if verification is None else "ok" if verification.get("ok") else "failed"
    reasons = " ".join([str(verification.get("stage", ""))] + [str(r) for r in verification.get("reasons", [])]) \
        if verification else ""
    search = " ".join([ex.id, message, ex.category, " ".join(called), meta.get("notes", "") or "", reasons]).lower()
    source = meta.get("source")
    return Summary(ex.id, ex.status, ex.category, ", ".join(dict.fromkeys(called)), errors,
                   len(problems) - errors, message, search, source if isinstance(source, str) else "", verified)


_ALIASES = {"s": "status", "status": "status", "t": "tool", "tool": "tool", "c": "cat", "cat": "cat",
            "category": "cat", "v": "valid", "valid": "valid", "src": "source", "source": "source",
            "verify": "verify", "verified": "verify"}


@dataclass
class Filter:
    status: str | None = None
    tool: str | None = None
    category: str | None = None
    valid: str | None = None  # yes | no | warn
    source: str | None = None
    verify: str | None = None  # ok | failed
    words: list[str] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)  # terms that look like filters but are not: said, not searched

    @property
    def empty(self) -> bool:
        return not (self.status or self.tool or self.category or self.valid or self.source or self.verify
                    or self.words)

    def matches(self, s: Summary) -> bool:
        if self.status and s.status != self.status:
            return False
        if self.category and s.category != self.category:
            return False
        if self.source and s.source != self.source:
            return False
        if self.verify and s.verified != self.verify:
            return False
        if self.tool:
            if self.tool == "none":
                if s.tools:
                    return False
            elif self.tool not in s.tools.split(", "):
                return False
        if self.valid == "yes" and s.errors:
            return False
        if self.valid == "no" and not s.errors:
            return False
        if self.valid == "warn" and not s.warnings:
            return False
        return all(w in s.search for w in self.words)

    def narrows(self, other: "Filter") -> bool:
        """True when everything this filter keeps, `other` kept too (typing more of a word)."""
        if (self.status, self.tool, self.category, self.valid, self.source, self.verify) != (
                other.status, other.tool, other.category, other.valid, other.source, other.verify):
            return False
        return len(self.words) >= len(other.words) and all(o in n for o, n in zip(other.words, self.words))


_VALUES = {"status": ("accepted", "pending", "rejected"), "valid": ("yes", "no", "warn"), "verify": ("ok", "failed")}


def parse_filter(query: str) -> Filter:
    f = Filter()
    for term in query.split():
        key, sep, value = term.partition(":")
        field_name = _ALIASES.get(key.lower()) if sep else None
        if sep and key.isalpha() and field_name is None:
            # `statu:pending` would otherwise search for the text and silently show nothing.
            f.mistakes.append(f"unknown filter key {key!r} (keys: status, tool, cat, valid, source, verify)")
            continue
        if field_name and value:
            value = value.lower() if field_name != "tool" else value
            if field_name == "status":
                f.status = {"a": "accepted", "p": "pending", "r": "rejected"}.get(value, value)
            elif field_name == "tool":
                f.tool = value
            elif field_name == "cat":
                f.category = value
            elif field_name == "source":
                f.source = value
            elif field_name == "verify":
                f.verify = {"no": "failed", "fail": "failed", "false": "failed", "yes": "ok", "true": "ok"}.get(value, value)
            else:
                f.valid = {"true": "yes", "ok": "yes", "false": "no", "error": "no", "errors": "no"}.get(value, value)
        elif term.lower() == "invalid":
            f.valid = "no"
        else:
            f.words.append(term.lower())
    for name, allowed in _VALUES.items():
        value = getattr(f, name)
        if value and value not in allowed:
            f.mistakes.append(f"{name}:{value} matches nothing (one of {', '.join(allowed)})")
    return f


def apply_filter(summaries: list[Summary], query: str | Filter) -> list[Summary]:
    """The summaries a query keeps, in order. One list comprehension per term: about 3 ms per 50k."""
    f = parse_filter(query) if isinstance(query, str) else query
    rows = summaries
    if f.status:
        rows = [s for s in rows if s.status == f.status]
    if f.category:
        rows = [s for s in rows if s.category == f.category]
    if f.source:
        rows = [s for s in rows if s.source == f.source]
    if f.verify:
        rows = [s for s in rows if s.verified == f.verify]
    if f.tool == "none":
        rows = [s for s in rows if not s.tools]
    elif f.tool:
        tool = f.tool
        rows = [s for s in rows if tool in s.tools and tool in s.tools.split(", ")]
    if f.valid == "yes":
        rows = [s for s in rows if not s.errors]
    elif f.valid == "no":
        rows = [s for s in rows if s.errors]
    elif f.valid == "warn":
        rows = [s for s in rows if s.warnings]
    for w in f.words:
        rows = [s for s in rows if w in s.search]
    return rows if rows is not summaries else list(summaries)
