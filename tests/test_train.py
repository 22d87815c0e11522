"""Training for real: the exact loss, a tiny detached run through its whole lifecycle, and bad configs."""

import json
import os
import signal
import time

import pytest

from tests.app_helpers import make_project
from workbench.chat_format import render
from workbench.examples import ExampleFile
from workbench.train.config import ConfigError, make_config
from workbench.train.launcher import LaunchError, launch, prepare_run, resume, stop
from workbench.train.runs import Run, list_runs

pytestmark = pytest.mark.model


def small_project(root, n=10):
    project = make_project(root, status="accepted")
    ef = ExampleFile.load(project.examples_path)
    # Short single-call and no-tool examples keep the steps quick.
    keep = [e for e in ef.examples if e.category in ("single", "no_tool", "clarify")][:n]
    ef.entries = keep
    ef.save()
    return project


def wait(predicate, timeout=240, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize(("finetune", "decision_weight"), [("lora", 1.0), ("full", 4.0)])
def test_shared_prefix_and_chunked_backward_match_the_plain_loss(model_cache, finetune, decision_weight):
    """Exact for both kinds of fine-tuning: LoRA's adapters, and every weight (the tied embedding included)."""
    import torch
    from peft import LoraConfig, get_peft_model

    from workbench.models import load_model
    from workbench.train.data import collate, featurize_all
    from workbench.train.trainer import shared_prefix_backward, shared_prefix_loss

    torch.manual_seed(0)
    model, tok = load_model("bundled:smollm2-135m")
    # The paths agree or not whatever the depth: the real model's first two of its 30 layers keep
    # every kind of weight (embedding tied to the head, attention, MLP, norms) at a tenth of the time.
    model.model.layers = model.model.layers[:2]
    model.config.num_hidden_layers = 2
    if getattr(model.config, "layer_types", None):
        model.config.layer_types = model.config.layer_types[:2]
    if finetune == "lora":
        model = get_peft_model(model, LoraConfig(r=8, target_modules="all-linear", task_type="CAUSAL_LM",
                                                 init_lora_weights=False))  # non-zero B so every path has gradients
    else:
        assert model.lm_head.weight is model.model.embed_tokens.weight   # one tensor, trained from both ends
    model.train()
    exs = [e for e in ExampleFile.load("sample_tools/task_api/seed.jsonl").examples][:2]
    feats, _ = featurize_all(exs, tok, "Today is 2026-03-02.", 4096, decision_weight=decision_weight)
    batch = collate(feats, tok.pad_token_id)
    args = (batch["prefix_ids"], batch["input_ids"], batch["attention_mask"], batch["labels"])
    weights = batch.get("loss_weights")
    assert (weights is not None) == (decision_weight != 1.0)
    params = [p for p in model.parameters() if p.requires_grad]

    def grads(fn):
        for p in params:
            p.grad = None
        loss = fn()
        return loss.item(), torch.cat([p.grad.flatten() for p in params])

    def plain():
        s, n = shared_prefix_loss(model, *args, shared=False, weights=weights)
        (s / n).backward()
        return s / n

    def shared():
        s, n = shared_prefix_loss(model, *args, shared=True, weights=weights)
        (s / n).backward()
        return s / n

    n = (batch["labels"][:, 1:] != -100).sum()
    base_loss, base_grad = grads(plain)
    for fn in (shared, lambda: shared_prefix_backward(model, *args, n, 1, lambda x: x.backward(), weights)):
        loss, grad = grads(fn)
        assert loss == pytest.approx(base_loss, rel=1e-4)
        assert torch.allclose(grad, base_grad, rtol=1e-3, atol=1e-6)


def test_trained_labels_are_exactly_the_assistant_turns(model_cache):
    from workbench.chat_format import render
    from workbench.models import load_tokenizer
    from workbench.train.data import featurize

    tok = load_tokenizer("bundled:smollm2-135m")
    for ex in ExampleFile.load("sample_tools/task_api/seed.jsonl").examples:
        f = featurize(ex, tok, "Today is 2026-03-02.")
        rendered = render(ex.messages, ex.tools, system_prompt="Today is 2026-03-02.")
        whole = tok(rendered.text, add_special_tokens=False)["input_ids"]
        assert f.prefix_ids + f.input_ids == whole, ex.id  # splitting at the prefix changes no token
        trained = tok.decode([t for t in f.labels if t != -100])
        assert trained == rendered.trained_text(), ex.id


def test_the_live_tool_call_check_has_room_for_the_longest_gold_turn(model_cache):
    from workbench.chat_format import render
    from workbench.evaluate.model_eval import expand_turns, prompts_and_gold
    from workbench.models import load_tokenizer
    from workbench.train.callbacks import generation_budget

    tok = load_tokenizer("bundled:smollm2-135m")
    seed = ExampleFile.load("sample_tools/task_api/seed.jsonl").examples
    cases = [c for ex in seed for c in expand_turns(ex)]
    prompts, gold = prompts_and_gold(cases, [], "Today is 2026-03-02.")
    # Each gold turn as the model writes it: the full render past its prompt, up to the stop token.
    turns = [render(c.messages, c.tools, system_prompt="Today is 2026-03-02.").text[len(p):] for c, p in zip(cases, prompts)]
    longest = max(len(tok(t.split("<|im_end|>")[0], add_special_tokens=False)["input_ids"]) for t in turns)
    assert longest > 64  # a fixed 64 new tokens (the old budget) cut the seed's longest calls short
    assert longest <= generation_budget(gold, tok) <= longest + 32


def test_decision_weights_fall_on_the_tokens_that_decide_the_call(model_cache):
    from workbench.models import load_tokenizer
    from workbench.train.data import IGNORE, collate, featurize

    tok = load_tokenizer("bundled:smollm2-135m")
    seeds = {ex.id: ex for ex in ExampleFile.load("sample_tools/task_api/seed.jsonl").examples}

    def weighted(ex_id):
        f = featurize(seeds[ex_id], tok, "Today is 2026-03-02.", decision_weight=3.0)
        assert all(label != IGNORE for label, w in zip(f.labels, f.weights) if w != 1.0)  # only trained tokens
        return f, [tok.decode([t]) for t, w in zip(f.input_ids, f.weights) if w == 3.0]

    # Two parallel calls, then the answer: call or text, the tool, its argument, close the arguments
    # (the closing quote: no other argument), one more call, stop.
    two_calls, pieces = weighted("seed_026")
    assert pieces == ["<", "create", "title", '"', "}}", "\n", "create", "title", '"', "}}", "<|im_end|>", "Added"]
    # One more argument after the title (`",` merges the quote and the comma), one tag and no second.
    _, pieces = weighted("seed_004")
    assert pieces == ["<", "create", "title", '",', "tags", '"]', "}}", "<|im_end|>", "Added"]
    clarify, pieces = weighted("seed_051")  # "Add a task": the first token of the question decides abstention
    assert pieces == ["Sure"]
    # Scaled per batch so the loss keeps the per-token scale: the weights of the trained tokens sum to their count.
    batch = collate([two_calls, clarify], tok.pad_token_id)
    trained = batch["labels"] != IGNORE
    assert batch["loss_weights"][trained].sum().item() == pytest.approx(trained.sum().item())


def test_detached_run_kill_resume_finish(tmp_path, model_cache, capsys):
    project = small_project(tmp_path / "p")
    # One evaluation, at the last step: it generates, and a generation is the slow part here.
    config = make_config("cpu-lora", {"max_steps": 6, "batch_size": 2, "save_every": 1, "eval_every": 6,
                                       "save_total_limit": 3, "epochs": 10, "eval_sample": 1,
                                       "tool_format": "compact"})
    run = prepare_run(project, config)
    assert json.loads(run.path("config.json").read_text())["max_steps"] == 6
    assert run.path("train.jsonl").exists() and json.loads(run.path("dataset.json").read_text())["train"] > 0

    # A graceful stop and resume from the app are walked in tests/test_walkthrough.py; here the
    # trainer is killed outright, and a resume still continues one curve from the last checkpoint.
    launch(run)
    wait(lambda: len(run.metrics()) >= 2 and run.last_checkpoint() is not None, what="two steps and a checkpoint")
    os.kill(int(run.read_status()["pid"]), signal.SIGKILL)
    wait(lambda: run.status()["state"] == "died", timeout=30, what="the kill to be noticed")
    assert "gone" in run.status()["error"]

    resume(run)
    wait(lambda: run.status()["state"] not in ("queued", "running"), what="the run to end")
    assert run.status()["state"] == "finished", run.path("log.txt").read_text()[-3000:]

    steps = [m["step"] for m in run.metrics() if "loss" in m]
    assert steps == sorted(steps) and steps[-1] == 6 and len(set(steps)) == len(steps)  # one curve, no repeats
    assert any("eval_loss" in m for m in run.metrics())
    assert any("eval_tool_selection" in m and "eval_json_validity" in m for m in run.metrics())
    assert all(m["tokens_per_s"] > 0 and "rss_peak_mb" in m for m in run.metrics() if "loss" in m)

    # The adapter changed and reloads onto the base model.
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file

    from workbench.models import load_model

    weights = load_file(str(run.adapter_dir / "adapter_model.safetensors"))
    lora_b = [v for k, v in weights.items() if "lora_B" in k]
    assert lora_b and any(v.abs().sum() > 0 for v in lora_b)  # B starts at zero: non-zero means it trained
    base, tok = load_model("bundled:smollm2-135m")
    ids = tok("<|im_start|>user\nhi<|im_end|>\n", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        before = base(ids).logits
        tuned = PeftModel.from_pretrained(base, str(run.adapter_dir))
        after = tuned(ids).logits
    assert not torch.allclose(before, after)
    assert "generation" in (run.adapter_dir / "chat_template.jinja").read_text()
    # Every checkpoint says how to prompt it, as the result does (an evaluation of a checkpoint reads it).
    for path in (run.last_checkpoint(), run.adapter_dir):
        assert json.loads((path / "workbench.json").read_text())["tool_format"] == "compact"
    from transformers import AutoTokenizer

    saved_tok = AutoTokenizer.from_pretrained(str(run.adapter_dir))
    prompt = saved_tok.apply_chat_template([{"role": "user", "content": "hi"}], tools=project.load_tools(),
                                           tokenize=False, system_prompt=project.system_prompt())
    messages = [{"role": "user", "content": "hi"}]
    assert prompt == render(messages, project.load_tools(), system_prompt=project.system_prompt(),
                            tool_format="compact").text
    assert [r.id for r in list_runs(project.runs_dir)] == [run.id]
    # The prompt travels with the adapter as trained, and as a template for another day.
    from workbench.inference import adapter_system_prompt

    saved = json.loads((run.adapter_dir / "workbench.json").read_text())
    assert saved["system_prompt"] == project.system_prompt() and saved["today"] == project.settings.today
    assert adapter_system_prompt(run.adapter_dir, "") == project.system_prompt()
    assert adapter_system_prompt(run.adapter_dir, "", today="2026-04-10") == project.system_prompt("2026-04-10")

    # Export: the merged model computes what base + adapter computes, and the vLLM command is printed.
    from transformers import AutoModelForCausalLM

    from workbench.cli import main

    merged_dir = tmp_path / "merged"
    assert main(["export-model", run.id, str(project.root), "--out", str(merged_dir)]) == 0
    printed = capsys.readouterr().out
    for flag in ("vllm serve", "--enable-lora", "--enable-auto-tool-choice", "--tool-call-parser hermes",
                 "--chat-template"):
        assert flag in printed
    merged = AutoModelForCausalLM.from_pretrained(str(merged_dir))
    with torch.no_grad():
        assert torch.allclose(merged(ids).logits, after, atol=1e-3)
    assert main(["export-model", run.id, str(project.root), "--out", str(merged_dir)]) == 2  # never overwrites


def test_full_fine_tuning_trains_every_weight_and_serves(tmp_path, model_cache, capsys):
    """A tiny full run: the weights change (the tied embedding stays tied), the model fits its examples
    better, and the run's model reloads and answers through the OpenAI-compatible server."""
    import openai
    import torch

    from workbench.assistant import Assistant
    from workbench.models import load_model
    from workbench.serve import BackgroundServer, build_app
    from workbench.train.data import collate, featurize_all
    from workbench.train.trainer import shared_prefix_loss

    project = small_project(tmp_path / "p", n=6)
    config = make_config("cpu-quick", {"max_steps": 3, "batch_size": 3, "eval_every": 3, "epochs": 10,
                                       "eval_sample": 1})
    assert config.finetune == "full"   # the CPU default (docs/training.md: the fit check)
    run = prepare_run(project, config)
    launch(run)
    wait(lambda: run.status()["state"] not in ("queued", "running"), what="the run to end")
    assert run.status()["state"] == "finished", run.path("log.txt").read_text()[-3000:]
    assert run.output_dir == run.model_dir and not run.adapter_dir.exists()
    assert [m["step"] for m in run.metrics() if "loss" in m] == [1, 2, 3]
    assert any("eval_loss" in m for m in run.metrics())

    base, tok = load_model("bundled:smollm2-135m")
    tuned, _ = load_model(str(run.model_dir))
    assert tuned.lm_head.weight is tuned.model.embed_tokens.weight
    assert not torch.equal(tuned.model.layers[0].mlp.up_proj.weight, base.model.layers[0].mlp.up_proj.weight)
    assert not torch.equal(tuned.model.embed_tokens.weight, base.model.embed_tokens.weight)
    train = ExampleFile.load(run.path("train.jsonl")).examples
    feats, _ = featurize_all(train, tok, json.loads(run.path("dataset.json").read_text())["system_prompt"], 4096,
                             project.load_tools())
    batch = collate(feats, tok.pad_token_id)

    def loss(model):
        with torch.no_grad():
            s, n = shared_prefix_loss(model, batch["prefix_ids"], batch["input_ids"], batch["attention_mask"],
                                      batch["labels"])
        return (s / n).item()

    assert loss(tuned) < loss(base)   # it learned its own examples
    assert "generation" in (run.model_dir / "chat_template.jinja").read_text()

    bg = BackgroundServer(build_app(Assistant(run.id, project), run.id, api_key="k"))
    url = bg.start()
    try:
        client = openai.OpenAI(base_url=url, api_key="k", max_retries=0)
        answer = client.chat.completions.create(
            model=run.id, messages=[{"role": "user", "content": "Mark task 3 as done"}],
            tools=project.load_tools(), tool_choice="required", max_tokens=64)
        call = answer.choices[0].message.tool_calls[0]
        assert call.function.name in {t["function"]["name"] for t in project.load_tools()}
        json.loads(call.function.arguments)
    finally:
        bg.stop()

    # Export: the run's model is already whole; it is copied, and vLLM serves it without LoRA flags.
    from workbench.cli import main

    out = tmp_path / "exported"
    assert main(["export-model", run.id, str(project.root), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"vllm serve {out}" in printed and "--enable-lora" not in printed and "--tool-call-parser hermes" in printed
    assert (out / "model.safetensors").exists() and (out / "chat_template.jinja").exists()


def test_a_stop_does_not_wait_for_an_evaluation(tmp_path, model_cache):
    """Asked to stop while the step-1 evaluation runs: the evaluation is cut, the run stops a step later."""
    project = small_project(tmp_path / "p", n=16)
    config = make_config("cpu-quick", {"max_steps": 8, "batch_size": 2, "eval_every": 1, "eval_sample": 8,
                                       "epochs": 10, "val_fraction": 0.4})
    run = prepare_run(project, config)
    launch(run)
    # The step's loss line is written just before its evaluation starts.
    wait(lambda: any("loss" in m for m in run.metrics()), what="the first step")
    stop(run, timeout=120)
    assert run.status()["state"] == "stopped", run.path("log.txt").read_text()[-2000:]
    metrics = run.metrics()
    assert not [m for m in metrics if any(k.startswith("eval_") for k in m)], metrics  # nothing half-measured
    assert max(m["step"] for m in metrics) <= 2
    assert run.last_checkpoint() is not None


def test_bad_configs_fail_before_starting_and_say_why(tmp_path):
    with pytest.raises(ConfigError, match="invalid learning_rate"):
        make_config("cpu-quick", {"learning_rate": -1})
    with pytest.raises(ConfigError, match="unknown preset"):
        make_config("tpu-huge")
    with pytest.raises(ConfigError, match="invalid batch_size"):
        make_config("cpu-quick", {"batch_size": "eight"})

    project = make_project(tmp_path / "p", status="pending")
    with pytest.raises(LaunchError, match="train split is empty"):
        prepare_run(project, make_config("cpu-quick"))
    (failed,) = list_runs(project.runs_dir)
    assert failed.status()["state"] == "failed" and "train split is empty" in failed.status()["error"]

    with pytest.raises(LaunchError, match="not a Hugging Face model directory|unknown model"):
        prepare_run(project, make_config("cpu-quick", base_model=str(tmp_path / "nowhere")))
    assert sum(r.status()["state"] == "failed" for r in list_runs(project.runs_dir)) == 2


def test_resume_refuses_without_a_checkpoint(tmp_path):
    run = Run(tmp_path / "r")
    run.dir.mkdir()
    run.write_status("stopped")
    with pytest.raises(LaunchError, match="no checkpoint"):
        resume(run)


def test_a_model_is_prompted_with_the_tool_format_it_was_trained_on(tmp_path):
    """A run records how its prompts wrote the tools (JSON by default, or compact); runs saved before the
    field existed trained on JSON tools and are still evaluated, served and resumed that way."""
    from workbench.evaluate.model_eval import prompts_and_gold
    from workbench.examples import Example
    from workbench.inference import trained_tool_format
    from workbench.train.config import run_config

    assert make_config("cpu-quick").tool_format == "json"
    assert run_config(make_config("cpu-quick", {"tool_format": "compact"}).model_dump()).tool_format == "compact"
    old = make_config("cpu-quick").model_dump()
    del old["tool_format"]
    assert run_config(old).tool_format == "json"

    assert trained_tool_format(None) == "json"   # a base model
    (tmp_path / "workbench.json").write_text(json.dumps({"base_model": "bundled:smollm2-135m"}))
    assert trained_tool_format(tmp_path) == "json"
    tools = [{"type": "function", "function": {"name": "ping", "parameters": {
        "type": "object", "properties": {"host": {"type": "string"}}, "required": ["host"]}}}]
    case = Example({"messages": [{"role": "user", "content": "ping a"},
                                 {"role": "assistant", "content": "ok"}], "meta": {"id": "x"}})
    (prompt,), _ = prompts_and_gold([case], tools, "S", trained_tool_format(tmp_path))
    assert '<tools>\n{"name": "ping"' in prompt
    assert prompt == render(case.messages[:1], tools, system_prompt="S", add_generation_prompt=True,
                            tool_format="json").text
    (tmp_path / "workbench.json").write_text(json.dumps({"base_model": "bundled:smollm2-135m",
                                                       "tool_format": "compact"}))
    (prompt,), _ = prompts_and_gold([case], tools, "S", trained_tool_format(tmp_path))
    assert "ping\n- host (string, required)" in prompt and "<tools>" not in prompt


def test_a_time_budget_ends_training_and_says_where(capsys):
    """`max_minutes`: once the budget has passed, the step that ends asks the trainer to stop (and
    not to evaluate), which then saves the model as when its steps run out."""
    from transformers import TrainerControl, TrainerState

    from workbench.train.callbacks import BudgetCallback

    state, control = TrainerState(global_step=40, max_steps=135), TrainerControl()
    assert make_config("cpu-quick", {"max_minutes": 58}).max_minutes == 58
    BudgetCallback(0).on_step_end(None, state, control)        # 0: no limit
    assert not control.should_training_stop
    within = BudgetCallback(58)
    within.on_train_begin(None, state, control)
    within.on_step_end(None, state, control)
    assert not control.should_training_stop and within.reached_at is None
    over = BudgetCallback(0.0001)                                # 6 ms
    over.on_train_begin(None, state, control)
    time.sleep(0.02)
    control.should_evaluate = True
    over.on_step_end(None, state, control)
    assert control.should_training_stop and not control.should_evaluate and over.reached_at == 40
    assert "time budget of 0.0001 minutes reached at step 40 of 135" in capsys.readouterr().out
