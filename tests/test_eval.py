"""Evaluating a real model end to end: generation, scoring, the saved eval dir, and comparison."""

import json

import pytest

from tests.app_helpers import make_project
from workbench.evaluate.model_eval import EvalError, compare_reports, evaluate, expand_turns
from workbench.examples import ExampleFile

pytestmark = pytest.mark.model


def test_expand_turns_makes_one_case_per_assistant_turn():
    ex = next(e for e in ExampleFile.load("sample_tools/task_api/seed.jsonl").examples if e.category == "multi_step")
    cases = expand_turns(ex)
    assert len(cases) == sum(m["role"] == "assistant" for m in ex.messages)
    assert all(c.messages[-1]["role"] == "assistant" for c in cases)


def test_evaluate_base_model_on_the_val_split(tmp_path, model_cache):
    project = make_project(tmp_path / "p", status="accepted")
    result = evaluate(project, "base", "val", batch_size=4, limit=4, max_new_tokens=48)
    assert result["cases"] == 4
    out = tmp_path / "p" / "evals" / result["id"]
    preds = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(preds) == 4 and all("raw" in p for p in preds)
    report = json.loads((out / "report.json").read_text())
    assert report["report"]["metrics"]["examples"] == 4
    assert len(report["report"]["verdicts"]) == 4
    assert result["latency"]["p50_s"] > 0 and result["latency"]["tokens_per_s"] > 0
    # Comparing a result with itself: every delta is zero.
    assert all(r["delta"] == 0 for r in compare_reports(result, result))


def test_bad_eval_inputs(tmp_path):
    project = make_project(tmp_path / "p", status="pending")
    with pytest.raises(EvalError, match="val split is empty"):
        evaluate(project, "base", "val")
    with pytest.raises(EvalError, match="file not found"):
        evaluate(project, "base", str(tmp_path / "nope.jsonl"))


def test_eval_compare_passes_weights_on(tmp_path, capsys):
    from workbench.cli import main

    make_project(tmp_path / "p", status="accepted")
    # int8 weights are a constrained-decoding path: the comparison refuses them without it, as a single eval does.
    assert main(["eval", str(tmp_path / "p"), "--compare", "base", "base", "--weights", "int8"]) != 0
    assert "--weights int8 needs --constrained" in capsys.readouterr().err


def text_of(static) -> str:
    from rich.console import Console

    console = Console(width=120, record=True, file=open("/dev/null", "w"))
    console.print(static.content)
    return console.export_text()


async def test_eval_screen_shows_failures_and_turns_them_into_examples(tmp_path, model_cache):
    from textual.widgets import DataTable, Input, Static

    from screens.app import WorkbenchApp
    from tests.app_helpers import settle

    project = make_project(tmp_path / "p", status="accepted")
    result = evaluate(project, "base", "val", batch_size=4, limit=4, max_new_tokens=48)
    failures = [v for v in result["report"]["verdicts"] if v["label"]]
    app = WorkbenchApp(project)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        before = len(app.store.examples)
        await pilot.press("4")
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#evals", DataTable).row_count == 1
        assert "tool selection" in text_of(screen.query_one("#eval-metrics", Static))
        if failures:
            assert screen.query_one("#labels", DataTable).row_count >= 1
            assert "raw output" in text_of(screen.query_one("#case-body", Static))
            await pilot.press("a")
            await pilot.pause()
            assert len(app.store.examples) == before + 1
            added = app.store.examples[-1]
            assert added.status == "pending" and added.meta["source"] == "eval"
            await pilot.press("g")
            await pilot.pause()
            assert app.screen.query_one("#filter", Input).value == screen.case["gold"]["meta"]["source_example"]


def test_a_model_is_named_by_run_id_prefix_or_by_an_absolute_adapter_path(tmp_path):
    from workbench.inference import resolve_model_ref

    runs = tmp_path / "runs"
    adapter = runs / "20261122-151708-f0c6" / "adapter"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "workbench.json").write_text(json.dumps({"base_model": "bundled:smollm2-135m"}))
    assert resolve_model_ref("20261122-151708", runs) == ("bundled:smollm2-135m", adapter)
    assert resolve_model_ref(str(adapter), runs) == ("bundled:smollm2-135m", adapter)
    assert resolve_model_ref(str(adapter.parent), runs) == ("bundled:smollm2-135m", adapter)
    assert resolve_model_ref("base", runs, "some/base") == ("some/base", None)
