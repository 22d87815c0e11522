"""GGUF export for llama.cpp and Ollama: a tiny trained run converted by llama.cpp's own converter,
loaded back with transformers (`gguf_file=`), and asked for the same tool calls as the merged model."""

import json
import re

import pytest

from workbench.chat_format import CALL_OPEN, IM_END, chat_template, parse, render, system_block
from workbench.export import ExportError
from workbench.gguf_export import LLAMA_CPP_ENV, convert, export_gguf, gguf_template, modelfile, ollama_template

REQUESTS = ["Add a task to water the plants", "Create a high priority task to renew my passport by Friday"]


@pytest.fixture(scope="module")
def lora_run(tmp_path_factory, model_cache):
    from tests.test_train import small_project, wait
    from workbench.train.config import make_config
    from workbench.train.launcher import launch, prepare_run

    project = small_project(tmp_path_factory.mktemp("gguf") / "p", n=6)
    config = make_config("cpu-lora", {"max_steps": 1, "batch_size": 3, "eval_every": 100, "epochs": 10,
                                       "learning_rate": 1e-3, "tool_format": "compact"})
    run = prepare_run(project, config)
    launch(run)
    wait(lambda: run.status()["state"] not in ("queued", "running"), what="the run to end")
    assert run.status()["state"] == "finished", run.path("log.txt").read_text()[-3000:]
    return project, run


