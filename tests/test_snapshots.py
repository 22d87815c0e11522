"""Snapshots of every screen at 80x24 (an SSH session) and at 140x40.

Update only after looking at them: `pytest tests/test_snapshots.py --snapshot-update`,
then open the SVGs under tests/__snapshots__/.
"""

import pytest
from textual.widgets import Input, TextArea

from screens.app import WorkbenchApp
from tests.app_helpers import make_project, settle

SIZES = [(80, 24), (140, 40)]


@pytest.fixture(autouse=True)
def no_blinking_cursors(monkeypatch):
    # A blinking cursor would make every snapshot a coin toss.
    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)
    monkeypatch.setattr(TextArea, "cursor_blink", False, raising=False)


@pytest.fixture
def app(tmp_path):
    project = make_project(tmp_path / "snap", status=None)
    # Some variety in the table: a pending and a rejected example, one with a schema error.
    store = project.load_examples()
    exs = store.examples
    exs[1].meta["status"] = "pending"
    exs[2].meta["status"] = "rejected"
    exs[3].messages[1]["tool_calls"][0]["function"]["arguments"] = '{"title": "x", "priority": "urgent"}'
    store.save()
    return WorkbenchApp(project)


def _run(*keys):
    async def run_before(pilot):
        await settle(pilot, pilot.app)
        for k in keys:
            await pilot.press(k)
            await pilot.pause()
        await settle(pilot, pilot.app)
    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_examples_screen(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_run("down", "down", "down"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_tools_screen_json(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_run("1"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_tools_screen_form(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_run("1", "ctrl+t"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_coverage_panel(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_run("c"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_run("question_mark"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_train_screen_empty(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_run("3"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_eval_screen_empty(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_run("4"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_chat_screen_empty(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_run("5"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_generate_dialog(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_run("ctrl+g"))
