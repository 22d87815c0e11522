"""The Berkeley Function Calling Leaderboard's single-turn categories, judged by BFCL's own checker.

The cases and the AST checker come from the official `bfcl-eval` package (Apache-2.0), pinned
to `BFCL_VERSION`. It is installed without its dependencies (the Makefile does it): they pin
numpy 1.26 and pull a dozen vendor SDKs, none of which the data files or the checker use. The
checker module imports one thing from that tree, the model registry, only to ask whether a
model's function names had their dots replaced by underscores; `official_checker` gives it a
one-entry registry instead ("workbench": yes, tool names like `math.factorial` become
`math_factorial`, as OpenAI's name rule requires).

A BFCL function document becomes an OpenAI tool the way BFCL's own OpenAI handler converts it
(`convert_to_tool` with `GORILLA_TO_OPENAPI`: dict -> object, float -> number, tuple -> array,
any -> string; a float's description gains "This is a float type value."), so a model here sees
what the leaderboard's OpenAI-style models see. The workbench's scorer runs beside the checker
for its failure labels; `gold_turn` picks, per parameter, the accepted value closest to the
prediction, which is how a single-gold scorer reads BFCL's lists of accepted values.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.evaluate.model_eval import EvalError

BFCL_VERSION = "2026.3.23"
# Our name for a category -> BFCL's (its data file is BFCL_v4_<name>.json).
CATEGORIES = {
    "simple": "simple_python",
    "multiple": "multiple",
    "parallel": "parallel",
    "parallel_multiple": "parallel_multiple",
    "irrelevance": "irrelevance",
    "live_simple": "live_simple",
    "live_multiple": "live_multiple",
    "live_parallel": "live_parallel",
    "live_parallel_multiple": "live_parallel_multiple",
    "live_irrelevance": "live_irrelevance",
}
MODEL_NAME = "workbench"   # the one entry of the registry the checker is given


class BfclError(EvalError):
    """The suite cannot run (package missing, unknown category); the message says what to do."""


@dataclass
class BfclCase:
    id: str
    category: str                 # our name (CATEGORIES)
    messages: list[dict]          # the conversation up to the turn to answer
    functions: list[dict]         # BFCL's function documents, as the checker wants them
    answer: list[dict] | None     # BFCL's ground truth ([{name: {param: [accepted values]}}]); None: no call

    @property
    def tools(self) -> list[dict]:
        return openai_tools(self.functions)


def package_dir() -> Path:
    spec = importlib.util.find_spec("bfcl_eval")
    if spec is None or not spec.submodule_search_locations:
        raise BfclError(f"the BFCL suite needs bfcl-eval=={BFCL_VERSION}: "
                        f"pip install --no-deps bfcl-eval=={BFCL_VERSION} (make install does it)")
    return Path(list(spec.submodule_search_locations)[0])


def _read_jsonl(path: Path) -> list[dict]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise BfclError(f"{path}:{n}: not JSON ({exc.msg})") from None
    return out


def load_cases(category: str, limit: int = 0) -> list[BfclCase]:
    """The first `limit` cases of a category (all with 0), in BFCL's order."""
    if category not in CATEGORIES:
        raise BfclError(f"unknown BFCL category {category!r}; one of: {', '.join(CATEGORIES)}")
    name = CATEGORIES[category]
    data = package_dir() / "data"
    rows = _read_jsonl(data / f"BFCL_v4_{name}.json")
    answers: dict[str, list] = {}
    if "irrelevance" not in category:
        answers = {a["id"]: a["ground_truth"] for a in _read_jsonl(data / "possible_answer" / f"BFCL_v4_{name}.json")}
    out = []
    for row in rows[:limit or None]:
        turns = row.get("question") or [[]]
        out.append(BfclCase(row["id"], category, list(turns[0]), row["function"],
                            answers.get(row["id"]) if answers else None))
    return out


@functools.lru_cache(maxsize=len(CATEGORIES))
def _cases_by_id(category: str) -> dict[str, BfclCase]:
    return {c.id: c for c in load_cases(category)}


def find_case(category: str, case_id: str) -> BfclCase | None:
    """One case by its id (a category's file is read once, not on every look at one of its cases)."""
    return _cases_by_id(category).get(case_id)


# ---------------------------------------------------------------- BFCL function documents as OpenAI tools


def tool_name(name: str) -> str:
    """OpenAI's rule for names (^[a-zA-Z0-9_-]{1,64}$): BFCL's dots become underscores."""
    return re.sub(r"\.", "_", name)


