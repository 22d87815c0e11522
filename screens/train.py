"""Train: runs and their state, a live loss pane, the trainer's log; start, stop, resume, overlay, export.

The trainer is a separate process (workbench.train.launcher); this screen only watches
its files. A thread worker polls the watched runs' metrics.jsonl, status.json and
log.txt four times a second and posts what is new, so a metric line shows within
about 0.25 s, and reopening the app shows a running job's whole curve.
"""

from __future__ import annotations

import threading
import time

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Log, Static
from textual.worker import get_current_worker

from screens.dialogs import ModelExportDialog, ModelExportRequest, TrainDialog
from screens.messages import ModelExported, ModelExportProgress, RunProgress, RunsListed
from screens.widgets import MarkedTable, WorkbenchHeader
from screens.widgets.loss_plot import LossPlot, smooth
from workbench.dataset import invalid_accepted
from workbench.train.runs import Run, list_runs, read_metrics

POLL_S = 0.25
STATE_STYLE = {"running": "green", "queued": "cyan", "stopping": "yellow", "stopped": "yellow",
               "finished": "bold green", "failed": "red", "died": "bold red"}


def stats_line(metrics: list[dict], status: dict) -> str:
    state = status.get("state", "?")
    parts = [f"[{STATE_STYLE.get(state, 'white')}]{state}[/]"]
    last = metrics[-1] if metrics else {}
    if last:
        parts.append(f"step {last['step']}/{last.get('max_steps', '?')}")
    elif state in ("queued", "running"):
        # Minutes can pass before the first loss on CPU: say what the trainer is doing meanwhile.
        parts.append(f"{status.get('phase') or 'starting the trainer process'}… (the log below shows more)")
    losses = [m["loss"] for m in metrics if "loss" in m]
    evals = [m["eval_loss"] for m in metrics if "eval_loss" in m]
    if losses:
        parts.append(f"loss {losses[-1]:.4f} (smoothed {smooth(losses)[-1]:.4f})")
    if evals:
        parts.append(f"eval {evals[-1]:.4f}")
    calls = [m for m in metrics if "eval_tool_selection" in m]
    if calls:
        c = calls[-1]
        sel = "-" if c["eval_tool_selection"] is None else f"{c['eval_tool_selection']:.0%}"
        js = "-" if c["eval_json_validity"] is None else f"{c['eval_json_validity']:.0%}"
        parts.append(f"tools {sel} json {js} (val {c['eval_sample']})")
    lrs = [m["learning_rate"] for m in metrics if "learning_rate" in m]
    if lrs:
        parts.append(f"lr {lrs[-1]:.1e}")
    if last.get("tokens_per_s"):
        parts.append(f"{last['tokens_per_s']:.0f} tok/s")
    if last.get("eta_s") is not None and state == "running":
        parts.append(f"ETA {int(last['eta_s']) // 60}m{int(last['eta_s']) % 60:02d}s")
    if last.get("rss_peak_mb"):
        parts.append(f"RSS {last['rss_peak_mb'] / 1024:.1f}G")
    if last.get("gpu_peak_mb"):
        parts.append(f"GPU {last['gpu_peak_mb'] / 1024:.1f}G")
    if status.get("error"):
        from textual.markup import escape

        parts.append(f"[red]{escape(status['error'])}[/]")
    return "  ".join(parts)


