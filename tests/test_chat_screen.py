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
    return init_project(tmp_path / "chat", tools, settings=Settings(name="chat", today="2026-03-02",
                                                                    toolset="task_api"))


async def wait_answers(pilot, screen: ChatScreen, timeout_s: float = 120) -> None:
    for _ in range(int(timeout_s / 0.1)):
        await pilot.pause(0.1)
        if not any(p.busy for p in screen.active_panes()):
            return
    raise AssertionError("the model did not answer in time")


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
        assert pane.pending and pane.pending[0]["function"]["name"] == "delete_task"
        # running a destructive call asks first; "no" leaves it pending
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert pane.pending
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("y")
        await wait_answers(pilot, screen)
        first_call = pane.messages[1]["tool_calls"][0]
        at = next(i for i, m in enumerate(pane.messages) if m["role"] == "tool")
        assert pane.messages[at]["tool_call_id"] == first_call["id"]
        assert json.loads(pane.messages[at]["content"])  # the stub's real answer (JSON), maybe an error
        assert pane.messages[-1]["role"] == "assistant" and at < len(pane.messages) - 1  # the model continued
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
            assert [m["role"] for m in pane.messages] == ["user", "assistant"]
            assert not pane.messages[1].get("tool_calls")
