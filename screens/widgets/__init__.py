from screens.widgets.conversation import ConversationView
from screens.widgets.example_table import ExampleTable, Row
from screens.widgets.header import WorkbenchHeader

__all__ = ["ConversationView", "ExampleTable", "Row", "WorkbenchHeader"]
