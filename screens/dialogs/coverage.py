"""Coverage of the dataset: counts per tool, parameter, enum value and category, gaps in red."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.coverage import Coverage
from workbench.examples import CATEGORIES


def _n(count: int) -> Text:
    return Text(str(count), style="bold red" if count == 0 else "")


def coverage_tables(cov: Coverage) -> list:
    tools = Table(title="calls per tool and parameter", expand=True)
    tools.add_column("tool / parameter")
    tools.add_column("calls", justify="right")
    tools.add_column("enum values")
    for t in cov.all_tools:
        tools.add_row(Text(t, style="bold"), _n(cov.tools[t]), "")
        for tool, p in cov.all_params:
            if tool != t:
                continue
            values = [(v, cov.enum_values[(t, p, v)]) for tt, pp, v in cov.all_enum_values if (tt, pp) == (t, p)]
            enum = Text(" ").join(Text(f"{v}={n}", style="bold red" if n == 0 else "") for v, n in values)
            tools.add_row(f"  {p}", _n(cov.params[(t, p)]), enum)
    cats = Table(title="examples per category", expand=True)
    cats.add_column("category")
    cats.add_column("examples", justify="right")
    for c in CATEGORIES:
        cats.add_row(c, _n(cov.categories[c]))
    if cov.categories["uncategorised"]:
        cats.add_row("uncategorised", str(cov.categories["uncategorised"]))
    return [tools, cats]


class CoverageDialog(ModalScreen[None]):
    BINDINGS = [Binding("escape,c,q", "dismiss", "Close")]

    def __init__(self, cov: Coverage):
        super().__init__()
        self.cov = cov

    def compose(self) -> ComposeResult:
        gaps = self.cov.gaps()
        with Vertical(classes="dialog wide tall"):
            yield Static(f"[b]Coverage[/b] of {self.cov.examples} accepted and pending examples. "
                         f"{len(gaps)} gaps in red. escape closes.", classes="dialog-text")
            with VerticalScroll():
                for table in coverage_tables(self.cov):
                    yield Static(table)
                if gaps:
                    yield Static("[b red]Gaps[/]\n" + "\n".join(f"• {g}" for g in gaps))

    def action_dismiss(self) -> None:
        self.dismiss(None)
