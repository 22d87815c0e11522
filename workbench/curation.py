"""Curation with undo: what the Examples screen's keys do, as plain calls on the store.

Every decision is written through the store at once (journalled, see `workbench.store`); the
undo stack remembers what each one replaced, so `undo` writes the old state back the same way.
Undoing an added example rejects it rather than deleting it: nothing curated is ever lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.examples import Example
from workbench.store import ExampleStore


@dataclass
class _StatusChange:
    before: dict[str, str]  # id -> status before


@dataclass
class _Put:
    ex_id: str
    before: dict | None  # the example's data before, None when it was added


@dataclass
class Curation:
    store: ExampleStore
    undo_stack: list[_StatusChange | _Put] = field(default_factory=list)

    def set_status(self, ids: list[str], status: str) -> list[str]:
        ids = [i for i in ids if i in self.store.index]
        if ids:
            self.undo_stack.append(_StatusChange({i: self.store.index[i].status for i in ids}))
            self.store.set_status(ids, status)
        return ids

    def put(self, example: Example) -> Example:
        """Replace an example (an edit), or add it under its id."""
        old = self.store.index.get(example.id)
        self.undo_stack.append(_Put(example.id, old.copy().data if old is not None else None))
        return self.store.put(example)

    def add(self, example: Example) -> Example:
        """Add an example under a fresh id (a new, duplicated, imported or saved-from-chat example)."""
        example.meta["id"] = self.store.unique_id(example.id)
        return self.put(example)

    def duplicate(self, ex_id: str) -> Example:
        copy = self.store.index[ex_id].copy()
        copy.meta.update(id=f"{ex_id}-copy", status="pending", source="duplicate")
        return self.add(copy)

    def undo(self) -> list[str] | None:
        """Take back the last decision; the ids it touched, or None when there is nothing to undo."""
        if not self.undo_stack:
            return None
        change = self.undo_stack.pop()
        if isinstance(change, _StatusChange):
            by_status: dict[str, list[str]] = {}
            for ex_id, status in change.before.items():
                by_status.setdefault(status, []).append(ex_id)
            for status, ids in by_status.items():
                self.store.set_status(ids, status)
            return list(change.before)
        if change.before is None:
            self.store.set_status([change.ex_id], "rejected")
        else:
            self.store.put(Example(change.before))
        return [change.ex_id]
