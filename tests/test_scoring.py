"""A hand-written corpus of scoring cases: each with its expected verdict and error label."""

import json

import pytest

import sample_tools
from workbench.evaluate.report import ScoreError, score_files, score_pairs
from workbench.evaluate.scorer import aggregate, bootstrap_diff, expected_calls, prediction_from_line, score_case

TOOLS = sample_tools.get_toolset("task_api").tools
WEATHER = sample_tools.get_toolset("weather").tools


def gold(*calls, text=None):
    if not calls:
        return {"role": "assistant", "content": text or "Sure, what should the task be called?"}
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": f"c{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
        for i, (n, a) in enumerate(calls)]}


def raw(*calls, text=""):
    body = "\n".join(f'<tool_call>\n{json.dumps({"name": n, "arguments": a})}\n</tool_call>' for n, a in calls)
    return {"raw": (text + "\n" + body).strip()}


CT = ("create_task", {"title": "Buy milk", "due_date": "2026-03-03"})
# (name, gold message, prediction line, correct?, first label, tools)
CASES = [
    ("exact single call", gold(CT), raw(CT), True, "", TOOLS),
    ("exact via tool_calls", gold(CT), {"tool_calls": [{"id": "x", "type": "function", "function": {
        "name": "create_task", "arguments": json.dumps(CT[1])}}]}, True, "", TOOLS),
    ("argument order does not matter", gold(CT), raw(("create_task", {"due_date": "2026-03-03", "title": "Buy milk"})),
     True, "", TOOLS),
    ("free text case and punctuation", gold(CT), raw(("create_task", {"title": "buy milk.", "due_date": "2026-03-03"})),
     True, "", TOOLS),
    ("extra spaces in free text", gold(CT), raw(("create_task", {"title": "Buy  milk ", "due_date": "2026-03-03"})),
     True, "", TOOLS),
    ("5 and 5.0 are equal", gold(("get_forecast", {"location": "Oslo", "days": 5})),
     raw(("get_forecast", {"location": "Oslo", "days": 5.0})), True, "", WEATHER),
    ("tags as a set", gold(("create_task", {"title": "x", "tags": ["a", "b"]})),
     raw(("create_task", {"title": "x", "tags": ["b", "a"]})), True, "", TOOLS),
    ("parallel calls in another order", gold(("complete_task", {"task_id": "task_12"}),
                                             ("complete_task", {"task_id": "task_42"})),
     raw(("complete_task", {"task_id": "task_42"}), ("complete_task", {"task_id": "task_12"})), True, "", TOOLS),
    ("parallel different tools", gold(("create_task", {"title": "Call the bank"}), ("complete_task", {"task_id": "task_7"})),
     raw(("complete_task", {"task_id": "task_7"}), ("create_task", {"title": "call the bank"})), True, "", TOOLS),
    ("call with text before it", gold(CT), raw(CT, text="Sure, adding it."), True, "", TOOLS),
    ("abstains correctly", gold(), {"raw": "What should I call the task?"}, True, "", TOOLS),
    ("abstains via content line", gold(), {"content": "Which task?"}, True, "", TOOLS),
    ("no-tool chit-chat answered", gold(text="Hi! How can I help?"), {"raw": "Hello there."}, True, "", TOOLS),
    ("list_tasks with no args", gold(("list_tasks", {})), raw(("list_tasks", {})), True, "", TOOLS),
    ("enum value exact", gold(("list_tasks", {"status": "done"})), raw(("list_tasks", {"status": "done"})), True, "",
     TOOLS),
    # --- failures
    ("prose instead of a call", gold(CT), {"raw": "I would call create_task with the title Buy milk."}, False,
     "no_call", TOOLS),
    ("empty content", gold(CT), {"content": ""}, False, "no_call", TOOLS),
    ("call when none expected", gold(), raw(CT), False, "unexpected_call", TOOLS),
    ("call for chit-chat", gold(text="Hello!"), raw(("list_tasks", {})), False, "unexpected_call", TOOLS),
    ("broken JSON call", gold(CT), {"raw": '<tool_call>\n{"name": "create_task", "arguments": {"title": \n</tool_call>'},
     False, "invalid_json", TOOLS),
    ("arguments not JSON (tool_calls)", gold(CT), {"tool_calls": [{"function": {"name": "create_task",
                                                                                 "arguments": "title=Buy milk"}}]},
     False, "invalid_json", TOOLS),
    ("arguments a string of prose", gold(CT), {"raw": '<tool_call>\n{"name": "create_task", "arguments": "milk"}\n'
                                                      '</tool_call>'}, False, "invalid_json", TOOLS),
    ("hallucinated tool", gold(CT), raw(("add_task", {"title": "Buy milk"})), False, "hallucinated_tool", TOOLS),
    ("hallucinated next to a right call", gold(CT), raw(CT, ("notify_user", {})), False, "hallucinated_tool", TOOLS),
    ("wrong tool", gold(CT), raw(("update_task", {"task_id": "task_1", "title": "Buy milk"})), False, "wrong_tool",
     TOOLS),
    ("wrong tool for a list", gold(("list_tasks", {"priority": "high"})), raw(("complete_task", {"task_id": "task_3"})),
     False, "wrong_tool", TOOLS),
    ("missing one parallel call", gold(("complete_task", {"task_id": "task_12"}), ("complete_task", {"task_id": "task_42"})),
     raw(("complete_task", {"task_id": "task_12"})), False, "missing_call", TOOLS),
    ("extra parallel call", gold(("complete_task", {"task_id": "task_12"})),
     raw(("complete_task", {"task_id": "task_12"}), ("complete_task", {"task_id": "task_99"})), False, "extra_call",
     TOOLS),
    ("missing required", gold(("complete_task", {"task_id": "task_12"})), raw(("complete_task", {})), False,
     "missing_required:task_id", TOOLS),
    ("missing required title", gold(CT), raw(("create_task", {"due_date": "2026-03-03"})), False,
     "missing_required:title", TOOLS),
    ("unexpected param", gold(CT), raw(("create_task", {**CT[1], "assignee": "bob"})), False,
     "unexpected_param:assignee", TOOLS),
    ("type error", gold(("get_forecast", {"location": "Oslo", "days": 3})),
     raw(("get_forecast", {"location": "Oslo", "days": "3"})), False, "type_error:days", WEATHER),
    ("type error: tags as string", gold(("create_task", {"title": "x", "tags": ["work"]})),
     raw(("create_task", {"title": "x", "tags": "work"})), False, "type_error:tags", TOOLS),
    ("wrong date", gold(CT), raw(("create_task", {"title": "Buy milk", "due_date": "2026-03-04"})), False,
     "wrong_value:due_date", TOOLS),
    ("wrong id", gold(("complete_task", {"task_id": "task_12"})), raw(("complete_task", {"task_id": "task_21"})),
     False, "wrong_value:task_id", TOOLS),
    ("wrong enum value", gold(("list_tasks", {"status": "done"})), raw(("list_tasks", {"status": "all"})), False,
     "wrong_value:status", TOOLS),
    ("dropped optional value", gold(CT), raw(("create_task", {"title": "Buy milk"})), False, "wrong_value:due_date",
     TOOLS),
    ("added optional value not asked", gold(("create_task", {"title": "Buy milk"})),
     raw(("create_task", {"title": "Buy milk", "priority": "high"})), False, "wrong_value:priority", TOOLS),
    ("different title words", gold(CT), raw(("create_task", {"title": "Buy oat milk", "due_date": "2026-03-03"})),
     False, "wrong_value:title", TOOLS),
    ("bad date format", gold(CT), raw(("create_task", {"title": "Buy milk", "due_date": "03/03/2026"})), False,
     "wrong_value:due_date", TOOLS),
    ("enum case matters", gold(("list_tasks", {"priority": "high"})), raw(("list_tasks", {"priority": "High"})),
     False, "wrong_value:priority", TOOLS),
    ("truncated output", gold(CT), {"raw": '<tool_call>\n{"name": "create_task", "arguments": {"title": "Buy'},
     False, "invalid_json", TOOLS),
]


