"""The Workbench app: modes (one screen each), shared project state, and background loading.

Shared state lives here and nowhere else: the project, its tools, the example store and
the latest validation problems. Screens subscribe to `data_signal` and redraw from it.
Heavy work (loading 50k examples, validation, compaction) runs in thread workers that
post messages; only message handlers touch widgets.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.signal import Signal

from screens.examples import ExamplesScreen
from screens.help import HelpScreen
from screens.messages import DirtyChanged, ExamplesLoaded, ValidationDone
from workbench.lock import ProjectLock
from workbench.problems import Problem
from workbench.project import Project
from workbench.store import ExampleStore
from workbench.summary import Summary, summarize
from workbench.tools import ToolsFileError

COMPACT_AFTER_S = 2.0  # fold the journal into examples.jsonl this long after the last change


def _screen(module: str, name: str) -> Screen:
    import importlib

    return getattr(importlib.import_module(f"screens.{module}"), name)()


class WorkbenchApp(App):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute, so subclasses elsewhere find it
    TITLE = "Workbench"
    # Screens other than the first are imported when first shown: the first frame does not wait for
    # their modules (the chat and train screens bring the decoder and the plot library, ~0.3 s).
    MODES = {"tools": lambda: _screen("tools", "ToolsScreen"), "examples": ExamplesScreen,
             "train": lambda: _screen("train", "TrainScreen"), "eval": lambda: _screen("eval", "EvalScreen"),
             "chat": lambda: _screen("chat", "ChatScreen")}
    DEFAULT_MODE = "examples"
    BINDINGS = [
        # The header shows the mode keys; footers keep their room for each screen's own keys.
        Binding("1", "switch_mode('tools')", "Tools", show=False),
        Binding("2", "switch_mode('examples')", "Examples", show=False),
        Binding("3", "switch_mode('train')", "Train", show=False),
        Binding("4", "switch_mode('eval')", "Eval", show=False),
        Binding("5", "switch_mode('chat')", "Chat", show=False),
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False),
    ]
    MAX_TOASTS = 2  # more would stack over the detail pane of an 80x24 terminal

    def __init__(self, project: Project, read_only: bool = False):
        super().__init__()
        self.project = project
        self.lock = ProjectLock(project.root)
        self.read_only = read_only
        self.lock_message = ""
        self.store: ExampleStore | None = None
        self.problems: dict[str, list[Problem]] = {}
        self.summaries: list[Summary] = []  # one per example, file order; made in workers
        self._changed_during_validation: set[str] = set()
        self.tools: list[dict] = []
        self.tools_error = ""
        self.dirty = False
        self.data_signal: Signal[str] = Signal(self, "data")
        self._compact_timer = None

    # ------------------------------------------------------------ start and stop

    def on_mount(self) -> None:
        if not self.read_only and not self.lock.acquire():
            self.read_only = True
            owner = self.lock.owner.describe() if self.lock.owner else "another process"
            self.lock_message = f"{self.project.root.name} is open in another workbench ({owner}); opened read-only."
            self.notify(self.lock_message, severity="warning", timeout=8)
        try:
            self.tools = self.project.load_tools()
        except ToolsFileError as exc:
            self.tools_error = str(exc)
            self.notify(self.tools_error, severity="error", timeout=10)
        self.load_examples()

    def on_unmount(self) -> None:
        if self.store is not None and self.store.dirty and not self.read_only:
            self.store.compact()
        self.lock.release()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False, description="loading examples")
    def load_examples(self) -> None:
        store = ExampleStore.open(self.project.examples_path, read_only=self.read_only)
        # Millions of long-lived objects: keep the cyclic GC from rescanning them on every
        # collection, which otherwise stalls keystrokes for hundreds of milliseconds at 50k.
        gc.freeze()
        problems = [str(p) for p in store.file.line_problems()] + store.file.journal_warnings
        summaries = [summarize(e, None) for e in store.examples]
        self.post_message(ExamplesLoaded(len(store.examples), problems, store, summaries))
        self.validate_all(store)

    @work(thread=True, exclusive=True, group="validate", exit_on_error=False, description="validating examples")
    def validate_all(self, store: ExampleStore | None = None) -> None:
        from workbench.validation import validate_all

        store = store or self.store
        if store is None:
            return
        self.call_from_thread(lambda: self._changed_during_validation.clear())
        examples = list(store.examples)
        problems = validate_all(examples, self.tools)
        summaries = [summarize(e, problems.get(e.id)) for e in examples]
        self.post_message(ValidationDone(problems, summaries))

    def on_examples_loaded(self, message: ExamplesLoaded) -> None:
        self.store = message.store
        self.summaries = message.summaries
        for line in message.line_problems[:5]:
            self.notify(line, severity="warning", timeout=8)
        self.data_signal.publish("loaded")

    def on_validation_done(self, message: ValidationDone) -> None:
        self.problems, self.summaries = message.problems, message.summaries
        if self._changed_during_validation:
            # The worker saw these before their latest change: redo them here.
            ids = list(self._changed_during_validation)
            self._changed_during_validation.clear()
            self._revalidate(ids)
            positions = {s.id: i for i, s in enumerate(self.summaries)}
            for ex_id in ids:
                ex = self.store.index.get(ex_id)
                if ex is not None:
                    s = summarize(ex, self.problems.get(ex_id))
                    if ex_id in positions:
                        self.summaries[positions[ex_id]] = s
                    else:
                        self.summaries.append(s)
        self.data_signal.publish("validated")

    def on_dirty_changed(self, message: DirtyChanged) -> None:
        self.dirty = message.dirty
        self.data_signal.publish("dirty")

    # ------------------------------------------------------------ saving

    def changed(self, ids: list[str]) -> None:
        """Examples changed through the store: revalidate them, redraw, and schedule compaction."""
        assert self.store is not None
        self._revalidate(ids)
        self._changed_during_validation.update(ids)
        self.data_signal.publish("changed:" + ",".join(ids))
        if self._compact_timer is not None:
            self._compact_timer.stop()
        self._compact_timer = self.set_timer(COMPACT_AFTER_S, self.compact)

    def _revalidate(self, ids: list[str]) -> None:
        from workbench.validation import validate_example

        for ex_id in ids:
            ex = self.store.index.get(ex_id)
            if ex is None:
                continue
            probs = validate_example(ex, self.tools)
            if probs:
                self.problems[ex_id] = probs
            else:
                self.problems.pop(ex_id, None)

    @work(thread=True, exclusive=True, group="compact", exit_on_error=False, description="saving examples")
    def compact(self) -> None:
        if self.store is not None and self.store.dirty:
            self.store.compact()

    def _on_notify(self, event) -> None:
        super()._on_notify(event)
        # Keep the newest few: a burst (a bulk action, a failed load) must not bury the screen.
        while len(self._notifications) > self.MAX_TOASTS:
            self._unnotify(next(iter(self._notifications)))

    def refuse_if_read_only(self) -> bool:
        if self.read_only:
            self.notify(self.lock_message or "This project is open read-only.", severity="warning")
        return self.read_only

    # ------------------------------------------------------------ commands

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Tools", "Edit tool schemas (1)", lambda: self.switch_mode("tools"))
        yield SystemCommand("Examples", "Curate examples (2)", lambda: self.switch_mode("examples"))
        yield SystemCommand("Train", "Train and watch runs (3)", lambda: self.switch_mode("train"))
        yield SystemCommand("Eval", "Evaluations and failures (4)", lambda: self.switch_mode("eval"))
        yield SystemCommand("Chat", "Chat with a model, inspect its tool calls (5)", lambda: self.switch_mode("chat"))
        # Every binding of the current screen is a command too, so nothing is keyboard-only.
        from screens.help import key_label

        where = screen.__class__.__name__.removesuffix("Screen")
        for binding in getattr(screen, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.description:
                action = binding.action
                yield SystemCommand(binding.description, f"{where} · {key_label(binding.key.split(',')[0])}",
                                    lambda a=action, s=screen: self.call_later(s.run_action, a))


def run_app(project: Project, read_only: bool = False) -> int:
    WorkbenchApp(project, read_only=read_only).run()
    return 0


def main(path: str | None = None) -> None:  # pragma: no cover - convenience for `python -m screens.app`
    from workbench.project import ensure_demo_project

    run_app(Project.open(Path(path)) if path else ensure_demo_project())
