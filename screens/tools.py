"""Tools: the tool list, a JSON editor with live validation, and a form for quick edits.

Edits happen on a working copy; ctrl+s validates everything, checks which examples the
change breaks (renames, removed or newly required parameters), offers to migrate them or
mark them for review, then writes tools.json atomically.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, ListItem, ListView, Static, TabbedContent, TabPane, TextArea

from screens.dialogs import ConfirmDialog, MigrateDialog, ParamDialog, PromptDialog
from screens.messages import DirtyChanged
from screens.widgets import MarkedTable, WorkbenchHeader
from workbench.migrate import affected_examples, diff_tools, save_tools
from workbench.problems import Problem
from workbench.tools import ToolsFileError, dump_tools, import_tools, tool_name, validate_tool, validate_tools

NEW_TOOL = {"type": "function", "function": {"name": "new_tool", "description": "",
                                             "parameters": {"type": "object", "properties": {}, "required": [],
                                                            "additionalProperties": False}}}


def tool_json(tool: dict) -> str:
    return json.dumps(tool, indent=2, ensure_ascii=False)


class ToolsScreen(Screen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+n", "new_tool", "New tool"),
        Binding("ctrl+t", "toggle_view", "JSON/Form", priority=True),
        Binding("ctrl+r", "revert", "Revert"),
        Binding("ctrl+o", "import_tools", "Import"),
        Binding("ctrl+g", "export_tools", "Export"),
        Binding("delete", "delete_tool", "Delete tool", show=False),
        Binding("plus", "add_param", "Add param", show=False),
        Binding("minus", "remove_param", "Remove param", show=False),
        Binding("escape", "focus_list", "Back to the list", show=False),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.saved: list[dict] = []
        self.working: list[dict] = []
        self.texts: list[str] = []      # editor text per tool (may be invalid JSON mid-edit)
        self.selected = 0
        self._loading_editor = False    # set while we replace the editor text ourselves

    def compose(self) -> ComposeResult:
        yield WorkbenchHeader()
        with Horizontal(id="tools-main"):
            with Vertical(id="tool-list-pane"):
                yield Label("[b]Tools[/b]")
                yield ListView(id="tool-list")
            with Vertical(id="tool-edit-pane"):
                with TabbedContent(id="tool-tabs"):
                    with TabPane("JSON", id="tab-json"):
                        # tab moves focus, as everywhere in the app; the editor indents on enter by itself
                        yield TextArea.code_editor("", language="json", id="tool-json", tab_behavior="focus")
                    with TabPane("Form", id="tab-form"), VerticalScroll():
                        yield Label("Name")
                        yield Input(id="form-name", compact=True)
                        yield Label("Description")
                        yield Input(id="form-description", compact=True)
                        yield Label("Parameters: + add, - remove, enter edit")
                        yield MarkedTable(id="form-params", cursor_type="row", zebra_stripes=True)
                yield Static("", id="tool-problems", classes="problems")
        yield Footer()

    def on_mount(self) -> None:
        app = self.app
        self.query_one(WorkbenchHeader).show(app, "Tools")
        app.data_signal.subscribe(self, self.on_data)
        self.query_one("#form-params", DataTable).add_columns("name", "type", "req", "enum", "description")
        self.load(app.tools)
        if app.tools_error:
            self.query_one("#tool-problems", Static).update(f"[red]{app.tools_error}[/]")
        self.query_one("#tool-list", ListView).focus()

    def on_data(self, _what: str) -> None:
        header = self.query_one(WorkbenchHeader)
        header.dirty, header.read_only = self.app.dirty, self.app.read_only

    # ------------------------------------------------------------ state

    def load(self, tools: list[dict]) -> None:
        self.saved = copy.deepcopy(tools)
        self.working = copy.deepcopy(tools)
        self.texts = [tool_json(t) for t in self.working]
        self.selected = 0
        self.refresh_list()
        self.show_tool()
        self.set_dirty()

    @property
    def dirty(self) -> bool:
        return self.working != self.saved or any(t != tool_json(w) for t, w in zip(self.texts, self.working))

    def set_dirty(self) -> None:
        self.app.post_message(DirtyChanged(self.dirty))

    def refresh_list(self) -> None:
        lv = self.query_one("#tool-list", ListView)
        lv.clear()
        problems = validate_tools(self.working)
        for i, t in enumerate(self.working):
            bad = any(p.is_error and p.path.startswith(f"[{i}]") for p in problems)
            lv.append(ListItem(Label(("[red]✗[/] " if bad else "  ") + (tool_name(t) or "(no name)"))))
        if self.working:
            lv.index = min(self.selected, len(self.working) - 1)

    def show_tool(self) -> None:
        editor = self.query_one("#tool-json", TextArea)
        self._loading_editor = True
        editor.load_text(self.texts[self.selected] if self.working else "")
        self._loading_editor = False
        self.fill_form()
        self.show_problems()

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        index = event.list_view.index
        if event.list_view.id == "tool-list" and index is not None and index != self.selected \
                and index < len(self.working):
            self.selected = index
            self.show_tool()

    # ------------------------------------------------------------ live validation

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self._loading_editor or event.text_area.id != "tool-json" or not self.working:
            return
        self._take_editor_text(event.text_area.text)

    def _flush_edits(self) -> None:
        """Bring the working copy up to what the widgets show now.

        A key bound with priority (ctrl+s) is handled before the Changed message of the key typed
        just before it: over tmux, "s" then ctrl+s saved the name without its last letter."""
        if not self.working:
            return
        if self.query_one(TabbedContent).active == "tab-form":
            fn = self.working[self.selected].get("function", {}) if isinstance(self.working[self.selected], dict) \
                else {}
            for wid, key in (("#form-name", "name"), ("#form-description", "description")):
                value = self.query_one(wid, Input).value
                if isinstance(fn, dict) and fn.get(key, "") != value:
                    self._edit_function(lambda f, k=key, v=value: f.__setitem__(k, v))
        else:
            text = self.query_one("#tool-json", TextArea).text
            if text != self.texts[self.selected]:
                self._take_editor_text(text)

    def _take_editor_text(self, text: str) -> None:
        self.texts[self.selected] = text
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            old_name = tool_name(self.working[self.selected])
            self.working[self.selected] = obj
            if tool_name(obj) != old_name:
                self.refresh_list()
            self.fill_form()
        self.show_problems()
        self.set_dirty()

    def current_problems(self) -> list[str]:
        text = self.texts[self.selected] if self.working else ""
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            return [f"[red]not valid JSON[/] at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
        problems: list[Problem] = validate_tool(obj)
        names = [tool_name(t) for i, t in enumerate(self.working) if i != self.selected]
        if isinstance(obj, dict) and tool_name(obj) in names:
            problems.append(Problem("duplicate_tool_name", f"another tool is named {tool_name(obj)!r}", "function.name"))
        return [f"[{'red' if p.is_error else 'yellow'}]{p.code}[/] [b]{p.path or '(tool)'}[/]: {p.message}"
                for p in problems]

    def show_problems(self) -> None:
        lines = self.current_problems()
        out = self.query_one("#tool-problems", Static)
        out.update("\n".join(lines[:5]) + (f"\n… {len(lines) - 5} more" if len(lines) > 5 else "")
                   if lines else "[green]valid[/]")

    # ------------------------------------------------------------ form

    def fill_form(self) -> None:
        if not self.working:
            return
        fn = self.working[self.selected].get("function", {}) if isinstance(self.working[self.selected], dict) else {}
        for wid, value in (("#form-name", fn.get("name", "")), ("#form-description", fn.get("description", ""))):
            widget = self.query_one(wid, Input)
            if widget.value != value and not widget.has_focus:
                with widget.prevent(Input.Changed):
                    widget.value = str(value)
        table = self.query_one("#form-params", DataTable)
        row = table.cursor_row
        table.clear()
        params = fn.get("parameters") or {}
        required = set(params.get("required") or [])
        for name, schema in (params.get("properties") or {}).items():
            schema = schema if isinstance(schema, dict) else {}
            enum = ", ".join(map(str, schema.get("enum", []))) if "enum" in schema else ""
            table.add_row(name, str(schema.get("type", "")), "yes" if name in required else "", enum,
                          str(schema.get("description", "")), key=name)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    def _edit_function(self, change) -> None:
        """Apply a form edit to the current tool and write it into the editor (so ctrl+z undoes it)."""
        tool = copy.deepcopy(self.working[self.selected])
        change(tool.setdefault("function", {}))
        text = tool_json(tool)
        # The working copy changes now, not when the editor's Changed event arrives: a ctrl+s typed
        # right after the edit must save it (seen over tmux: the last keystroke was missing from the save).
        self.working[self.selected], self.texts[self.selected] = tool, text
        editor = self.query_one("#tool-json", TextArea)
        editor.replace(text, editor.document.start, editor.document.end)  # on the undo stack, unlike load_text

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "form-name":
            self._edit_function(lambda fn: fn.__setitem__("name", event.value))
        elif event.input.id == "form-description":
            self._edit_function(lambda fn: fn.__setitem__("description", event.value))

    def _current_param(self) -> str | None:
        table = self.query_one("#form-params", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)

    def action_add_param(self) -> None:
        self._param_dialog(None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self._param_dialog(str(event.row_key.value))

    def _param_dialog(self, name: str | None) -> None:
        if not self.working:
            return
        params = self.working[self.selected].get("function", {}).get("parameters") or {}
        schema = (params.get("properties") or {}).get(name, {}) if name else None
        required = name in (params.get("required") or []) if name else False

        def done(value: dict | None) -> None:
            if value is not None:
                self._edit_function(lambda fn: _set_param(fn, name, value))

        self.app.push_screen(ParamDialog(name or "", schema, required), done)

    def action_remove_param(self) -> None:
        name = self._current_param()
        if name is not None:
            self._edit_function(lambda fn: _set_param(fn, name, None))

    def action_focus_list(self) -> None:
        """Escape leaves a field (the digits then switch modes again), as everywhere in the app."""
        self.query_one("#tool-list", ListView).focus()

    def action_toggle_view(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "tab-form" if tabs.active == "tab-json" else "tab-json"
        target = "#form-name" if tabs.active == "tab-form" else "#tool-json"
        self.query_one(target).focus()

    # ------------------------------------------------------------ tools

    def action_new_tool(self) -> None:
        tool = copy.deepcopy(NEW_TOOL)
        n, names = 1, {tool_name(t) for t in self.working}
        while tool["function"]["name"] in names:
            n += 1
            tool["function"]["name"] = f"new_tool_{n}"
        self.working.append(tool)
        self.texts.append(tool_json(tool))
        self.selected = len(self.working) - 1
        self.refresh_list()
        self.show_tool()
        self.set_dirty()

    def action_delete_tool(self) -> None:
        if not self.working or not self.query_one("#tool-list", ListView).has_focus:
            return
        name = tool_name(self.working[self.selected])

        def confirmed(ok: bool | None) -> None:
            if ok:
                del self.working[self.selected]
                del self.texts[self.selected]
                self.selected = max(0, self.selected - 1)
                self.refresh_list()
                self.show_tool()
                self.set_dirty()

        self.app.push_screen(ConfirmDialog(f"Delete tool [b]{name}[/b]? (Saving shows the examples it affects.)"),
                             confirmed)

    def action_revert(self) -> None:
        self.load(self.saved)
        self.notify("Reverted to the saved tools.")

    def action_import_tools(self) -> None:
        def done(path: str | None) -> None:
            if not path:
                return
            try:
                incoming = import_tools(Path(path).expanduser())
            except ToolsFileError as exc:
                self.notify(str(exc), severity="error", timeout=8)
                return
            by_name = {tool_name(t): i for i, t in enumerate(self.working)}
            for t in incoming:
                if tool_name(t) in by_name:
                    self.working[by_name[tool_name(t)]] = t
                else:
                    self.working.append(t)
            self.texts = [tool_json(t) for t in self.working]
            self.refresh_list()
            self.show_tool()
            self.set_dirty()
            self.notify(f"Imported {len(incoming)} tools; ctrl+s to save.")

        self.app.push_screen(PromptDialog("Import tools from a .json file or a .py module:"), done)

    def action_export_tools(self) -> None:
        def done(path: str | None) -> None:
            if path:
                from workbench.fileio import atomic_write_text

                target = Path(path).expanduser()
                atomic_write_text(target, dump_tools(self.saved))
                self.notify(f"Exported {len(self.saved)} saved tools to {target}.")

        default = str(self.app.project.root / "tools.export.json")
        self.app.push_screen(PromptDialog("Export the saved tools.json to:", default), done)

    # ------------------------------------------------------------ save

    def action_save(self) -> None:
        if self.app.refuse_if_read_only():
            return
        self._flush_edits()
        for i, text in enumerate(self.texts):
            try:
                json.loads(text)
            except json.JSONDecodeError as exc:
                self.notify(f"Not saved: tool {i + 1} is not valid JSON (line {exc.lineno}).", severity="error")
                return
        errors = [p for p in validate_tools(self.working) if p.is_error]
        if errors:
            self.notify(f"Not saved: {errors[0]}", severity="error", timeout=8)
            return
        store = self.app.store
        affected = affected_examples(store.examples if store else [], diff_tools(self.saved, self.working))
        if not affected:
            self._write(None)
            return
        self.app.push_screen(MigrateDialog(affected), lambda choice: self._write(choice) if choice else
                             self.notify("Save cancelled; nothing was written."))

    def _write(self, choice: str | None) -> None:
        new = copy.deepcopy(self.working)
        result = save_tools(self.app.project, self.app.store, self.saved, new, choice)
        self.app.tools = new
        self.saved = copy.deepcopy(new)
        self.texts = [tool_json(t) for t in self.working]
        self.set_dirty()
        self.refresh_list()
        if self.app.store is not None:
            self.app.changed(result.touched)
            self.app.validate_all()
        self.notify(result.describe())


def _set_param(fn: dict, old_name: str | None, value: dict | None) -> None:
    """Add, replace (keeping its position, so a rename reads as one) or remove a parameter."""
    params = fn.setdefault("parameters", {"type": "object", "properties": {}})
    props = params.setdefault("properties", {})
    required = [r for r in params.get("required") or [] if r != old_name]
    if value is None:
        props.pop(old_name, None)
        params["required"] = required
        return
    schema = {k: v for k, v in (props.get(old_name) or {}).items() if k not in ("type", "enum", "description")}
    schema = {"type": value["type"], **schema}
    if value["enum"]:
        schema["enum"] = value["enum"]
    if value["description"]:
        schema["description"] = value["description"]
    new_props = {}
    for k, v in props.items():
        new_props[value["name"] if k == old_name else k] = schema if k == old_name else v
    if old_name is None or old_name not in props:
        new_props[value["name"]] = schema
    params["properties"] = new_props
    if value["required"]:
        required.append(value["name"])
    params["required"] = required
