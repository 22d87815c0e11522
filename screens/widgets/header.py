"""One line at the top: project, the modes with their keys (the current one marked), base model, and state."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

MODES = ("Tools", "Examples", "Train", "Eval", "Chat")


class WorkbenchHeader(Static):
    DEFAULT_CSS = """
    WorkbenchHeader {
        dock: top;
        height: 1;
        background: $primary-background;
        color: $text;
        padding: 0 1;
    }
    """

    project = reactive("")
    model = reactive("")
    mode = reactive("")
    read_only = reactive(False)
    dirty = reactive(False)

    def show(self, app, mode: str) -> None:
        """Fill in the project, model and state from the app, for the screen called `mode`."""
        settings = app.project.settings
        self.project, self.model, self.mode = settings.name, settings.base_model, mode
        self.read_only, self.dirty = app.read_only, app.dirty

    def render(self) -> str:
        # The mode keys live here rather than in every footer: at 80 columns the footer has room
        # for the screen's own keys only.
        modes = " ".join(f"[reverse] {i} {m} [/]" if m == self.mode else f"{i} {m}"
                         for i, m in enumerate(MODES, 1))
        parts = [f"[b]Workbench[/b] · {self.project}", modes, self.model.removeprefix("bundled:")]
        if self.read_only:
            parts.append("[reverse] read-only [/reverse]")
        if self.dirty:
            parts.append("[bold $warning]● unsaved[/]")
        return "  ".join(parts)
