"""The Train screen's stats line. Starting, watching, stopping, resuming and reattaching to a real run
from the screen are walked in a real terminal by tests/test_walkthrough.py."""


import pytest

pytestmark = pytest.mark.model


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
