"""Examples: a fast table, the selected conversation, and curation by keyboard."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, ProgressBar, Static

from screens.dialogs import (
    ConfirmDialog,
    CoverageDialog,
    ExampleEditor,
    ExportDialog,
    GenerateDialog,
    NewExampleDialog,
    PromptDialog,
    PromptPreview,
)
from screens.messages import GenerateDone, GenerateProgress
from screens.widgets import ConversationView, ExampleTable, WorkbenchHeader
from workbench.curation import Curation
from workbench.examples import Example
from workbench.summary import Filter, Summary, apply_filter, parse_filter, summarize


class ExamplesScreen(Screen):
    FILTER_HELP = True
    BINDINGS = [
        Binding("a", "set_status('accepted')", "Accept"),
        Binding("r", "set_status('rejected')", "Reject"),
        Binding("p", "set_status('pending')", "Pending", show=False),
        Binding("e", "edit", "Edit"),
        Binding("n", "new", "New"),
        Binding("d", "duplicate", "Duplicate", show=False),
        Binding("u,ctrl+z", "undo", "Undo"),
        Binding("A", "bulk('accepted')", "Accept shown", show=False),
        Binding("R", "bulk('rejected')", "Reject shown", show=False),
        # Shown in the footer: what fits 80 columns; the rest is in help (?) and the palette.
        Binding("slash", "focus_filter", "Filter", show=False),
        Binding("c", "coverage", "Coverage", show=False),
        Binding("ctrl+g", "generate", "Generate"),
        Binding("x", "export", "Split+export", show=False),
        Binding("i", "import_examples", "Import", show=False),
        Binding("v", "preview", "Prompt", show=False),
        Binding("escape", "focus_table", "Back to table", show=False),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.summaries: list[Summary] = []
        self.shown: list[Summary] = []
        self._curation: Curation | None = None
        self._filter: Filter | None = None   # the filter `shown` was made with, while it is still valid
        self._counts = ""
        self._shown_id: str | None = None

    def compose(self) -> ComposeResult:
        yield WorkbenchHeader()
        with Vertical(id="examples-top"):
            yield Input(placeholder=self.filter_hint(), id="filter", compact=True)
            yield Static("loading examples…", id="count")
            yield ExampleTable(id="table")
        yield ConversationView(id="detail")
        with Horizontal(id="gen-progress"):
            yield Static("", id="gen-label")
            yield ProgressBar(id="gen-bar", show_eta=False)
        yield Footer()

    def filter_hint(self) -> str:
        """The filter's placeholder, naming one of the project's own tools (not the Task API's)."""
        tools = self.app.tools
        tool = tools[0]["function"]["name"] if tools else "NAME"
        return f"/ filter: words  status:pending  tool:{tool}  cat:clarify  src:offline  verify:failed  invalid"

    def on_mount(self) -> None:
        app = self.app
        self.query_one(WorkbenchHeader).show(app, "Examples")
        app.data_signal.subscribe(self, self.on_data)
        if app.store is not None:
            self.rebuild()
        self.query_one(ExampleTable).focus()

    # ------------------------------------------------------------ data

    @property
    def store(self):
        return self.app.store

    def on_data(self, what: str) -> None:
        self.query_one(WorkbenchHeader).dirty = self.app.dirty
        self.query_one(WorkbenchHeader).read_only = self.app.read_only
        if what == "dirty" or self.store is None:
            return
        if what.startswith("changed:"):
            ids = [i for i in what.split(":", 1)[1].split(",") if i]
            self.refresh_ids(ids)
        else:
            self.rebuild()

    def rebuild(self) -> None:
        self.query_one("#filter", Input).placeholder = self.filter_hint()   # the tools load after compose
        # Summaries come from the app's workers; the screen keeps its own list to update in place.
        self.summaries = list(self.app.summaries)
        self._filter = None
        self._shown_id = None
        self.count_statuses()
        self.apply_filter(keep_current=True)

    def refresh_ids(self, ids: list[str]) -> None:
        problems = self.app.problems
        positions = {s.id: i for i, s in enumerate(self.summaries)}
        added = False
        for ex_id in ids:
            ex = self.store.index.get(ex_id)
            if ex is None:
                continue
            s = summarize(ex, problems.get(ex_id))
            if ex_id in positions:
                self.summaries[positions[ex_id]] = s
            else:
                self.summaries.append(s)
                added = True
        self._filter = None  # shown rows may no longer match; refilter from all next time
        self.count_statuses()
        if added:
            self.apply_filter(keep_id=ids[-1])
        else:
            table = self.query_one(ExampleTable)
            shown = {s.id: i for i, s in enumerate(table.rows)}
            for ex_id in ids:
                if ex_id in shown:
                    table.rows[shown[ex_id]] = self.summaries[positions[ex_id]]
            table.refresh()
            self._shown_id = None
            self.show_current()
            self.update_count()

    def apply_filter(self, keep_current: bool = False, keep_id: str | None = None) -> None:
        table = self.query_one(ExampleTable)
        if keep_current and table.current is not None:
            keep_id = table.current.id
        query = parse_filter(self.query_one("#filter", Input).value)
        # Typing more of a word only narrows: filter what is shown instead of all 50k.
        source = self.shown if self._filter is not None and query.narrows(self._filter) else self.summaries
        self.shown = apply_filter(source, query)
        self._filter = query
        table.set_rows(self.shown, keep_id=keep_id)
        self.update_count()
        self.show_current()

    def count_statuses(self) -> None:
        counts = {k: 0 for k in ("accepted", "pending", "rejected")}
        invalid = 0
        for s in self.summaries:
            counts[s.status] = counts.get(s.status, 0) + 1
            invalid += s.errors > 0
        self._counts = (f"[green]{counts['accepted']} accepted[/] · [yellow]{counts['pending']} pending[/] · "
                        f"[red]{counts['rejected']} rejected[/] · "
                        f"{'[red]' if invalid else ''}{invalid} invalid{'[/]' if invalid else ''}")

    def update_count(self) -> None:
        mistakes = self._filter.mistakes if self._filter is not None else []
        if mistakes:
            self.query_one("#count", Static).update(Text("; ".join(mistakes), style="bold red"))
            return
        self.query_one("#count", Static).update(f"{len(self.shown)} of {len(self.summaries)} shown · {self._counts}")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.apply_filter(keep_current=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.query_one(ExampleTable).focus()

    def on_example_table_cursor_moved(self, _event: ExampleTable.CursorMoved) -> None:
        self.show_current()

    def current_example(self) -> Example | None:
        row = self.query_one(ExampleTable).current
        return self.store.index.get(row.id) if row is not None and self.store is not None else None

    def show_current(self) -> None:
        ex = self.current_example()
        ex_id = ex.id if ex is not None else None
        if ex_id == self._shown_id and ex_id is not None:
            return  # rendering a conversation costs more than filtering; skip when nothing changed
        self._shown_id = ex_id
        self.query_one(ConversationView).show(ex, self.app.problems.get(ex.id, []) if ex else [])

    # ------------------------------------------------------------ curation

    def _writable(self) -> bool:
        return self.store is not None and not self.app.refuse_if_read_only()

    @property
    def curation(self) -> Curation:
        """Decisions with undo, on the app's store (made anew if the store was reloaded)."""
        if self._curation is None or self._curation.store is not self.store:
            self._curation = Curation(self.store)
        return self._curation

    def action_set_status(self, status: str) -> None:
        ex = self.current_example()
        if ex is None or not self._writable():
            return
        self.app.changed(self.curation.set_status([ex.id], status))
        self.query_one(ExampleTable).action_move(1)  # next example, Argilla-style

    def action_bulk(self, status: str) -> None:
        if not self._writable() or not self.shown:
            return
        ids = [s.id for s in self.shown]

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.changed(self.curation.set_status(ids, status))
                self.notify(f"{len(ids)} examples marked {status}.")

        self.app.push_screen(ConfirmDialog(f"Mark all {len(ids)} shown examples as [b]{status}[/b]?"), confirmed)

    def action_undo(self) -> None:
        if not self._writable():
            return
        ids = self.curation.undo()
        if ids is None:
            self.notify("Nothing to undo.")
            return
        self.app.changed(ids)
        self.notify("Undone.")

    def _put(self, data: dict) -> None:
        stored = self.curation.put(Example(data))
        self.app.changed([stored.id])

    def _add(self, example: Example) -> Example:
        stored = self.curation.add(example)
        self.app.changed([stored.id])
        return stored

    def action_edit(self) -> None:
        ex = self.current_example()
        if ex is None or not self._writable():
            return

        def done(data: dict | None) -> None:
            if data is not None:
                self._put(data)
                self.notify(f"Saved {ex.id}.")

        self.app.push_screen(ExampleEditor(ex, self.app.tools), done)

    def action_new(self) -> None:
        if not self._writable():
            return
        from workbench.toolset import project_toolset

        toolset = project_toolset(self.app.project, self.app.tools)
        # The stubs load when the dialog first runs a call (the user asked for it), not now.
        run_stub = toolset.call_runner() if toolset.has_stubs else None

        def done(data: dict | None) -> None:
            if data is not None:
                stored = self._add(Example(data))
                self.query_one("#filter", Input).value = ""
                self.apply_filter(keep_id=stored.id)
                self.notify("New example added as pending.")

        self.app.push_screen(NewExampleDialog(self.app.tools, run_stub), done)

    def action_duplicate(self) -> None:
        ex = self.current_example()
        if ex is None or not self._writable():
            return
        copy = self.curation.duplicate(ex.id)
        self.app.changed([copy.id])
        self.apply_filter(keep_id=copy.id)

    # ------------------------------------------------------------ panels and files

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one(ExampleTable).focus()

    def action_coverage(self) -> None:
        if self.store is None:
            return
        from workbench.coverage import compute_coverage

        self.app.push_screen(CoverageDialog(compute_coverage(self.store.examples, self.app.tools)))

    def action_preview(self) -> None:
        ex = self.current_example()
        if ex is not None:
            p = self.app.project
            self.app.push_screen(PromptPreview(ex, p.settings.base_model, p.system_prompt(), self.app.tools))

    def action_export(self) -> None:
        if self.store is None:
            return
        from workbench.dataset import split_examples

        s = self.app.project.settings
        split = split_examples(self.store.examples, s.split_seed, s.val_fraction)
        summary = (f"[b]Split and export[/b] accepted examples: {len(split.train)} train, {len(split.val)} val "
                   f"(stratified by tool, seed {s.split_seed}, val {s.val_fraction:.0%}).")

        def done(choice) -> None:
            if choice:
                fmt, out_dir = choice
                self.export(split, fmt, Path(out_dir).expanduser())

        self.app.push_screen(ExportDialog(summary, str(self.app.project.root / "exports")), done)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False, description="exporting")
    def export(self, split, fmt: str, out_dir: Path) -> None:
        from workbench.dataset import export_split

        try:
            written = export_split(split, out_dir, fmt, self.app.project.system_prompt())
        except Exception as exc:  # noqa: BLE001 - reported, never a crash
            self.app.call_from_thread(self.notify, f"Export failed: {exc}", severity="error")
            return
        self.app.call_from_thread(self.notify, "Exported " + ", ".join(str(p) for p in written), timeout=8)

    def action_import_examples(self) -> None:
        if not self._writable():
            return

        def done(path: str | None) -> None:
            if path:
                self.import_examples(Path(path).expanduser())

        self.app.push_screen(PromptDialog("Import examples from (OpenAI .jsonl, ShareGPT .json, or a save_to_disk "
                                          "folder):"), done)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False, description="importing")
    def import_examples(self, path: Path) -> None:
        from workbench.dataset import import_file

        try:
            examples, problems = import_file(path, self.app.tools)
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"Cannot import {path}: {exc.strerror}", severity="error")
            return
        self.app.call_from_thread(self._add_imported, examples, problems)

    def _add_imported(self, examples: list[Example], problems: list[str]) -> None:
        ids = []
        for ex in examples:
            ids.append(self.store.add(ex).id)
        self.app.changed(ids)
        for p in problems[:3]:
            self.notify(p, severity="warning")
        self.notify(f"Imported {len(ids)} examples as pending.")

    # ------------------------------------------------------------ generation

    def action_generate(self) -> None:
        if not self._writable():
            return
        if any(w.group == "generate" and w.is_running for w in self.workers):
            self.notify("A generation is already running.", severity="warning")
            return
        teacher = self.app.project.settings.teacher
        note = f"{teacher.model} at {teacher.base_url or '$OPENAI_BASE_URL'}" if teacher.model else \
            "not configured ([teacher] in workbench.toml)"
        names = [t["function"]["name"] for t in self.app.tools if isinstance(t, dict) and "function" in t]

        def done(spec) -> None:
            if spec is not None:
                self.query_one("#gen-progress").display = True
                self.query_one("#gen-label", Static).update(f"generating {spec.n} ({spec.source})")
                self.query_one("#gen-bar", ProgressBar).update(total=spec.n, progress=0)
                self.generate(spec, list(self.store.examples))

        self.app.push_screen(GenerateDialog(names, note), done)

    @work(thread=True, exclusive=True, group="generate", exit_on_error=False, description="generating")
    def generate(self, spec, existing: list[Example]) -> None:
        from workbench.generate import generate

        def progress(phase: str, done: int, total: int) -> None:
            self.post_message(GenerateProgress(phase, done, total))

        try:
            result = generate(self.app.project, spec, progress, tools=self.app.tools, existing=existing)
        except Exception as exc:  # noqa: BLE001 - a teacher or schema problem is reported, never a crash
            self.post_message(GenerateDone(error=str(exc)))
            return
        self.post_message(GenerateDone(result))

    def on_generate_progress(self, message: GenerateProgress) -> None:
        self.query_one("#gen-label", Static).update(f"{message.phase} {message.done}/{message.total}")
        self.query_one("#gen-bar", ProgressBar).update(total=message.total, progress=message.done)

    def on_generate_done(self, message: GenerateDone) -> None:
        self.query_one("#gen-progress").display = False
        if message.error:
            self.notify(f"Generation failed: {message.error}", severity="error", timeout=10)
            return
        result = message.result
        if not result.examples:
            self.notify("Nothing was generated. " + " ".join(result.notes[:2]), severity="warning", timeout=10)
            return
        self.store.put_many(result.examples)
        self.app.changed([e.id for e in result.examples])
        source = result.examples[0].meta.get("source", "")
        self.query_one("#filter", Input).value = f"src:{source} status:pending"
        self.notify(result.summary().replace("\n", " · "), timeout=10)
        for note in result.notes[:3]:
            self.notify(note, severity="warning")