@pytest.mark.parametrize("name,gold_msg,pred,correct,label,tools", CASES, ids=[c[0] for c in CASES])
def test_scoring_case(name, gold_msg, pred, correct, label, tools):
    v = score_case(0, expected_calls(gold_msg), prediction_from_line(pred), tools)
    assert (v.correct, v.label) == (correct, label), v


def test_corpus_covers_every_label():
    labels = {c[4].split(":")[0] for c in CASES if c[4]}
    assert labels == {"no_call", "unexpected_call", "invalid_json", "hallucinated_tool", "wrong_tool", "missing_call",
                      "extra_call", "missing_required", "unexpected_param", "type_error", "wrong_value"}
    assert len(CASES) >= 40


def test_gold_against_itself_is_perfect():
    golds = [(c[1], c[5]) for c in CASES]
    preds = []
    for msg, _ in golds:
        calls = expected_calls(msg)
        preds.append(raw(*[(c.name, c.arguments) for c in calls]) if calls else {"content": msg["content"]})
    m = score_pairs(golds, preds)["metrics"]
    for key in ("accuracy", "json_validity", "schema_validity", "tool_selection", "args_exact", "args_functional",
                "args_fuzzy", "abstention", "call_when_expected"):
        assert m[key] == 1.0, key
    assert m["hallucinated_tool_rate"] == 0.0 and m["missing_calls"] == 0 and m["extra_calls"] == 0


