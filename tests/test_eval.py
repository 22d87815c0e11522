"""Evaluating a real model end to end: generation, scoring, the saved eval dir, and comparison."""

import json

import pytest

from tests.app_helpers import make_project, text_of
from workbench.evaluate.model_eval import EvalError, compare_reports, evaluate, expand_turns
from workbench.examples import ExampleFile

pytestmark = pytest.mark.model


def test_expand_turns_makes_one_case_per_assistant_turn():
    ex = next(e for e in ExampleFile.load("sample_tools/task_api/seed.jsonl").examples if e.category == "multi_step")
    cases = expand_turns(ex)
    assert len(cases) == sum(m["role"] == "assistant" for m in ex.messages)
    assert all(c.messages[-1]["role"] == "assistant" for c in cases)


def test_bad_eval_inputs(tmp_path):
    project = make_project(tmp_path / "p", status="pending")
    with pytest.raises(EvalError, match="val split is empty"):
        evaluate(project, "base", "val")
    with pytest.raises(EvalError, match="file not found"):
        evaluate(project, "base", str(tmp_path / "nope.jsonl"))


def test_eval_compare_passes_weights_and_limit_on(tmp_path, model_cache):
    from workbench.cli import main

    make_project(tmp_path / "p", status="accepted")
    out = tmp_path / "cmp.json"
    assert main(["eval", str(tmp_path / "p"), "--compare", "base", "base", "--weights", "int8", "--limit", "1",
                 "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert [(result[k]["weights"], result[k]["cases"]) for k in ("a", "b")] == [("int8", 1), ("int8", 1)]


def test_evaluate_base_within_a_budget_from_each_expected_turn(tmp_path, model_cache):
    """The base model on the val split: it rambles, so each case stops near where its expected turn
    ends, and a call the budget cut is labelled cut_off, not invalid JSON. The evaluation is saved;
    a cancel stops one and saves nothing."""
    import threading

    from workbench.evaluate.model_eval import EvalCancelled, turn_budget
    from workbench.models import load_tokenizer

    project = make_project(tmp_path / "p", status="accepted")
    seen = []
    result = evaluate(project, "base", "val", limit=4, progress=lambda i, n, eta: seen.append((i, n, eta)))
    assert [(i, n) for i, n, _ in seen] == [(i, 4) for i in range(1, 5)] and seen[-1][2] == 0
    # The saved evaluation: predictions, the report, latency figures; compared with itself, no delta.
    assert result["cases"] == 4
    report = json.loads((tmp_path / "p" / "evals" / result["id"] / "report.json").read_text())
    assert report["report"]["metrics"]["examples"] == 4 and len(report["report"]["verdicts"]) == 4
    assert result["latency"]["p50_s"] > 0 and result["latency"]["tokens_per_s"] > 0
    assert all(r["delta"] == 0 for r in compare_reports(result, result))
    tok = load_tokenizer("bundled:smollm2-135m")
    out = tmp_path / "p" / "evals" / result["id"]
    gold = [json.loads(line) for line in (out / "gold.jsonl").read_text().splitlines()]
    preds = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(preds) == 4 and all("raw" in p and "cut" in p for p in preds)
    for case, pred in zip(gold, preds):
        budget = turn_budget(case["messages"][-1], tok)
        assert len(tok(pred["raw"], add_special_tokens=False)["input_ids"]) <= budget + 2, case["meta"]["id"]
    for v, pred in zip(result["report"]["verdicts"], preds):
        if pred["cut"] and "<tool_call>" in pred["raw"] and v["label"] in ("cut_off", "invalid_json"):
            assert v["label"] == "cut_off"

    stop = threading.Event()
    with pytest.raises(EvalCancelled, match="stopped after 1 of 6 cases"):
        evaluate(project, "base", "val", limit=6, cancel=stop, progress=lambda i, n, eta: stop.set())
    assert len(list((tmp_path / "p" / "evals").iterdir())) == 1  # the cancelled one left nothing behind


async def test_eval_screen_shows_failures_and_turns_them_into_examples(tmp_path, model_cache):
    from textual.widgets import DataTable, Input, Static

    from screens.app import WorkbenchApp
    from screens.dialogs import EvalDialog
    from tests.app_helpers import settle

    project = make_project(tmp_path / "p", status="accepted")
    app = WorkbenchApp(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        before = len(app.store.examples)
        await pilot.press("4")
        await pilot.pause()
        screen = app.screen
        statuses = []

        async def evaluate_in_app(limit: str, stop_after_first: bool = False) -> None:
            await pilot.press("e")
            await pilot.pause()
            assert isinstance(app.screen, EvalDialog)
            app.screen.query_one("#eval-limit", Input).value = limit
            await pilot.press("ctrl+s")
            for _ in range(1200):
                await pilot.pause(0.1)
                status = str(screen.query_one("#eval-status", Static).render())
                statuses.append(status)
                if stop_after_first and "1/" in status:
                    await pilot.press("x")
                if screen._cancel is None:
                    return
            raise AssertionError("the evaluation did not finish")

        await evaluate_in_app("3")
        assert any("cases, about" in s and "left (x stops)" in s for s in statuses), statuses[-5:]
        assert screen.query_one("#evals", DataTable).row_count == 1
        result = screen.evals[-1]
        assert result["cases"] == 3
        failures = [v for v in result["report"]["verdicts"] if v["label"]]
        # x stops a running evaluation at the next token: nothing is saved.
        await evaluate_in_app("", stop_after_first=True)
        assert screen.query_one("#evals", DataTable).row_count == 1
        assert any("stopped after" in str(n.message) for n in app._notifications)
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
    # A fully fine-tuned run: the model is the run's own directory, named the same ways.
    model = runs / "20261202-080000-ab12" / "model"
    model.mkdir(parents=True)
    (model / "config.json").write_text("{}")
    (model / "workbench.json").write_text(json.dumps({"base_model": "bundled:smollm2-135m", "finetune": "full"}))
    for ref in ("20261202-0800", str(model), str(model.parent)):
        assert resolve_model_ref(ref, runs) == (str(model), model)


def test_a_model_behind_workbench_serve_gets_the_verdicts_it_gets_directly(tmp_path, model_cache, monkeypatch):
    """`workbench eval --model URL` against `workbench serve` on loopback, through the real `openai`
    client: the same cases, the same verdicts as evaluating that model in-process; the key comes
    from the environment and is written nowhere."""
    from workbench.assistant import Assistant
    from workbench.cli import main
    from workbench.serve import BackgroundServer, build_app

    project = make_project(tmp_path / "p", status="accepted")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-eval-test")
    server = BackgroundServer(build_app(Assistant("base", project), "wb-base", api_key="sk-eval-test"))
    url = server.start()
    try:
        out = tmp_path / "remote.json"
        assert main(["eval", str(project.root), "--model", url, "--limit", "5", "--json", str(out)]) == 0
        remote = json.loads(out.read_text())
        direct = evaluate(project, "base", "val", limit=5, constrained=True)   # the server constrains too
    finally:
        server.stop()
    assert remote["endpoint"] == f"wb-base @ {url}" and remote["usage"]["requests"] == 5
    assert remote["usage"]["completion_tokens"] > 0
    keys = ("correct", "labels", "predicted_tools", "exact", "abstained")
    preds = [json.loads(line) for line in (tmp_path / "p" / "evals" / direct["id"] / "predictions.jsonl")
             .read_text().splitlines()]
    compared = 0
    for r, d, pred in zip(remote["report"]["verdicts"], direct["report"]["verdicts"], preds):
        if pred["cut"] and "<tool_call>" in pred["raw"] and not d["predicted_tools"]:
            # The one difference by design: a call the token budget cut off. In-process the scorer
            # sees the opened <tool_call>; the API can only answer empty content, finish "length".
            assert not r["predicted_tools"]
            continue
        assert {k: r[k] for k in keys} == {k: d[k] for k in keys}
        compared += 1
    assert compared >= 3
    assert "sk-eval-test" not in (tmp_path / "p" / "evals" / remote["id"] / "report.json").read_text()
    assert main(["eval", str(project.root), "--model", url, "--constrained", "--limit", "1"]) == 2
