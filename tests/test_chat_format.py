"""Render/parse round trips, parser robustness, and the Jinja template agreeing with the renderer."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from transformers.utils.chat_template_utils import render_jinja_template

from workbench.chat_format import TOOL_FORMATS, chat_template, compact_tool, format_assistant, parse, render

names = st.from_regex(r"[a-zA-Z0-9_-]{1,64}", fullmatch=True)
json_scalars = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(
    allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=10), inner, max_size=4), max_leaves=12)
arguments = st.dictionaries(st.text(max_size=12), json_values, max_size=5)
calls = st.lists(st.tuples(names, arguments), min_size=1, max_size=3)
content = st.text().filter(lambda s: "<tool_call>" not in s)


def as_openai(call_list):
    return [{"id": f"c{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
            for i, (n, a) in enumerate(call_list)]


@settings(max_examples=300, deadline=None)
@given(calls)
def test_parse_of_render_gives_back_the_calls(call_list):
    parsed = parse(format_assistant(None, as_openai(call_list)))
    assert parsed.errors == []
    assert [(c.name, c.arguments) for c in parsed.tool_calls] == call_list
    assert parsed.content == ""


@settings(max_examples=200, deadline=None)
@given(content.map(str.strip).filter(bool), calls)
def test_content_and_calls_round_trip(text, call_list):
    parsed = parse(format_assistant(text, as_openai(call_list)) + "<|im_end|>")
    assert parsed.content == text
    assert [(c.name, c.arguments) for c in parsed.tool_calls] == call_list


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_parser_never_raises(text):
    out = parse(text)
    assert isinstance(out.content, str) and isinstance(out.errors, list)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('<>/tool_call{}":, namearguments[]\n'))))
def test_parser_survives_tag_soup(text):
    out = parse(text)
    assert all(isinstance(c.name, str) for c in out.tool_calls)


def test_parse_reports_broken_calls():
    out = parse('Sure.\n<tool_call>\n{"name": "create_task", "arguments": {"title": "x"}\n</tool_call>')
    assert out.tool_calls == [] and out.errors and "tool call 1" in out.errors[0]
    out = parse("<tool_call>\n{\"name\": \"x\", \"arguments\": \"not json\"}\n</tool_call>")
    assert out.tool_calls[0].arguments is None and "arguments" in out.errors[0]
    out = parse('<tool_call>\n{"name": "list_tasks", "arguments": {}}')  # cut off before the closing tag
    assert out.tool_calls[0].name == "list_tasks" and "missing </tool_call>" in out.errors[0]
    assert parse("I would call create_task with title x.").tool_calls == []


def test_closing_tag_inside_an_argument_string():
    call = [("note", {"text": "a </tool_call> b <tool_call>"})]
    parsed = parse(format_assistant(None, as_openai(call)))
    assert [(c.name, c.arguments) for c in parsed.tool_calls] == call


messages_strategy = st.lists(
    st.one_of(
        st.fixed_dictionaries({"role": st.just("user"), "content": st.text(max_size=30)}),
        st.fixed_dictionaries({"role": st.just("assistant"), "content": content.filter(bool)}),
        calls.map(lambda c: {"role": "assistant", "content": None,
                             "tool_calls": [{"id": f"c{i}", "type": "function",
                                             "function": {"name": n, "arguments": a}} for i, (n, a) in enumerate(c)]}),
        st.fixed_dictionaries({"role": st.just("tool"), "tool_call_id": st.just("c0"), "content": st.text(max_size=30)}),
    ), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(messages_strategy, st.booleans(), st.text(max_size=40), st.booleans(), st.sampled_from(TOOL_FORMATS))
def test_jinja_template_matches_renderer(messages, with_tools, system, gen_prompt, tool_format):
    tools = [{"type": "function", "function": {"name": "t", "description": "d", "parameters": {"type": "object"}}}]
    tools = tools if with_tools else None
    ours = render(messages, tools, system_prompt=system, add_generation_prompt=gen_prompt, tool_format=tool_format)
    (text,), (spans,) = render_jinja_template(conversations=[messages], tools=tools,
                                              chat_template=chat_template(tool_format),
                                              return_assistant_tokens_mask=True, system_prompt=system,
                                              add_generation_prompt=gen_prompt)
    assert text == ours.text
    assert [tuple(s) for s in spans] == ours.spans


# JSON Schemas of parameters, with every keyword the compact form writes and some it does not.
keyword_values = st.fixed_dictionaries({}, optional={
    "description": st.text(max_size=20), "format": st.sampled_from(["date", "email", "uuid"]),
    "pattern": st.sampled_from([r"^[A-Z]{3}$", r"^bk_\d+$"]), "minimum": st.integers(-5, 5),
    "maximum": st.floats(0, 100, allow_nan=False), "exclusiveMinimum": st.integers(0, 3),
    "minLength": st.integers(0, 3), "maxItems": st.integers(1, 4), "default": json_values,
    "examples": st.lists(json_scalars, max_size=2), "title": st.text(max_size=5)})
leaf_schemas = st.one_of(
    st.builds(lambda t, k: {"type": t, **k}, st.sampled_from(["string", "integer", "number", "boolean"]),
              keyword_values),
    st.builds(lambda e, k: {"enum": e, **k}, st.lists(json_scalars, min_size=1, max_size=3), keyword_values),
    st.builds(lambda c: {"const": c}, json_scalars),
    st.builds(lambda t: {"type": t}, st.lists(st.sampled_from(["string", "null", "integer"]), min_size=1,
                                              max_size=2)),
    st.just({}), st.just(True))
schemas = st.recursive(leaf_schemas, lambda inner: st.one_of(
    st.builds(lambda i, k: {"type": "array", "items": i, **k}, inner, keyword_values),
    st.builds(lambda p, r: {"type": "object", "properties": p, "required": r},
              st.dictionaries(names, inner, max_size=3), st.lists(names, max_size=2)),
    st.builds(lambda a: {"anyOf": a}, st.lists(inner, min_size=1, max_size=2))), max_leaves=6)
tool_lists = st.lists(st.builds(
    lambda n, d, props, req: {"type": "function", "function": {
        "name": n, **({"description": d} if d is not None else {}),
        "parameters": {"type": "object", "properties": props, "required": req}}},
    names, st.none() | st.text(max_size=30), st.dictionaries(names, schemas, max_size=4),
    st.lists(names, max_size=2)), min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(tool_lists)
def test_jinja_template_writes_any_tool_schema_like_the_renderer(tools):
    messages = [{"role": "user", "content": "hi"}]
    ours = render(messages, tools, system_prompt="S", add_generation_prompt=True, tool_format="compact")
    (text,), _ = render_jinja_template(conversations=[messages], tools=tools, chat_template=chat_template("compact"),
                                       return_assistant_tokens_mask=True, system_prompt="S",
                                       add_generation_prompt=True)
    assert text == ours.text


def test_compact_tools_say_what_the_schema_says():
    fn = {"name": "book_room", "description": "Book a meeting room.", "parameters": {
        "type": "object", "required": ["room", "start"], "properties": {
            "room": {"type": "string", "enum": ["Everest", "K2"], "description": "Which room."},
            "start": {"type": "string", "pattern": "^\\d{2}:\\d{2}$", "description": "HH:MM"},
            "people": {"type": "integer", "minimum": 1, "maximum": 12},
            "attendees": {"type": "array", "items": {"type": "string", "format": "email"}}}}}
    assert compact_tool(fn) == (
        "book_room: Book a meeting room.\n"
        '- room ("Everest" | "K2", required): Which room.\n'
        '- start (string, pattern "^\\\\d{2}:\\\\d{2}$", required): HH:MM\n'
        "- people (integer, minimum 1, maximum 12)\n"
        '- attendees (array of string, format "email")')


def test_trained_spans_are_exactly_the_assistant_turns():
    msgs = [{"role": "user", "content": "add milk"},
            {"role": "assistant", "content": None, "tool_calls": as_openai([("create_task", {"title": "milk"})])},
            {"role": "tool", "tool_call_id": "c0", "content": '{"task_id": "task_43"}'},
            {"role": "assistant", "content": "Added."}]
    r = render(msgs, None, system_prompt="Be brief.")
    assert r.trained_text() == ('<tool_call>\n{"name": "create_task", "arguments": {"title": "milk"}}\n'
                                "</tool_call><|im_end|>Added.<|im_end|>")
    assert r.text.startswith("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nadd milk<|im_end|>")
    assert "<tool_response>\n{\"task_id\": \"task_43\"}\n</tool_response>" in r.text


def test_example_system_message_overrides_the_project_prompt():
    r = render([{"role": "system", "content": "Own prompt"}, {"role": "user", "content": "hi"}], None,
               system_prompt="Project prompt")
    assert "Own prompt" in r.text and "Project prompt" not in r.text
