"""Use cases behind the Examples and Chat keys, called directly: curation with undo, and a chat session."""

import json

import sample_tools
from tests.app_helpers import ROOMS, rooms_project
from workbench.chat import ChatSession
from workbench.chat_format import format_call
from workbench.curation import Curation
from workbench.store import ExampleStore


def rooms_store(tmp_path) -> ExampleStore:
    return ExampleStore.open(rooms_project(tmp_path / "p").examples_path)


def test_curation_undoes_statuses_edits_and_additions(tmp_path):
    store = rooms_store(tmp_path)
    cur = Curation(store)
    cur.set_status(["rooms_001", "rooms_002"], "rejected")
    edited = store.index["rooms_003"].copy()
    edited.messages[0]["content"] = "What's on in Denali on Friday?"
    cur.put(edited)
    dup = cur.duplicate("rooms_003")
    again = cur.duplicate("rooms_003")
    assert (dup.id, again.id) == ("rooms_003-copy", "rooms_003-copy-2")  # the store hands out unused ids
    assert dup.status == "pending"

    assert cur.undo() == ["rooms_003-copy-2"] and store.index["rooms_003-copy-2"].status == "rejected"
    cur.undo()
    assert cur.undo() == ["rooms_003"]
    assert store.index["rooms_003"].messages[0]["content"] == "What's booked in Denali on Friday?"
    assert sorted(cur.undo()) == ["rooms_001", "rooms_002"]
    assert {store.index[i].status for i in ("rooms_001", "rooms_002")} == {"accepted"}
    assert cur.undo() is None
    # Everything went through the journal: a reopened store sees the same.
    reopened = ExampleStore.open(store.file.path)
    assert reopened.index["rooms_001"].status == "accepted" and "rooms_003-copy" in reopened.index


def test_chat_session_checks_calls_runs_stubs_and_becomes_an_example():
    tools = json.loads((ROOMS / "tools.json").read_text())
    chat = ChatSession()
    chat.add_user("Book Everest at 25:00 tomorrow")
    reply = chat.add_answer(format_call("book_room", {"room": "Everest", "date": "2026-03-03", "start_time": "25:00"}),
                            tools)
    assert reply.problems == [["start_time: '25:00' does not match /^([01][0-9]|2[0-3]):[0-5][0-9]$/"]]
    assert chat.pending and chat.pending[0]["function"]["name"] == "book_room"
    cut = ChatSession()
    cut.add_user("cancel bk_1")
    reply = cut.add_answer('<tool_call>\n{"name": "cancel_booking", "arguments": {"booking_id": "bk_', tools,
                           finish_reason="length")
    assert reply.cut and reply.notes[0].startswith("cut at the token limit inside a tool call")

    # Stubs run only on request, JSON in and JSON out, and the conversation saves as an example.
    task_api = sample_tools.get_toolset("task_api")
    chat = ChatSession()
    chat.add_user("delete task_3")
    chat.add_answer(format_call("delete_task", {"task_id": "task_3"}), task_api.tools)
    assert chat.destructive_pending(task_api) == ["delete_task"]
    ((call, result),) = chat.run_pending(task_api)
    assert json.loads(result) and chat.pending == [] and chat.messages[-1]["tool_call_id"] == call["id"]
    chat.add_answer("Deleted.", task_api.tools)
    ex = chat.to_example(task_api.tools, "base")
    assert ex.category == "single" and ex.meta["source"] == "chat" and ex.status == "pending"
