"""A project's toolset: its tools, and the stubs (and phrasebook) it holds as its own code.

One resolver, `project_toolset(project)`, serves every caller: the CLI, the generator, the
verifier, Chat, Eval. Nothing here knows any toolset by name; the bundled samples are
project templates (`workbench init DIR --tools task_api` copies one).

Stubs are a Python module in the project, `stubs.py` beside workbench.toml (or the file
named by `stubs` in workbench.toml): plain typed functions named like the tools.

    DESTRUCTIVE = {"delete_booking"}      # Chat asks before running these

    def make_state():                     # optional: a fresh world per conversation
        return {"bookings": {}}           # anything: a dict, an object, an in-memory SQLite

    def cancel_booking(state, booking_id: str) -> dict:
        \"\"\"Cancel a booking. ...\"\"\"
        if booking_id not in state["bookings"]:
            raise ValueError(f"no booking {booking_id}")   # the model sees {"error": "no booking bk_1"}
        ...
        return {"booking_id": booking_id, "status": "cancelled"}

A function whose first parameter is `state` (or `ctx`) gets the world; it returns a JSON-able result or
raises to report an error. Arguments are checked against the tool's schema before the function
runs, so a stub sees only valid calls. `workbench init --tools module.py` reads these same
functions as the tools and keeps the module as the project's stubs.

Stubs are the user's code and run only when the user asks for it: generating or verifying
examples with stubs, or a call run from Chat. Opening a project never imports them.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import json
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.tools import STATE_PARAMS

STUBS_FILE, PHRASES_FILE, VALUES_FILE = "stubs.py", "phrases.py", "values.json"


class ToolError(Exception):
    """A stub refusing a call (unknown id, a value out of range). Any exception does the same;
    this one is for stubs that want to say so."""


class StubsError(Exception):
    """The project's stubs cannot be loaded; the message names the file and line."""


def load_user_module(path: Path, kind: str):
    """Import a project's own module from its file, under a name unique to the file.

    An error names the file and the line it failed on, never a traceback through the workbench."""
    path = Path(path).resolve()
    name = f"_workbench_{kind}_{hashlib.sha1(str(path).encode()).hexdigest()[:10]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise StubsError(f"{path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module   # dataclasses and typing look their module up by name
    # Its own folder is importable while it loads, as for a script: `import helpers` beside it works.
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the user's module failed to import: say where
        sys.modules.pop(name, None)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path]
        where = f"{path}:{frames[-1].lineno}" if frames else str(path)
        if isinstance(exc, SyntaxError) and exc.lineno:
            where = f"{path}:{exc.lineno}"
        raise StubsError(f"{where}: {type(exc).__name__}: {exc}") from None
    finally:
        if sys.path and sys.path[0] == str(path.parent):
            sys.path.pop(0)
    return module


@dataclass(frozen=True)
class Stubs:
    """A loaded stubs module: the functions that implement tools, and which of them destroy data."""

    module: Any
    path: Path
    functions: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Stubs:
        module = load_user_module(path, "stubs")
        functions = {name: obj for name, obj in vars(module).items()
                     if inspect.isfunction(obj) and not name.startswith("_") and name != "make_state"}
        return cls(module, Path(path), functions)

    @property
    def destructive(self) -> frozenset[str]:
        return frozenset(getattr(self.module, "DESTRUCTIVE", ()))

    def make_state(self) -> Any:
        make = getattr(self.module, "make_state", None)
        return make() if callable(make) else None


class Session:
    """One world state; `call` runs a tool on the stubs and returns the JSON text the model sees.

    Arguments are checked against the tool's schema first, and an unknown tool, invalid
    arguments or a stub that raises all come back as `{"error": ...}`, as a real API answers."""

    def __init__(self, stubs: Stubs, tools: list[dict]):
        self.stubs = stubs
        self.state = stubs.make_state()
        self._checkers = _checkers(json.dumps(tools, sort_keys=True))

    def call(self, name: str, arguments: dict | str) -> str:
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError as exc:
                return json.dumps({"error": f"arguments are not valid JSON: {exc.msg}"})
        checker = self._checkers.get(name)
        fn = self.stubs.functions.get(name)
        if checker is None or fn is None:
            return json.dumps({"error": f"unknown tool {name!r}"})
        problems: list = []
        checker(arguments, "", problems)
        if problems:
            return json.dumps({"error": "; ".join(f"{p.path}: {p.message}" if p.path else p.message
                                                  for p in problems)})
        params = list(inspect.signature(fn).parameters)
        try:
            result = fn(self.state, **arguments) if params[:1] and params[0] in STATE_PARAMS else fn(**arguments)
        except Exception as exc:  # noqa: BLE001 - a stub reports an error by raising: the model sees it
            return json.dumps({"error": str(exc) or type(exc).__name__})
        return json.dumps(result, ensure_ascii=False, default=str)

    @staticmethod
    def is_error(result: str) -> bool:
        try:
            value = json.loads(result)
        except json.JSONDecodeError:
            return False
        return isinstance(value, dict) and "error" in value