def _cast(properties: dict, mapping: dict) -> dict:
    """BFCL's `_cast_to_openai_type`: its Python type names to JSON Schema's, one level of nesting."""
    for value in properties.values():
        if "type" not in value:
            value["type"] = "string"
        else:
            kind = value["type"]
            if kind == "float":
                value["format"] = "float"
                value["description"] = value.get("description", "") + " This is a float type value."
            value["type"] = mapping.get(kind, "string")
        if value["type"] in ("array", "object"):
            if "properties" in value:
                value["properties"] = _cast(value["properties"], mapping)
            elif isinstance(value.get("items"), dict):
                items = value["items"]
                items["type"] = mapping.get(items.get("type"), "string")
                if items["type"] == "array" and isinstance(items.get("items"), dict):
                    items["items"]["type"] = mapping.get(items["items"].get("type"), "string")
                elif items["type"] == "object" and "properties" in items:
                    items["properties"] = _cast(items["properties"], mapping)
    return properties


def openai_tools(functions: list[dict]) -> list[dict]:
    from bfcl_eval.constants.type_mappings import GORILLA_TO_OPENAPI

    out = []
    for fn in copy.deepcopy(functions):
        params = fn.get("parameters") or {}
        params["type"] = "object"
        params["properties"] = _cast(params.get("properties") or {}, GORILLA_TO_OPENAPI)
        out.append({"type": "function", "function": {"name": tool_name(fn["name"]),
                                                     "description": fn.get("description", ""),
                                                     "parameters": params}})
    return out


# ---------------------------------------------------------------- the official checker


def official_checker():
    """BFCL's `ast_checker`, imported with a one-entry model registry (see the module docstring)."""
    package_dir()
    registry = "bfcl_eval.constants.model_config"
    if registry not in sys.modules:
        shim = types.ModuleType(registry)
        shim.MODEL_CONFIG_MAPPING = {}
        sys.modules[registry] = shim
    sys.modules[registry].MODEL_CONFIG_MAPPING.setdefault(MODEL_NAME, types.SimpleNamespace(underscore_to_dot=True))
    from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker

    return ast_checker


def judge(case: BfclCase, calls: list[tuple[str, Any]]) -> dict:
    """BFCL's verdict on these calls (name, arguments): {"valid": bool, "error_type": str, "error": [...]}.
    Irrelevance is right exactly when no call was made; a call whose arguments are not an object
    fails BFCL's format check, as it does there."""
    if case.answer is None:
        if calls:
            return {"valid": False, "error_type": "irrelevance_error:decoder_success",
                    "error": ["made a call where no function applies"]}
        return {"valid": True, "error_type": "", "error": []}
    if not calls:
        return {"valid": False, "error_type": "ast_decoder:decoder_failed", "error": ["no function call"]}
    if any(not isinstance(args, dict) for _, args in calls):
        return {"valid": False, "error_type": "ast_decoder:decoder_wrong_output_format",
                "error": ["arguments that are not an object"]}
    from bfcl_eval.constants.enums import Language

    output = [{name: args} for name, args in calls]
    try:
        result = official_checker()(case.functions, output, case.answer, Language.PYTHON,
                                    CATEGORIES[case.category], MODEL_NAME)
    except Exception as exc:   # the checker assumes well-typed output; a crash in it is a failed case there too
        return {"valid": False, "error_type": "checker_error", "error": [f"{type(exc).__name__}: {exc}"]}
    return {"valid": bool(result["valid"]), "error_type": result.get("error_type", "") if not result["valid"] else "",
            "error": result.get("error", [])}


# ---------------------------------------------------------------- the workbench's scorer beside it


def _std(value: Any) -> Any:
    """BFCL's string standardisation (no spaces or ,./-_*^, lower case), inside lists too."""
    from bfcl_eval.eval_checker.ast_eval.ast_checker import standardize_string

    if isinstance(value, str):
        return standardize_string(value)
    if isinstance(value, list):
        return [_std(v) for v in value]
    return value


def _is_dict_spec(option: Any) -> bool:
    """A nested answer: {key: [accepted values]} (BFCL's answers for dict parameters)."""
    return isinstance(option, dict) and all(isinstance(v, list) for v in option.values())


def _accepts(option: Any, given: Any) -> bool:
    """Whether BFCL accepts `given` for this one accepted value (nested dicts and lists of them too)."""
    if _is_dict_spec(option):
        return (isinstance(given, dict) and all(k in option and any(_accepts(o, v) for o in option[k] if o != "")
                                                for k, v in given.items())
                and all(k in given or "" in vs for k, vs in option.items()))
    if isinstance(option, list) and option and all(_is_dict_spec(o) for o in option):
        return isinstance(given, list) and len(given) == len(option) and all(map(_accepts, option, given))
    return _std(option) == _std(given) and type(option) is type(given) or (
        isinstance(option, float) and type(given) is int and option == given)


