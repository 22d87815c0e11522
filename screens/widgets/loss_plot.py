"""Train and eval loss against step, optionally with a second run's curve overlaid.

The per-step train loss is noisy: batches are length-sorted, so a batch of chit-chat
(1-3 nats per token) can follow a batch of copied JSON (0.05). The raw points are drawn
dim, with a smoothed line on top that shows the trend.
"""

from __future__ import annotations

from textual_plotext import PlotextPlot


def smooth(values: list[float], weight: float = 0.9) -> list[float]:
    """TensorBoard's smoothing: an exponential moving average, debiased so the first points are not pulled to 0."""
    out, avg = [], 0.0
    for i, v in enumerate(values, 1):
        avg = weight * avg + (1 - weight) * v
        out.append(avg / (1 - weight ** i))
    return out


class LossPlot(PlotextPlot):
    DEFAULT_CSS = """
    LossPlot { height: 1fr; min-height: 8; }
    """

    def show(self, run_id: str | None, metrics: list[dict], overlay_id: str | None = None,
             overlay: list[dict] | None = None) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("step")
        train = [(m["step"], m["loss"]) for m in metrics if "loss" in m]
        evals = [(m["step"], m["eval_loss"]) for m in metrics if "eval_loss" in m]
        if train:
            steps = [s for s, _ in train]
            plt.plot(steps, [v for _, v in train], label="train", marker="braille", color="gray")
            plt.plot(steps, smooth([v for _, v in train]), label="train, smoothed", marker="braille", color="blue+")
        if evals:
            plt.plot([s for s, _ in evals], [v for _, v in evals], label="eval", marker="dot", color="green+")
        if overlay_id and overlay:
            other = [(m["step"], m["loss"]) for m in overlay if "loss" in m]
            if other:
                plt.plot([s for s, _ in other], smooth([v for _, v in other]),
                         label=f"{overlay_id[-9:]} train, smoothed", marker="braille", color="magenta+")
        plt.title(f"loss · {run_id}" if run_id else "no run selected")
        self.refresh()
