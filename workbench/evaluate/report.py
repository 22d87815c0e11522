"""Scoring files: gold examples and prediction lines in, a report out (`workbench score`)."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.evaluate.scorer import aggregate, expected_calls, per_argument, per_tool, prediction_from_line, score_case
from workbench.examples import ExampleFile


class ScoreError(Exception):
    """Inputs that cannot be scored; the message names the file and line."""


def load_gold(path: Path, default_tools: list[dict] | None = None) -> list[tuple[dict, list[dict]]]:
    """(expected assistant message, tools) per gold line; the last message is the expected turn."""
    ef = ExampleFile.load(path)
    if not path.exists():
        raise ScoreError(f"{path}: file not found")
    bad = ef.line_problems()
    if bad:
        raise ScoreError(str(bad[0]))
    out = []
    for ex in ef.examples:
        msgs = ex.messages
        if not msgs or not isinstance(msgs[-1], dict) or msgs[-1].get("role") != "assistant":
            raise ScoreError(f"{path}:{ex.line}: the last message must be the expected assistant turn")
        try:
            expected_calls(msgs[-1])
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ScoreError(f"{path}:{ex.line}: the expected tool calls are malformed ({exc})") from None
        out.append((msgs[-1], ex.tools if ex.tools is not None else (default_tools or [])))
    return out


def load_predictions(path: Path) -> list[dict]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScoreError(f"{path}: file not found") from None
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = []
    for n, line in enumerate(lines, 1):
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ScoreError(f"{path}:{n}: not valid JSON: {getattr(exc, 'msg', exc)}") from None
        if not isinstance(obj, dict) or not ({"raw", "tool_calls", "content"} & obj.keys()):
            raise ScoreError(f'{path}:{n}: expected {{"raw": ...}}, {{"tool_calls": [...]}} or {{"content": ...}}')
        out.append(obj)
    return out


def score_pairs(gold: list[tuple[dict, list[dict]]], preds: list[dict]) -> dict:
    verdicts = [score_case(i, expected_calls(msg), prediction_from_line(p), tools)
                for i, ((msg, tools), p) in enumerate(zip(gold, preds))]
    return {"metrics": aggregate(verdicts), "per_tool": per_tool(verdicts), "per_argument": per_argument(verdicts),
            "verdicts": [v.to_dict() for v in verdicts]}


def argument_misses(report: dict, top: int = 6) -> str:
    """The arguments most often wrong, one line: `create_task.due_date 5/12 wrong, ...` ("" when none)."""
    rows = [(k, r) for k, r in (report.get("per_argument") or {}).items() if r["wrong"]]
    return ", ".join(f"{k} {r['wrong']}/{r['n']}" for k, r in rows[:top])


def score_files(gold_path: Path, pred_path: Path, default_tools: list[dict] | None = None) -> dict:
    gold = load_gold(gold_path, default_tools)
    preds = load_predictions(pred_path)
    if len(gold) != len(preds):
        which = (f"{pred_path}:{len(preds) + 1}: missing prediction for gold line {len(preds) + 1}"
                 if len(preds) < len(gold) else f"{pred_path}:{len(gold) + 1}: a prediction with no gold line")
        raise ScoreError(f"{which} ({len(gold)} gold lines, {len(preds)} predictions; they align by line number)")
    return score_pairs(gold, preds)


METRIC_ROWS = [("accuracy", "accuracy (verdict correct)"), ("json_validity", "JSON validity"),
               ("schema_validity", "schema validity"), ("tool_selection", "tool selection"),
               ("hallucinated_tool_rate", "hallucinated tool rate"), ("args_exact", "arguments: exact"),
               ("args_functional", "arguments: functional"), ("args_fuzzy", "arguments: fuzzy"),
               ("abstention", "abstention (no call when none expected)"),
               ("call_when_expected", "call when one is expected")]


def print_report(report: dict, title: str = "score", console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    m = report["metrics"]
    table = Table(title=f"{title}: {m['examples']} examples", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, label in METRIC_ROWS:
        table.add_row(label, "-" if m[key] is None else f"{m[key]:.1%}")
    table.add_row("missing / extra calls", f"{m['missing_calls']} / {m['extra_calls']}")
    console.print(table)
    if m["labels"]:
        console.print("errors: " + ", ".join(f"{k} x{v}" for k, v in m["labels"].items()))
    if misses := argument_misses(report):
        console.print("arguments wrong (of those given, in calls to the right tool): " + misses)
