"""Pilot tests of every curation and schema flow, against a real project on disk."""

import json
import os
import subprocess

import pytest
from textual.widgets import Input, Select, SelectionList, TextArea

from screens.app import WorkbenchApp
from screens.dialogs import ExampleEditor, ExportDialog, GenerateDialog, MigrateDialog, NewExampleDialog
from screens.widgets import ExampleTable
from tests.app_helpers import make_project, settle
from workbench.examples import ExampleFile
from workbench.project import Project
from workbench.validation import validate_all


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "proj")


def statuses(project: Project) -> dict[str, str]:
    return {e.id: e.status for e in Project.open(project.root).load_examples().examples}


async def test_accept_reject_and_undo_are_written_at_once(project):
    app = WorkbenchApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("a")      # seed_001 accepted, cursor moves on
        await pilot.press("r")      # seed_002 rejected
        # Written before the app closes: a SIGKILL now would lose nothing.
        on_disk = statuses(project)
        assert on_disk["seed_001"] == "accepted" and on_disk["seed_002"] == "rejected"
        await pilot.press("u")      # undo the reject
        await pilot.pause()
        assert app.store.index["seed_002"].status == "pending"
    final = statuses(project)
    assert final["seed_001"] == "accepted" and final["seed_002"] == "pending"
    assert not (project.root / ".examples.journal").exists()  # folded into examples.jsonl on exit


async def test_edit_refuses_invalid_json_then_saves_valid(project):
    app = WorkbenchApp(project)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, ExampleEditor)
        area = editor.query_one(TextArea)
        area.load_text('{"messages": [')
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is editor  # not saved, still editing
        data = json.loads(json.dumps(app.store.index["seed_001"].data))
        data["messages"][0]["content"] = "Add a task: call the plumber tomorrow morning"
        data["messages"][1]["tool_calls"][0]["function"]["arguments"] = json.dumps({"title": 5})
        area.load_text(json.dumps(data))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is editor  # schema error: type_mismatch, still refused
        data["messages"][1]["tool_calls"][0]["function"]["arguments"] = json.dumps(
            {"title": "Call the plumber", "due_date": "2026-03-03"})
        area.load_text(json.dumps(data))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ExampleEditor)
    ex = Project.open(project.root).load_examples().by_id()["seed_001"]
    assert ex.first_user_message() == "Add a task: call the plumber tomorrow morning"


async def test_new_example_from_the_form(project):
    app = WorkbenchApp(project)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        before = len(app.store.examples)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewExampleDialog)
        dialog.query_one("#user", Input).value = "Add 'file taxes' due April 15, high priority"
        dialog.query_one("#tool", Select).value = "create_task"
        await pilot.pause()
        dialog.query_one("#arg-title", Input).value = "File taxes"
        dialog.query_one("#arg-due_date", Input).value = "2026-04-15"
        dialog.query_one("#arg-priority", Select).value = "high"
        dialog.query_one("#result", Input).value = '{"task_id": "task_43"}'
        dialog.query_one("#answer", Input).value = "Added 'File taxes', due April 15."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, NewExampleDialog)
        assert len(app.store.examples) == before + 1
    ef = Project.open(project.root).load_examples()
    new = ef.examples[-1]
    assert new.status == "pending" and new.meta["source"] == "manual"
    assert json.loads(new.messages[1]["tool_calls"][0]["function"]["arguments"]) == {
        "title": "File taxes", "due_date": "2026-04-15", "priority": "high"}
    assert validate_all([new]) == {}


async def test_new_example_with_bad_argument_is_refused(project):
    app = WorkbenchApp(project)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#user", Input).value = "add a task due someday"
        dialog.query_one("#tool", Select).value = "create_task"
        await pilot.pause()
        dialog.query_one("#arg-title", Input).value = "x"
        dialog.query_one("#arg-due_date", Input).value = "someday"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # bad_format: not saved


async def test_filter_and_bulk_accept(project):
    app = WorkbenchApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        for ch in "tool:delete_task":
            await pilot.press(ch)
        await pilot.press("enter")
        await pilot.pause()
        table = app.screen.query_one(ExampleTable)
        expected = {e.id for e in app.store.examples if "delete_task" in e.called_tools()}
        assert {r.id for r in table.rows} == expected and len(expected) >= 3
        await pilot.press("A")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    after = statuses(project)
    assert all(after[i] == "accepted" for i in expected)
    assert sum(s == "accepted" for s in after.values()) == len(expected)