class TrainScreen(Screen):
    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("x", "stop", "Stop"),
        Binding("r", "resume", "Resume"),
        Binding("o", "overlay", "Pin to compare"),
        Binding("O", "clear_overlay", "Unpin", show=False),
        Binding("m", "export_model", "Export model"),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.selected: str | None = None
        self.overlay: str | None = None
        self.metrics: dict[str, list[dict]] = {}
        self.statuses: dict[str, dict] = {}
        # Which runs the worker follows: replaced whole (never mutated) on the main thread, so the
        # worker reads one consistent set; everything else the worker needs, it reads from files.
        self._watch: frozenset[str] = frozenset()
        self._export_cancel: threading.Event | None = None   # set while an export runs

    def compose(self) -> ComposeResult:
        yield WorkbenchHeader()
        with Horizontal(id="train-main"):
            with Vertical(id="runs-pane"):
                yield Label("[b]Runs[/b]")
                yield MarkedTable(id="runs", cursor_type="row", zebra_stripes=True)
            with Vertical(id="curve-pane"):
                yield LossPlot(id="loss-plot")
                yield Static("no run selected; press s to start one", id="run-stats")
                yield Static("", id="export-status")
                yield Log(id="run-log", max_lines=500)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(WorkbenchHeader).show(self.app, "Train")
        # Whole run ids (what `workbench stop|resume|eval` take) and whole states; step and loss are in the stats line.
        self.query_one("#runs", DataTable).add_columns("run", "state")
        self.watch_runs()
        self.query_one("#runs", DataTable).focus()

    # ------------------------------------------------------------ watching files

    @work(thread=True, exclusive=True, group="watch-runs", exit_on_error=False, description="watching runs")
    def watch_runs(self) -> None:
        worker = get_current_worker()
        offsets: dict[str, tuple[int, int]] = {}   # run id -> (metrics offset, log offset)
        posted: dict[str, dict] = {}               # run id -> the status last posted (the worker's own copy)
        last_list = 0.0
        runs_dir = self.app.project.runs_dir
        while not worker.is_cancelled:
            now = time.monotonic()
            if now - last_list > 1.0:
                last_list = now
                self.post_message(RunsListed([(r.id, r.status()) for r in list_runs(runs_dir)]))
            watch = self._watch
            for run_id in watch:
                run = Run(runs_dir / run_id)
                reset = run_id not in offsets
                m_off, l_off = offsets.get(run_id, (0, 0))
                entries, m_off = read_metrics(run.path("metrics.jsonl"), m_off)
                log, l_off = _read_log(run, l_off, tail=reset)
                offsets[run_id] = (m_off, l_off)
                status = run.status()
                if entries or log or reset or status != posted.get(run_id):
                    posted[run_id] = status
                    self.post_message(RunProgress(run_id, entries, status, log, reset))
            for gone in set(offsets) - watch:
                del offsets[gone]
                posted.pop(gone, None)
            time.sleep(POLL_S)

    def _cells(self, run_id: str, status: dict) -> tuple:
        state = status.get("state", "?")
        mark = " ◆" if run_id == self.overlay else ""
        return (run_id + mark, f"[{STATE_STYLE.get(state, 'white')}]{state}[/]")

    def on_runs_listed(self, message: RunsListed) -> None:
        table = self.query_one("#runs", DataTable)
        ids = [r for r, _ in message.runs]
        for run_id, status in message.runs:
            # A watched run's status comes fresher from RunProgress; the listing only
            # fills it in when no progress has arrived yet (a run started a moment ago).
            if run_id not in self._watch or run_id not in self.statuses:
                self.statuses[run_id] = status
        if ids == [str(k.value) for k in table.rows]:
            for run_id in ids:  # same runs: update the cells in place, the cursor stays put
                for col, value in zip(table.columns, self._cells(run_id, self.statuses[run_id])):
                    table.update_cell(run_id, col, value)
            return
        with self.prevent(DataTable.RowHighlighted):
            table.clear()
            for run_id in ids:
                table.add_row(*self._cells(run_id, self.statuses[run_id]), key=run_id)
        if ids:
            if self.selected not in ids:
                # Reattach: the newest active run, else the newest run.
                active = [r for r, st in message.runs if st.get("state") in ("running", "queued", "stopping")]
                self.select(active[-1] if active else ids[-1])
            with self.prevent(DataTable.RowHighlighted):
                table.move_cursor(row=ids.index(self.selected))

    def on_run_progress(self, message: RunProgress) -> None:
        if message.reset:
            self.metrics[message.run_id] = []
        self.metrics.setdefault(message.run_id, []).extend(message.entries)
        self.statuses[message.run_id] = message.status
        if message.run_id == self.selected:
            if message.log:
                self.query_one(Log).write(message.log)
            self.redraw()
        elif message.run_id == self.overlay:
            self.redraw()

    def redraw(self) -> None:
        metrics = self.metrics.get(self.selected or "", [])
        overlay = self.overlay if self.overlay != self.selected else None
        self.query_one(LossPlot).show(self.selected, metrics, overlay, self.metrics.get(overlay or ""))
        self.query_one("#run-stats", Static).update(stats_line(metrics, self.statuses.get(self.selected or "", {})))

    def select(self, run_id: str) -> None:
        if run_id == self.selected:
            return
        self.selected = run_id
        self.metrics.pop(run_id, None)
        self.query_one(Log).clear()
        self._watch = frozenset(r for r in (self.selected, self.overlay) if r)
        self.redraw()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value:
            self.select(str(event.row_key.value))

    # ------------------------------------------------------------ actions

    def _run(self) -> Run | None:
        return Run(self.app.project.runs_dir / self.selected) if self.selected else None

    def action_start(self) -> None:
        if self.app.refuse_if_read_only():
            return
        store = self.app.store
        examples = store.examples if store else []
        accepted = sum(e.status == "accepted" for e in examples)
        note = f"{accepted} accepted examples (split by the project's seed)."
        invalid = invalid_accepted(examples, self.app.problems)
        warning = (f"{len(invalid)} accepted examples are invalid ({', '.join(invalid[:3])}"
                   f"{' …' if len(invalid) > 3 else ''}): the run will not start until they are fixed or sent "
                   "back to review (Examples, filter `status:accepted invalid`).") if invalid else ""

        def done(config) -> None:
            if config is not None:
                self.start_run(config)

        self.app.push_screen(TrainDialog(self.app.project.settings.base_model, note, warning), done)

    @work(thread=True, exclusive=True, group="start-run", exit_on_error=False, description="starting a run")
    def start_run(self, config) -> None:
        from workbench.train.launcher import LaunchError, launch, prepare_run

        try:
            if self.app.store is not None and self.app.store.dirty:
                self.app.store.compact()  # train on what the user sees, journal included
            run = prepare_run(self.app.project, config)
        except LaunchError as exc:
            self.app.call_from_thread(self.notify, f"Not started: {exc}", severity="error", timeout=10)
            return
        launch(run)
        self.app.call_from_thread(self._started, run.id)

    def _started(self, run_id: str) -> None:
        self.notify(f"Started run {run_id}; it keeps running if you close the app.")
        self.selected = None
        self.select(run_id)

    def action_stop(self) -> None:
        from workbench.train.launcher import stop

        run = self._run()
        if run is not None and not self.app.refuse_if_read_only():
            stop(run)
            self.notify(f"Stopping {run.id}: it saves a checkpoint first.")

    def action_resume(self) -> None:
        from workbench.train.launcher import LaunchError, resume

        run = self._run()
        if run is None or self.app.refuse_if_read_only():
            return
        try:
            resume(run)
        except LaunchError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.notify(f"Resuming {run.id} from its last checkpoint.")

    def action_overlay(self) -> None:
        """Pin the selected run's curve; select another run to see both."""
        if self.selected is None:
            return
        self.overlay = None if self.overlay == self.selected else self.selected
        self._watch = frozenset(r for r in (self.selected, self.overlay) if r)
        if self.overlay:
            self.notify(f"Pinned {self.overlay}: select another run to compare the curves (O unpins).")
        self.redraw()

    def action_clear_overlay(self) -> None:
        self.overlay = None
        self._watch = frozenset({self.selected} if self.selected else ())
        self.redraw()

    # ------------------------------------------------------------ export

    def action_export_model(self) -> None:
        """Export the selected finished run (m); m again while it exports cancels it."""
        if self._export_cancel is not None:
            self._export_cancel.set()
            self.notify("Cancelling the export: nothing half-written is left.")
            return
        if self.selected is None or self.statuses.get(self.selected, {}).get("state") != "finished":
            self.notify("Select a finished run to export.", severity="warning")
            return
        run_id = self.selected

        def done(request: ModelExportRequest | None) -> None:
            if request is not None and request.out_dir:
                self._export_cancel = threading.Event()
                status = self.query_one("#export-status", Static)
                status.update(f"exporting {run_id}…")
                status.add_class("shown")
                self.export_model(run_id, request, self._export_cancel)

        lora = Run(self.app.project.runs_dir / run_id).adapter_dir.exists()
        self.app.push_screen(ModelExportDialog(run_id, str(self.app.project.root / "exports"), lora), done)

    @work(thread=True, exclusive=True, group="export-model", exit_on_error=False, description="exporting a model")
    def export_model(self, run_id: str, request: ModelExportRequest, cancel: threading.Event) -> None:
        from pathlib import Path

        from workbench.export import export_run

        def progress(fraction: float, what: str) -> None:
            self.post_message(ModelExportProgress(fraction, what))

        try:
            done = export_run(self.app.project, run_id, Path(request.out_dir).expanduser(),
                              "gguf" if request.fmt == "lora" else request.fmt, request.quant,
                              adapter_only=request.fmt == "lora", progress=progress, cancel=cancel)
        except Exception as exc:  # noqa: BLE001 - shown on the screen, which must be able to export again
            self.post_message(ModelExported(run_id, error=f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(ModelExported(run_id, done.written, done.commands))

    def on_model_export_progress(self, message: ModelExportProgress) -> None:
        self.query_one("#export-status", Static).update(f"exporting: {message.what} ({message.fraction:.0%})")

    def on_model_exported(self, message: ModelExported) -> None:
        from textual.markup import escape

        self._export_cancel = None
        status = self.query_one("#export-status", Static)
        if message.error:
            status.update(f"[red]export of {message.run_id} failed:[/] {escape(message.error.splitlines()[0])}")
            self.notify(escape(message.error), severity="error", timeout=15)
            return
        # The commands stay on screen (and in the notification) to be copied into another terminal.
        status.update(escape("\n".join(message.written + [f"  {c}" for c in message.commands])))
        self.notify(escape("\n".join(message.written)), title=f"Exported {message.run_id}", timeout=10)


def _read_log(run: Run, offset: int, tail: bool) -> tuple[str, int]:
    """New log text from `offset`; on first read only the last 8 KB (the log can be long)."""
    try:
        with open(run.path("log.txt"), "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            start = max(offset, size - 8192) if tail else offset
            f.seek(start)
            data = f.read()
    except FileNotFoundError:
        return "", offset
    # Progress bars rewrite one line with carriage returns; keep only what a terminal would show.
    text = data.decode("utf-8", "replace")
    lines = [line.rsplit("\r", 1)[-1] for line in text.split("\n")]
    return "\n".join(lines), start + len(data)
