"""Helpers for driving the real app in tests."""

from __future__ import annotations

from pathlib import Path

import sample_tools
from workbench.examples import ExampleFile
from workbench.project import Project, Settings, init_project


def make_project(root: Path, status: str | None = "pending") -> Project:
    """A Task API project with the seed examples, optionally all set to one status."""
    ts = sample_tools.get_toolset("task_api")
    project = init_project(root, ts.tools, settings=Settings(name="test", today="2026-03-02", toolset="task_api"),
                           examples=ts.seed_path.read_bytes())
    if status:
        ef = ExampleFile.load(project.examples_path)
        for ex in ef.examples:
            ex.meta["status"] = status
        ef.save()
    return project


LONG_RUNNING = {"watch-runs"}  # workers that live as long as their screen


async def settle(pilot, app) -> None:
    """Wait for background workers (loading, validation, saving) and the screen to catch up."""
    for _ in range(400):
        busy = [w for w in app.workers if w.is_running and w.group not in LONG_RUNNING]
        if app.store is not None and not busy:
            break
        await pilot.pause(0.02)
    await pilot.pause()
