"""Sample toolsets: tool definitions as JSON plus stub implementations that really run.

Each toolset is a folder with `tools.json` and `stubs.py`. The stubs keep their state
in an in-memory SQLite database (tasks) or plain Python structures, so calls made from
chat, or by generated examples under verification, execute for real and can fail for real.
"""

from __future__ import annotations

import functools
import importlib
import json
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
NAMES = ("task_api", "weather", "search_email")


class ToolError(Exception):
    """A stub refused a call (unknown id, bad value); returned to the model as {"error": ...}."""


@dataclass(frozen=True)
class Toolset:
    name: str
    folder: Path

    @property
    def tools(self) -> list[dict]:
        return json.loads((self.folder / "tools.json").read_text())

    @property
    def seed_path(self) -> Path:
        return self.folder / "seed.jsonl"

    @property
    def stubs(self):
        return importlib.import_module(f"sample_tools.{self.name}.stubs")

    @property
    def destructive(self) -> frozenset[str]:
        """Tools that destroy data; chat asks before running them."""
        return frozenset(getattr(self.stubs, "DESTRUCTIVE", ()))

    @property
    def phrasebook(self):
        """The toolset's `Phrasebook` subclass for the offline generator, or None."""
        try:
            module = importlib.import_module(f"sample_tools.{self.name}.phrases")
        except ModuleNotFoundError:
            return None
        return getattr(module, "PHRASEBOOK", None)

    def session(self) -> "Session":
        """A fresh, independent state of the toolset's world."""
        return Session(self)


class Session:
    """One world state; `call` runs a tool on it and returns the JSON text the model sees."""

    def __init__(self, toolset: Toolset):
        self.toolset = toolset
        self.state = toolset.stubs.make_state()
        self._checkers = _checkers(toolset)

    def call(self, name: str, arguments: dict | str) -> str:
        """Run one call. Errors come back as `{"error": ...}` the way a real API would answer."""
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError as exc:
                return json.dumps({"error": f"arguments are not valid JSON: {exc.msg}"})
        checker = self._checkers.get(name)
        if checker is None:
            return json.dumps({"error": f"unknown tool {name!r}"})
        problems: list = []
        checker(arguments, "", problems)
        if problems:
            return json.dumps({"error": "; ".join(f"{p.path}: {p.message}" if p.path else p.message
                                                  for p in problems)})
        try:
            result = getattr(self.toolset.stubs, name)(self.state, **arguments)
        except ToolError as exc:
            return json.dumps({"error": str(exc)})
        return json.dumps(result, ensure_ascii=False)

    def is_error(self, result: str) -> bool:
        try:
            return isinstance(json.loads(result), dict) and "error" in json.loads(result)
        except json.JSONDecodeError:
            return False


@functools.cache
def _checkers(toolset: Toolset) -> dict:
    """Compiled argument checkers, once per toolset (the generator opens a session per example)."""
    from workbench.schema_check import build_checker

    return {t["function"]["name"]: build_checker(t["function"]["parameters"]) for t in toolset.tools}


def get_toolset(name: str) -> Toolset:
    folder = HERE / name
    if name not in NAMES or not (folder / "tools.json").exists():
        raise KeyError(f"no sample toolset named {name!r}; available: {', '.join(NAMES)}")
    return Toolset(name, folder)
