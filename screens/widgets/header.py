"""One line at the top: project, base model, read-only and unsaved state."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static


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
        parts = [f"[b]Workbench[/b] · {self.project}", f"model {self.model}"]
        if self.mode:
            parts.insert(1, f"[b]{self.mode}[/b]")
        if self.read_only:
            parts.append("[reverse] read-only [/reverse]")
        if self.dirty:
            parts.append("[bold $warning]● unsaved[/]")
        return "  ".join(parts)
