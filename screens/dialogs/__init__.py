from screens.dialogs.confirm import ConfirmDialog
from screens.dialogs.coverage import CoverageDialog
from screens.dialogs.evaluate import EvalDialog, EvalRequest
from screens.dialogs.example_editor import ExampleEditor
from screens.dialogs.export import ExportDialog
from screens.dialogs.generate import GenerateDialog
from screens.dialogs.migrate import MigrateDialog
from screens.dialogs.model_export import ModelExportDialog, ModelExportRequest
from screens.dialogs.new_example import NewExampleDialog
from screens.dialogs.param import ParamDialog
from screens.dialogs.prompt import PromptDialog
from screens.dialogs.prompt_preview import PromptPreview
from screens.dialogs.train_config import TrainDialog

__all__ = ["ConfirmDialog", "CoverageDialog", "EvalDialog", "EvalRequest", "ExampleEditor", "ExportDialog",
           "GenerateDialog", "MigrateDialog", "ModelExportDialog",
           "ModelExportRequest", "NewExampleDialog", "ParamDialog", "PromptDialog", "PromptPreview",
           "TrainDialog"]
