"""Tool schemas: pydantic models, validation against the JSON Schema meta-schema
plus workbench rules, and loading from JSON or from a Python module."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import re
import sys
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.problems import Problem

STATE_PARAMS = ("state", "self", "ctx")
NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
JSON_TYPES = {"string", "integer", "number", "boolean", "array", "object", "null"}


class FunctionDef(BaseModel):
    """The `function` part of an OpenAI tool definition."""

    model_config = ConfigDict(extra="allow")

    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class ToolDef(BaseModel):
    """An OpenAI tool definition: `{"type": "function", "function": {...}}`."""

    model_config = ConfigDict(extra="allow")

    type: Literal["function"] = "function"
    function: FunctionDef

    @property
    def name(self) -> str:
        return self.function.name


class ToolsFileError(Exception):
    """`tools.json` (or an import source) cannot be read; the message names the file and line."""


def tool_name(tool: dict) -> str:
    fn = tool.get("function") if isinstance(tool, dict) else None
    return fn.get("name", "") if isinstance(fn, dict) else ""


def tools_by_name(tools: list[dict] | None) -> dict[str, dict]:
    return {tool_name(t): t for t in tools or [] if tool_name(t)}


# ---------------------------------------------------------------- validation


def validate_tools(tools: Any) -> list[Problem]:
    """All problems in a list of tool definitions, errors and warnings."""
    if not isinstance(tools, list):
        return [Problem("invalid_tool", f"tools must be a JSON array, got {type(tools).__name__}")]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, tool in enumerate(tools):
        problems.extend(validate_tool(tool, f"[{i}]"))
        name = tool_name(tool)
        if name:
            if name in seen:
                problems.append(Problem("duplicate_tool_name", f"'{name}' is also defined at [{seen[name]}]",
                                        f"[{i}].function.name"))
            else:
                seen[name] = i
    return problems


def validate_tool(tool: Any, path: str = "") -> list[Problem]:
    """Problems in one tool definition. `path` prefixes every problem's path."""
    def at(sub: str) -> str:
        return f"{path}.{sub}" if path else sub

    try:
        parsed = ToolDef.model_validate(tool)
    except ValidationError as exc:
        return [Problem("invalid_tool", e["msg"], at(".".join(str(p) for p in e["loc"]))) for e in exc.errors()]
    problems: list[Problem] = []
    fn = parsed.function
    if not NAME_RE.match(fn.name):
        problems.append(Problem("bad_tool_name", f"'{fn.name}' must match {NAME_RE.pattern}", at("function.name")))
    if not fn.description.strip():
        problems.append(Problem("missing_description", "the model relies on the description to pick this tool",
                                at("function.description"), "warning"))
    problems.extend(validate_parameters(fn.parameters, at("function.parameters")))
    return problems


def validate_parameters(params: dict, path: str) -> list[Problem]:
    import jsonschema

    problems: list[Problem] = []
    try:
        cls = jsonschema.validators.validator_for(params, default=jsonschema.Draft202012Validator)
        cls.check_schema(params)
    except jsonschema.SchemaError as exc:
        where = ".".join(str(p) for p in exc.absolute_path)
        problems.append(Problem("invalid_schema", exc.message[:300], f"{path}.{where}" if where else path))
        return problems
    if params.get("type") != "object":
        problems.append(Problem("parameters_not_object", "parameters must be a schema of type 'object'",
                                f"{path}.type"))
    problems.extend(_check_object_rules(params, path))
    return problems


def _check_object_rules(schema: dict, path: str) -> list[Problem]:
    """Workbench rules the meta-schema does not express, applied recursively."""
    problems: list[Problem] = []
    props = schema.get("properties") or {}
    required = schema.get("required") or []
    for name in required:
        if name not in props:
            problems.append(Problem("required_not_in_properties", f"'{name}' is required but not a property",
                                    f"{path}.required"))
    for name, sub in props.items():
        if not isinstance(sub, dict):
            continue
        sub_path = f"{path}.properties.{name}"
        problems.extend(_check_enum(sub, sub_path))
        if "type" not in sub and "enum" not in sub and "anyOf" not in sub and "oneOf" not in sub and "$ref" not in sub:
            problems.append(Problem("missing_type", f"parameter '{name}' has no type", sub_path, "warning"))
        if not str(sub.get("description", "")).strip():
            problems.append(Problem("missing_description", f"parameter '{name}' has no description",
                                    f"{sub_path}.description", "warning"))
        if sub.get("type") == "object" or "properties" in sub:
            problems.extend(_check_object_rules(sub, sub_path))
        items = sub.get("items")
        if isinstance(items, dict):
            problems.extend(_check_enum(items, f"{sub_path}.items"))
            if items.get("type") == "object":
                problems.extend(_check_object_rules(items, f"{sub_path}.items"))
    return problems


def _check_enum(schema: dict, path: str) -> list[Problem]:
    from workbench.schema_check import _type_ok, type_name

    if "enum" not in schema:
        return []
    enum = schema["enum"]
    if not isinstance(enum, list) or not enum:
        return [Problem("empty_enum", "enum must list at least one value", f"{path}.enum")]
    declared = schema.get("type")
    if declared is None:
        return []
    types = [declared] if isinstance(declared, str) else declared
    return [
        Problem("enum_type_mismatch", f"enum value {v!r} is a {type_name(v)}, not {' or '.join(types)}",
                f"{path}.enum[{i}]")
        for i, v in enumerate(enum) if not any(_type_ok(v, t) for t in types)
    ]


