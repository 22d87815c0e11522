"""Helpers for driving the real app in tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sample_tools
from workbench.examples import ExampleFile
from workbench.project import Project, Settings, init_project


def make_project(root: Path, status: str | None = "pending") -> Project:
    """A Task API project with the seed examples, optionally all set to one status."""
    ts = sample_tools.get_toolset("task_api")
    project = init_project(root, settings=Settings(name="test", today="2026-03-02"), template=ts.folder,
                           examples=ts.seed_path.read_bytes())
    if status:
        ef = ExampleFile.load(project.examples_path)
        for ex in ef.examples:
            ex.meta["status"] = status
        ef.save()
    return project


ROOMS = Path(__file__).parent / "data" / "rooms"  # a workplace toolset the project does not ship


def rooms_project(root: Path) -> Project:
    """A project on the rooms toolset (patterns, formats, bounds) with its six hand-written examples, accepted."""
    import json

    tools = json.loads((ROOMS / "tools.json").read_text())
    return init_project(root, tools, settings=Settings(name="rooms", today="2026-03-02"),
                        examples=(ROOMS / "examples.jsonl").read_bytes())


LONG_RUNNING = {"watch-runs"}  # workers that live as long as their screen


async def settle(pilot, app, timeout: float = 60.0) -> None:
    """Wait for background workers (loading, validation, saving) and the screen to catch up.

    Fails when they do not finish in `timeout` seconds: a test that carried on would
    assert on a half-loaded app and pass or fail by luck.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        busy = [w for w in app.workers if w.is_running and w.group not in LONG_RUNNING]
        if app.store is not None and not busy:
            break
        if loop.time() > deadline:
            names = ", ".join(w.description or w.name for w in busy) or "none (the store never loaded)"
            raise AssertionError(f"workers still running after {timeout:.0f} s: {names}")
        await pilot.pause(0.02)
    await pilot.pause()


def text_of(static) -> str:
    """What a Static shows, as plain text (its content may be a Rich renderable, not a string)."""
    from rich.console import Console

    console = Console(width=120, record=True, file=open("/dev/null", "w"))
    console.print(static.content)
    return console.export_text()