def greedy_calls(model, tokenizer, prompts: list[str]) -> list[list[int]]:
    """Each prompt's greedy continuation after an opened call: the call's tokens, up to 24."""
    import torch

    out = []
    for prompt in prompts:
        ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            done = model.generate(ids, max_new_tokens=24, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        out.append(done[0, ids.shape[1]:].tolist())
    return out


def test_a_run_exported_as_gguf_calls_as_the_merged_model_does(lora_run, tmp_path):
    import gguf
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from workbench.cli import main

    project, run = lora_run
    tools = project.load_tools()
    system = json.loads((run.adapter_dir / "workbench.json").read_text())["system_prompt"]
    # The prompt as trained, with the assistant's call opened: the continuation is a call to compare.
    prompts = [render([{"role": "user", "content": r}], tools, system_prompt=system, add_generation_prompt=True,
                      tool_format="compact").text + CALL_OPEN + "\n" for r in REQUESTS]

    merged_dir = tmp_path / "merged"
    assert main(["export-model", run.id, str(project.root), "--out", str(merged_dir)]) == 0
    merged = AutoModelForCausalLM.from_pretrained(str(merged_dir))
    tok = AutoTokenizer.from_pretrained(str(merged_dir))
    want = greedy_calls(merged, tok, prompts)
    assert all(want), want

    for quant in ("f16", "q8_0"):
        out = tmp_path / quant
        if quant == "f16":   # the command a user types: the adapter merged, converted, a Modelfile beside it
            assert main(["export-model", run.id, str(project.root), "--out", str(out), "--format", "gguf",
                         "--quant", quant, "--name", "tasks"]) == 0
            assert sorted(p.name for p in out.iterdir()) == ["Modelfile", "README.md", f"tasks-{quant}.gguf"]
            assert "ollama create tasks" in (out / "README.md").read_text()
        else:                # the same conversion from the merged model above, without merging it again
            convert(merged_dir, out / f"tasks-{quant}.gguf", quant, "compact")
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left behind

        # The file says how to prompt it: the workbench template, and <|im_end|> as the stop token.
        reader = gguf.GGUFReader(str(out / f"tasks-{quant}.gguf"))
        fields = reader.fields
        template = fields["tokenizer.chat_template"]
        assert bytes(template.parts[template.data[0]]).decode() == gguf_template("compact")
        tokens = fields["tokenizer.ggml.tokens"]
        eos = int(fields["tokenizer.ggml.eos_token_id"].parts[-1][0])
        assert bytes(tokens.parts[tokens.data[eos]]).decode() == IM_END

        loaded = AutoModelForCausalLM.from_pretrained(str(out), gguf_file=f"tasks-{quant}.gguf")
        got = greedy_calls(loaded, tok, prompts)
        if quant == "f16":
            # The vocabulary inside is the tokenizer's, token for token (loading a GGUF's tokenizer
            # through transformers takes longer than the rest of this test).
            vocab = [bytes(tokens.parts[i]).decode() for i in tokens.data]
            assert vocab == tok.convert_ids_to_tokens(list(range(len(vocab))))
            assert got == want  # identical tokens
        else:
            def calls(ids_list):
                return [[(c.name, c.arguments) for c in parse(CALL_OPEN + "\n" + tok.decode(ids)).tool_calls]
                        for ids in ids_list]
            assert calls(got) == calls(want)  # the same calls

    assert main(["export-model", run.id, str(project.root), "--out", str(tmp_path / "f16"),
                 "--format", "gguf"]) == 2  # never overwrites


def test_the_modelfile_holds_the_run_s_system_turn_and_the_workbench_markers(task_tools):
    """No Go template renderer runs here (Ollama's is Go's text/template): the test checks what can be
    checked offline: the system turn is the trained one, every fixed piece of the template appears in
    the workbench's own rendering, and the stop token."""
    system = "You are a task assistant."
    text = modelfile("tasks-f16.gguf", system, task_tools, "compact")
    assert text.startswith("FROM ./tasks-f16.gguf\n")
    assert f'SYSTEM """{system_block(system, task_tools, "compact")}"""' in text
    assert f'PARAMETER stop "{IM_END}"' in text

    conversation = [
        {"role": "user", "content": "Add a task to call mum"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "create_task", "arguments": {"title": "Call mum"}}},
            {"id": "c2", "type": "function", "function": {"name": "list_tasks", "arguments": {}}}]},
        {"role": "tool", "tool_call_id": "c1", "content": '{"task_id": "task_1"}'},
        {"role": "tool", "tool_call_id": "c2", "content": "[]"},
        {"role": "user", "content": "thanks"},
    ]
    rendered = render(conversation, task_tools, system_prompt=system, add_generation_prompt=True).text
    template = ollama_template()
    pieces = [p for p in re.split(r"\{\{.*?\}\}", template) if p]
    assert pieces and all(p in rendered for p in pieces), [p for p in pieces if p not in rendered]
    # What Ollama's parser needs: the call as the model writes it, between the markers.
    assert '<tool_call>\n{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}\n</tool_call>' \
        in template
    # Go's `{{-` and `-}}` trim the text beside them: they must never touch the format's own newlines.
    assert not re.search(r"\s\{\{-|-\}\}\s", template), re.findall(r".{20}\s\{\{-|-\}\}\s.{20}", template)
    assert template.count("{{- if") + template.count("{{ if") + template.count("{{- range") == \
        template.count("{{ end }}") + template.count("{{- end }}")
    with pytest.raises(ExportError, match='"""'):
        modelfile("x.gguf", 'say """hi"""', task_tools, "compact")
    assert "{%- generation" not in gguf_template("compact") and "{%- generation" in chat_template("compact")


