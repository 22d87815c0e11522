"""Fast argument checking against a tool's JSON Schema, with stable problem codes.

Tool `parameters` use a small part of JSON Schema (types, properties, required,
enums, formats, bounds). For that part we compile the schema once into nested
closures, which is several times faster than a general validator and lets every
failure carry a workbench code (`missing_required`, `enum_violation`, ...).
A schema that uses anything outside that part (`anyOf`, `$ref`, ...) is checked by
the `jsonschema` package instead, and its errors are mapped onto the same codes.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from typing import Any

from workbench.problems import Problem

Checker = Callable[[Any, str, list], None]

# Keywords the compiler understands; annotations are accepted and ignored.
_SUPPORTED = {
    "type", "properties", "required", "additionalProperties", "enum", "const", "format", "items",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
    "pattern", "minItems", "maxItems", "uniqueItems",
}
_ANNOTATIONS = {"description", "title", "default", "examples", "$schema", "$comment", "deprecated", "nullable"}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")


def _is_date(s: str) -> bool:
    if not _DATE.match(s):
        return False
    try:
        _dt.date.fromisoformat(s)
    except ValueError:
        return False
    return True


def _is_datetime(s: str) -> bool:
    if len(s) < 11 or s[10] not in "Tt ":
        return False
    try:
        _dt.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return True


FORMATS: dict[str, Callable[[str], bool]] = {
    "date": _is_date,
    "date-time": _is_datetime,
    "time": lambda s: bool(_TIME.match(s)),
    "email": lambda s: bool(_EMAIL.match(s)),
    "uri": lambda s: bool(_URI.match(s)),
}


def _type_ok(value: Any, t: str) -> bool:
    # bool is a subclass of int in Python but not a number in JSON.
    if t == "string":
        return isinstance(value, str)
    if t == "integer":
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "array":
        return isinstance(value, list)
    if t == "object":
        return isinstance(value, dict)
    if t == "null":
        return value is None
    return True  # unknown type names are a schema problem, reported by tool validation


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def is_compilable(schema: Any) -> bool:
    """True when every keyword in `schema` (recursively) is one the compiler handles."""
    if not isinstance(schema, dict):
        return isinstance(schema, bool)
    for key, sub in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key not in _SUPPORTED:
            return False
        if key == "properties":
            if not isinstance(sub, dict) or not all(is_compilable(s) for s in sub.values()):
                return False
        elif key in ("items", "additionalProperties"):
            if not (isinstance(sub, bool) or is_compilable(sub)):
                return False
        elif key == "format" and sub not in FORMATS:
            return False
    return True


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def compile_schema(schema: dict) -> Checker:
    """Compile a schema (already known to be compilable) into a checker closure.

    The checker appends Problems to `out`; `path` names the value being checked.
    """
    checks: list[Checker] = []
    types = schema.get("type")
    if types is not None:
        tlist = [types] if isinstance(types, str) else list(types)

        def check_type(v, path, out, tlist=tlist):
            if not any(_type_ok(v, t) for t in tlist):
                out.append(Problem("type_mismatch", f"expected {' or '.join(tlist)}, got {type_name(v)} {v!r}"[:200], path))
                raise _Stop

        checks.append(check_type)

    if "enum" in schema:
        allowed = schema["enum"]

        def check_enum(v, path, out, allowed=allowed):
            # JSON equality: True must not match 1.
            if not any(v == a and type(v) is type(a) or (_num(v) and _num(a) and v == a) for a in allowed):
                out.append(Problem("enum_violation", f"{v!r} is not one of {allowed}"[:200], path))

        checks.append(check_enum)

    if "const" in schema:
        const = schema["const"]

        def check_const(v, path, out, const=const):
            if v != const:
                out.append(Problem("enum_violation", f"{v!r} must be {const!r}", path))

        checks.append(check_const)

    fmt = schema.get("format")
    if fmt in FORMATS:
        fn = FORMATS[fmt]

        def check_format(v, path, out, fn=fn, fmt=fmt):
            if isinstance(v, str) and not fn(v):
                out.append(Problem("bad_format", f"{v!r} is not a valid {fmt}", path))

        checks.append(check_format)

    _add_bounds(schema, checks)

    if "properties" in schema or "required" in schema or "additionalProperties" in schema:
        checks.append(_object_checker(schema))

    if "items" in schema and isinstance(schema["items"], dict):
        item_check = compile_schema(schema["items"])

        def check_items(v, path, out, item_check=item_check):
            if isinstance(v, list):
                for i, item in enumerate(v):
                    item_check(item, f"{path}[{i}]", out)

        checks.append(check_items)

    def check_all(v, path, out, checks=checks):
        try:
            for c in checks:
                c(v, path, out)
        except _Stop:
            pass

    return check_all


class _Stop(Exception):
    """A type mismatch makes the remaining keyword checks meaningless."""


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _add_bounds(schema: dict, checks: list[Checker]) -> None:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if any(b is not None for b in (lo, hi, xlo, xhi)):
        def check_range(v, path, out):
            if not _num(v):
                return
            if (lo is not None and v < lo) or (hi is not None and v > hi) or (
                xlo is not None and v <= xlo) or (xhi is not None and v >= xhi):
                rng = f"[{lo if lo is not None else xlo}, {hi if hi is not None else xhi}]"
                out.append(Problem("out_of_range", f"{v!r} is outside {rng}", path))

        checks.append(check_range)
    for key, kind, cmp in (
        ("minLength", str, lambda n, b: n < b), ("maxLength", str, lambda n, b: n > b),
        ("minItems", list, lambda n, b: n < b), ("maxItems", list, lambda n, b: n > b),
    ):
        if key in schema:
            bound = schema[key]

            def check_len(v, path, out, kind=kind, cmp=cmp, bound=bound, key=key):
                if isinstance(v, kind) and cmp(len(v), bound):
                    out.append(Problem("out_of_range", f"length {len(v)} violates {key}={bound}", path))

            checks.append(check_len)
    if "pattern" in schema:
        rx = re.compile(schema["pattern"])

        def check_pattern(v, path, out, rx=rx):
            if isinstance(v, str) and not rx.search(v):
                out.append(Problem("bad_format", f"{v!r} does not match /{rx.pattern}/", path))

        checks.append(check_pattern)
    if schema.get("uniqueItems"):
        def check_unique(v, path, out):
            if isinstance(v, list):
                seen = [repr(x) for x in v]
                if len(set(seen)) != len(seen):
                    out.append(Problem("out_of_range", "items must be unique", path))

        checks.append(check_unique)


def _object_checker(schema: dict) -> Checker:
    props: dict = schema.get("properties") or {}
    required = [r for r in schema.get("required") or [] if isinstance(r, str)]
    additional = schema.get("additionalProperties", True)
    prop_checks = {name: compile_schema(sub) for name, sub in props.items() if isinstance(sub, dict)}
    extra_check = compile_schema(additional) if isinstance(additional, dict) else None

    def check_object(v, path, out):
        if not isinstance(v, dict):
            return
        for name in required:
            if name not in v:
                out.append(Problem("missing_required", f"required argument '{name}' is missing", _join(path, name)))
        for key, item in v.items():
            c = prop_checks.get(key)
            if c is not None:
                c(item, _join(path, key), out)
            elif key in props:
                continue
            elif additional is False:
                out.append(Problem("unexpected_argument", f"'{key}' is not a parameter of this tool", _join(path, key)))
            elif extra_check is not None:
                extra_check(item, _join(path, key), out)

    return check_object


# --- fallback: the general validator, errors mapped to workbench codes ---

_JSONSCHEMA_CODES = {
    "required": "missing_required",
    "type": "type_mismatch",
    "enum": "enum_violation",
    "const": "enum_violation",
    "additionalProperties": "unexpected_argument",
    "format": "bad_format",
    "pattern": "bad_format",
    "minimum": "out_of_range", "maximum": "out_of_range",
    "exclusiveMinimum": "out_of_range", "exclusiveMaximum": "out_of_range",
    "minLength": "out_of_range", "maxLength": "out_of_range",
    "minItems": "out_of_range", "maxItems": "out_of_range", "uniqueItems": "out_of_range",
}


def _jsonschema_checker(schema: dict) -> Checker:
    import jsonschema

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = cls(schema, format_checker=_format_checker())

    def check(v, path, out):
        for err in validator.iter_errors(v):
            where = path
            for part in err.absolute_path:
                where = f"{where}[{part}]" if isinstance(part, int) else _join(where, str(part))
            code = _JSONSCHEMA_CODES.get(str(err.validator), "schema_violation")
            if code == "unexpected_argument" and isinstance(err.instance, dict):
                # jsonschema reports all extra keys in one error; we name each, like the fast path.
                known = err.schema.get("properties", {})
                for key in err.instance:
                    if key not in known:
                        out.append(Problem(code, f"'{key}' is not a parameter of this tool", _join(where, key)))
                continue
            if code == "missing_required":
                missing = re.findall(r"'([^']+)' is a required property", err.message)
                if missing:
                    where = _join(where, missing[0])
            out.append(Problem(code, err.message[:200], where))

    return check


def _format_checker():
    import jsonschema

    fc = jsonschema.FormatChecker(formats=())
    for name, fn in FORMATS.items():
        fc.checks(name)(lambda v, fn=fn: not isinstance(v, str) or fn(v))
    return fc


def build_checker(schema: dict) -> Checker:
    """The fastest correct checker for `schema`."""
    if is_compilable(schema):
        return compile_schema(schema)
    return _jsonschema_checker(schema)