# ---------------------------------------------------------------- loading


def parse_tools_json(text: str, source: str = "tools.json") -> list[dict]:
    """Parse tool definitions from JSON text.

    Accepts a list of OpenAI tool definitions, `{"tools": [...]}`, a single tool,
    or bare function objects (`{"name", "parameters"}`), which are wrapped.
    Raises ToolsFileError naming `source` and the line on bad JSON.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolsFileError(f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    if isinstance(data, dict) and isinstance(data.get("tools"), list):
        data = data["tools"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ToolsFileError(f"{source}:1: expected a JSON array of tool definitions, got {type(data).__name__}")
    tools = []
    for i, item in enumerate(data):
        if isinstance(item, dict) and "function" not in item and "name" in item:
            item = {"type": "function", "function": item}
        if not isinstance(item, dict):
            raise ToolsFileError(f"{source}: item [{i}] is a {type(item).__name__}, not a tool definition object")
        tools.append(item)
    return tools


def load_tools(path: str | Path) -> list[dict]:
    """Read tool definitions from a JSON file, with errors that name the file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ToolsFileError(f"{path}: file not found") from None
    except OSError as exc:
        raise ToolsFileError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ToolsFileError(f"{path}:{line}: not UTF-8 (byte {exc.start})") from None
    return parse_tools_json(text, str(path))


def dump_tools(tools: list[dict]) -> str:
    return json.dumps(tools, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- from Python


def import_tools(source: str | Path) -> list[dict]:
    """Tools from a `.json` file or a Python module (a `.py` path or a dotted module name)."""
    s = str(source)
    if s.endswith(".json"):
        return load_tools(s)
    return tools_from_module(load_module(s))


def load_module(source: str):
    path = Path(source)
    if path.suffix == ".py":
        if not path.exists():
            raise ToolsFileError(f"{path}: file not found")
        name = f"_workbench_tools_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # the user's module failed to import: say where
            raise ToolsFileError(f"{path}: importing failed: {type(exc).__name__}: {exc}") from None
        return module
    try:
        return importlib.import_module(s := str(source))
    except ImportError as exc:
        raise ToolsFileError(f"{s}: cannot import module: {exc}") from None


def tools_from_module(module) -> list[dict]:
    """One tool per public function of `module` (or those in its `__all__`).

    Types come from annotations (Literal becomes an enum, `datetime.date` a string
    with format date, `list[str]` an array), descriptions from Google-style docstrings,
    and parameters without a default are required. A first parameter named
    `state` is the stub's world (see workbench.toolset), not an argument. Dates arrive
    as ISO strings, as they do in JSON.
    """
    names = getattr(module, "__all__", None)
    funcs = []
    for name, obj in vars(module).items():
        if not inspect.isfunction(obj) or name.startswith("_") or name == "make_state":  # the stubs' world
            continue
        if names is not None and name not in names:
            continue
        if names is None and obj.__module__ != module.__name__:
            continue
        funcs.append(obj)
    return [tool_from_function(f) for f in funcs]


def tool_from_function(func) -> dict:
    from pydantic import create_model

    doc = inspect.getdoc(func) or ""
    summary, arg_docs = _parse_docstring(doc)
    hints = typing.get_type_hints(func, include_extras=True)
    fields: dict[str, Any] = {}
    sig = inspect.signature(func)
    for i, (pname, param) in enumerate(sig.parameters.items()):
        if i == 0 and pname in STATE_PARAMS:
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        ann = _strip_optional(hints.get(pname, Any)) if param.default is None else hints.get(pname, Any)
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[pname] = (ann, Field(default, description=arg_docs.get(pname)))
    model = create_model(f"{func.__name__}_args", **fields)
    schema = _clean_schema(model.model_json_schema())
    schema["additionalProperties"] = False
    return {"type": "function", "function": {"name": func.__name__, "description": summary, "parameters": schema}}


def _strip_optional(ann):
    if typing.get_origin(ann) in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return ann


def _clean_schema(schema: Any) -> Any:
    """Drop pydantic's titles and `default: null` noise so the schema reads as hand-written."""
    if isinstance(schema, dict):
        out = {}
        for k, v in schema.items():
            if k == "title" and isinstance(v, str):
                continue
            if k == "default" and v is None:
                continue
            out[k] = _clean_schema(v) if k != "properties" else {n: _clean_schema(s) for n, s in v.items()}
        return out
    if isinstance(schema, list):
        return [_clean_schema(v) for v in schema]
    return schema


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Summary paragraph and `Args:` entries of a Google-style docstring."""
    lines = doc.splitlines()
    summary_lines: list[str] = []
    for line in lines:
        if not line.strip() or line.strip().endswith(":") and line.strip()[:-1] in ("Args", "Returns", "Raises"):
            break
        summary_lines.append(line.strip())
    args: dict[str, str] = {}
    in_args, current = False, None
    for line in lines:
        stripped = line.strip()
        if stripped in ("Args:", "Arguments:", "Parameters:"):
            in_args = True
            continue
        if in_args:
            if stripped.endswith(":") and not line.startswith((" ", "\t")):
                break
            m = re.match(r"^(\w+)\s*(\([^)]*\))?\s*:\s*(.*)$", stripped)
            if m and (line.startswith("    ") or line.startswith("\t")) and not line.startswith("        "):
                current = m.group(1)
                args[current] = m.group(3).strip()
            elif current and stripped:
                args[current] = (args[current] + " " + stripped).strip()
    return " ".join(summary_lines), args
