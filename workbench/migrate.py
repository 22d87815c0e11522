"""Schema changes that would break examples, which examples they touch, and how to migrate them.

A change is found by comparing the old tool list with the new one:
- a tool renamed (same position, new name; or a removed and an added tool with identical parameters),
- a parameter renamed (removed and added in one tool with the same schema), or removed,
- a parameter made required.
Migrating renames in every example (calls and each example's own tool list); the
alternative is to mark the affected examples `pending` with a note, for review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench.examples import Example
from workbench.tools import tool_name

if TYPE_CHECKING:
    from workbench.project import Project
    from workbench.store import ExampleStore


@dataclass(frozen=True)
class Change:
    kind: str  # rename_tool | remove_tool | rename_param | remove_param | require_param
    tool: str
    old: str = ""
    new: str = ""

    def describe(self) -> str:
        return {
            "rename_tool": f"tool {self.old} renamed to {self.new}",
            "remove_tool": f"tool {self.tool} removed",
            "rename_param": f"{self.tool}: parameter {self.old} renamed to {self.new}",
            "remove_param": f"{self.tool}: parameter {self.old} removed",
            "require_param": f"{self.tool}: parameter {self.new} is now required",
        }[self.kind]

    @property
    def migratable(self) -> bool:
        return self.kind in ("rename_tool", "rename_param", "remove_param")


def _params(tool: dict) -> dict:
    return (tool.get("function", {}).get("parameters") or {}) if isinstance(tool, dict) else {}


def diff_tools(old: list[dict], new: list[dict]) -> list[Change]:
    changes: list[Change] = []
    old_by, new_by = {tool_name(t): t for t in old}, {tool_name(t): t for t in new}
    gone = [n for n in old_by if n not in new_by]
    added = [n for n in new_by if n not in old_by]
    renamed: dict[str, str] = {}
    # Same position, different name: a rename (the form and the JSON editor keep positions).
    for i, t in enumerate(old):
        if i < len(new) and tool_name(t) in gone and tool_name(new[i]) in added:
            renamed[tool_name(t)] = tool_name(new[i])
    for g in gone:
        if g in renamed:
            continue
        match = [a for a in added if a not in renamed.values() and _params(new_by[a]) == _params(old_by[g])]
        if match:
            renamed[g] = match[0]
    for g in gone:
        changes.append(Change("rename_tool", renamed[g], g, renamed[g]) if g in renamed else Change("remove_tool", g))
    for name, t in old_by.items():
        new_name = renamed.get(name, name)
        if new_name not in new_by:
            continue
        changes.extend(_diff_params(new_name, _params(t), _params(new_by[new_name])))
    return changes


def _diff_params(tool: str, old: dict, new: dict) -> list[Change]:
    changes = []
    op, np_ = old.get("properties") or {}, new.get("properties") or {}
    gone = [p for p in op if p not in np_]
    added = [p for p in np_ if p not in op]
    for g in gone:
        twin = next((a for a in added if _same_schema(op[g], np_[a])), None)
        if twin is None and len(gone) == 1 and len(added) == 1:
            twin = added[0]  # one out, one in: the form's rename
        if twin is not None:
            added.remove(twin)
            changes.append(Change("rename_param", tool, g, twin))
        else:
            changes.append(Change("remove_param", tool, g))
    renamed_to = {c.new for c in changes if c.kind == "rename_param"}
    old_req = set(old.get("required") or [])
    for r in new.get("required") or []:
        if r not in old_req and r not in renamed_to:
            changes.append(Change("require_param", tool, new=r))
    return changes


def _same_schema(a: dict, b: dict) -> bool:
    strip = lambda s: {k: v for k, v in s.items() if k != "description"}  # noqa: E731
    return isinstance(a, dict) and isinstance(b, dict) and strip(a) == strip(b)


def _calls(ex: Example):
    for m in ex.messages:
        if isinstance(m, dict) and m.get("role") == "assistant":
            for c in m.get("tool_calls") or []:
                if isinstance(c, dict) and isinstance(c.get("function"), dict):
                    yield c["function"]


def _args(fn: dict) -> dict | None:
    try:
        a = json.loads(fn.get("arguments") or "{}")
    except (json.JSONDecodeError, TypeError):
        return None
    return a if isinstance(a, dict) else None


def affects(ex: Example, change: Change) -> bool:
    tool = change.old if change.kind == "rename_tool" else change.tool
    for fn in _calls(ex):
        if fn.get("name") != tool:
            continue
        if change.kind in ("rename_tool", "remove_tool"):
            return True
        args = _args(fn)
        if args is None:
            continue
        if change.kind in ("rename_param", "remove_param") and change.old in args:
            return True
        if change.kind == "require_param" and change.new not in args:
            return True
    return False


def affected_examples(examples: list[Example], changes: list[Change]) -> dict[Change, list[Example]]:
    """Every change with the examples it touches; changes that touch none are left out."""
    found = {c: [e for e in examples if affects(e, c)] for c in changes}
    return {c: exs for c, exs in found.items() if exs}


def migrate_example(ex: Example, changes: list[Change], new_tools: list[dict]) -> Example:
    """A migrated copy: calls renamed, removed arguments dropped, and the new tool list."""
    out = ex.copy()
    for fn in _calls(out):
        for c in changes:
            if c.kind == "rename_tool" and fn.get("name") == c.old:
                fn["name"] = c.new
            elif c.kind in ("rename_param", "remove_param") and fn.get("name") == c.tool:
                args = _args(fn)
                if args is not None and c.old in args:
                    value = args.pop(c.old)
                    if c.kind == "rename_param":
                        args[c.new] = value
                    fn["arguments"] = json.dumps(args, ensure_ascii=False)
    if out.tools is not None:
        out.data["tools"] = new_tools
    return out


def mark_for_review(ex: Example, changes: list[Change]) -> Example:
    out = ex.copy()
    out.meta["status"] = "pending"
    note = "review after schema change: " + "; ".join(c.describe() for c in changes)
    out.meta["notes"] = (out.meta.get("notes", "") + "\n" + note).strip()
    return out


@dataclass
class ToolsSaved:
    """What saving a schema change did to the examples."""

    migrated: list[str] = field(default_factory=list)  # valid under the new tools, status kept
    review: list[str] = field(default_factory=list)    # sent back to pending with a note saying why

    @property
    def touched(self) -> list[str]:
        return self.migrated + self.review

    def describe(self) -> str:
        parts = []
        if self.migrated:
            parts.append(f"{len(self.migrated)} examples migrated")
        if self.review:
            parts.append(f"{len(self.review)} marked for review")
        return "Saved tools.json" + (f"; {', '.join(parts)}." if parts else ".")


def save_tools(project: "Project", store: "ExampleStore | None", old: list[dict], new: list[dict],
               choice: str | None = None) -> ToolsSaved:
    """Write a schema change and bring the examples it affects along.

    `choice` is "migrate" or "review" (what the user picked for the affected examples).
    Migration renames what can be renamed; an example it leaves invalid under the new tools
    (a newly required value nobody can guess, a removed tool) goes to review instead, so
    no accepted example is left invalid. tools.json is written first: a crash after it
    leaves the examples as they were, which validation then reports.
    """
    from workbench.validation import validate_example

    project.save_tools(new)
    result = ToolsSaved()
    if store is None:
        return result
    store.replace_tools(old, new)
    affected = affected_examples(store.examples, diff_tools(old, new))
    by_id: dict[str, tuple[Example, list[Change]]] = {}
    for change, exs in affected.items():
        for ex in exs:
            by_id.setdefault(ex.id, (ex, []))[1].append(change)
    for ex_id, (ex, changes) in by_id.items():
        if choice == "migrate":
            fixed = migrate_example(ex, changes, new)
            errors = [p for p in validate_example(fixed, new) if p.is_error]
            if not errors:
                store.put(fixed)
                result.migrated.append(ex_id)
                continue
            fixed = mark_for_review(fixed, changes)
            fixed.meta["notes"] += f"\nstill invalid after migration: {errors[0]}"
        else:
            fixed = mark_for_review(ex, changes)
        store.put(fixed)
        result.review.append(ex_id)
    return result
