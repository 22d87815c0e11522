"""A DataTable whose cursor row carries a visible marker, not only a colour.

The row cursor of Textual's DataTable is a background colour: lost in a terminal without
colours, in a tmux capture read as text, and easy to miss in a low-contrast theme. This
table draws `▸` in the padding cell before the cursor row's first column.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.widgets import DataTable

MARK = "▸"


class MarkedTable(DataTable):
    # `_render_cell` is DataTable's per-cell renderer (cached by cursor state, so the marker
    # follows the cursor without a refresh of our own). Overriding it is the narrowest hook:
    # the public API has none for decorating the cursor row.
    def _render_cell(self, row_index, column_index, base_style, width, cursor=False, hover=False):
        lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        if (cursor and column_index == 0 and row_index >= 0 and self.cursor_type == "row" and self.show_cursor
                and self.cell_padding and lines and lines[0] and lines[0][0].text.startswith(" ")):
            first, *rest = lines[0]
            lines = [[Segment(MARK + first.text[1:], first.style, first.control), *rest], *lines[1:]]
        return lines
