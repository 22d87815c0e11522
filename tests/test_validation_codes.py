"""Every example validation code, each triggered by a deliberately broken example."""

import copy
import json

import pytest

from workbench.validation import validate_example


def call(name, args, call_id="call_1"):
    return {"id": call_id, "type": "function",
            "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}


def convo(*calls, user="Add milk", tool_results=True):
    msgs = [{"role": "user", "content": user}, {"role": "assistant", "content": None, "tool_calls": list(calls)}]
    if tool_results:
        msgs += [{"role": "tool", "tool_call_id": c["id"], "content": "{}"} for c in calls]
        msgs.append({"role": "assistant", "content": "Done."})
    return msgs


# (expected code, messages or a whole example) - one or more per code.
CASES = [
    ("unknown_tool", convo(call("make_task", {"title": "x"}))),
    ("invalid_json_arguments", convo(call("create_task", '{"title": "x"'))),
    ("invalid_json_arguments", convo(call("create_task", "title=x"))),
    ("invalid_json_arguments", convo({"id": "c", "type": "function", "function": {"name": "create_task",
                                                                                  "arguments": {"title": "x"}}})),
    ("arguments_not_object", convo(call("create_task", "[1, 2]"))),
    ("missing_required", convo(call("create_task", {"priority": "high"}))),
    ("missing_required", convo(call("complete_task", {}))),
    ("type_mismatch", convo(call("create_task", {"title": 42}))),
    ("type_mismatch", convo(call("create_task", {"title": "x", "tags": "work"}))),
    ("type_mismatch", convo(call("create_task", {"title": "x", "tags": ["work", 3]}))),
    ("enum_violation", convo(call("create_task", {"title": "x", "priority": "urgent"}))),
    ("enum_violation", convo(call("list_tasks", {"status": "closed"}))),
    ("unexpected_argument", convo(call("create_task", {"title": "x", "assignee": "bob"}))),
    ("bad_format", convo(call("create_task", {"title": "x", "due_date": "tomorrow"}))),
    ("bad_format", convo(call("create_task", {"title": "x", "due_date": "2026-02-30"}))),
    ("bad_format", convo(call("list_tasks", {"due_before": "03/04/2026"}))),
    ("orphan_tool_message", [{"role": "user", "content": "hi"},
                             {"role": "tool", "tool_call_id": "call_9", "content": "{}"},
                             {"role": "assistant", "content": "ok"}]),
    ("orphan_tool_message", convo(call("list_tasks", {}))[:3] + [
        {"role": "tool", "tool_call_id": "call_1", "content": "{}"}, {"role": "assistant", "content": "ok"}]),
    ("duplicate_call_id", convo(call("list_tasks", {}), call("list_tasks", {"status": "done"}))),
    ("missing_call_id", convo({"type": "function", "function": {"name": "list_tasks", "arguments": "{}"}},
                              tool_results=False)),
    ("bad_role_order", [{"role": "assistant", "content": "Hello"}]),
    ("bad_role_order", [{"role": "user", "content": "hi"}, {"role": "system", "content": "late"},
                        {"role": "assistant", "content": "ok"}]),
    ("bad_role_order", [{"role": "user", "content": "hi"}]),
    ("bad_role", [{"role": "human", "content": "hi"}, {"role": "assistant", "content": "ok"}]),
    ("empty_assistant", [{"role": "user", "content": "hi"}, {"role": "assistant", "content": ""}]),
    ("empty_assistant", [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None, "tool_calls": []}]),
    ("unanswered_tool_call", convo(call("list_tasks", {}), tool_results=False) + [
        {"role": "user", "content": "and?"}, {"role": "assistant", "content": "ok"}]),
    ("bad_structure", {"messages": "hello"}),
    ("bad_structure", {"messages": []}),
    ("bad_structure", [{"role": "user", "content": "hi"}, "not a message", {"role": "assistant", "content": "ok"}]),
    ("bad_meta", {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}],
                  "meta": {"status": "maybe"}}),
    ("invalid_tools", {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}],
                       "tools": [{"type": "function", "function": {"name": "bad name!", "parameters": {}}}]}),
]

ALL_CODES = {"unknown_tool", "invalid_json_arguments", "arguments_not_object", "missing_required", "type_mismatch",
             "enum_violation", "unexpected_argument", "bad_format", "out_of_range", "orphan_tool_message",
             "duplicate_call_id", "missing_call_id", "bad_role_order", "bad_role", "empty_assistant",
             "unanswered_tool_call", "bad_structure", "bad_meta", "invalid_tools"}


def _example(case, tools):
    if isinstance(case, dict):
        ex = copy.deepcopy(case)
        ex.setdefault("tools", tools)
        return ex
    return {"messages": copy.deepcopy(case), "tools": tools}


@pytest.mark.parametrize("code,case", CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_broken_example_reports_its_code(code, case, task_tools):
    problems = validate_example(_example(case, task_tools))
    codes = [p.code for p in problems]
    assert code in codes, problems


def test_out_of_range_with_bounded_integer():
    weather = json.load(open("sample_tools/weather/tools.json"))
    ex = {"messages": convo(call("get_forecast", {"location": "Oslo", "days": 10})), "tools": weather}
    assert [p.code for p in validate_example(ex)] == ["out_of_range"]


def test_every_code_has_a_case():
    covered = {c for c, _ in CASES} | {"out_of_range"}
    assert covered >= ALL_CODES


def test_problem_paths_point_at_the_argument(task_tools):
    ex = _example(convo(call("create_task", {"title": "x", "priority": "urgent"})), task_tools)
    (p,) = validate_example(ex)
    assert p.path == "messages[1].tool_calls[0].function.arguments.priority"


def test_valid_examples_have_no_problems(task_tools):
    ex = _example(convo(call("create_task", {"title": "x", "due_date": "2026-03-03", "tags": ["a"]}),
                        call("list_tasks", {}, "call_2")), task_tools)
    assert validate_example(ex) == []
    assert validate_example({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"},
                                          {"role": "assistant", "content": "hello"}], "tools": None}) == []


def test_fast_checker_agrees_with_jsonschema(task_tools):
    """The compiled checker and the jsonschema fallback report the same codes on every case."""
    from workbench.schema_check import _jsonschema_checker, compile_schema

    for tool in task_tools:
        params = tool["function"]["parameters"]
        fast, slow = compile_schema(params), _jsonschema_checker(params)
        for args in [{}, {"title": 1}, {"title": "x", "priority": "urgent"}, {"task_id": "t", "x": 1},
                     {"title": "x", "due_date": "2026-13-01"}, {"title": "x", "tags": [1]}, {"status": "done"}]:
            a, b = [], []
            fast(args, "", a)
            slow(args, "", b)
            assert sorted(p.code for p in a) == sorted(p.code for p in b), (tool["function"]["name"], args, a, b)