def _pick(accepted: list, given: Any, has_given: bool, required: bool = False) -> tuple[bool, Any]:
    """(present, value) for the gold: the accepted value the prediction gave, else the first one; left
    out where BFCL accepts leaving it out ("" among the values) and the prediction did (a required
    parameter never is: BFCL checks `required` first, whatever its answers say)."""
    options = [o for o in accepted if o != ""]
    if has_given:
        for o in options:
            if _accepts(o, given):
                return True, _concrete(o, given)
    if not options or ("" in accepted and not has_given and not required):
        return False, None
    return True, _concrete(options[0], None)


def _concrete(option: Any, given: Any) -> Any:
    """One plain value from an accepted value, nested specs resolved (closest to `given`)."""
    if _is_dict_spec(option):
        mine = given if isinstance(given, dict) else {}
        out = {}
        for k, vs in option.items():
            present, value = _pick(vs, mine.get(k), k in mine)
            if present:
                out[k] = value
        return out
    if isinstance(option, list) and option and all(_is_dict_spec(o) for o in option):
        mine = given if isinstance(given, list) and len(given) == len(option) else [None] * len(option)
        return [_concrete(o, g) for o, g in zip(option, mine)]
    return option


def gold_turn(case: BfclCase, calls: list[tuple[str, Any]]) -> dict:
    """An OpenAI assistant turn for the workbench's scorer: each expected call with, per parameter,
    the accepted value the prediction gave (else the first one); an optional parameter BFCL accepts
    leaving out ("" among its values) is left out unless the prediction gave it."""
    if case.answer is None:
        return {"role": "assistant", "content": "(no function applies)"}
    predicted = [(n, a) for n, a in calls if isinstance(a, dict)]
    turn_calls = []
    for i, expected in enumerate(case.answer):
        name, params = next(iter(expected.items()))
        same_name = [a for n, a in predicted if n == tool_name(name)]
        # The predicted call this expected one pairs with: the same tool, the most values accepted.
        mine = max(same_name, key=lambda a: sum(k in a and any(_accepts(o, a[k]) for o in accepted if o != "")
                                                for k, accepted in params.items()), default={})
        doc = next((f for f in case.functions if f["name"] == name), {})
        required = set((doc.get("parameters") or {}).get("required") or [])
        args = {}
        for param, accepted in params.items():
            present, value = _pick(accepted, mine.get(param), param in mine, param in required)
            if present:
                args[param] = value
        if mine:
            predicted.remove((tool_name(name), mine))
        turn_calls.append({"id": f"call_{i + 1}", "type": "function",
                           "function": {"name": tool_name(name), "arguments": json.dumps(args)}})
    return {"role": "assistant", "content": None, "tool_calls": turn_calls}


# ---------------------------------------------------------------- running the suite


def evaluate_suite(project, model_ref: str, categories: list[str] | None = None, limit: int = 0,
                   constrained: bool = False, weights: str = "fp32", progress=None, cancel=None,
                   max_new_tokens: int = 256) -> dict:
    """Decode BFCL's cases with a model (the first `limit` of each category), judge them with BFCL's
    checker, label the failures with the workbench's scorer, and save `evals/<id>/`. The prompt is
    the one the model serves with: the project's system prompt with the case's tools (a case's own
    system message replaces it, as in BFCL's live categories)."""
    from workbench.evaluate.model_eval import decode_cases, latency_summary, new_eval_dir
    from workbench.evaluate.scorer import expected_calls, prediction_from_line, score_case
    from workbench.fileio import atomic_write_text

    categories = categories or list(CATEGORIES)
    cases = [c for category in categories for c in load_cases(category, limit)]
    if not cases:
        raise EvalError("no BFCL cases in " + ", ".join(categories))
    # A call case's budget is its first accepted answer's length plus a margin; an irrelevance case
    # needs only enough to see whether the answer opens a call.
    run = decode_cases(project, model_ref, [c.messages for c in cases], [c.tools for c in cases],
                       [gold_turn(c, []) if c.answer is not None else None for c in cases],
                       constrained, weights, progress, cancel, max_new_tokens)
    decoded = run.decoded
    verdicts = []
    for index, (case, (text, stats)) in enumerate(zip(cases, decoded)):
        pred = prediction_from_line({"raw": text, "cut": stats.finish_reason == "length"})
        calls = [(c.name, c.arguments) for c in pred.calls]
        official = judge(case, calls)
        mine = score_case(0, expected_calls(gold_turn(case, calls)), pred, case.tools)
        # `label`: what the Eval screen groups failures by, the workbench's word first, BFCL's where
        # the workbench's scorer finds nothing wrong (the checker is the judge).
        label = "" if official["valid"] else (mine.labels[0] if mine.labels else official["error_type"])
        verdicts.append({"index": index, "id": case.id, "category": case.category, "valid": official["valid"],
                         "error_type": official["error_type"], "label": label, "labels": mine.labels,
                         "expected_tools": mine.expected_tools, "predicted_tools": mine.predicted_tools, "raw": text})
    out_dir = new_eval_dir(project)
    atomic_write_text(out_dir / "predictions.jsonl", "".join(json.dumps(v) + "\n" for v in verdicts))
    result = {"id": out_dir.name, "dir": str(out_dir), "suite": "bfcl", "bfcl_version": BFCL_VERSION,
              "model": model_ref, **run.source, "cases": len(cases), "limit": limit, "constrained": constrained,
              "weights": weights, "latency": latency_summary(decoded, run.wall, run.batched),
              "per_category": per_category(verdicts), "verdicts": verdicts}
    atomic_write_text(out_dir / "report.json", json.dumps(result, indent=2))
    return result