def test_metrics_on_the_corpus():
    verdicts = [score_case(i, expected_calls(c[1]), prediction_from_line(c[2]), c[5]) for i, c in enumerate(CASES)]
    m = aggregate(verdicts)
    assert m["accuracy"] == pytest.approx(sum(c[3] for c in CASES) / len(CASES), abs=1e-4)
    assert 0 < m["json_validity"] < 1 and 0 < m["tool_selection"] < 1 and 0 < m["abstention"] < 1
    assert m["hallucinated_tool_rate"] > 0 and m["missing_calls"] >= 1 and m["extra_calls"] >= 1
    assert m["args_exact"] <= m["args_functional"]
    assert 0 < m["args_fuzzy"] < 1


def test_fuzzy_gives_partial_credit():
    v = score_case(0, expected_calls(gold(CT)), prediction_from_line(
        raw(("create_task", {"title": "Buy milk", "due_date": "2026-03-09"}))), TOOLS)
    assert v.fuzzy == 0.5 and not v.functional


def test_per_argument_accuracy_names_the_arguments_that_miss():
    golds = [(gold(CT), TOOLS)] * 3 + [(gold(("complete_task", {"task_id": "task_3"})), TOOLS)]
    preds = [raw(CT),
             raw(("create_task", {"title": "Buy milk", "due_date": "2026-03-09"})),                   # a wrong date
             raw(("create_task", {"title": "buy milk", "due_date": "2026-03-03", "priority": "high"})),  # one too many
             raw(("delete_task", {"task_id": "task_3"}))]                                  # wrong tool: not counted
    report = score_pairs(golds, preds)
    per = report["per_argument"]
    assert per["create_task.due_date"] == {"n": 3, "right": 2, "wrong": 1, "accuracy": 0.6667}
    assert per["create_task.title"] == {"n": 3, "right": 3, "wrong": 0, "accuracy": 1.0}
    assert per["create_task.priority"]["wrong"] == 1 and "complete_task.task_id" not in per
    assert list(per)[:2] == ["create_task.priority", "create_task.due_date"]  # fewest right first among the misses
    from workbench.evaluate.report import argument_misses

    assert argument_misses(report) == "create_task.priority 1/1, create_task.due_date 1/3"


def test_bootstrap_interval_contains_the_delta():
    a = [0.0] * 20 + [1.0] * 20
    b = [1.0] * 36 + [0.0] * 4
    delta, lo, hi = bootstrap_diff(a, b)
    assert delta == pytest.approx(0.4) and lo < delta < hi and lo > 0


def test_malformed_prediction_files_name_the_line(tmp_path):
    g = tmp_path / "gold.jsonl"
    g.write_text("\n".join(json.dumps({"messages": [{"role": "user", "content": "x"}, gold(CT)], "tools": TOOLS})
                           for _ in range(3)) + "\n")
    p = tmp_path / "pred.jsonl"
    p.write_text(json.dumps(raw(CT)) + "\n{not json\n" + json.dumps(raw(CT)) + "\n")
    with pytest.raises(ScoreError, match=r"pred.jsonl:2: not valid JSON"):
        score_files(g, p)
    p.write_text(json.dumps(raw(CT)) + "\n" + json.dumps({"answer": 1}) + "\n")
    with pytest.raises(ScoreError, match=r"pred.jsonl:2: expected"):
        score_files(g, p)
    p.write_text(json.dumps(raw(CT)) + "\n")
    with pytest.raises(ScoreError, match=r"pred.jsonl:2: missing prediction for gold line 2 \(3 gold lines, 1"):
        score_files(g, p)
    p.write_text((json.dumps(raw(CT)) + "\n") * 3)
    assert score_files(g, p)["metrics"]["accuracy"] == 1.0


def test_score_cli(tmp_path, capsys):
    from workbench.cli import main

    g = tmp_path / "gold.jsonl"
    g.write_text(json.dumps({"messages": [{"role": "user", "content": "x"}, gold(CT)], "tools": TOOLS}) + "\n")
    p = tmp_path / "pred.jsonl"
    p.write_text(json.dumps(raw(("create_task", {"title": "Buy milk"}))) + "\n")
    out = tmp_path / "report.json"
    assert main(["score", "--gold", str(g), "--pred", str(p), "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["verdicts"][0]["label"] == "wrong_value:due_date"
    assert report["per_tool"]["create_task"]["tool_selection"] == 1.0
    assert "tool selection" in capsys.readouterr().out
