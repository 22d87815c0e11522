"""Generation from a template's data alone: the Task API's own examples (sample_tools/task_api/
examples.jsonl) and value pools, without its phrasebook. What the examples teach (phrasings with
lists and the user's case, values from calls that worked), and what the generic answers and
error recoveries look like."""

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

from workbench.cli import main
from workbench.examples import ExampleFile
from workbench.generate import GenerateSpec, generate
from workbench.generate.phrasebook import describe, near_misses
from workbench.generate.phrasings import learn
from workbench.generate.schema_values import harvest
from workbench.project import Project

ROOT = Path(__file__).resolve().parents[1]
TASK_API = ROOT / "sample_tools/task_api"
TODAY = dt.date(2026, 3, 2)


def task_project(tmp_path, phrasebook: bool = False) -> Project:
    assert main(["init", str(tmp_path / "tasks"), "--tools", "task_api"]) == 0
    project = Project.open(tmp_path / "tasks")
    project.settings.today = TODAY.isoformat()
    project.save_settings()
    if not phrasebook:
        (project.root / "phrases.py").unlink()
    return project


def test_a_template_starts_the_project_with_its_own_examples_never_the_test_cases(tmp_path):
    project = task_project(tmp_path)
    mine = project.load_examples().examples
    assert len(mine) == 76 and all(e.status == "accepted" for e in mine)
    assert (project.root / "values.json").is_file()
    seed = ExampleFile.load(TASK_API / "seed.jsonl").examples
    assert not {e.first_user_message().lower() for e in seed} & {e.first_user_message().lower() for e in mine}


def test_phrasings_read_lists_and_keep_the_users_case():
    mine = ExampleFile.load(TASK_API / "examples.jsonl").examples
    tools = json.loads((TASK_API / "tools.json").read_text())
    phrasings = {p.text: p for p in learn(mine, tools, TODAY)}
    assert "Add a task to {0:title}, tagged {0:tags}, due {0:due_date}" in phrasings   # "home and admin"
    said = phrasings["new task: {0:title}, tag it {0:tags}"]
    assert said.lowered == {(0, "title")}
    assert said.fill([{"title": "Pay the parking fine", "tags": "car"}]) == "new task: pay the parking fine, tag it car"
    # Without a slot, for a clarifying request: a quoted title or an id becomes the thing acted on.
    quoted = next(p for text, p in phrasings.items() if text.startswith("Add '{0:title}' with"))
    assert quoted.without(0, "title", "a task").startswith("Add a task with")
    assert phrasings["get rid of {0:task_id}"].without(0, "task_id", "the task", names=True) == "get rid of the task"
    # The title stays as written where the user capitalised it.
    quoted = phrasings["Add '{0:title}' with high priority"] if "Add '{0:title}' with high priority" in phrasings \
        else phrasings["Add '{0:title}' with {0:priority} priority"]
    assert quoted.fill([{"title": "Pay the parking fine", "priority": "low"}]).startswith("Add 'Pay the parking fine'")
    # Relative days fill where a weekday was: "on tomorrow" is not said.
    haircut = phrasings["remind me to {0:title} on {0:due_date}"]
    assert haircut.fill([{"title": "Call mom", "due_date": "tomorrow"}]) == "remind me to call mom tomorrow"
    # A request answered by several call turns, or by a refused call, is not a one-call phrasing.
    texts = " | ".join(phrasings)
    assert "right away" not in texts and "complete task {0:task_id}" not in texts and "passport" not in texts


def test_values_come_only_from_calls_that_worked():
    mine = ExampleFile.load(TASK_API / "examples.jsonl").examples
    ids = set(harvest(mine)[("", "task_id")])
    assert ids >= {"task_15", "task_42", "task_21"} and not ids & {"21", "task_50"}


def test_near_misses_and_answers_in_words():
    assert near_misses("task_7") == ["task_27"]  # never "7" or "#7": they teach calling with any word
    assert near_misses("ORD-104871") == ["ORD-734097"]
    assert near_misses("Downtown") == [] and near_misses("2026") == [] and near_misses(7) == []
    tasks = {"tasks": [{"task_id": "task_3", "title": "Renew passport", "tags": ["personal"]},
                       {"task_id": "task_7", "title": "Book dentist appointment"}], "count": 2}
    assert describe(tasks) == "Found 2 tasks: task_3 (Renew passport), task_7 (Book dentist appointment)."
    assert describe({"tasks": [], "count": 0}) == "No tasks found."
    assert describe({"task_id": "task_3", "title": "Renew passport", "tags": ["personal"]}) == \
        "Done: task id task_3, title Renew passport."
    assert describe({"deleted": "task_15"}) == "Done: deleted task_15."


