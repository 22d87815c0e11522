"""`workbench` commands. With no command it opens the app on a project.

    workbench [DIR]                      open the app (the demo project when DIR is omitted)
    workbench init DIR [--tools SRC]     create a project; SRC is a JSON file, a .py module or a template
    workbench validate PATH [--json]     check a project, an examples .jsonl or a tools .json
    workbench prepare-model [SPEC]       convert and cache a bundled model ahead of time
    workbench train [DIR] [--base MODEL] [--preset NAME] [--config FILE] [--set KEY=VALUE] [--detach]
    workbench runs [DIR]                 list training runs and their state
    workbench stop RUN [DIR] / workbench resume RUN [DIR]
    workbench score --gold GOLD.jsonl --pred PRED.jsonl [--json OUT]
    workbench generate [DIR] [--n N] [--mix CAT=SHARE,...] [--tools A,B] [--seed S] [--source offline|teacher]
                         [--semantic] [--accept] [--out FILE]
    workbench serve [DIR] --model base|RUN_ID [--host 127.0.0.1] [--port 8000] [--api-key KEY] [--no-constrained]
                    [--weights fp32|int8]
    workbench export-model RUN [DIR] --out DIR   a run as a whole model (LoRA merged); print the vLLM command
    workbench export-model RUN [DIR] --out DIR --format gguf [--quant f16|q8_0|q4_k_m] [--name NAME] [--adapter-only]
                                                a GGUF and an Ollama Modelfile; print the Ollama and llama.cpp commands
    workbench eval [DIR] --model base|RUN_ID|PATH [--data val|FILE] [--json OUT] [--compare A B]
    workbench eval [DIR] --suite bfcl [--category simple,irrelevance] [--limit N] [--compare base RUN]
                   [--constrained [--weights fp32|int8]]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from pathlib import Path

COMMANDS = ("init", "validate", "prepare-model", "generate", "serve", "export-model", "train", "runs", "stop", "resume",
            "score", "eval")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")) or argv[0] in ("--read-only",):
        return _open_app(argv)
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except _user_errors() as exc:
        # What the user typed or has on disk is wrong: one line that says so, never a traceback.
        return _fail(str(exc))


def _user_errors() -> tuple[type[Exception], ...]:
    from workbench.evaluate.model_eval import EvalError
    from workbench.models import ModelError
    from workbench.project import ProjectError
    from workbench.tools import ToolsFileError
    from workbench.train.config import ConfigError
    from workbench.train.launcher import LaunchError
    from workbench.train.runs import RunNotFound

    return (ProjectError, ToolsFileError, ModelError, ConfigError, LaunchError, RunNotFound, EvalError)


def _parser() -> argparse.ArgumentParser:
    from workbench.gguf_export import QUANTS
    from workbench.train.config import PRESETS

    p = argparse.ArgumentParser(
        prog="workbench", usage="workbench [DIR] [--read-only]\n       workbench COMMAND ...",
        description="Fine-tune language models to call tools. With no command, `workbench [DIR]` opens the app "
                    "on the project in DIR (default: the demo project); --read-only opens it without writing.",
        epilog="`workbench COMMAND --help` describes a command. RUN is a run id, a unique prefix of one, "
               "or a run directory.")
    sub = p.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="create a project directory")
    init.add_argument("dir", type=Path)
    init.add_argument("--tools", help="tools JSON file; Python module of typed functions (they become the "
                                      "tools and run their calls); or a template: its folder or installed name "
                                      "(task_api, weather, search_email)")
    init.add_argument("--name", help="project name (default: the directory name)")
    init.set_defaults(func=cmd_init)

    val = sub.add_parser("validate", help="validate a project, an examples file or a tools file")
    val.add_argument("path", type=Path, nargs="?", default=None, help="default: the demo project")
    val.add_argument("--tools", type=Path, help="tools for an examples file that has none of its own")
    val.add_argument("--json", action="store_true", help="machine-readable output")
    val.set_defaults(func=cmd_validate)

    prep = sub.add_parser("prepare-model", help="convert and cache a bundled model")
    prep.add_argument("spec", nargs="?", default="bundled:smollm2-135m")
    prep.set_defaults(func=cmd_prepare_model)

    gen = sub.add_parser("generate", help="generate candidate examples, verify them, add them as pending")
    gen.add_argument("dir", type=Path, nargs="?", default=None, help="project (default: the demo project)")
    gen.add_argument("--n", type=int, default=500, help="how many examples (default 500)")
    gen.add_argument("--mix", help="category shares, e.g. single=40,parallel=10,no_tool=20 (default: a balanced mix)")
    gen.add_argument("--tools", help="only these tools, comma-separated")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--source", choices=("offline", "teacher"), default="offline")
    gen.add_argument("--semantic", action="store_true", help="also ask the teacher to judge each example")
    gen.add_argument("--concurrency", type=int, default=4, help="teacher requests in flight")
    gen.add_argument("--accept", action="store_true",
                     help="land verified examples as accepted instead of pending (skips human review)")
    gen.add_argument("--out", type=Path, help="write a JSONL file instead of adding to the project")
    gen.set_defaults(func=cmd_generate)

    tr = sub.add_parser("train", help="fine-tune on the accepted examples (LoRA or full)")
    tr.add_argument("dir", type=Path, nargs="?", default=None, help="project (default: the demo project)")
    tr.add_argument("--base", help="base model spec (default: the project's)")
    tr.add_argument("--preset", default="cpu-quick", help="a preset: " + ", ".join(PRESETS))
    tr.add_argument("--config", help="a JSON file of TrainConfig fields")
    tr.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one field (repeatable)")
    tr.add_argument("--detach", action="store_true", help="start and return; the run goes on in the background")
    tr.set_defaults(func=cmd_train)

    sc = sub.add_parser("score", help="score predictions against gold examples")
    sc.add_argument("--gold", type=Path, required=True)
    sc.add_argument("--pred", type=Path, required=True)
    sc.add_argument("--tools", type=Path, help="tools for gold lines without their own")
    sc.add_argument("--json", type=Path, help="write the full report (metrics and verdicts) here")
    sc.set_defaults(func=cmd_score)

    ev = sub.add_parser("eval", help="evaluate a model's tool calls")
    ev.add_argument("dir", type=Path, nargs="?", default=None)
    ev.add_argument("--model", default=None, help="base, a run id, an adapter/model path, endpoint (the project's "
                    "[teacher] settings) or the URL of any OpenAI-compatible server (URL#MODEL names its model)")
    ev.add_argument("--data", default="val", help="val (the project's held-out split) or a JSONL file")
    ev.add_argument("--compare", nargs=2, metavar=("A", "B"), help="evaluate two models on the same data")
    ev.add_argument("--json", type=Path)
    ev.add_argument("--limit", type=int, default=0,
                    help="only the first N cases (each assistant turn of an example is a case; with --suite, of "
                         "each category): a quick look on CPU")
    ev.add_argument("--constrained", action="store_true", help="decode under the tool-call grammar (valid JSON always)")
    ev.add_argument("--weights", choices=("fp32", "int8"), default="fp32",
                    help="decode on int8 weights, as `serve --weights int8` does")
    ev.add_argument("--suite", choices=("bfcl",), help="a public suite instead of the project's cases: BFCL's "
                    "single-turn categories, judged by BFCL's own checker")
    ev.add_argument("--category", help="with --suite: comma-separated categories (default: all ten)")
    ev.set_defaults(func=cmd_eval)

    sv = sub.add_parser("serve", help="serve a model over the OpenAI chat-completions API")
    sv.add_argument("dir", type=Path, nargs="?", default=None)
    sv.add_argument("--model", default="base", help="base, a run id, or an adapter directory (default: base)")
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--api-key", help="require this bearer key (default: $WORKBENCH_API_KEY, or none)")
    sv.add_argument("--no-constrained", action="store_true",
                    help="with tool_choice auto, decode freely instead of under the tool grammar")
    sv.add_argument("--weights", choices=("fp32", "int8"), default="fp32",
                    help="int8: a quarter of the bytes per token on CPU, answers checked in docs/benchmarks.md")
    sv.add_argument("--today", help="the day {today} and {calendar} in the system prompt stand for: YYYY-MM-DD, "
                                    "or `now` for the real date (default: the day the model was trained with)")
    sv.set_defaults(func=cmd_serve)

    ex = sub.add_parser("export-model", help="a run as a whole model (its LoRA adapter merged) for vLLM, or as a "
                                             "GGUF with an Ollama Modelfile for llama.cpp and Ollama")
    ex.add_argument("run")
    ex.add_argument("dir", type=Path, nargs="?", default=None)
    ex.add_argument("--out", type=Path, required=True, help="directory for the exported model (new or empty)")
    ex.add_argument("--format", choices=("hf", "gguf"), default="hf",
                    help="hf: safetensors for transformers and vLLM (default); gguf: for llama.cpp and Ollama")
    ex.add_argument("--quant", choices=QUANTS, default="f16",
                    help="GGUF weights: f16 (as trained), q8_0 (half the size), q4_k_m (needs llama.cpp's quantizer)")
    ex.add_argument("--name", help="the model's name in Ollama (default: the run id)")
    ex.add_argument("--adapter-only", action="store_true",
                    help="gguf: a LoRA run's adapter alone (llama.cpp --lora, Ollama ADAPTER), over the base model")
    ex.set_defaults(func=cmd_export_model)

    runs = sub.add_parser("runs", help="list training runs")
    runs.add_argument("dir", type=Path, nargs="?", default=None)
    runs.set_defaults(func=cmd_runs)
    for name, fn in (("stop", cmd_stop), ("resume", cmd_resume)):
        sp = sub.add_parser(name, help=f"{name} a training run")
        sp.add_argument("run", help="a run id, a unique prefix of one, a run directory, or a project directory "
                                    f"(its newest run that can {name})")
        sp.add_argument("dir", type=Path, nargs="?", default=None)
        sp.set_defaults(func=fn)
    return p


def _fail(message: str) -> int:
    print(f"workbench: {message}", file=sys.stderr)
    return 2


def _open_app(argv: list[str]) -> int:
    from workbench.project import Project, ProjectError, ensure_demo_project

    read_only = "--read-only" in argv
    rest = [a for a in argv if a != "--read-only"]
    if rest and not Path(rest[0]).exists() and "/" not in rest[0] and "." not in rest[0]:
        # A bare word that is no directory here is far more likely a mistyped command than a project.
        return _fail(f"{rest[0]!r} is neither a command nor a project directory. Commands: {', '.join(COMMANDS)} "
                     "(`workbench --help`); `workbench DIR` opens the project in DIR.")
    try:
        project = Project.open(rest[0]) if rest else ensure_demo_project()
    except ProjectError as exc:
        return _fail(str(exc))
    from screens.app import run_app  # Textual is only imported when the app opens

    return run_app(project, read_only=read_only)


def cmd_init(args) -> int:
    from workbench.project import ProjectError, Settings, init_project
    from workbench.templates import TemplateError, is_template, template_dir
    from workbench.tools import ToolsFileError, import_tools

    tools, template, stubs = None, None, ""
    if args.tools:
        src = args.tools.rstrip("/")
        try:
            if is_template(src):
                template = template_dir(src)
            else:
                tools = import_tools(src)
                if src.endswith(".py"):
                    # The module whose functions define the tools also runs their calls: the project's stubs.
                    stubs = str(Path(src).resolve())
        except (ToolsFileError, TemplateError) as exc:
            return _fail(str(exc).strip("'\""))
    try:
        project = init_project(args.dir, tools, template=template,
                               settings=Settings(name=args.name or args.dir.resolve().name, stubs=stubs))
    except ProjectError as exc:
        return _fail(str(exc))
    from workbench.toolset import project_toolset

    toolset = project_toolset(project)
    examples = len(project.load_examples().examples)
    print(f"created {project.root} with {len(toolset.tools)} tools"
          + (f" and the template's {examples} examples" if examples else "")
          + (f"; stubs: {toolset.stubs_path}" if toolset.has_stubs else ""))
    return 0


def cmd_validate(args) -> int:
    from workbench.report import ValidationReport, validate_path

    try:
        report: ValidationReport = validate_path(args.path, tools_path=args.tools)
    except Exception as exc:  # noqa: BLE001 - any unreadable input becomes one clear line, not a traceback
        from workbench.project import ProjectError
        from workbench.tools import ToolsFileError

        if isinstance(exc, (ProjectError, ToolsFileError, FileNotFoundError)):
            return _fail(str(exc))
        raise
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        report.print()
    return 1 if report.error_count else 0


def cmd_prepare_model(args) -> int:
    from workbench.models import ModelError, resolve

    try:
        path = resolve(args.spec)
    except ModelError as exc:
        return _fail(str(exc))
    print(path)
    return 0


def _project(path: Path | None):
    from workbench.project import Project, ensure_demo_project

    return Project.open(path) if path is not None else ensure_demo_project()


def cmd_generate(args) -> int:
    from pydantic import ValidationError

    from workbench.examples import serialize_entries
    from workbench.fileio import atomic_write_bytes
    from workbench.generate import GenerateSpec, generate, parse_mix
    from workbench.generate.teacher import TeacherError
    from workbench.lock import ProjectLock
    from workbench.project import ProjectError
    from workbench.store import ExampleStore
    from workbench.toolset import StubsError

    try:
        project = _project(args.dir)
        fields = dict(n=args.n, seed=args.seed, source=args.source, semantic_check=args.semantic,
                      concurrency=args.concurrency)
        if args.mix:
            fields["mix"] = parse_mix(args.mix)
        if args.tools:
            fields["tools"] = [t.strip() for t in args.tools.split(",") if t.strip()]
        spec = GenerateSpec(**fields)
    except ProjectError as exc:
        return _fail(str(exc))
    except ValidationError as exc:
        err = exc.errors()[0]
        return _fail(f"--{'.'.join(str(x) for x in err['loc'])}: {err['msg']}")
    except ValueError as exc:
        return _fail(f"--mix: {exc}")
    lock = None
    if args.out is None:
        lock = ProjectLock(project.root)
        if not lock.acquire():
            return _fail(f"{project.root} is open in another process ({lock.owner.describe()}); "
                         "use the app's Generate panel, or --out FILE")
    try:
        # The store (with any journal replayed) is what new examples are deduplicated against.
        store = ExampleStore.open(project.examples_path, read_only=args.out is not None)
        try:
            result = generate(project, spec, progress=_progress_printer(), existing=store.examples)
        except (TeacherError, ValueError, StubsError) as exc:
            return _fail(str(exc))
        if args.accept:
            for ex in result.accepted:
                ex.meta["status"] = "accepted"
        if args.out is not None:
            atomic_write_bytes(args.out, serialize_entries(result.examples))
            where = str(args.out)
        else:
            store.put_many(result.examples)
            store.compact()
            where = str(project.examples_path)
    finally:
        if lock is not None:
            lock.release()
    print(result.summary(), file=sys.stderr)
    for note in result.notes:
        print(f"  note: {note}", file=sys.stderr)
    print(f"wrote {len(result.examples)} examples to {where}")
    return 0


def _progress_printer():
    """A one-line progress display on a terminal; silent when stderr is a pipe or file."""
    if not sys.stderr.isatty():
        return None

    def show(phase: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        print(f"\r{phase:9} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="", file=sys.stderr)
        if done >= total:
            print(file=sys.stderr)

    return show


def _parse_sets(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set {item!r}: expected KEY=VALUE")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def cmd_train(args) -> int:
    from workbench.project import ProjectError
    from workbench.train.config import ConfigError, make_config
    from workbench.train.launcher import LaunchError, launch, prepare_run

    try:
        project = _project(args.dir)
        config = make_config(args.preset, _parse_sets(args.set), args.base or project.settings.base_model, args.config)
        run = prepare_run(project, config)
    except (ProjectError, ConfigError, LaunchError, ValueError) as exc:
        return _fail(str(exc))
    launch(run)
    print(f"started run {run.id} in {run.dir}")
    if args.detach:
        print(f"it runs in the background; follow it in the app (3) or with `workbench runs {project.root}`")
        return 0
    return _follow(run)


def _follow(run) -> int:
    """Print metrics as they come; ctrl+c asks the run to stop gracefully (it goes on otherwise)."""
    import time

    from workbench.train.launcher import stop
    from workbench.train.runs import ACTIVE, read_metrics

    offset = 0
    try:
        while True:
            entries, offset = read_metrics(run.path("metrics.jsonl"), offset)
            for e in entries:
                print(_metric_line(e), flush=True)
            state = run.status().get("state")
            if state not in ACTIVE:
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("stopping: saving a checkpoint…", flush=True)
        stop(run, timeout=600)
    st = run.status()
    print(f"run {run.id}: {st.get('state')}" + (f": {st['error']}" if st.get("error") else ""))
    return 0 if st.get("state") in ("finished", "stopped") else 1


def _metric_line(e: dict) -> str:
    parts = [f"step {e['step']}/{e.get('max_steps', '?')}"]
    if "loss" in e:
        parts.append(f"loss {e['loss']:.4f}")
    if "eval_loss" in e:
        parts.append(f"eval_loss {e['eval_loss']:.4f}")
    if "learning_rate" in e:
        parts.append(f"lr {e['learning_rate']:.2e}")
    if "eval_tool_selection" in e:
        sel, js = e["eval_tool_selection"], e["eval_json_validity"]
        return (f"step {e['step']}  val sample of {e['eval_sample']}: tool selection "
                f"{'-' if sel is None else f'{sel:.0%}'}, JSON validity {'-' if js is None else f'{js:.0%}'}")
    parts.append(f"{e.get('tokens_per_s', 0):.0f} tok/s")
    if e.get("eta_s") is not None:
        parts.append(f"eta {e['eta_s']:.0f}s")
    parts.append(f"rss {e.get('rss_peak_mb', 0)} MB")
    return "  ".join(parts)


def cmd_runs(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from workbench.train.runs import list_runs, new_run_id

    project = _project(args.dir)
    # Run ids are never cut: they are what `stop`, `resume` and `eval --model` take.
    table = Table("run", "state", "base model", "steps", "last loss", "eval loss")
    table.columns[0].no_wrap = table.columns[1].no_wrap = True
    table.columns[0].min_width = len(new_run_id())
    for run in list_runs(project.runs_dir):
        st = run.status()
        metrics = run.metrics()
        losses = [m["loss"] for m in metrics if "loss" in m]
        evals = [m["eval_loss"] for m in metrics if "eval_loss" in m]
        cfg = run.config() if run.path("config.json").exists() else {}
        table.add_row(run.id, st.get("state", "?"), cfg.get("base_model", "?"),
                      str(metrics[-1]["step"]) if metrics else "0", f"{losses[-1]:.4f}" if losses else "-",
                      f"{evals[-1]:.4f}" if evals else "-")
    Console().print(table)
    return 0


def _run_arg(args, states: tuple[str, ...], what: str):
    """RUN as typed: a run id (or unique prefix) in DIR's project, a run directory, or a project directory
    (its newest run in `states`)."""
    from workbench.project import Project
    from workbench.train.runs import find_run, pick_run

    ref = Path(args.run).expanduser()
    if args.dir is None and (ref / "workbench.toml").exists():
        return pick_run(Project.open(ref).runs_dir, states, what)
    if args.dir is None and (ref / "status.json").exists():
        return find_run(ref.parent, str(ref))
    return find_run(_project(args.dir).runs_dir, args.run)


def cmd_stop(args) -> int:
    from workbench.train.launcher import stop
    from workbench.train.runs import ACTIVE

    run = _run_arg(args, ACTIVE, "stop")
    stop(run)
    print(f"asked run {run.id} to stop; it saves a checkpoint first")
    return 0


def cmd_resume(args) -> int:
    from workbench.train.launcher import resume

    run = _run_arg(args, ("stopped", "died", "failed"), "resume")
    resume(run)
    print(f"resumed run {run.id}")
    return 0


def cmd_score(args) -> int:
    from workbench.evaluate.report import ScoreError, print_report, score_files
    from workbench.tools import ToolsFileError, load_tools

    try:
        tools = load_tools(args.tools) if args.tools else None
        report = score_files(args.gold, args.pred, tools)
    except (ScoreError, ToolsFileError) as exc:
        return _fail(str(exc))
    print_report(report)
    if args.json:
        from workbench.fileio import atomic_write_text

        atomic_write_text(args.json, json.dumps(report, indent=2))
    return 0


def cmd_serve(args) -> int:
    import os

    from workbench.assistant import Assistant
    from workbench.dates import parse_day
    from workbench.models import ModelError
    from workbench.project import ProjectError
    from workbench.serve import serve

    today = _dt.date.today().isoformat() if args.today == "now" else args.today
    if today is not None:
        try:
            parse_day(today)
        except ValueError as exc:
            return _fail(f"--today: {exc}, or `now`")
    try:
        project = _project(args.dir)
        assistant = Assistant(args.model, project, constrained=not args.no_constrained, weights=args.weights,
                              today=today)
    except (ProjectError, ModelError, OSError) as exc:
        return _fail(str(exc))
    api_key = args.api_key or os.environ.get("WORKBENCH_API_KEY") or None
    if args.host not in ("127.0.0.1", "localhost", "::1") and api_key is None:
        print(f"warning: serving on {args.host} without an API key: anyone who can reach it can use it",
              file=sys.stderr)
    model_id = assistant.name
    # Agent frameworks send the project's tools with every request: run that system turn now,
    # so the first request does not pay for it (about 3 s on 2 CPU cores).
    assistant.warm(project.load_tools())
    print(f"serving {model_id} on http://{args.host}:{args.port}/v1 "
          f"(constrained tool calls: {'on' if assistant.constrained else 'for none/required/named only'}; "
          f"dates in the system prompt: {assistant.today or 'as trained'})",
          file=sys.stderr)
    serve(assistant, model_id, args.host, args.port, api_key, aliases=(args.model,))
    return 0


def cmd_export_model(args) -> int:
    from workbench.export import ExportError, export_run
    from workbench.models import ModelError
    from workbench.project import ProjectError

    show = _progress_printer()
    progress = show and (lambda fraction, _what: show("export", int(fraction * 100), 100))
    try:
        done = export_run(_project(args.dir), args.run, args.out, args.format, args.quant, args.name,
                          adapter_only=args.adapter_only, progress=progress)
    except (ProjectError, ModelError, ExportError, OSError) as exc:
        return _fail(str(exc))
    print("\n".join(done.written))
    print("serve it with:" if args.format == "gguf" else
          "serve it with transformers, vLLM or llama.cpp as any Hugging Face model, for example:")
    for command in done.commands:
        print("  " + command)
    return 0


def cmd_eval(args) -> int:
    from workbench.evaluate.model_eval import compare_evals, evaluate
    from workbench.evaluate.report import print_report

    project = _project(args.dir)
    show = _progress_printer()
    progress = (lambda model, i, n, eta: show(f"{model[-9:]} ~{_clock(eta)}", i, n)) if show else None
    if args.suite:
        return _eval_suite(args, project, progress)
    if args.compare:
        result = compare_evals(project, args.compare[0], args.compare[1], args.data, limit=args.limit,
                               constrained=args.constrained, weights=args.weights, progress=progress)
    else:
        model = args.model or "base"
        result = evaluate(project, model, args.data, limit=args.limit, constrained=args.constrained,
                          weights=args.weights, progress=progress and (lambda i, n, eta: progress(model, i, n, eta)))
        print_report(result["report"], title=f"{result['model']} on {result['data']}")
        lat = result["latency"]
        print(f"{result['cases']} cases in {_clock(lat['total_s'])}, {lat['tokens_per_s']:.1f} tokens/s; "
              f"saved to {result['dir']}")
    if args.json:
        from workbench.fileio import atomic_write_text

        atomic_write_text(args.json, json.dumps(result, indent=2, default=str))
    return 0


def _eval_suite(args, project, progress) -> int:
    from workbench.evaluate import bfcl

    categories = [c.strip() for c in args.category.split(",") if c.strip()] if args.category else None
    models = list(args.compare) if args.compare else [args.model or "base"]
    results = []
    for model in models:
        results.append(bfcl.evaluate_suite(
            project, model, categories, limit=args.limit, constrained=args.constrained, weights=args.weights,
            progress=progress and (lambda i, n, eta, m=model: progress(m, i, n, eta))))
        bfcl.print_suite(results[-1])
        lat = results[-1]["latency"]
        print(f"{results[-1]['cases']} cases in {_clock(lat['total_s'])}; saved to {results[-1]['dir']}")
    out: dict = {"suite": "bfcl", "results": results}
    if len(results) == 2:
        out["comparison"] = bfcl.compare_suite(results[0], results[1])
        bfcl.print_suite(out["comparison"], titles=(models[0], models[1]))
    if args.json:
        from workbench.fileio import atomic_write_text

        atomic_write_text(args.json, json.dumps(out, indent=2, default=str))
    return 0


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s"


if __name__ == "__main__":
    raise SystemExit(main())