async def test_filter_by_status_text_and_validity(project):
    app = WorkbenchApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        box = screen.query_one("#filter", Input)
        box.value = "status:pending cat:clarify"
        await pilot.pause()
        rows = screen.query_one(ExampleTable).rows
        assert rows and all(r.category == "clarify" for r in rows)
        box.value = "invalid"
        await pilot.pause()
        assert screen.query_one(ExampleTable).rows == []
        box.value = "plumber"
        await pilot.pause()
        assert [r.id for r in screen.query_one(ExampleTable).rows] == ["seed_001"]


async def test_schema_rename_with_migration(project):
    app = WorkbenchApp(project)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        callers = {e.id for e in app.store.examples if "create_task" in e.called_tools()}
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("ctrl+t")  # form view
        await pilot.pause()
        name = app.screen.query_one("#form-name", Input)
        name.value = "add_task"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MigrateDialog)
        (change, affected), = dialog.affected.items()
        assert change.describe() == "tool create_task renamed to add_task"
        assert {e.id for e in affected} == callers
        await pilot.press("m")
        await settle(pilot, app)
        assert app.problems == {}
    project = Project.open(project.root)
    assert [t["function"]["name"] for t in project.load_tools()][0] == "add_task"
    ef = project.load_examples()
    assert validate_all(ef.examples, project.load_tools()) == {}
    assert all("create_task" not in e.called_tools() for e in ef.examples)
    assert {e.id for e in ef.examples if "add_task" in e.called_tools()} == callers


async def test_removing_a_parameter_can_mark_examples_for_review(project):
    app = WorkbenchApp(project)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        users = {e.id for e in app.store.examples
                 if any('"tags"' in (c["function"]["arguments"]) for m in e.messages for c in m.get("tool_calls") or [])}
        for ex_id in users:
            app.store.set_status([ex_id], "accepted")
        await pilot.press("1")
        await pilot.pause()
        tools = app.screen
        text = json.loads(tools.query_one("#tool-json", TextArea).text)
        del text["function"]["parameters"]["properties"]["tags"]
        tools.query_one("#tool-json", TextArea).load_text(json.dumps(text, indent=2))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MigrateDialog)
        await pilot.press("r")
        await settle(pilot, app)
    ef = Project.open(project.root).load_examples()
    for ex in ef.examples:
        if ex.id in users:
            assert ex.status == "pending" and "review after schema change" in ex.meta["notes"]


async def test_split_and_export(project, tmp_path):
    ef = ExampleFile.load(project.examples_path)
    for ex in ef.examples:
        ex.meta["status"] = "accepted"
    ef.save()
    out = tmp_path / "export"
    app = WorkbenchApp(project)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#out-dir", Input).value = str(out)
        dialog.query_one("#out-dir", Input).focus()
        await pilot.press("enter")
        await settle(pilot, app)
    train = (out / "train.jsonl").read_text().splitlines()
    val = (out / "val.jsonl").read_text().splitlines()
    assert len(train) + len(val) == 66 and 5 <= len(val) <= 15
    row = json.loads(train[0])
    assert row["messages"][0]["role"] == "system" and "2026-03-02" in row["messages"][0]["content"]


async def test_second_app_on_the_same_project_is_read_only(project):
    holder = subprocess.Popen(["sleep", "30"])
    try:
        (project.root / ".workbench.lock").write_text(json.dumps({"pid": holder.pid, "host": __import__(
            "socket").gethostname()}))
        app = WorkbenchApp(project)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            assert app.read_only
            await pilot.press("a")
            await pilot.pause()
            assert app.store.index["seed_001"].status == "pending"
        assert json.loads((project.root / ".workbench.lock").read_text())["pid"] == holder.pid  # not taken
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone now: its lock is stale and the next app takes it over.
    app = WorkbenchApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert not app.read_only


