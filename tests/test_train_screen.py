"""The Train screen with a real (tiny) run: start from the dialog, watch it live, reattach, pin to compare."""

import time

import pytest
from textual.widgets import Input, Static

from screens.app import WorkbenchApp
from screens.dialogs import TrainDialog
from tests.app_helpers import settle
from tests.test_train import small_project
from workbench.train.runs import list_runs

pytestmark = pytest.mark.model


async def wait_until(pilot, predicate, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.25)
    raise AssertionError("timed out")


async def test_start_watch_and_reattach(tmp_path, model_cache):
    project = small_project(tmp_path / "p", n=6)
    app = WorkbenchApp(project)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, TrainDialog)
        dialog.query_one("#cfg-max_steps", Input).value = "2"
        dialog.query_one("#cfg-batch_size", Input).value = "2"
        await pilot.press("ctrl+s")
        screen = app.screen
        await wait_until(pilot, lambda: screen.selected is not None
                         and screen.statuses.get(screen.selected, {}).get("state") == "finished")
        await pilot.pause(0.6)
        run_id = screen.selected
        steps = [m["step"] for m in screen.metrics[run_id] if "loss" in m]
        assert steps == [1, 2]
        assert "finished" in str(screen.query_one("#run-stats", Static).render())

        # Pin this run, then select another (a failed one) and both are drawn.
        from workbench.train.config import make_config
        from workbench.train.launcher import LaunchError, prepare_run

        await pilot.press("o")
        assert screen.overlay == run_id
        with pytest.raises(LaunchError):
            prepare_run(project, make_config("cpu-quick", base_model=str(tmp_path / "missing-model")))
        await pilot.pause(1.5)
        await pilot.press("down")
        await pilot.pause(0.5)
        assert screen.selected != run_id and screen.overlay == run_id

    # A new app on the same project shows the whole curve of the run.
    app = WorkbenchApp(project)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("3")
        screen = app.screen
        await wait_until(pilot, lambda: screen.selected is not None, timeout=20)
        screen.select(run_id)
        await wait_until(pilot, lambda: len(screen.metrics.get(run_id, [])) >= 2, timeout=20)
        assert [r.id for r in list_runs(project.runs_dir)][0] == run_id


def test_smoothed_loss_follows_the_trend_not_the_batch_to_batch_noise():
    from screens.train import stats_line
    from screens.widgets.loss_plot import smooth

    noisy = [2.0 if i % 2 else 0.1 for i in range(40)]  # chit-chat batch, JSON batch, ...
    s = smooth(noisy)
    assert s[0] == pytest.approx(0.1)  # debiased: the first point is the first loss, not a tenth of it
    assert max(s[20:]) - min(s[20:]) < 0.25 * (2.0 - 0.1)
    assert all(0.95 < v < 1.15 for v in s[20:])  # around 1.05, the mean of the two kinds of batch
    assert smooth([0.7] * 5) == pytest.approx([0.7] * 5)
    line = stats_line([{"step": 1, "loss": 2.0}, {"step": 2, "loss": 0.1}], {"state": "running"})
    assert "loss 0.1000 (smoothed" in line


def test_a_run_without_a_step_yet_says_what_it_is_doing():
    from screens.train import stats_line

    line = stats_line([], {"state": "running", "phase": "loading the model"})
    assert "loading the model… (the log below shows more)" in line
    assert "starting the trainer process" in stats_line([], {"state": "queued"})
    assert "…" not in stats_line([{"step": 1, "max_steps": 4, "loss": 1.0}], {"state": "running", "phase": "x"})
