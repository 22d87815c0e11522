"""Eval: evaluation runs, their metrics against the base model, failures by label, and each failure's case.

From a failure: `g` opens the example it came from in the Examples screen; `a` adds the
case with the expected (corrected) turn as a new pending example. `e` asks which model, on
what (the val split or BFCL's public suite) and how many cases; a worker evaluates while a bar
shows progress and an ETA, and `x` stops it. A BFCL evaluation shows accuracy per category by
BFCL's own checker, against the newest base-model run of the same categories and limit.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, ProgressBar, Static

from screens.dialogs import EvalDialog, EvalRequest
from screens.messages import EvalDone, EvalProgress
from screens.widgets import MarkedTable, WorkbenchHeader
from workbench.evaluate.report import METRIC_ROWS


def load_evals(evals_dir: Path) -> list[dict]:
    out = []
    for d in sorted(evals_dir.glob("*/report.json")) if evals_dir.exists() else []:
        try:
            out.append(json.loads(d.read_text()))
        except (json.JSONDecodeError, OSError):
            continue
    return out


class EvalScreen(Screen):
    BINDINGS = [
        Binding("e", "run_eval", "Evaluate"),
        Binding("x", "stop_eval", "Stop"),
        Binding("g", "goto_example", "Go to"),
        Binding("a", "add_example", "Add"),
        Binding("c", "toggle_constrained", "Constrained", show=False),
        Binding("R", "reload", "Reload", show=False),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.evals: list[dict] = []
        self.current: dict | None = None
        self.constrained = False  # off: JSON validity measures the model; on: decoding guarantees it
        self.failures: list[dict] = []
        self.case: dict | None = None
        self._cancel: threading.Event | None = None  # set by `x` to stop the running evaluation

    def compose(self) -> ComposeResult:
        yield WorkbenchHeader()
        with Horizontal(id="eval-main"):
            with Vertical(id="eval-left"):
                yield Label("[b]Evaluations[/b]")
                yield MarkedTable(id="evals", cursor_type="row")
                yield Label("[b]Failures by label[/b]")
                yield MarkedTable(id="labels", cursor_type="row")
            with Vertical(id="eval-right"):
                with Horizontal(id="eval-progress"):
                    yield ProgressBar(id="eval-bar", show_eta=False, show_percentage=False)
                    yield Static("", id="eval-status")
                yield Static("press e to evaluate a model (base or a run id)", id="eval-metrics")
                yield MarkedTable(id="cases", cursor_type="row")
                with VerticalScroll(id="case-detail"):
                    yield Static("", id="case-body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(WorkbenchHeader).show(self.app, "Eval")
        self.query_one("#evals", DataTable).add_columns("eval", "model", "n", "acc")
        self.query_one("#labels", DataTable).add_columns("label", "n")
        self.query_one("#cases", DataTable).add_columns("case", "label", "expected", "predicted")
        self.action_reload()

    def action_reload(self) -> None:
        self.evals = load_evals(self.app.project.evals_dir)
        table = self.query_one("#evals", DataTable)
        table.clear()
        for ev in self.evals:
            acc = ev["per_category"]["overall"]["accuracy"] if ev.get("suite") else ev["report"]["metrics"]["accuracy"]
            # The model's tail: run ids share their date, their last part tells them apart.
            model = ("bfcl " if ev.get("suite") else "") + str(ev["model"])[-10:]
            table.add_row(ev["id"][-6:], model, str(ev["cases"]), _pct(acc), key=ev["id"])
        if self.evals:
            table.move_cursor(row=len(self.evals) - 1)
            self.show_eval(self.evals[-1])

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key is not None else None
        if event.data_table.id == "evals" and key:
            ev = next((e for e in self.evals if e["id"] == key), None)
            if ev is not None and ev is not self.current:
                self.show_eval(ev)
        elif event.data_table.id == "labels" and key:
            self.show_label(str(key))
        elif event.data_table.id == "cases" and key is not None:
            self.show_case(int(key))

    def baseline_for(self, ev: dict) -> dict | None:
        """The newest base-model eval on the same data, to compare against."""
        if ev["model"] == "base":
            return None
        if ev.get("suite"):
            bases = [e for e in self.evals if e["model"] == "base" and e.get("suite") == ev["suite"]
                     and set(e["per_category"]) == set(ev["per_category"]) and e["limit"] == ev["limit"]]
        else:
            bases = [e for e in self.evals if e["model"] == "base" and not e.get("suite") and e["data"] == ev["data"]
                     and e["cases"] == ev["cases"]]
        return bases[-1] if bases else None

    def show_eval(self, ev: dict) -> None:
        self.current = ev
        if ev.get("suite"):
            self.show_suite(ev)
            return
        m = ev["report"]["metrics"]
        base = self.baseline_for(ev)
        lat = ev["latency"]
        head = Text.assemble((str(ev["model"]), "bold"), f" on {ev['data']}: {ev['cases']} cases in "
                             f"{lat.get('total_s', 0):.0f}s · {lat['tokens_per_s']:.0f} tok/s")
        table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
        table.add_column("metric")
        table.add_column("value", justify="right")
        if base is not None:
            from workbench.evaluate.model_eval import compare_reports

            rows = {r["metric"]: r for r in compare_reports(base, ev)}
            table.add_column("base", justify="right")
            table.add_column("delta [95% CI]", justify="right")
        for key, label in METRIC_ROWS:
            cells = [label.split(" (")[0], _pct(m[key])]
            if base is not None:
                r = rows.get(key)
                cells += [_pct(base["report"]["metrics"].get(key)), ""] if r is None else [_pct(r["a"]), _delta(r)]
            table.add_row(*cells)
        from workbench.evaluate.report import argument_misses

        parts = [head, table]
        if misses := argument_misses(ev["report"]):
            parts.append(Text.assemble(("arguments wrong: ", "bold"), misses))
        self.query_one("#eval-metrics", Static).update(Group(*parts))
        self._fill_labels(ev["report"]["verdicts"])

    def show_suite(self, ev: dict) -> None:
        """A public suite's evaluation: accuracy per category (BFCL's checker), base against this model."""
        from workbench.evaluate.bfcl import compare_suite

        base = self.baseline_for(ev)
        lat = ev["latency"]
        head = Text.assemble((str(ev["model"]), "bold"), f" on BFCL {ev['bfcl_version']}: {ev['cases']} cases in "
                             f"{lat.get('total_s', 0):.0f}s" + (", constrained" if ev["constrained"] else ""))
        table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
        for col in ("category", "n", "accuracy") + (("base", "delta [95% CI]") if base else ()):
            table.add_column(col, justify="left" if col == "category" else "right")
        rows = {r["category"]: r for r in compare_suite(base, ev)} if base else {}
        for category, row in ev["per_category"].items():
            cells = [category, str(row["cases"]), _pct(row["accuracy"])]
            if r := rows.get(category):
                cells += [_pct(r["a"]), _delta(r)]
            table.add_row(*cells)
        self.query_one("#eval-metrics", Static).update(Group(head, table))
        self._fill_labels(ev["verdicts"])

    def _fill_labels(self, verdicts: list[dict]) -> None:
        labels = self.query_one("#labels", DataTable)
        labels.clear()
        counts: dict[str, int] = {}
        for v in verdicts:
            if v["label"]:
                counts[v["label"].split(":")[0]] = counts.get(v["label"].split(":")[0], 0) + 1
        for lab, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            labels.add_row(lab, str(n), key=lab)
        if counts:
            self.show_label(max(counts, key=counts.get))
        else:
            self.query_one("#cases", DataTable).clear()

    def _verdicts(self) -> list[dict]:
        return self.current["verdicts"] if self.current.get("suite") else self.current["report"]["verdicts"]

    def _gold_cases(self) -> list[dict]:
        path = Path(self.current["dir"]) / "gold.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def _predictions(self) -> list[str]:
        path = Path(self.current["dir"]) / "predictions.jsonl"
        return [json.loads(line).get("raw", "") for line in path.read_text().splitlines()] if path.exists() else []

    def show_label(self, label: str) -> None:
        self.failures = [v for v in self._verdicts() if v["label"].split(":")[0] == label]
        table = self.query_one("#cases", DataTable)
        table.clear()
        if self.current.get("suite"):
            for v in self.failures:
                table.add_row(v["id"], v["label"], ",".join(v.get("expected_tools", [])) or "(none)",
                              ",".join(v.get("predicted_tools", [])) or "(none)", key=str(v["index"]))
            if self.failures:
                self.show_case(self.failures[0]["index"])
            return
        gold = self._gold_cases()
        for v in self.failures:
            case_id = gold[v["index"]]["meta"]["id"] if v["index"] < len(gold) else str(v["index"])
            table.add_row(case_id, v["label"], ",".join(v["expected_tools"]) or "(none)",
                          ",".join(v["predicted_tools"]) or "(none)", key=str(v["index"]))
        if self.failures:
            self.show_case(self.failures[0]["index"])

    def show_suite_case(self, index: int) -> None:
        from workbench.evaluate.bfcl import find_case

        v = self.current["verdicts"][index]
        case = find_case(v["category"], v["id"])
        self.case = None   # a suite's case is not one of the project's examples: g and a do nothing
        body = Text.assemble((v["id"], "bold"), "  ", (", ".join(v["labels"]) or "correct by the workbench's scorer",
                                                       "red" if v["labels"] else "green"),
                             "\nBFCL: ", (v["error_type"] or "valid", "red" if v["error_type"] else "green"),
                             "\n\n", ("prompt\n", "bold"))
        for m in (case.messages if case else [])[-4:]:
            body.append(f"{m['role']}: ", style="bold")
            body.append(f"{m.get('content')}\n")
        body.append("\nraw output\n", style="bold")
        body.append(v["raw"] + "\n")
        body.append("\naccepted (BFCL's answer)\n", style="bold")
        body.append(json.dumps(case.answer) if case and case.answer is not None else "no call")
        self.query_one("#case-body", Static).update(body)

    def show_case(self, index: int) -> None:
        if self.current.get("suite"):
            self.show_suite_case(index)
            return
        gold = self._gold_cases()
        preds = self._predictions()
        if index >= len(gold):
            return
        self.case = {"index": index, "gold": gold[index], "raw": preds[index] if index < len(preds) else ""}
        msgs = gold[index]["messages"]
        expected = msgs[-1]
        exp = json.dumps(expected.get("tool_calls"), indent=1) if expected.get("tool_calls") else expected.get("content")
        verdict = next((v for v in self._verdicts() if v["index"] == index), {})
        # Model output is arbitrary text: build styled Text, never markup, so brackets in it are safe.
        labels = ", ".join(verdict.get("labels", []))
        body = Text.assemble((gold[index]["meta"]["id"], "bold"), "  ", (labels or "correct", "red" if labels else "green"),
                             "\n\n", ("prompt (last turns)\n", "bold"))
        for m in msgs[:-1][-4:]:
            body.append(f"{m['role']}: ", style="bold")
            body.append(f"{m.get('content') or json.dumps(m.get('tool_calls'))}\n")
        body.append("\nraw output\n", style="bold")
        body.append(self.case["raw"] + "\n")
        body.append("\nexpected\n", style="bold")
        body.append(str(exp))
        self.query_one("#case-body", Static).update(body)

    # ------------------------------------------------------------ actions

    def action_toggle_constrained(self) -> None:
        self.constrained = not self.constrained
        self.notify(f"Constrained decoding {'on' if self.constrained else 'off'} for the next evaluations.")

    def action_run_eval(self) -> None:
        if self._cancel is not None:
            self.notify("An evaluation is running: x stops it.", severity="warning")
            return
        from workbench.evaluate.model_eval import expand_turns
        from workbench.train.runs import list_runs

        models = [("base model", "base")] + [(f"run {r.id}", r.id) for r in list_runs(self.app.project.runs_dir)
                                             if r.output_dir is not None]
        teacher = self.app.project.settings.teacher
        if teacher.model:   # a hosted or remote model, evaluated through its API (the key from the environment)
            models.insert(1, (f"endpoint: {teacher.model}", "endpoint"))
        store = self.app.store
        try:
            from workbench.dataset import split_examples

            settings = self.app.project.settings
            val = split_examples(store.examples if store else [], settings.split_seed, settings.val_fraction).val
            cases = sum(len(expand_turns(e)) for e in val)
        except ValueError:
            cases = 0

        def done(req: EvalRequest | None) -> None:
            if req is not None:
                self.constrained = req.constrained
                self._cancel = threading.Event()
                self.query_one("#eval-progress").display = True
                self.query_one("#eval-status", Static).update(f"loading {req.model}…")
                self.run_eval(req.model, req.constrained, req.limit, self._cancel, req.suite)

        self.app.push_screen(EvalDialog(models, cases, self.constrained), done)

    def action_stop_eval(self) -> None:
        if self._cancel is None:
            self.notify("No evaluation is running.")
            return
        self._cancel.set()
        self.query_one("#eval-status", Static).update("stopping…")

    @work(thread=True, exclusive=True, group="eval", exit_on_error=False, description="evaluating")
    def run_eval(self, ref: str, constrained: bool, limit: int, cancel: threading.Event, suite: str = "") -> None:
        from workbench.evaluate.bfcl import evaluate_suite
        from workbench.evaluate.model_eval import EvalError, evaluate

        progress = lambda i, n, eta: self.post_message(EvalProgress(ref, i, n, eta))  # noqa: E731
        try:
            if suite:
                result = evaluate_suite(self.app.project, ref, limit=limit, constrained=constrained, cancel=cancel,
                                        progress=progress)
            else:
                result = evaluate(self.app.project, ref, "val", limit=limit, constrained=constrained, cancel=cancel,
                                  progress=progress)
        except EvalError as exc:
            self.post_message(EvalDone(error=str(exc)))
            return
        self.post_message(EvalDone(result["id"]))

    def on_eval_progress(self, message: EvalProgress) -> None:
        bar = self.query_one("#eval-bar", ProgressBar)
        bar.update(total=message.total, progress=message.done)
        eta = int(message.eta_s)
        self.query_one("#eval-status", Static).update(
            f"{message.model}: {message.done}/{message.total} cases, about {eta // 60}m{eta % 60:02d}s left (x stops)")

    def on_eval_done(self, message: EvalDone) -> None:
        self._cancel = None
        self.query_one("#eval-progress").display = False
        if message.error:
            self.notify(message.error, severity="warning" if "stopped" in message.error else "error", timeout=10)
            return
        self.action_reload()
        self.notify(f"Evaluation {message.eval_id} done.")

    def action_goto_example(self) -> None:
        if not self.case:
            return
        source = self.case["gold"]["meta"].get("source_example") or self.case["gold"]["meta"]["id"]
        self.app.switch_mode("examples")
        screen = self.app.screen
        screen.query_one("#filter", Input).value = source
        screen.apply_filter()

    def action_add_example(self) -> None:
        if not self.case or self.app.refuse_if_read_only() or self.app.store is None:
            return
        from workbench.examples import make_example

        gold = self.case["gold"]
        ex = make_example(gold["messages"], gold.get("tools"), category=gold["meta"].get("category", ""),
                          source="eval", notes=f"from eval {self.current['id']}: model said {self.case['raw'][:200]!r}")
        ex = self.app.store.add(ex)
        self.app.changed([ex.id])
        self.notify(f"Added {ex.id} as a pending example with the expected turn.")


def _pct(v) -> str:
    return "-" if v is None else f"{v:.0%}"


def _delta(row: dict) -> Text:
    """B - A with its 95% interval, green or red where the interval leaves no doubt."""
    colour = "green" if row["ci95"][0] > 0 else ("red" if row["ci95"][1] < 0 else "dim")
    return Text(f"{row['delta']:+.0%} [{row['ci95'][0]:+.0%}, {row['ci95'][1]:+.0%}]", style=colour)