def test_the_gguf_template_renders_in_plain_jinja2_as_the_workbench_does(task_tools):
    """llama-cpp-python's server renders a GGUF's template with plain Jinja2 (sandboxed, its built-in
    tojson): tools written compactly come out exactly as `chat_format.render` writes them. Its tojson
    sorts keys and escapes quotes, so JSON-written tools differ (docs/serving.md says so)."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    conversation = [
        {"role": "user", "content": "Add a task to call mum, and show my tasks"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "create_task", "arguments": {"title": "Call mum"}}},
            {"type": "function", "function": {"name": "list_tasks", "arguments": {}}}]},
        {"role": "tool", "content": '{"task_id": "task_1"}'},
        {"role": "tool", "content": "[]"},
        {"role": "assistant", "content": "Added it; your list was empty."},
        {"role": "user", "content": "thanks!"},
    ]
    out = env.from_string(gguf_template("compact")).render(messages=conversation, tools=task_tools,
                                                           add_generation_prompt=True, system_prompt="You help.")
    assert out == render(conversation, task_tools, system_prompt="You help.", add_generation_prompt=True,
                         tool_format="compact").text


def test_a_failed_conversion_leaves_nothing_behind(tmp_path, monkeypatch):
    """llama.cpp's converter failing (here a stand-in that exits 1) is reported with its output, and neither
    the export directory nor a temporary is left."""
    fake = tmp_path / "llama.cpp"
    fake.mkdir()
    (fake / "convert_hf_to_gguf.py").write_text("import sys\nprint('ERROR: unsupported architecture Foo')\nsys.exit(1)\n")
    monkeypatch.setenv(LLAMA_CPP_ENV, str(fake))
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    (model / "workbench.json").write_text(json.dumps({"system_prompt": "hi", "tool_format": "compact"}))
    out = tmp_path / "exports" / "gguf"
    with pytest.raises(ExportError, match="unsupported architecture Foo"):
        export_gguf(model, "bundled:smollm2-135m", out)
    assert list((tmp_path / "exports").iterdir()) == []

    monkeypatch.setenv(LLAMA_CPP_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ExportError, match="make install"):
        export_gguf(model, "bundled:smollm2-135m", out)


def test_the_train_screen_exports_a_lora_run_s_adapter_alone(lora_run):
    """m on a finished LoRA run, "GGUF LoRA adapter" picked, Export: a GGUF LoRA holding the adapter's own
    weights (as f16), a Modelfile FROM the bundled model's GGUF with the ADAPTER over it, the chat
    template for llama-server beside them, and the serve commands left on screen."""
    import asyncio

    import gguf
    import numpy as np
    from safetensors.numpy import load_file

    from screens.app import WorkbenchApp
    from screens.dialogs import ModelExportDialog
    from tests.app_helpers import settle, text_of
    from workbench.cli import main
    from workbench.models import bundled_gguf
    from workbench.project import Project

    project, run = lora_run
    out = project.root / "exports" / f"{run.id}-lora"

    async def export() -> None:
        app = WorkbenchApp(Project.open(project.root))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot, app)
            await pilot.press("3")
            for _ in range(100):  # the watcher lists the runs and selects the newest
                if app.screen.statuses.get(run.id, {}).get("state") == "finished":
                    break
                await pilot.pause(0.05)
            await pilot.press("m")
            await pilot.pause()
            assert isinstance(app.screen, ModelExportDialog)
            await pilot.click("#fmt-lora-f16")
            await pilot.pause()
            assert app.screen.query_one("#model-out-dir").value == str(out)  # the folder follows the choice
            await pilot.click("#export")
            await settle(pilot, app, timeout=180)
            status = text_of(app.screen.query_one("#export-status"))
            assert "ollama create" in status and "--lora" in status, status

    asyncio.run(export())
    name = f"{run.id}-lora-f16.gguf"
    assert sorted(p.name for p in out.iterdir()) == sorted(["Modelfile", "README.md", "chat_template.jinja", name])
    assert (out / "Modelfile").read_text().startswith(f"FROM {bundled_gguf('smollm2-135m')}\nADAPTER ./{name}\n")
    assert (out / "chat_template.jinja").read_text() == gguf_template("compact")
    reader = gguf.GGUFReader(str(out / name))
    kind = reader.fields["adapter.type"]
    assert bytes(kind.parts[kind.data[0]]).decode() == "lora"
    mine = load_file(str(run.adapter_dir / "adapter_model.safetensors"))
    for end, suffix in (("lora_a", "lora_A"), ("lora_b", "lora_B")):
        theirs = [t for t in reader.tensors if t.name.endswith(end)]
        ours = [v for k, v in mine.items() if suffix in k]
        assert len(theirs) == len(ours) > 0
        total = sum(float(np.abs(t.data.astype(np.float32)).sum()) for t in theirs)
        assert total == pytest.approx(sum(float(np.abs(v).sum()) for v in ours), rel=1e-3)

    q4 = project.root / "exports" / "q4"   # an adapter is written as f16 or q8_0: refused, nothing written
    assert main(["export-model", run.id, str(project.root), "--out", str(q4), "--format", "gguf",
                 "--adapter-only", "--quant", "q4_k_m"]) == 2 and not q4.exists()
    assert [p.name for p in out.parent.iterdir()] == [out.name]
