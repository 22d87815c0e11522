"""Train and eval loss against step, optionally with a second run's curve overlaid."""

from __future__ import annotations

from textual_plotext import PlotextPlot


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
            plt.plot([s for s, _ in train], [v for _, v in train], label="train", marker="braille")
        if evals:
            plt.plot([s for s, _ in evals], [v for _, v in evals], label="eval", marker="dot")
        if overlay_id and overlay:
            other = [(m["step"], m["loss"]) for m in overlay if "loss" in m]
            if other:
                plt.plot([s for s, _ in other], [v for _, v in other], label=f"{overlay_id[-9:]} train",
                         marker="braille")
        plt.title(f"loss · {run_id}" if run_id else "no run selected")
        self.refresh()
