"""Generation: the offline generator's coverage and balance, verification, the teacher over real HTTP."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

import sample_tools
from workbench.cli import main
from workbench.examples import CATEGORIES, ExampleFile, make_example
from workbench.generate import GenerateSpec, apportion, generate, parse_mix
from workbench.generate.offline import OfflineGenerator, request_key
from workbench.generate.teacher import TeacherConfig, TeacherError, TeacherGenerator
from workbench.generate.verify import verify
from workbench.lock import ProjectLock
from workbench.project import Project, Settings, TeacherSettings, init_project
from workbench.validation import validate_example

from .teacher_server import ScriptedTeacher

TODAY = "2026-03-02"


def _project(tmp_path, toolset="task_api", **settings) -> Project:
    """A project of the template's tools and stubs, without the template's examples (generation from nothing)."""
    return init_project(tmp_path / "p", settings=Settings(name="p", today=TODAY, **settings),
                        template=sample_tools.get_toolset(toolset).folder, examples=b"")


def _calls(ex):
    return [(c["function"]["name"], json.loads(c["function"]["arguments"]))
            for m in ex.messages if m.get("role") == "assistant" for c in m.get("tool_calls") or []]


@pytest.mark.parametrize("toolset", sample_tools.NAMES)
def test_offline_covers_every_tool_enum_value_and_optional_parameter(toolset):
    ts = sample_tools.get_toolset(toolset)
    examples = OfflineGenerator(ts.tools, TODAY, ts).generate(GenerateSpec(n=500, seed=3))
    assert len(examples) == 500
    for ex in examples:
        assert [p for p in validate_example(ex) if p.is_error] == [], ex.first_user_message()
    used_tools, used_params, used_values = set(), set(), set()
    for ex in examples:
        for name, args in _calls(ex):
            used_tools.add(name)
            for k, v in args.items():
                used_params.add((name, k))
                used_values.add((name, k, json.dumps(v)))
    for tool in ts.tools:
        fn = tool["function"]
        assert fn["name"] in used_tools
        for param, schema in fn["parameters"]["properties"].items():
            assert (fn["name"], param) in used_params, f"{fn['name']}.{param} never generated"
            for value in schema.get("enum", []):
                assert (fn["name"], param, json.dumps(value)) in used_values, f"{fn['name']}.{param}={value} missing"


def test_offline_category_mix_is_exactly_what_was_asked():
    ts = sample_tools.get_toolset("task_api")
    mix = {"single": 0.5, "parallel": 0.1, "multi_step": 0.1, "error_recovery": 0.1, "clarify": 0.1, "no_tool": 0.1}
    examples = OfflineGenerator(ts.tools, TODAY, ts).generate(GenerateSpec(n=300, mix=mix, seed=1))
    assert Counter(e.category for e in examples) == Counter(apportion(300, mix))
    assert apportion(500, {"a": 0.12, "b": 0.88}) == {"a": 60, "b": 440}


def test_offline_is_deterministic_and_deduplicated():
    ts = sample_tools.get_toolset("task_api")
    a = OfflineGenerator(ts.tools, TODAY, ts).generate(GenerateSpec(n=200, seed=5))
    b = OfflineGenerator(ts.tools, TODAY, ts).generate(GenerateSpec(n=200, seed=5))
    c = OfflineGenerator(ts.tools, TODAY, ts).generate(GenerateSpec(n=200, seed=6))
    assert [e.messages for e in a] == [e.messages for e in b]
    assert [e.messages for e in a] != [e.messages for e in c]
    keys = [request_key(e.first_user_message()) for e in a if e.category not in ("no_tool", "clarify")]
    assert len(keys) == len(set(keys))


def test_then_means_one_call_after_another_and_parallel_requests_never_say_it():
    """"Do A, then B" is two turns (B after A's result); a parallel request is one turn of calls."""
    ts = sample_tools.get_toolset("task_api")
    examples = OfflineGenerator(ts.tools, TODAY, ts).generate(GenerateSpec(n=600, seed=4))
    then = re.compile(r"\bthen\b|after that|once that's done", re.I)
    sequenced = 0
    for ex in examples:
        call_turns = [m for m in ex.messages if m.get("role") == "assistant" and m.get("tool_calls")]
        if ex.category == "parallel":
            assert not then.search(ex.first_user_message()), ex.first_user_message()
            assert len(call_turns) == 1 and len(call_turns[0]["tool_calls"]) >= 2
        elif ex.category == "multi_step" and then.search(ex.first_user_message()):
            assert len(call_turns) >= 2, ex.first_user_message()
            sequenced += 1
    assert sequenced >= 20


def test_offline_examples_carry_real_stub_results_and_resolved_dates():
    ts = sample_tools.get_toolset("task_api")
    examples = OfflineGenerator(ts.tools, TODAY, ts).generate(GenerateSpec(n=400, seed=2))
    tomorrow = [e for e in examples if e.category == "single" and "tomorrow" in e.first_user_message()
                and "after tomorrow" not in e.first_user_message()
                and _calls(e)[0][0] == "create_task"]
    assert tomorrow and all(_calls(e)[0][1]["due_date"] == "2026-03-03" for e in tomorrow)
    created = next(e for e in examples if e.category == "single" and _calls(e)[0][0] == "create_task")
    result = json.loads(next(m for m in created.messages if m["role"] == "tool")["content"])
    assert result["task_id"] == "task_43" and result["title"] == _calls(created)[0][1]["title"]
    # every error-recovery example contains a real stub error
    for e in (e for e in examples if e.category == "error_recovery"):
        assert any("error" in json.loads(m["content"]) for m in e.messages if m["role"] == "tool")
    # no-call categories never call
    assert all(not _calls(e) for e in examples if e.category in ("clarify", "no_tool"))
    # ids written the way people type them ("task 7", "#7") are called with the real id
    typed_id = re.compile(r"(?:task|#|number) ?#?(\d+)\b", re.I)
    typed = [(e, m.group(1)) for e in examples if e.category == "single" and "task_" not in e.first_user_message()
             for m in [typed_id.search(e.first_user_message())] if m]
    assert len(typed) >= 5
    for e, n in typed:
        assert any(args.get("task_id") == f"task_{n}" for _, args in _calls(e)), e.first_user_message()


def test_verification_rejects_with_stage_and_reasons():
    ts = sample_tools.get_toolset("task_api")
    tools = ts.tools

    def ex(calls, category="single"):
        return make_example([{"role": "user", "content": "x"},
                             {"role": "assistant", "content": None, "tool_calls": [
                                 {"id": f"c{i}", "type": "function",
                                  "function": {"name": n, "arguments": json.dumps(a)}} for i, (n, a) in enumerate(calls)]}],
                            tools, category=category)

    good = verify(ex([("complete_task", {"task_id": "task_7"})]), tools, ts)
    assert good.ok and good.checks == ["format", "execution"]
    bad_format = verify(ex([("complete_task", {"task_id": 7})]), tools, ts)
    assert (bad_format.ok, bad_format.stage) == (False, "format") and "type_mismatch" in bad_format.reasons[0]
    bad_run = verify(ex([("complete_task", {"task_id": "task_99"})]), tools, ts)
    assert (bad_run.ok, bad_run.stage) == (False, "execution") and "task task_99 not found" in bad_run.reasons[0]
    assert verify(ex([("complete_task", {"task_id": "task_99"})], "error_recovery"), tools, ts).ok
    no_error = verify(ex([("complete_task", {"task_id": "task_7"})], "error_recovery"), tools, ts)
    assert no_error.stage == "execution" and "no call returns an error" in no_error.reasons[0]
    judged = verify(ex([("complete_task", {"task_id": "task_7"})]), tools, ts, judge=lambda e: (False, "wrong task"))
    assert (judged.stage, judged.reasons, judged.checks) == ("semantic", ["wrong task"], ["format", "execution"])


def test_cli_generate_500_into_project_as_pending(tmp_path, capsys):
    project = _project(tmp_path)
    assert main(["generate", str(project.root), "--n", "500", "--seed", "1"]) == 0
    examples = project.load_examples().examples
    assert len(examples) == 500
    assert {e.status for e in examples} == {"pending"}
    assert {e.meta["source"] for e in examples} == {"offline"}
    assert all(e.meta["verification"] == {"ok": True, "checks": ["format", "execution"]} for e in examples)
    assert "500 pending review, 0 rejected" in capsys.readouterr().err
    # Again with the same seed: the requests the project has are drawn again, not made and rejected as
    # duplicates (they were, 500 of them); no existing example is replaced.
    assert main(["generate", str(project.root), "--n", "500", "--seed", "1"]) == 0
    again = project.load_examples().examples
    assert len(again) == 1000 and len({e.id for e in again}) == 1000
    first = {request_key(e.first_user_message()) for e in again[:500]}
    calls = [e for e in again[500:] if e.category not in ("no_tool", "clarify")]
    assert calls and not any(request_key(e.first_user_message()) in first for e in calls)
    assert not any(e.meta["verification"].get("stage") == "dedupe" for e in again[500:])


def test_cli_generate_errors_name_the_field(tmp_path, capsys):
    project = _project(tmp_path)
    assert main(["generate", str(project.root), "--mix", "single=1,chitchat=2"]) == 2
    assert "unknown category chitchat" in capsys.readouterr().err
    assert main(["generate", str(project.root), "--n", "0"]) == 2
    assert "--n" in capsys.readouterr().err
    assert main(["generate", str(project.root), "--tools", "create_task,fly"]) == 2
    assert "unknown tool(s) fly" in capsys.readouterr().err
    with pytest.raises(ValueError, match="expected CATEGORY=SHARE"):
        parse_mix("single")


def test_cli_generate_respects_the_project_lock(tmp_path, capsys):
    project = _project(tmp_path)
    other = ProjectLock(project.root)
    (project.root / ".workbench.lock").write_text(json.dumps({"pid": 1, "host": __import__("socket").gethostname()}))
    assert not other.acquire()
    assert main(["generate", str(project.root), "--n", "5"]) == 2
    assert "open in another process" in capsys.readouterr().err
    out = tmp_path / "gen.jsonl"
    assert main(["generate", str(project.root), "--n", "5", "--out", str(out)]) == 0
    assert len(ExampleFile.load(out).examples) == 5 and project.load_examples().examples == []


def test_tools_without_stubs_skip_what_needs_results(tmp_path):
    tools = sample_tools.get_toolset("weather").tools
    project = init_project(tmp_path / "w", tools, settings=Settings(name="w", today=TODAY))
    result = generate(project, GenerateSpec(n=60, seed=0))
    cats = Counter(e.category for e in result.examples)
    assert "multi_step" not in cats and "error_recovery" not in cats
    assert any("moved to single" in n for n in result.notes)
    assert len(result.accepted) == 60 and result.accepted[0].meta["verification"]["checks"] == ["format"]


# -- the teacher, over real HTTP on loopback

def test_teacher_generates_through_a_real_openai_compatible_server(tmp_path, monkeypatch):
    with ScriptedTeacher() as teacher:
        monkeypatch.setenv("TEACHER_KEY", "sk-test-123")
        project = _project(tmp_path, teacher=TeacherSettings(base_url=teacher.url, model="teacher-1",
                                                             api_key_env="TEACHER_KEY"))
        spec = GenerateSpec(n=24, source="teacher", mix={"single": 14, "clarify": 5, "no_tool": 5}, concurrency=3,
                            semantic_check=True)
        seen = []
        result = generate(project, spec, progress=lambda phase, done, total: seen.append((phase, done, total)))
    assert len(result.examples) == 24
    singles = Counter(e.meta["verification"].get("stage", "ok") for e in result.examples if e.category == "single")
    # 14 singles come in replies of 5, 5 and 4; the second of each names an unknown tool, the
    # fourth a task that does not exist.
    assert singles == {"ok": 8, "format": 3, "execution": 3}
    rejected = [e for e in result.examples if e.status == "rejected"]
    assert any("unknown_tool" in r for e in rejected for r in e.meta["verification"]["reasons"])
    accepted = result.accepted
    assert all(e.meta["source"] == "teacher" and e.meta["teacher"] == "teacher-1" for e in accepted)
    assert {e.meta["verification"]["checks"][-1] for e in accepted if e.category == "single"} == {"semantic"}
    # 429 and 500 were retried, the non-JSON reply was asked again, tokens were counted
    assert result.tokens[0] >= 100 * 6 and result.tokens[1] >= 50 * 6
    assert set(teacher.auth) == {"Bearer sk-test-123"}
    assert "sk-test-123" not in (project.root / "workbench.toml").read_text()
    assert ("generate", 24, 24) in seen and ("verify", 24, 24) in seen


def test_teacher_settings_errors_say_what_to_set():
    with pytest.raises(TeacherError, match="no teacher model"):
        TeacherConfig.from_settings(TeacherSettings(), env={})
    with pytest.raises(TeacherError, match="no teacher endpoint"):
        TeacherConfig.from_settings(TeacherSettings(model="m"), env={})
    cfg = TeacherConfig.from_settings(TeacherSettings(model="m"), env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert cfg.base_url == "http://127.0.0.1:9/v1"


def test_teacher_unreachable_is_reported_not_raised():
    cfg = TeacherConfig("http://127.0.0.1:9/v1", "m", "k")  # nothing listens on port 9
    gen = TeacherGenerator(cfg, sample_tools.get_toolset("task_api").tools, TODAY, max_retries=0, timeout=2)
    out = gen.generate(GenerateSpec(n=3, source="teacher", mix={"no_tool": 1}))
    assert out == [] and gen.stats.failures and "Connection" in gen.stats.failures[0]


def test_categories_are_the_example_categories():
    assert set(GenerateSpec().mix) == set(CATEGORIES)


def test_a_renamed_tool_falls_back_to_wording_from_the_schema(tmp_path):
    """The Task API phrasebook knows its tools by name; a project that renamed one still generates."""
    import sample_tools
    from workbench.generate import GenerateSpec, generate
    from workbench.project import Settings, init_project

    ts = sample_tools.get_toolset("task_api")
    tools = json.loads(json.dumps(ts.tools))
    tools[0]["function"]["name"] = "create_tasks"
    project = init_project(tmp_path / "p", tools, settings=Settings(name="t", today="2026-03-02"), template=ts.folder)
    result = generate(project, GenerateSpec(n=60, seed=1))  # it raised KeyError: 'create_tasks'
    assert result.accepted
    assert any("create_tasks: not in the project's phrasebook (phrases.py)" in n for n in result.notes)
