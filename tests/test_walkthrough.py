"""The README's whole path, typed into the real `workbench` in a real 80x24 terminal (tmux).

Curate, edit a schema and save it without and with affected examples, generate, train a few
steps, stop, resume, evaluate a few cases, chat, run a stub, save the chat as an example: every
step is keys in and screen text out, as a user over SSH would see it.
"""

import json
import os
import shutil
import time

import pytest

from tests.app_helpers import make_project
from tests.test_terminal import WORKBENCH, Tmux
from workbench.project import Project

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"), pytest.mark.model]


@pytest.fixture
def term(tmp_path):
    t = Tmux("walk", tmp_path)
    yield t
    t.kill()


def type_text(term: Tmux, text: str) -> None:
    time.sleep(0.5)  # a dialog that just appeared gives its field the focus a moment later
    term.tmux("send-keys", "-t", term.name, "-l", text)


def press(term: Tmux, *keys: str, pause: float = 0.3) -> None:
    """One key at a time, as a person types: escape then a digit sent together reads as alt+digit."""
    for key in keys:
        term.keys(key)
        time.sleep(pause)


def test_the_readme_path_at_80x24(term, tmp_path, model_cache):
    project = make_project(tmp_path / "proj")
    # Short free strings under the grammar (a setting users have): the 3-step adapter's call then
    # closes well inside Chat's token limit, so there is a call to run on the stubs.
    project.settings.max_string_length = 24
    project.save_settings()
    assert Project.open(project.root).settings.max_string_length == 24
    env = (f"env TERM=xterm-256color WORKBENCH_HOME={tmp_path / 'home'} WORKBENCH_CACHE={model_cache} "
           "HF_HUB_OFFLINE=1")
    term.start(f"{env} {WORKBENCH} {project.root}")
    term.wait_for("66 of 66 shown")
    marks = [("start", time.monotonic())]

    # Curate: accept the single-call examples shown by a filter, and one more by hand.
    press(term, "/")
    type_text(term, "cat:single")
    press(term, "Enter")
    term.wait_for("of 66 shown")
    press(term, "A")
    term.wait_for("Mark all")
    press(term, "y")
    screen = term.wait_for("examples marked accepted")
    assert "0 accepted" not in screen

    marks.append(("curate", time.monotonic()))

    # A schema edit that touches no example saves at once; a rename offers to migrate.
    press(term, "1")
    term.wait_for("^t JSON/Form")
    press(term, "C-t", "Tab", "End")
    type_text(term, " Today's date is in the prompt.")
    press(term, "C-s")
    term.wait_for("Saved tools.json.")
    press(term, "C-t", "C-t", "End")
    type_text(term, "s")
    press(term, "C-s")
    term.wait_for("This schema change affects examples")
    press(term, "m")
    term.wait_for("migrated")

    marks.append(("schema", time.monotonic()))

    # Generate: offline, verified, pending (escape leaves the name field, so 2 switches modes).
    press(term, "Escape", "2", "C-g")
    term.wait_for("Generate examples")
    press(term, "C-s")
    term.wait_for("src:offline status:pending", timeout=60)

    marks.append(("generate", time.monotonic()))

    # Train a few steps, stop after the first, resume to the end.
    press(term, "3")
    term.wait_for("press s to start one")  # a key sent before the screen is up would be lost
    press(term, "s")
    term.wait_for("New training run")
    press(term, "Tab", "Tab", "Tab", "Tab", "C-a", "C-k")  # from the preset: fine-tuning, learning rate, epochs, max steps
    type_text(term, "3")
    press(term, "Tab", "Tab", "C-a", "C-k")  # past the time budget, to the batch size
    type_text(term, "2")
    press(term, *["Tab"] * 4, "C-a", "C-k")  # eval every N steps (the LoRA fields are off for full fine-tuning)
    type_text(term, "100")
    press(term, "C-s")
    term.wait_for("running", timeout=60)
    term.wait_for("step 1/3", timeout=300)
    press(term, "x")
    term.wait_for("stopped", timeout=120)
    press(term, "r")
    term.wait_for("finished", timeout=300)
    run_id = next(p.name for p in (project.root / "runs").iterdir())
    assert run_id in term.screen()  # the whole id, at 80 columns
    # The keys reached the fields they were meant for (a field added to the dialog moves them).
    config = json.loads((project.root / "runs" / run_id / "config.json").read_text())
    assert (config["max_steps"], config["batch_size"], config["eval_every"]) == (3, 2, 100), config

    marks.append(("train", time.monotonic()))

    # Evaluate the run on two cases, with progress shown.
    press(term, "4")
    term.wait_for("Failures by label")
    press(term, "e")
    term.wait_for("Evaluate on the val split")
    type_text(term, "2")
    press(term, "C-s")
    screen = term.wait_for("on val: 2 cases", timeout=180)
    assert "tool selection" in screen

    marks.append(("eval", time.monotonic()))

    # Chat with the run: a required call, run on the stubs, then saved as an example.
    press(term, "5")
    term.wait_for("choice auto")
    press(term, "C-f")
    term.wait_for("choice required")
    type_text(term, "Show me my open tasks")
    press(term, "Enter")
    term.wait_for("pieces in", timeout=120)
    # A call card, checked against its schema: mounted with the status line, painted a frame or two
    # after it (a capture between the two showed the status and an empty transcript).
    screen = term.wait_for("⚙", timeout=10)
    first = next(line for line in screen.splitlines() if "pieces in" in line)
    press(term, "C-g")
    screen = term.wait_for("tool: ", timeout=60)
    if "cannot be undone" in screen:
        press(term, "y")
    deadline = time.monotonic() + 120  # the model continues after the stub's result
    while time.monotonic() < deadline:
        status = [line for line in term.screen().splitlines() if "pieces in" in line]
        if status and status[0] != first:
            break
        time.sleep(0.3)
    else:
        raise AssertionError(f"no answer after the tool result:\n{term.screen()}")
    press(term, "C-s")
    term.wait_for("ctrl+s")
    press(term, "C-s")
    term.wait_for("Saved as pending example")
    marks.append(("chat", time.monotonic()))
    press(term, "C-q")
    time.sleep(1)
    print("walkthrough:", ", ".join(f"{b[0]} {b[1] - a[1]:.0f}s" for a, b in zip(marks, marks[1:])))

    # Reopened, the app reattaches to the run: its whole curve and its state, read from the run's files.
    # (A second tmux server: the first one exits with its last session, and its socket may linger.)
    (tmp_path / "again").mkdir()
    term = Tmux("again", tmp_path / "again")
    term.start(f"{env} {WORKBENCH} {project.root}")
    term.wait_for(" shown · ")
    press(term, "3")
    screen = term.wait_for("step 3/3")
    assert f"loss · {run_id}" in screen and "finished" in screen
    assert f"▸{run_id}" in screen  # the runs table marks its cursor row in text (in the cell padding)
    press(term, "C-q")
    time.sleep(1)
    term.kill()

    examples = Project.open(project.root).load_examples().examples
    assert any(e.meta.get("source") == "chat" and e.status == "pending" for e in examples)
    assert any(e.meta.get("source") == "offline" for e in examples)
    assert any("create_tasks" in e.called_tools() for e in examples)
    assert os.path.exists(project.root / "runs" / run_id / "model" / "model.safetensors")  # full: the CPU default
