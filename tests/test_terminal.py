"""The real `workbench` in a real terminal (tmux): keys in, screen out, and a SIGKILL mid-curation."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.app_helpers import make_project
from workbench.project import Project

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
WORKBENCH = str(Path(sys.executable).with_name("workbench"))


class Tmux:
    def __init__(self, name: str, tmp: Path):
        self.name = name
        self.socket = str(tmp / "tmux.sock")

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=True).stdout

    def start(self, command: str) -> None:
        self.tmux("new-session", "-d", "-s", self.name, "-x", "80", "-y", "24", command)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-t", self.name, "-p")

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; screen:\n{self.screen()}")

    def pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", self.name, "#{pane_pid}").strip())

    def kill(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def term(tmp_path):
    t = Tmux("wb", tmp_path)
    yield t
    t.kill()


def test_curate_in_a_real_terminal_then_sigkill(term, tmp_path):
    project = make_project(tmp_path / "proj")
    env = f"env TERM=xterm-256color WORKBENCH_HOME={tmp_path / 'home'}"
    term.start(f"{env} {WORKBENCH} {project.root}")
    screen = term.wait_for("66 of 66 shown")
    assert "Add a task to call the plumber" in screen and "0 accepted" in screen
    # The cursor row is marked in text, not only in colour, and the mark follows the cursor.
    marked = [line for line in screen.splitlines() if "▸" in line]
    assert len(marked) == 1
    term.keys("j")
    deadline = time.monotonic() + 10
    while [line for line in term.screen().splitlines() if "▸" in line] == marked and time.monotonic() < deadline:
        time.sleep(0.1)
    moved = [line for line in term.screen().splitlines() if "▸" in line]
    assert len(moved) == 1 and moved != marked
    term.keys("k")
    term.keys("a")
    term.wait_for("1 accepted")
    term.keys("/")
    term.keys("plumber")
    screen = term.wait_for("1 of 66 shown")
    term.keys("Enter")  # back to the table
    time.sleep(0.3)
    term.keys("1")
    screen = term.wait_for("complete_task")
    assert "Tools" in screen and "list_tasks" in screen
    term.keys("2")
    term.wait_for("1 of 66 shown")
    # Kill the app outright, mid-session: the accept must already be on disk.
    os.kill(term.pid(), signal.SIGKILL)
    time.sleep(0.5)
    examples = Project.open(project.root).load_examples().by_id()
    assert examples["seed_001"].status == "accepted"
    assert sum(e.status == "accepted" for e in examples.values()) == 1
