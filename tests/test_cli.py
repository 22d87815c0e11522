"""The `workbench` command: init, validate (table and JSON), and clear errors."""

import json
import subprocess
import sys

from workbench.cli import main
from workbench.project import Project, ProjectError, load_settings


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True, env=env)


def test_validate_demo_project_has_no_errors(capsys):
    assert main(["validate"]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_validate_json_is_machine_readable(capsys, tmp_path):
    assert main(["validate", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["examples"] >= 60 and report["tools"] == 5
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [{"id": "1", '
                   '"type": "function", "function": {"name": "create_task", "arguments": "{}"}}]}]}\nnope\n')
    assert main(["validate", str(bad), "--tools", "sample_tools/task_api/tools.json", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {(p["line"], p["code"]) for p in report["problems"]} == {(1, "missing_required"), (2, "unparseable_line")}


def test_init_from_sample_toolset_and_from_module(tmp_path, capsys):
    assert main(["init", str(tmp_path / "p"), "--tools", "sample_tools/weather"]) == 0
    project = Project.open(tmp_path / "p")
    assert [t["function"]["name"] for t in project.load_tools()] == ["get_weather", "get_forecast"]
    assert (project.root / "stubs.py").is_file() and (project.root / "phrases.py").is_file()   # the project's own
    assert main(["init", str(tmp_path / "named"), "--tools", "task_api"]) == 0   # an installed template, by name
    assert len(Project.open(tmp_path / "named").load_tools()) == 5
    assert main(["init", str(tmp_path / "q"), "--tools", "sample_tools/search_email/stubs.py"]) == 0
    assert len(Project.open(tmp_path / "q").load_tools()) == 2
    assert main(["init", str(tmp_path / "p")]) == 2  # refuses to overwrite
    assert "already a workbench project" in capsys.readouterr().err


def test_unreadable_tools_json_is_a_clear_error_not_a_traceback(tmp_path):
    assert main(["init", str(tmp_path / "p")]) == 0
    (tmp_path / "p" / "tools.json").write_text("[{oops")
    result = run("validate", str(tmp_path / "p"))
    assert result.returncode == 2
    assert "tools.json:1:3: not valid JSON" in result.stderr and "Traceback" not in result.stderr


def test_bad_settings_name_the_field(tmp_path):
    main(["init", str(tmp_path / "p")])
    (tmp_path / "p" / "workbench.toml").write_text('name = "p"\nval_fraction = 2.0\n')
    try:
        load_settings(tmp_path / "p" / "workbench.toml")
    except ProjectError as exc:
        assert "field 'val_fraction'" in str(exc)
    else:
        raise AssertionError("expected ProjectError")
    (tmp_path / "p" / "workbench.toml").write_text('name = "p"\ntoday = "next week"\n')
    try:
        load_settings(tmp_path / "p" / "workbench.toml")
    except ProjectError as exc:
        assert str(exc).endswith("workbench.toml: field 'today': 'next week' is not a date as YYYY-MM-DD")
    else:
        raise AssertionError("expected ProjectError")
    (tmp_path / "p" / "workbench.toml").write_text('name = "p\n')
    try:
        Project.open(tmp_path / "p")
    except ProjectError as exc:
        assert "workbench.toml" in str(exc) and "line 1" in str(exc)


def test_demo_project_is_created_once_with_seed(tmp_path):
    from workbench.project import ensure_demo_project

    p = ensure_demo_project()
    assert p.settings.today == "2026-03-02" and "{calendar}" in p.settings.system_prompt
    assert "Today is Monday 2026-03-02" in p.system_prompt() and "next Friday: 2026-03-13" in p.system_prompt()
    ef = p.load_examples()
    seed = [e for e in ef.examples if e.meta["source"] == "seed"]
    generated = [e for e in ef.examples if e.meta["source"] == "offline"]
    assert len(seed) == 66 and all(e.status == "accepted" for e in seed)
    assert len(generated) == 60 and all(e.status == "pending" for e in generated)
    cats = {e.category for e in seed}
    assert cats == {"single", "parallel", "multi_step", "error_recovery", "clarify", "no_tool"}
    ef.examples[0].set_status("rejected")
    ef.save()
    assert ensure_demo_project().load_examples().examples[0].status == "rejected"  # not recreated


def test_stub_toolsets_execute_for_real():
    import sample_tools

    s = sample_tools.get_toolset("task_api").session()
    created = json.loads(s.call("create_task", {"title": "Buy milk", "tags": ["home"]}))
    assert created["task_id"] == "task_43"
    assert any(t["task_id"] == "task_43" for t in json.loads(s.call("list_tasks", {"tag": "home"}))["tasks"])
    assert json.loads(s.call("complete_task", {"task_id": "task_43"}))["status"] == "done"
    assert "error" in json.loads(s.call("complete_task", {"task_id": "task_43"}))
    assert "error" in json.loads(s.call("delete_task", {"task_id": "task_999"}))
    assert "error" in json.loads(s.call("create_task", {"title": "x", "priority": "urgent"}))
    w = sample_tools.get_toolset("weather").session()
    assert json.loads(w.call("get_forecast", {"location": "Oslo", "days": 2}))["days"][1]["day"] == 2
    e = sample_tools.get_toolset("search_email").session()
    assert json.loads(e.call("search_db", {"query": "budget"}))["total"] == 2
    assert json.loads(e.call("send_email", {"to": "a@b.co", "body": "hi"}))["sent"] is True
    assert sample_tools.get_toolset("task_api").destructive == {"delete_task"}


def test_every_command_names_a_missing_project_in_one_line(tmp_path):
    nope = str(tmp_path / "nope")
    for args in (["runs", nope], ["eval", nope, "--model", "base"], ["stop", "x", nope], ["resume", "x", nope],
                 ["train", nope], ["generate", nope], ["export-model", "x", nope, "--out", nope]):
        out = run(*args)
        assert out.returncode == 2, args
        assert "Traceback" not in out.stderr, args
        assert out.stderr.strip() == (f"workbench: {nope}: not a workbench project (no workbench.toml); "
                                      f"create one with `workbench init {nope}`"), args


def test_a_mistyped_command_is_not_taken_for_a_project(tmp_path):
    out = run("frobnicate")
    assert out.returncode == 2 and "'frobnicate' is neither a command nor a project directory" in out.stderr
    assert "usage: workbench [DIR]" in run("--help").stdout


def test_stop_and_resume_take_an_id_a_prefix_a_run_directory_or_the_project(tmp_path, capsys):
    from workbench.train.runs import Run

    project = Project.open(tmp_path / "p") if main(["init", str(tmp_path / "p")]) == 0 else None
    runs = {}
    for run_id, state in (("20261202-010000-aaaa", "stopped"), ("20261202-020000-bbbb", "stopped")):
        r = Run(project.runs_dir / run_id)
        r.dir.mkdir(parents=True)
        r.write_status(state)
        runs[run_id] = r
    capsys.readouterr()
    assert main(["stop", "20261202", str(project.root)]) == 2
    assert "'20261202' matches 2 runs (20261202-010000-aaaa, 20261202-020000-bbbb)" in capsys.readouterr().err
    assert main(["stop", "nothing", str(project.root)]) == 2
    err = capsys.readouterr().err
    assert "no run 'nothing'" in err and "20261202-020000-bbbb" in err and "a run directory" in err
    assert main(["stop", str(project.root)]) == 2  # nothing is running
    assert "no run to stop" in capsys.readouterr().err
    # A run directory, or the project itself (its newest resumable run), instead of RUN DIR.
    for ref, expect in ((str(runs["20261202-010000-aaaa"].dir), "20261202-010000-aaaa"),
                        (str(project.root), "20261202-020000-bbbb")):
        assert main(["resume", ref]) == 2  # no checkpoint: the error names the run, found by path
        assert expect in capsys.readouterr().err


def test_validate_at_80_columns_keeps_messages_whole_and_brackets_literal(tmp_path):
    import io

    from rich.console import Console

    from workbench.report import validate_path

    bad = tmp_path / "tools.json"
    bad.write_text('[{"type": "function", "function": {"name": "bad name!", "description": "x", '
                   '"parameters": {"type": "object", "properties": {}}}}]')
    report = validate_path(bad)
    for width in (80, 140):
        out = io.StringIO()
        report.print(Console(file=out, width=width, color_system=None))
        text = out.getvalue()
        assert "'bad name!' must match ^[a-zA-Z0-9_-]{1,64}$" in text, text
        assert max(len(line) for line in text.splitlines()) <= width