async def test_coverage_and_help_open(project):
    from screens.dialogs import CoverageDialog
    from screens.help import HelpScreen

    app = WorkbenchApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CoverageDialog)
        assert app.screen.cov.tools["create_task"] > 0
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_start_up_imports_nothing_heavy():
    code = ("import sys; import screens.app, workbench.cli; "
            "heavy = [m for m in ('torch', 'transformers', 'datasets', 'trl', 'peft') if m in sys.modules]; "
            "print(heavy); sys.exit(1 if heavy else 0)")
    result = subprocess.run([__import__("sys").executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.model
async def test_prompt_preview_highlights_trained_tokens(project, model_cache):
    from textual.widgets import Static

    from screens.dialogs import PromptPreview

    app = WorkbenchApp(project)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("v")
        await pilot.pause()
        preview = app.screen
        assert isinstance(preview, PromptPreview)
        await preview.workers.wait_for_complete()
        await pilot.pause()
        head = str(preview.query_one("#preview-head", Static).render())
        assert "tokens" in head and "trained" in head and "warning" not in head


async def test_tools_editor_undo(project):
    app = WorkbenchApp(project)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("ctrl+t")
        await pilot.pause()
        app.screen.query_one("#form-name", Input).value = "make_task"
        await pilot.pause()
        assert app.dirty and app.screen.working[0]["function"]["name"] == "make_task"
        await pilot.press("ctrl+t")  # back to the JSON editor, which holds the form edit on its undo stack
        await pilot.pause()
        editor = app.screen.query_one("#tool-json", TextArea)
        editor.undo()
        await pilot.pause()
        assert app.screen.working[0]["function"]["name"] == "create_task"
        assert not app.dirty


async def test_generate_panel_adds_verified_examples_as_pending(project):
    app = WorkbenchApp(project)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, GenerateDialog)
        dialog.query_one("#gen-n", Input).value = "40"
        dialog.query_one("#mix-parallel", Input).value = "0"
        dialog.query_one("#gen-tools", SelectionList).deselect("delete_task")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        await pilot.pause(0.1)
        added = [e for e in app.store.examples if e.meta.get("source") == "offline"]
        assert len(added) == 40 and {e.status for e in added} == {"pending"}
        assert not any(e.category == "parallel" for e in added)
        assert not any("delete_task" in e.called_tools() for e in added)
        assert app.screen.query_one("#filter", Input).value == "src:offline status:pending"
        assert len(app.screen.query_one(ExampleTable).rows) == 40
        # a bad count is refused in the dialog, naming the field
        await pilot.press("ctrl+g")
        await pilot.pause()
        app.screen.query_one("#gen-n", Input).value = "0"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, GenerateDialog)
        assert str(app.screen.query_one("#gen-error").render()).startswith("How many: Input should be greater")
        # letters are refused with a word, not silently dropped
        app.screen.query_one("#gen-n", Input).value = "2OO"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert str(app.screen.query_one("#gen-error").render()) == "How many: '2OO' is not a whole number"
        await pilot.press("escape")
    on_disk = [e for e in Project.open(project.root).load_examples().examples if e.meta.get("source") == "offline"]
    assert len(on_disk) == 40


async def test_rejected_generated_examples_show_why(project):
    from workbench.examples import make_example

    ex = make_example([{"role": "user", "content": "Mark task_99 as done"},
                       {"role": "assistant", "content": None, "tool_calls": [
                           {"id": "c1", "type": "function",
                            "function": {"name": "complete_task", "arguments": '{"task_id": "task_99"}'}}]}],
                      None, category="single", source="teacher", status="rejected")
    ex.meta["verification"] = {"ok": False, "checks": ["format"], "stage": "execution",
                               "reasons": ["messages[1] complete_task: task task_99 not found"]}
    ef = ExampleFile.load(project.examples_path)
    ef.append(ex)
    ef.save()
    app = WorkbenchApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        app.screen.query_one("#filter", Input).value = "verify:failed"
        await pilot.pause()
        await pilot.pause()
        assert [r.id for r in app.screen.query_one(ExampleTable).rows] == [ex.id]
        app.screen.query_one("#filter", Input).value = "src:teacher execution"
        await pilot.pause()
        assert [r.id for r in app.screen.query_one(ExampleTable).rows] == [ex.id]
        from rich.console import Console

        from screens.widgets.conversation import render_conversation

        console = Console(width=120, record=True, file=open(os.devnull, "w"))
        console.print(render_conversation(app.store.index[app.screen.query_one(ExampleTable).current.id], []))
        shown = console.export_text()
        assert "rejected at execution" in shown and "task_99 not found" in shown


