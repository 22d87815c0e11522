"""Split, coverage, migration logic, and export/import round trips in every format."""

import json

import pytest

import sample_tools
from workbench.coverage import compute_coverage
from workbench.dataset import export_split, import_file, split_examples, split_fingerprint, stratum
from workbench.examples import ExampleFile
from workbench.migrate import Change, diff_tools, migrate_example
from workbench.validation import validate_all

SEED = "sample_tools/task_api/seed.jsonl"


@pytest.fixture
def seed():
    return ExampleFile.load(SEED).examples


def test_split_is_deterministic_stratified_and_order_independent(seed):
    a = split_examples(seed, seed=13, val_fraction=0.2)
    b = split_examples(list(reversed(seed)), seed=13, val_fraction=0.2)
    assert split_fingerprint(a) == split_fingerprint(b)
    assert split_fingerprint(a) != split_fingerprint(split_examples(seed, seed=14, val_fraction=0.2))
    assert not {e.id for e in a.train} & {e.id for e in a.val}
    assert len(a.train) + len(a.val) == len(seed)
    # Every stratum with 3+ examples has one in validation.
    strata = {stratum(e) for e in seed}
    for s in strata:
        members = [e for e in seed if stratum(e) == s]
        if len(members) >= 3:
            assert any(stratum(e) == s for e in a.val), s


@pytest.mark.parametrize("fmt", ["openai", "sharegpt", "hf"])
def test_export_then_import_gives_back_the_conversations(seed, tmp_path, fmt):
    split = split_examples(seed, seed=1, val_fraction=0.25)
    written = export_split(split, tmp_path, fmt, "You are a task assistant.")
    assert all(p.exists() for p in written)
    source = {"openai": tmp_path / "train.jsonl", "sharegpt": tmp_path / "train.json", "hf": tmp_path / "hf"}[fmt]
    imported, problems = import_file(source)
    assert problems == []
    if fmt == "hf":
        imported = [e for e in imported if e.id in {x.id for x in split.train}]
    assert len(imported) == len(split.train)
    assert validate_all(imported) == {}
    by_user = {e.first_user_message(): e for e in split.train}
    for ex in imported:
        original = by_user[ex.first_user_message()]
        assert ex.called_tools() == original.called_tools()
        assert ex.messages[0] == {"role": "system", "content": "You are a task assistant."}
        calls = [json.loads(c["function"]["arguments"]) for m in ex.messages for c in m.get("tool_calls") or []]
        want = [json.loads(c["function"]["arguments"]) for m in original.messages for c in m.get("tool_calls") or []]
        assert calls == want


def test_sharegpt_uses_llama_factory_roles(seed, tmp_path):
    split = split_examples(seed, seed=1, val_fraction=0.0)
    export_split(split, tmp_path, "sharegpt", "")
    rows = json.loads((tmp_path / "train.json").read_text())
    roles = {t["from"] for r in rows for t in r["conversations"]}
    assert roles == {"human", "gpt", "function_call", "observation"}
    assert json.loads((tmp_path / "dataset_info.json").read_text())["workbench_train"]["formatting"] == "sharegpt"


def test_import_reports_bad_lines_with_file_and_line(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n'
                    "oops\n{\"neither\": 1}\n")
    exs, problems = import_file(path)
    assert len(exs) == 1 and exs[0].status == "pending"
    assert problems[0].startswith(f"{path}:2: not JSON")
    assert problems[1] == f"{path}:3: neither 'messages' (OpenAI) nor 'conversations' (ShareGPT)"


def test_coverage_counts_and_gaps(seed):
    tools = sample_tools.get_toolset("task_api").tools
    cov = compute_coverage(seed, tools, statuses=("accepted",))
    assert cov.examples == len(seed)
    assert cov.tools["create_task"] == sum(e.called_tools().count("create_task") for e in seed)
    assert cov.enum_values[("list_tasks", "status", "done")] >= 1
    assert "list_tasks.priority = 'medium' never appears" in cov.gaps()


def test_diff_tools_finds_renames_removals_and_new_requirements():
    old = sample_tools.get_toolset("task_api").tools
    new = json.loads(json.dumps(old))
    new[0]["function"]["name"] = "add_task"
    props = new[2]["function"]["parameters"]["properties"]
    props["new_title"] = props.pop("title")
    del new[1]["function"]["parameters"]["properties"]["tag"]
    new[1]["function"]["parameters"]["required"] = ["status"]
    changes = set(diff_tools(old, new))
    assert changes == {Change("rename_tool", "add_task", "create_task", "add_task"),
                       Change("rename_param", "update_task", "title", "new_title"),
                       Change("remove_param", "list_tasks", "tag"),
                       Change("require_param", "list_tasks", new="status")}


def test_migrating_a_parameter_rename_keeps_examples_valid(seed):
    old = sample_tools.get_toolset("task_api").tools
    new = json.loads(json.dumps(old))
    props = new[2]["function"]["parameters"]["properties"]
    new[2]["function"]["parameters"]["properties"] = {("new_title" if k == "title" else k): v for k, v in props.items()}
    changes = diff_tools(old, new)
    migrated = [migrate_example(e, changes, new) for e in seed]
    assert validate_all(migrated) == {}
    update_args = [json.loads(c["function"]["arguments"]) for e in migrated for m in e.messages
                   for c in m.get("tool_calls") or [] if c["function"]["name"] == "update_task"]
    assert any("new_title" in a for a in update_args)
    assert not any("title" in a for a in update_args)


def test_saving_a_schema_change_leaves_no_accepted_example_invalid(tmp_path):
    from tests.app_helpers import rooms_project
    from workbench.migrate import save_tools
    from workbench.store import ExampleStore

    project = rooms_project(tmp_path / "p")
    old = project.load_tools()
    store = ExampleStore.open(project.examples_path)
    new = json.loads(json.dumps(old))
    book = new[0]["function"]["parameters"]
    book["required"].append("duration_minutes")           # not migratable: nobody knows the value
    listing = new[2]["function"]["parameters"]["properties"]
    listing["room_name"] = listing.pop("room")            # a rename: migratable

    result = save_tools(project, store, old, new, "migrate")

    assert project.load_tools() == new
    assert sorted(result.migrated) == ["rooms_003"]
    assert sorted(result.review) == ["rooms_006"]        # rooms_001 already gives a duration
    assert "now required" in store.index["rooms_006"].meta["notes"]
    problems = validate_all(store.examples, new)
    assert all(store.index[i].status == "pending" for i in problems), problems
    assert result.describe() == "Saved tools.json; 1 examples migrated, 1 marked for review."
    # Reopened from disk (journal replayed), the same holds.
    again = ExampleStore.open(project.examples_path)
    assert {e.id for e in again.examples if e.status == "accepted"} & set(validate_all(again.examples, new)) == set()


def test_saving_a_change_that_affects_nothing_writes_only_the_tools(tmp_path):
    from tests.app_helpers import rooms_project
    from workbench.migrate import save_tools
    from workbench.store import ExampleStore

    project = rooms_project(tmp_path / "p")
    old = project.load_tools()
    store = ExampleStore.open(project.examples_path)
    new = json.loads(json.dumps(old))
    new[1]["function"]["description"] += " Only future bookings."
    result = save_tools(project, store, old, new)
    assert result.touched == [] and result.describe() == "Saved tools.json."
    assert project.load_tools()[1]["function"]["description"].endswith("Only future bookings.")
    assert all(e.tools is None or e.tools == new for e in store.examples)
