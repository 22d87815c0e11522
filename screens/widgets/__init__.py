from screens.widgets.conversation import ConversationView
from screens.widgets.example_table import ExampleTable, Row
from screens.widgets.header import WorkbenchHeader
from screens.widgets.loss_plot import LossPlot

__all__ = ["ConversationView", "ExampleTable", "LossPlot", "Row", "WorkbenchHeader"]