async def test_saving_a_change_that_affects_no_example(project):
    """A description edit touches no example: it saves at once, without a dialog (it used to crash)."""
    app = WorkbenchApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("ctrl+t")
        await pilot.pause()
        app.screen.query_one("#form-description", Input).value = "Create a task, with a due date if given."
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, MigrateDialog)
        assert any(str(n.message) == "Saved tools.json." for n in app._notifications)
        assert app.return_code is None and app.is_running
    tools = Project.open(project.root).load_tools()
    assert tools[0]["function"]["description"] == "Create a task, with a due date if given."


async def test_a_mistyped_filter_says_so_instead_of_showing_nothing(project):
    from textual.widgets import Static

    app = WorkbenchApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        screen.query_one("#filter", Input).value = "statu:pending"
        await pilot.pause()
        count = str(screen.query_one("#count", Static).render())
        assert "unknown filter key 'statu'" in count
        assert len(screen.query_one(ExampleTable).rows) == len(app.store.examples)  # the typo filters nothing
        screen.query_one("#filter", Input).value = "status:pendign"
        await pilot.pause()
        assert "status:pendign matches nothing (one of accepted, pending, rejected)" in \
            str(screen.query_one("#count", Static).render())
        screen.query_one("#filter", Input).value = "status:pending 10:30"  # a time is text, not a key
        await pilot.pause()
        assert "shown" in str(screen.query_one("#count", Static).render())


async def open_train_dialog(pilot) -> None:
    """The Train screen (3), then its new-run dialog (s)."""
    for key in ("3", "s"):
        await pilot.press(key)
        await pilot.pause()


async def test_train_dialog_warns_when_accepted_examples_are_invalid(project):
    from textual.widgets import Static

    from screens.dialogs import TrainDialog

    app = WorkbenchApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        ex = app.store.index["seed_001"].copy()
        ex.messages[1]["tool_calls"][0]["function"]["arguments"] = "{}"  # a required argument missing
        ex.meta["status"] = "accepted"
        app.store.put(ex)
        app.changed([ex.id])
        await open_train_dialog(pilot)
        assert isinstance(app.screen, TrainDialog)
        warning = str(app.screen.query_one("#cfg-warning", Static).render())
        assert warning.startswith("1 accepted examples are invalid (seed_001)")


async def test_train_dialog_chooses_full_or_lora_fine_tuning(project):
    from textual.widgets import Input, Select

    from screens.dialogs import TrainDialog

    app = WorkbenchApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await open_train_dialog(pilot)
        dialog = app.screen
        assert isinstance(dialog, TrainDialog)
        assert dialog.query_one("#cfg-finetune", Select).value == "full"   # the CPU default
        assert dialog.query_one("#cfg-lora_r", Input).disabled   # no adapter, no rank
        dialog.query_one("#preset", Select).value = "cpu-lora"
        await pilot.pause()
        assert dialog.query_one("#cfg-finetune", Select).value == "lora"
        assert not dialog.query_one("#cfg-lora_r", Input).disabled
        dialog.query_one("#cfg-finetune", Select).value = "full"
        await pilot.pause()
        config = dialog.result()
        assert config.finetune == "full" and config.preset == "cpu-lora"


async def test_help_palette_and_tab_read_as_a_user_expects(project):
    from textual.command import CommandPalette
    from textual.widgets import Static

    app = WorkbenchApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert "5 Chat" in str(app.screen.query(Static)[1].render())
        await pilot.press("escape")
        await pilot.press("5")
        await pilot.pause()
        commands = [c.help for c in app.get_system_commands(app.screen)]
        assert "Chat · ctrl+o" in commands and not any("key ctrl" in c for c in commands)
        assert not isinstance(app.screen, CommandPalette)
        await pilot.press("escape", "1")
        await pilot.pause()
        editor = app.screen.query_one("#tool-json", TextArea)
        editor.focus()
        before = editor.text
        await pilot.press("tab")
        await pilot.pause()
        assert editor.text == before and not editor.has_focus  # tab moves on, as help says
