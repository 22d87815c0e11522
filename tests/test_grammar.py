"""The tool-call grammar against the real tokenizer, the request checks, and the stream splitter."""

from __future__ import annotations

import llguidance
import llguidance.hf
import pytest

import sample_tools
from workbench.assistant import CallSplitter
from workbench.chat_format import format_call
from workbench.grammar import ToolChoiceError, chosen_tools, tool_grammar
from workbench.serve.protocol import APIError, parse_request


@pytest.fixture(scope="module")
def tokenizer(model_cache):
    from workbench.models import load_tokenizer

    tok = load_tokenizer("bundled:smollm2-135m")
    return tok, llguidance.hf.from_tokenizer(tok, eos_token=tok.eos_token_id)


def accepts(tokenizer, grammar: str, text: str) -> bool:
    tok, lt = tokenizer
    m = llguidance.LLMatcher(lt, grammar, log_level=0)
    assert not m.is_error(), m.get_error()
    ids = tok(text, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
    return m.validate_tokens(ids) == len(ids)


TOOLS = sample_tools.get_toolset("task_api").tools
GOOD = format_call("update_task", {"task_id": "task_7", "due_date": "2026-03-11"})


@pytest.mark.parametrize("toolset", sample_tools.NAMES)
def test_grammar_compiles_for_every_toolset_and_choice(tokenizer, toolset):
    tools = sample_tools.get_toolset(toolset).tools
    _, lt = tokenizer
    name = tools[0]["function"]["name"]
    for choice in ("auto", "none", "required", {"type": "function", "function": {"name": name}}):
        m = llguidance.LLMatcher(lt, tool_grammar(tools, choice), log_level=0)
        assert not m.is_error(), (choice, m.get_error())


def test_grammar_accepts_valid_calls_and_rejects_the_rest(tokenizer):
    auto = tool_grammar(TOOLS)
    assert accepts(tokenizer, auto, GOOD)
    assert accepts(tokenizer, auto, GOOD + "\n" + format_call("complete_task", {"task_id": "task_7"}))
    assert accepts(tokenizer, auto, "Which task do you mean?")
    assert not accepts(tokenizer, auto, format_call("archive_task", {"task_id": "task_7"}))      # unknown tool
    assert not accepts(tokenizer, auto, format_call("complete_task", {"task_id": 7}))             # wrong type
    assert not accepts(tokenizer, auto, format_call("update_task", {"task_id": "t", "colour": "red"}))  # extra key
    assert not accepts(tokenizer, auto, format_call("list_tasks", {"status": "later"}))          # not in the enum
    assert not accepts(tokenizer, auto, '<tool_call>\n{"name": "complete_task", "arguments": {"task_id": "task_7"}')
    assert not accepts(tokenizer, auto, "Sure <tool_call>")   # text cannot hide a call
    assert not accepts(tokenizer, tool_grammar(TOOLS, "required"), "Which task do you mean?")
    assert not accepts(tokenizer, tool_grammar(TOOLS, "none"), GOOD)
    named = tool_grammar(TOOLS, {"type": "function", "function": {"name": "complete_task"}})
    assert accepts(tokenizer, named, format_call("complete_task", {"task_id": "task_7"}))
    assert not accepts(tokenizer, named, GOOD)
    single = tool_grammar(TOOLS, "required", parallel=False)
    assert not accepts(tokenizer, single, GOOD + "\n" + GOOD)


def test_forced_tokens_cover_the_call_scaffolding(tokenizer):
    tok, lt = tokenizer
    m = llguidance.LLMatcher(lt, tool_grammar(TOOLS, "required"), log_level=0)
    forced = tok.decode(m.compute_ff_tokens())
    assert forced.startswith('<tool_call>\n{"name": "')


def test_tool_choice_errors():
    assert chosen_tools(TOOLS, "auto") == (TOOLS, "auto")
    assert chosen_tools([], "auto") == ([], "none")
    with pytest.raises(ToolChoiceError, match="no tools"):
        chosen_tools([], "required")
    with pytest.raises(ToolChoiceError, match="'fly'"):
        chosen_tools(TOOLS, {"type": "function", "function": {"name": "fly"}})
    with pytest.raises(ToolChoiceError, match="must be"):
        chosen_tools(TOOLS, "sometimes")


@pytest.mark.parametrize("body, param", [
    ([], None),
    ({"messages": [{"role": "user", "content": "hi"}]}, "model"),
    ({"model": "m", "messages": "hi"}, "messages"),
    ({"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, "messages[0].content[0]"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "retrieval"}]}, "tools[0]"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "n": 3}, "n"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0}, "max_tokens"),
    ({"model": "m", "messages": [{"role": "assistant", "content": None, "tool_calls": [{"function": {}}]}]},
     "messages[0].tool_calls[0].function"),
])
def test_bad_requests_name_the_field(body, param):
    with pytest.raises(APIError) as e:
        parse_request(body)
    assert e.value.status == 400 and e.value.param == param and e.value.body()["error"]["type"] == \
        "invalid_request_error"


def test_requests_accept_what_agent_frameworks_send():
    req = parse_request({"model": "m", "stream": True, "stream_options": {"include_usage": True},
                         "messages": [{"role": "developer", "content": "Be brief."},
                                      {"role": "user", "content": [{"type": "text", "text": "hi "},
                                                                   {"type": "text", "text": "there"}]}],
                         "tools": TOOLS, "tool_choice": "required", "parallel_tool_calls": False,
                         "max_completion_tokens": 64, "temperature": 0.2, "store": False})
    assert req.messages == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi there"}]
    assert (req.stream, req.include_usage, req.parallel_tool_calls, req.max_tokens) == (True, True, False, 64)


def test_call_splitter_releases_content_and_holds_calls():
    s = CallSplitter()
    out = [s.feed(p) for p in ["Sure", ", done. <to", "ol_call>\n{\"name\"", ": \"x\"}"]]
    assert "".join(out) == "Sure, done. " and s.in_calls and s.buffer.startswith("<tool_call>")
    assert CallSplitter().feed("a < b") == "a < b"
    t = CallSplitter()
    assert t.feed("text <") == "text " and t.feed("3") == "<3"


def test_free_strings_and_arrays_are_bounded_so_a_call_always_closes(tokenizer):
    """A model under the grammar once wrote one attendee string for 256 tokens and never closed the call."""
    import json

    from workbench.grammar import bounded

    rooms = json.loads(open("tests/data/rooms/tools.json").read())  # a toolset the project does not ship
    params = bounded(rooms[0]["function"]["parameters"], max_string=20)
    props = params["properties"]
    assert props["room"]["maxLength"] == 20 and props["attendees"]["maxItems"] == 16
    assert props["attendees"]["items"]["maxLength"] == 20
    assert "maxLength" in props["start_time"]  # a pattern can be unbounded too ([0-9]+)
    assert rooms[0]["function"]["parameters"]["properties"]["room"] == {"type": "string",
                                                                        "description": "Room name, e.g. Everest"}
    status = bounded(rooms[4]["function"]["parameters"])["properties"]["status"]
    assert "maxLength" not in status  # an enum is bounded already
    assert bounded({"type": "string", "format": "email"})["maxLength"] == 64   # the local part ran on once

    grammar = tool_grammar(rooms, "required", max_string=20)
    args = {"room": "E" * 20, "date": "2026-03-03", "start_time": "10:00"}
    assert accepts(tokenizer, grammar, format_call("book_room", args))
    assert not accepts(tokenizer, grammar, format_call("book_room", {**args, "room": "E" * 21}))
    # The runaway prefix is refused part way: the matcher forces the string to close.
    tok, lt = tokenizer
    runaway = '<tool_call>\n{"name": "book_room", "arguments": {"room": "Everest", "attendees": ["' + "room.floor." * 30
    ids = tok(runaway, add_special_tokens=False)["input_ids"]
    assert llguidance.LLMatcher(lt, grammar, log_level=0).validate_tokens(ids) < len(ids)


def test_an_email_the_conversation_holds_is_copied_not_retyped(tokenizer):
    """The shop's tuned model wrote "lena.ruiz@example.net", an address it never trained on, as
    "naraiz@example.net". Under the grammar an email argument is one the conversation holds."""
    from workbench.grammar import said_emails
    from workbench.tools import import_tools

    tools = import_tools("tests/toolsets/shop/stubs.py")   # a toolset the workbench does not ship
    conversation = [{"role": "user", "content": "Which of lena.ruiz@example.net's orders are processing? "
                                                "And tom.okafor@example.org's."},
                    {"role": "assistant", "tool_calls": [{"function": {
                        "name": "list_orders", "arguments": '{"customer_email": "maya.chen@example.com"}'}}]}]
    emails = said_emails(conversation)
    assert emails == ("lena.ruiz@example.net", "maya.chen@example.com", "tom.okafor@example.org")
    grammar = tool_grammar(tools, "required", emails=emails)
    for email in emails:
        assert accepts(tokenizer, grammar, format_call("list_orders", {"customer_email": email}))
    assert not accepts(tokenizer, grammar, format_call("list_orders", {"customer_email": "naraiz@example.net"}))
    # With no address in the conversation, any valid one (the model may be asking the stubs for a new one).
    free = tool_grammar(tools, "required")
    assert accepts(tokenizer, free, format_call("list_orders", {"customer_email": "naraiz@example.net"}))
