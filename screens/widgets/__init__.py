from screens.widgets.conversation import ConversationView
from screens.widgets.example_table import ExampleTable, Row
from screens.widgets.header import WorkbenchHeader
from screens.widgets.loss_plot import LossPlot
from screens.widgets.marked_table import MarkedTable

__all__ = ["ConversationView", "ExampleTable", "LossPlot", "MarkedTable", "Row", "WorkbenchHeader"]