def per_category(verdicts: list[dict]) -> dict:
    """BFCL accuracy per category (and overall), with the commonest failure labels."""
    from collections import Counter

    out = {}
    for category in [c for c in CATEGORIES if any(v["category"] == c for v in verdicts)] + ["overall"]:
        vs = [v for v in verdicts if category in ("overall", v["category"])]
        failed = [v for v in vs if not v["valid"]]
        out[category] = {"cases": len(vs), "accuracy": round(sum(v["valid"] for v in vs) / len(vs), 4),
                         "errors": dict(Counter(v["error_type"] for v in failed).most_common(4)),
                         "labels": dict(Counter(v["label"] for v in failed).most_common(4))}
    return out


def compare_suite(a: dict, b: dict) -> list[dict]:
    """Per category and overall: A's and B's accuracy, B - A with a paired bootstrap 95% interval."""
    from workbench.evaluate.scorer import bootstrap_diff

    va = {v["id"]: v["valid"] for v in a["verdicts"]}
    rows = []
    for category in b["per_category"]:
        pairs = [(float(va[v["id"]]), float(v["valid"])) for v in b["verdicts"]
                 if category in ("overall", v["category"]) and v["id"] in va]
        delta, lo, hi = bootstrap_diff([p[0] for p in pairs], [p[1] for p in pairs])
        rows.append({"category": category, "cases": len(pairs), "a": a["per_category"].get(category, {}).get("accuracy"),
                     "b": b["per_category"][category]["accuracy"], "delta": delta, "ci95": [lo, hi]})
    return rows



def print_suite(rows_or_result, console=None, titles: tuple[str, str] = ("A", "B")) -> None:
    """A per-category table: one model's accuracy (an `evaluate_suite` result), or two side by side
    (`compare_suite` rows) with B - A and its 95% interval."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    pct = lambda v: "-" if v is None else f"{v:.1%}"  # noqa: E731
    if isinstance(rows_or_result, dict):
        r = rows_or_result
        table = Table(title=f"{r['model']} on BFCL {r['bfcl_version']} ({r['cases']} cases"
                            f"{', constrained' if r['constrained'] else ''})", title_justify="left")
        for col in ("category", "cases", "accuracy", "commonest failures"):
            table.add_column(col, justify="left" if col in ("category", "commonest failures") else "right")
        for category, row in r["per_category"].items():
            fails = ", ".join(f"{k} x{n}" for k, n in row["labels"].items())
            table.add_row(category, str(row["cases"]), pct(row["accuracy"]), fails)
    else:
        table = Table(title=f"BFCL: {titles[0]} vs {titles[1]}", title_justify="left")
        for col in ("category", "cases", titles[0], titles[1], "delta", "95% CI"):
            table.add_column(col, justify="left" if col == "category" else "right")
        for row in rows_or_result:
            colour = "green" if row["ci95"][0] > 0 else ("red" if row["ci95"][1] < 0 else "")
            delta = f"{row['delta']:+.1%}"
            table.add_row(row["category"], str(row["cases"]), pct(row["a"]), pct(row["b"]),
                          f"[{colour}]{delta}[/]" if colour else delta,
                          f"[{row['ci95'][0]:+.1%}, {row['ci95'][1]:+.1%}]")
    console.print(table)