def record(turns: list[tuple[str, Any]], session: Session, allow_errors: bool = False) -> list[dict]:
    """Messages for a hand-written conversation, its tool results from running the calls.

    `turns`: ("user", text), ("say", text) for an assistant answer, or ("call", [(name, args), ...])
    for an assistant turn of calls; each call runs on `session` and its result follows it. A
    call the stubs refuse raises ValueError (a hand-written example should say what really happens),
    unless `allow_errors` (an error-recovery example refuses calls on purpose)."""
    messages: list[dict] = []
    n = 0
    for kind, value in turns:
        if kind == "user":
            messages.append({"role": "user", "content": value})
        elif kind == "say":
            messages.append({"role": "assistant", "content": value})
        else:
            calls, results = [], []
            for name, args in value:
                n += 1
                result = session.call(name, args)
                if Session.is_error(result) and not allow_errors:
                    raise ValueError(f"{name}({json.dumps(args)}): {result}")
                calls.append({"id": f"call_{n}", "type": "function",
                              "function": {"name": name, "arguments": json.dumps(args)}})
                results.append({"role": "tool", "tool_call_id": f"call_{n}", "content": result})
            messages.append({"role": "assistant", "content": None, "tool_calls": calls})
            messages.extend(results)
    return messages


@functools.lru_cache(maxsize=8)
def _checkers(tools_json: str) -> dict:
    """Compiled argument checkers, once per tool list (the generator opens a session per example)."""
    from workbench.schema_check import build_checker

    return {t["function"]["name"]: build_checker(t["function"].get("parameters") or {"type": "object"})
            for t in json.loads(tools_json)}


@dataclass
class ProjectToolset:
    """What a project has to run and talk about its tools. `stubs_path`/`phrases_path` are None
    when the project has no such file; the modules load on first use, never on opening."""

    tools: list[dict]
    stubs_path: Path | None = None
    phrases_path: Path | None = None
    values_path: Path | None = None
    _stubs: Stubs | None = field(default=None, repr=False)

    @property
    def has_stubs(self) -> bool:
        return self.stubs_path is not None

    @property
    def name(self) -> str:
        """How the UI names the stubs: their file name, or "none"."""
        return self.stubs_path.name if self.stubs_path is not None else "none"

    def stubs(self) -> Stubs:
        """The loaded stubs (StubsError if the project has none or they fail to import)."""
        if self.stubs_path is None:
            raise StubsError("this project has no stubs (stubs.py beside workbench.toml)")
        if self._stubs is None:
            self._stubs = Stubs.load(self.stubs_path)
        return self._stubs

    @property
    def destructive(self) -> frozenset[str]:
        return self.stubs().destructive

    def session(self) -> Session:
        """A fresh, independent world of the stubs."""
        return Session(self.stubs(), self.tools)

    def value_pools(self) -> dict[str, list]:
        """The project's values.json: {"tool.param" or "param": [values]}; ValueError naming the file."""
        if self.values_path is None:
            return {}
        try:
            pools = json.loads(self.values_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{self.values_path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        bad = [k for k, v in pools.items() if not isinstance(v, list)] if isinstance(pools, dict) else ["(the file)"]
        if bad:
            raise ValueError(f"{self.values_path}: {bad[0]}: expected a list of values")
        return pools

    def call_runner(self):
        """`call(name, arguments) -> result text` on one world, which (with the stubs) is made on the
        first call: the user's code runs when they run a call, not before."""
        session: Session | None = None

        def call(name: str, arguments: dict | str) -> str:
            nonlocal session
            if session is None:
                session = self.session()
            return session.call(name, arguments)

        return call

    @functools.cached_property
    def phrasebook(self):
        """The project's `Phrasebook` subclass (`PHRASEBOOK` in phrases.py), or None."""
        if self.phrases_path is None:
            return None
        return getattr(load_user_module(self.phrases_path, "phrases"), "PHRASEBOOK", None)


def project_toolset(project, tools: list[dict] | None = None) -> ProjectToolset:
    """The project's toolset: its tools (or `tools`, the app's unsaved ones) and its own stubs and
    phrasebook files where it has them. Nothing is imported here."""
    stubs = project.root / (project.settings.stubs or STUBS_FILE)
    phrases, values = project.root / PHRASES_FILE, project.root / VALUES_FILE
    return ProjectToolset(tools if tools is not None else project.load_tools(), stubs if stubs.is_file() else None,
                          phrases if phrases.is_file() else None, values if values.is_file() else None)
