"""What the dataset covers: calls per tool, per parameter, per enum value, per category.

Gaps (a tool never called, a parameter never used, an enum value never seen, a
category with no examples) are what the model will be worst at; the app highlights them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from workbench.examples import CATEGORIES, Example
from workbench.tools import tool_name


@dataclass
class Coverage:
    tools: Counter = field(default_factory=Counter)          # tool -> calls
    params: Counter = field(default_factory=Counter)         # (tool, param) -> calls using it
    enum_values: Counter = field(default_factory=Counter)    # (tool, param, value) -> calls
    categories: Counter = field(default_factory=Counter)     # category -> examples
    examples: int = 0
    # Everything the schemas allow, so zero counts can be shown.
    all_params: list[tuple[str, str]] = field(default_factory=list)
    all_enum_values: list[tuple[str, str, object]] = field(default_factory=list)
    all_tools: list[str] = field(default_factory=list)

    def gaps(self) -> list[str]:
        out = [f"tool {t} is never called" for t in self.all_tools if not self.tools[t]]
        out += [f"{t}.{p} is never used" for t, p in self.all_params if not self.params[(t, p)]]
        out += [f"{t}.{p} = {v!r} never appears" for t, p, v in self.all_enum_values if not self.enum_values[(t, p, v)]]
        out += [f"no {c} examples" for c in CATEGORIES if not self.categories[c]]
        return out


def compute_coverage(examples: list[Example], tools: list[dict], statuses=("accepted", "pending")) -> Coverage:
    cov = Coverage()
    for t in tools:
        name = tool_name(t)
        cov.all_tools.append(name)
        for p, schema in ((t.get("function", {}).get("parameters") or {}).get("properties") or {}).items():
            cov.all_params.append((name, p))
            for v in (schema.get("enum") or []) if isinstance(schema, dict) else []:
                cov.all_enum_values.append((name, p, v))
    enum_keys = {(t, p) for t, p, _ in cov.all_enum_values}
    for ex in examples:
        if ex.status not in statuses:
            continue
        cov.examples += 1
        cov.categories[ex.category or "uncategorised"] += 1
        for name, args in ex.calls():
            cov.tools[name] += 1
            for p, v in (args or {}).items():
                cov.params[(name, p)] += 1
                if (name, p) in enum_keys and isinstance(v, (str, int, float, bool)):
                    cov.enum_values[(name, p, v)] += 1
    return cov
