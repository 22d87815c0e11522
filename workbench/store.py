"""Curation that survives a crash: every decision is journalled at once, the file rewritten later.

Rewriting a 50,000-example `examples.jsonl` takes about a second, too slow for every
keystroke. So each change (a status, an edited or new example) is appended to
`.examples.journal` and fsynced before the UI moves on; `compact()` folds the journal
into `examples.jsonl` with an atomic rewrite, from a background thread.

Compaction first renames the journal to `.examples.journal.old`, so changes made while
it runs go to a fresh journal. Loading applies `examples.jsonl`, then the old journal,
then the current one; every operation is idempotent, so a crash at any point replays
to the same state.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import orjson

from workbench.examples import Example, ExampleFile, now_iso, serialize_entries
from workbench.fileio import atomic_write_bytes

JOURNAL = ".examples.journal"


def journal_paths(examples_path: Path) -> tuple[Path, Path]:
    j = examples_path.with_name(JOURNAL)
    return j.with_name(JOURNAL + ".old"), j


def apply_op(ef: ExampleFile, index: dict[str, Example], op: dict) -> None:
    kind = op.get("op")
    if kind == "status":
        for ex_id in op.get("ids", []):
            ex = index.get(ex_id)
            if ex is not None:
                ex.meta["status"] = op["status"]
                ex.meta["updated"] = op.get("ts", ex.meta.get("updated"))
    elif kind == "replace_tools":
        # Examples that carried the project's old tools get the new ones (one shared list).
        old, new = op["old"], op["new"]
        for ex in ef.examples:
            tools = ex.data.get("tools")
            if tools is old or tools == old:
                ex.data["tools"] = new
    elif kind == "put":
        data = op["example"]
        ex_id = data.get("meta", {}).get("id")
        old = index.get(ex_id)
        if old is not None:
            old.data = data
            old.original = None
        else:
            new = Example(data)
            ef.entries.append(new)
            index[ex_id] = new


def replay_journals(ef: ExampleFile) -> list[str]:
    """Apply pending journal entries to a freshly loaded file. Returns warnings (torn lines)."""
    warnings = []
    index = ef.by_id()
    for path in journal_paths(ef.path):
        try:
            lines = path.read_bytes().split(b"\n")
        except FileNotFoundError:
            continue
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                op = orjson.loads(line)
            except orjson.JSONDecodeError:
                # Only the last line can be torn (a crash mid-append); that change is lost, nothing else.
                warnings.append(f"{path}:{n}: unreadable journal entry skipped")
                continue
            apply_op(ef, index, op)
    return warnings


def load_with_journal(path: Path) -> ExampleFile:
    ef = ExampleFile.load(path)
    ef.journal_warnings = replay_journals(ef)
    return ef


def clear_journals(examples_path: Path) -> None:
    for p in journal_paths(examples_path):
        p.unlink(missing_ok=True)


class ExampleStore:
    """The examples of an open project, with journalled changes. Call from one thread; `compact` may run in another."""

    def __init__(self, ef: ExampleFile, read_only: bool = False):
        self.file = ef
        self.read_only = read_only
        self.index = ef.by_id()
        self._old, self._journal = journal_paths(ef.path)
        self._lock = threading.Lock()
        self.pending_ops = sum(1 for p in (self._old, self._journal) if p.exists())

    @classmethod
    def open(cls, path: Path, read_only: bool = False) -> "ExampleStore":
        return cls(load_with_journal(path), read_only)

    @property
    def examples(self) -> list[Example]:
        return self.file.examples

    @property
    def dirty(self) -> bool:
        """Changes not yet folded into examples.jsonl (they are safe in the journal)."""
        return self.pending_ops > 0

    def _append(self, *ops: dict) -> None:
        if self.read_only:
            raise PermissionError("the project is open read-only")
        data = b"".join(orjson.dumps(op) + b"\n" for op in ops)
        with self._lock:
            with open(self._journal, "ab") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            self.pending_ops += len(ops)

    def set_status(self, ids: list[str], status: str) -> None:
        op = {"op": "status", "ids": list(ids), "status": status, "ts": now_iso()}
        self._append(op)
        apply_op(self.file, self.index, op)

    def replace_tools(self, old: list[dict], new: list[dict]) -> None:
        """Every example whose tools equal `old` gets `new`: a schema save reaches the whole dataset."""
        op = {"op": "replace_tools", "old": old, "new": new}
        self._append(op)
        apply_op(self.file, self.index, op)

    def put(self, example: Example) -> Example:
        """Add a new example or replace the one with the same id."""
        example.meta["updated"] = now_iso()
        op = {"op": "put", "example": example.data}
        self._append(op)
        apply_op(self.file, self.index, op)
        return self.index[example.id]

    def unique_id(self, base: str) -> str:
        """`base`, or `base-2`, `base-3`... whichever no example has yet."""
        base = base or "ex"
        n, candidate = 1, base
        while candidate in self.index:
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def add(self, example: Example) -> Example:
        """Add a new example under an id no other example has (its own, suffixed where taken)."""
        example.meta["id"] = self.unique_id(example.id)
        return self.put(example)

    def put_many(self, examples: list[Example]) -> None:
        """Add many examples with one journal write and one fsync (a generated batch)."""
        ts = now_iso()
        ops = []
        for ex in examples:
            ex.meta["updated"] = ts
            ops.append({"op": "put", "example": ex.data})
        self._append(*ops)
        for op in ops:
            apply_op(self.file, self.index, op)

    def compact(self) -> None:
        """Fold the journal into examples.jsonl (atomic rewrite). Safe to run in a worker thread."""
        if self.read_only:
            return
        with self._lock:
            if self._journal.exists():
                if self._old.exists():
                    # A previous compaction died after rotating; fold both now.
                    self._old.write_bytes(self._old.read_bytes() + self._journal.read_bytes())
                    self._journal.unlink()
                else:
                    os.replace(self._journal, self._old)
            entries = list(self.file.entries)
            folded = self.pending_ops
        # orjson serialises each example while holding the GIL, so a status change on the
        # UI thread lands wholly before or after an example is written, and the journal keeps it.
        atomic_write_bytes(self.file.path, serialize_entries(entries))
        self._old.unlink(missing_ok=True)
        with self._lock:
            self.pending_ops = max(0, self.pending_ops - folded)
