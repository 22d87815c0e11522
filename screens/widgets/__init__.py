# LossPlot is imported from screens.widgets.loss_plot by the Train screen alone: its plot library
# would otherwise load before the app's first frame.
from screens.widgets.conversation import ConversationView
from screens.widgets.example_table import ExampleTable, Row
from screens.widgets.header import WorkbenchHeader
from screens.widgets.marked_table import MarkedTable

__all__ = ["ConversationView", "ExampleTable", "MarkedTable", "Row", "WorkbenchHeader"]
