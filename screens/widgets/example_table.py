"""A table of examples that renders only the rows on screen.

Textual's DataTable slows down near a million cells and rebuilds on every filter; with
50,000 examples a filter must answer within a keystroke. This widget keeps a list of
`Row`s and draws visible lines on demand (the Line API), so filtering is a list
comprehension plus one refresh.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.summary import Summary

STATUS_GLYPH = {"accepted": ("✓", "green"), "rejected": ("✗", "red"), "pending": ("•", "yellow")}
COLUMNS = (("", 1), ("category", 14), ("tools", 22), ("ok", 3))  # then the first user message
MARK = "▸"  # the cursor row, visible without colour (a tmux capture, NO_COLOR) like MarkedTable's


Row = Summary  # the table draws one Summary per line


class ExampleTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    ExampleTable { background: $surface; overflow-x: hidden; scrollbar-size-vertical: 1; }
    ExampleTable:focus { background-tint: $foreground 3%; }
    """
    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
    ]

    cursor = reactive(0, always_update=True)

    class CursorMoved(Message):
        def __init__(self, table: "ExampleTable", row: Row | None):
            super().__init__()
            self.table = table
            self.row = row

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows: list[Row] = []

    # --------------------------------------------------------- data

    def set_rows(self, rows: list[Row], keep_id: str | None = None) -> None:
        self.rows = rows
        self.virtual_size = Size(0, len(rows) + 1)  # lines are drawn to the visible width
        target = 0
        if keep_id is not None:
            target = next((i for i, r in enumerate(rows) if r.id == keep_id), 0)
        self.cursor = min(target, max(0, len(rows) - 1))
        self._scroll_cursor_into_view()
        self.refresh()

    def update_row(self, row: Row) -> None:
        for i, r in enumerate(self.rows):
            if r.id == row.id:
                self.rows[i] = row
                self.refresh_line(i)
                return

    @property
    def current(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    # --------------------------------------------------------- cursor

    def watch_cursor(self, _old: int, _new: int) -> None:
        self.refresh()
        self.post_message(self.CursorMoved(self, self.current))

    def _scroll_cursor_into_view(self) -> None:
        # Row i is drawn on line i + 1 (line 0 is the header).
        height = max(1, self.scrollable_content_region.height - 1)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def action_move(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))
            self._scroll_cursor_into_view()

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.scrollable_content_region.height - 2))

    def action_jump(self, where: int) -> None:
        if self.rows:
            self.cursor = len(self.rows) - 1 if where < 0 else 0
            self._scroll_cursor_into_view()

    def on_click(self, event) -> None:
        y = event.y - 1 + self.scroll_offset.y
        if event.y >= 1 and 0 <= y < len(self.rows):
            self.cursor = y

    def on_resize(self) -> None:
        self.virtual_size = Size(0, len(self.rows) + 1)

    # --------------------------------------------------------- drawing

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        index = self.scroll_offset.y + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        return self._row(self.rows[index], index == self.cursor, width)

    def _header(self, width: int) -> Strip:
        style = Style(bold=True, underline=True)
        segs = [Segment(" "), *(Segment(f"{name:<{w}} ", style) for name, w in COLUMNS)]
        segs.append(Segment("first user message", style))
        return Strip(segs).adjust_cell_length(width, self.rich_style)

    def _row(self, row: Row, selected: bool, width: int) -> Strip:
        base = self.rich_style
        if selected:
            base = base + Style(reverse=True) if self.has_focus else base + Style(bgcolor="grey30")
        glyph, colour = STATUS_GLYPH.get(row.status, ("?", "white"))
        if row.errors:
            badge, badge_style = f"{min(row.errors, 99)}!", Style(color="red", bold=True)
        elif row.warnings:
            badge, badge_style = "~", Style(color="yellow")
        else:
            badge, badge_style = "ok", Style(color="green")
        (_, w_cat), (_, w_tools) = COLUMNS[1], COLUMNS[2]
        segs = [
            Segment(MARK if selected else " ", base + Style(bold=True)),
            Segment(glyph + " ", base + Style(color=colour, bold=True)),
            Segment(f"{row.category[:w_cat]:<{w_cat}} ", base),
            Segment(f"{_clip(row.tools, w_tools):<{w_tools}} ", base + Style(color="cyan")),
            Segment(f"{badge:<3} ", base + badge_style),
            Segment(row.message.replace("\n", " "), base),
        ]
        return Strip(segs).adjust_cell_length(width, base)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