def test_the_task_api_generates_from_its_data_without_a_phrasebook(tmp_path):
    project = task_project(tmp_path)
    result = generate(project, GenerateSpec(n=300, seed=11))
    stages = Counter(e.meta["verification"].get("stage") for e in result.rejected)
    assert stages["format"] == 0 and stages["execution"] == 0, result.summary()
    assert {e.category for e in result.accepted} == {"single", "parallel", "clarify", "no_tool", "multi_step",
                                                     "error_recovery"}
    asks = [e.first_user_message() for e in result.accepted]
    # Titles from the template's value pool, said in the user's own phrasings.
    pool = json.loads((TASK_API / "values.json").read_text())["title"]
    titles = [json.loads(c["function"]["arguments"]).get("title") for e in result.accepted for m in e.messages
              for c in m.get("tool_calls") or [] if c["function"]["name"] == "create_task"]
    assert titles and sum(t in pool or t in {"Book a haircut", "Pay the electricity bill", "Water the garden",
                                             "Email the landlord about the heating", "Order office chairs",
                                             "Renew the domain name", "Back up the photos", "Fix the leaking tap"}
                          for t in titles) == len(titles)
    assert any(a.lower().startswith(("remind me to ", "new task: ", "put '")) for a in asks)   # the user's words
    # Clarifying requests read as requests: no empty quotes, no "Get rid" with its object cut off.
    clarify = [e.first_user_message() for e in result.accepted if e.category == "clarify"]
    assert not any("''" in a or ":," in a or a.rstrip(".?!") in ("Get rid", "Is done") for a in clarify), clarify
    # ... and point at the thing the way people do when they have not said which ("mark it as done").
    assert any(re.search(r"\b(that one|one of my tasks)\b", a) for a in clarify), clarify
    # Error recoveries start from an id the user got wrong, whole ("task_87", never a bare "87" or
    # "#87": calls made with any word of the request teach calling where the model should ask).
    recoveries = [e for e in result.accepted if e.category == "error_recovery"]
    first = [json.loads(e.messages[1]["tool_calls"][0]["function"]["arguments"]) for e in recoveries]
    ids = [a["task_id"] for a in first if "task_id" in a]
    assert ids and all(re.fullmatch(r"task_\d+", i) for i in ids), ids
    # Answers are sentences, not dumped JSON.
    assert not any(e.messages[-1]["content"].lstrip().startswith(("{", "Here is what I got")) for e in result.accepted)


def test_no_tool_turns_leave_out_what_the_projects_tools_might_serve():
    from workbench.generate.chitchat import chat_pool

    def asks(template: str) -> set[str]:
        tools = json.loads((ROOT / "sample_tools" / template / "tools.json").read_text())
        return {ask for ask, _ in chat_pool({t["function"]["name"]: t["function"] for t in tools})}

    assert "Email Sara the report" in asks("task_api") and "Email Sara the report" not in asks("search_email")
    assert "Will it rain today?" in asks("task_api") and "Will it rain today?" not in asks("weather")
    assert len(asks("task_api")) >= 40


def test_a_choice_that_filters_a_list_is_said_by_what_it_is(tmp_path):
    """A state is an adjective ("my open tasks"); another choice keeps its name ("my high priority
    tasks", "the tasks with low priority"); "all" is "all my tasks", never "my all tasks"."""
    project = task_project(tmp_path)
    result = generate(project, GenerateSpec(n=120, seed=5, mix={"single": 1.0}, tools=["list_tasks"]))
    said = [(e.first_user_message(), json.loads(c["function"]["arguments"])) for e in result.accepted
            for m in e.messages for c in m.get("tool_calls") or []]
    assert not any(re.search(r"\b(my|the) all\b", a) for a, _ in said), said
    named = [(a, args) for a, args in said if re.search(r"\b(\w+) priority tasks\b|\btasks with (\w+) priority\b", a)]
    assert len(named) >= 3, said
    assert all(re.search(rf"\b{args['priority']} priority\b", a) for a, args in named)
    assert any(re.search(r"\ball (my|the) tasks\b", a) and args.get("status") == "all" for a, args in said), said


def test_a_plain_and_mostly_asks_for_calls_at_once(tmp_path):
    """Hand-written cases join calls made at once with "and" ("I'm done with task_12 and task_42");
    a step that needs the one before says so ("then", "after that"), or points at what it made
    ("... and set it to high priority", "... and delete the task for it"). Half the linked pairs
    said a bare "and", and some "... and delete the task" without saying which: the model answered
    "close task_12 and task_42" with one call."""
    import random

    from workbench.generate.phrasebook import Phrasebook
    from workbench.generate.values import Dates

    project = task_project(tmp_path)
    pb = Phrasebook(project.load_tools(), Dates(TODAY))
    rng = random.Random(0)
    joined = [pb.sequence_request(["Create 'Call mom'", "delete the task for it"], rng, linked=True) for _ in range(300)]
    bare = sum(" and delete" in j for j in joined)
    assert 0 < bare <= 0.25 * len(joined)
    nexts = [pb._next_request("delete_task", {}, rng) for _ in range(100)]
    assert all(n.endswith((" for it", " for that one")) for n in nexts), nexts


def test_the_same_action_on_two_things_is_one_sentence(tmp_path):
    """"I'm done with task_12 and task_42", "Add two tasks: buy milk and buy eggs": six of the seed's
    eight parallel cases. Two requests joined ("Close task_12. Also, complete the task task_42")
    taught the generic Task API model to answer every one of them with one call."""
    project = task_project(tmp_path)
    result = generate(project, GenerateSpec(n=60, seed=4, mix={"parallel": 1.0}))
    pairs = [(e.first_user_message(), [c["function"] for m in e.messages for c in m.get("tool_calls") or []])
             for e in result.accepted]
    same = [(ask, calls) for ask, calls in pairs if len(calls) == 2 and calls[0]["name"] == calls[1]["name"]]
    assert len(same) >= len(pairs) // 3, pairs
    one_sentence = [(ask, calls) for ask, calls in same
                    if re.fullmatch(r"[^.;]*\b(task_\d+|#\d+|task \d+) and (task_\d+|#\d+|task \d+)\b[^.;]*", ask)]
    assert len(one_sentence) >= 3, same
    for ask, calls in one_sentence:   # both things said are both calls' values
        ids = {json.loads(c["arguments"]).get("task_id") for c in calls}
        assert len(ids) == 2 and all(i.split("_")[1] in ask for i in ids), (ask, calls)
