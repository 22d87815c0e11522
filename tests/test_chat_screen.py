"""Pilot tests of the Chat screen with the real bundled model and the Task API stubs."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Input

import sample_tools
from screens.app import WorkbenchApp
from screens.chat import ChatScreen
from screens.dialogs import ConfirmDialog, ExampleEditor
from tests.app_helpers import settle
from workbench.project import Project, Settings, init_project


@pytest.fixture
def project(tmp_path, model_cache):
    tools = [t for t in sample_tools.get_toolset("task_api").tools if t["function"]["name"] == "delete_task"]
    return init_project(tmp_path / "chat", tools, settings=Settings(name="chat", today="2026-03-02"),
                        template=sample_tools.get_toolset("task_api").folder)


async def wait_answers(pilot, screen: ChatScreen, timeout_s: float = 120) -> None:
    for _ in range(int(timeout_s / 0.1)):
        await pilot.pause(0.1)
        if not any(p.busy for p in screen.active_panes()):
            return
    raise AssertionError("the model did not answer in time")


async def first_piece(pilot, pane, timeout_s: float = 60) -> None:
    """Wait until the pane's answer has begun to stream (the model loaded and decoded a token)."""
    for _ in range(int(timeout_s / 0.1)):
        await pilot.pause(0.1)
        if pane.raw_text:
            return
    raise AssertionError("no piece of the answer arrived")


async def test_chat_tool_call_card_stub_confirm_and_save(project):
    app = WorkbenchApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        screen.max_tokens = 64
        await pilot.press("ctrl+f")  # tool choice: required
        assert screen.tool_choice == "required"
        box = screen.query_one("#chat-input", Input)
        box.value = "Delete task_15 please"
        await pilot.press("enter")
        await wait_answers(pilot, screen)
        pane = screen.pane("left")
        cards = [str(c.render()) for c in pane.query(".tool-card")]
        # constrained decoding: a finished call is valid for its schema (one cut off by max_tokens is flagged)
        assert any("delete_task" in c and "✓ valid" in c for c in cards), cards
        raw = pane.query(".answer-raw").first()
        assert not raw.display and "<tool_call>" in str(raw.render())
        await pilot.press("ctrl+r")
        assert raw.display and not pane.query(".answer-parsed").first().display
        await pilot.press("ctrl+r")
        assert pane.chat.pending and pane.chat.pending[0]["function"]["name"] == "delete_task"
        # running a destructive call asks first; "no" leaves it pending
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert pane.chat.pending
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("y")
        await wait_answers(pilot, screen)
        first_call = pane.chat.messages[1]["tool_calls"][0]
        at = next(i for i, m in enumerate(pane.chat.messages) if m["role"] == "tool")
        assert pane.chat.messages[at]["tool_call_id"] == first_call["id"]
        assert json.loads(pane.chat.messages[at]["content"])  # the stub's real answer (JSON), maybe an error
        assert pane.chat.messages[-1]["role"] == "assistant" and at < len(pane.chat.messages) - 1  # the model continued
        # save the conversation as a pending example, through the editor
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ExampleEditor)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        saved = [e for e in app.store.examples if e.meta.get("source") == "chat"]
        assert len(saved) == 1 and saved[0].status == "pending"
        assert saved[0].messages[0] == {"role": "user", "content": "Delete task_15 please"}
    on_disk = [e for e in Project.open(project.root).load_examples().examples if e.meta.get("source") == "chat"]
    assert len(on_disk) == 1


async def test_chat_side_by_side_and_raw(project):
    app = WorkbenchApp(project)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("5")
        await pilot.pause()
        screen = app.screen
        screen.max_tokens = 12
        await pilot.press("ctrl+b")
        assert len(screen.active_panes()) == 2
        await pilot.press("ctrl+f", "ctrl+f")  # tool choice: none
        screen.query_one("#chat-input", Input).value = "hello"
        await pilot.press("enter")
        await wait_answers(pilot, screen)
        for pane in screen.active_panes():
            assert [m["role"] for m in pane.chat.messages] == ["user", "assistant"]
            assert not pane.chat.messages[1].get("tool_calls")


async def test_chat_stop_new_chat_focus_and_a_cut_answer(project):
    """ctrl+x stops an answer at once, ctrl+n stops it and starts clean, the message box keeps the keys,
    and an answer cut by the token limit says so (not 'invalid JSON')."""
    app = WorkbenchApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("5")
        await pilot.pause()
        screen = app.screen
        box = screen.query_one("#chat-input", Input)
        assert box.has_focus  # `5` lands in the message box: typing "delete task_3" must not switch modes
        screen.max_tokens = 2000
        await pilot.press("ctrl+f", "ctrl+f")  # tool choice: none, so the base model rambles on
        for ch in "Tell me a long story about task 3":
            await pilot.press(ch if ch != " " else "space")
        assert isinstance(app.screen, ChatScreen) and box.value == "Tell me a long story about task 3"
        await pilot.press("enter")
        pane = screen.pane("left")
        await first_piece(pilot, pane)
        assert pane.busy
        await pilot.press("ctrl+x")
        await wait_answers(pilot, screen, timeout_s=20)  # without a stop: 2,000 tokens, minutes
        assert "stopped by you" in " ".join(str(c.render()) for c in pane.query(".tool-card"))
        assert pane.chat.messages[-1]["role"] == "assistant"

        # A new chat while answering: the old answer stops and none of it lands in the new chat.
        box.value = "Another long story please"
        await pilot.press("enter")
        await first_piece(pilot, pane)
        await pilot.press("ctrl+n")
        assert box.has_focus and pane.chat.messages == [] and not pane.busy
        decoder = screen.assistants["base"].decoder
        for _ in range(200):  # the stopped decoding lets go of the model within a token or two
            await pilot.pause(0.1)
            if not decoder.lock.locked():
                break
        assert not decoder.lock.locked(), "the old answer is still being decoded"
        await pilot.pause(0.3)
        assert pane.chat.messages == [] and not pane.children  # nothing of it reappeared

        # An answer cut by the token limit says so.
        screen.max_tokens = 6
        await pilot.press("ctrl+f", "ctrl+f")  # tool choice: required -> a call that cannot close in 6 tokens
        assert screen.tool_choice == "required"
        box.value = "Delete task_15 please"
        await pilot.press("enter")
        await wait_answers(pilot, screen)
        notes = " ".join(str(c.render()) for c in pane.query(".tool-card"))
        assert "cut at the token limit" in notes and "not valid JSON" not in notes
