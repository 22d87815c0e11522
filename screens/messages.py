"""App-wide messages. Workers post these; widgets change only in their handlers."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from workbench.problems import Problem


@dataclass
class ExamplesLoaded(Message):
    """The project's examples are in memory (loaded in a worker)."""

    count: int
    line_problems: list[str] = field(default_factory=list)
    store: object = None  # the ExampleStore, handed from the worker to the main thread
    summaries: list = field(default_factory=list)


@dataclass
class ValidationDone(Message):
    """Problems per example id, for every example (a full pass in a worker)."""

    problems: dict[str, list[Problem]]
    summaries: list = field(default_factory=list)


@dataclass
class ExamplesChanged(Message):
    """Examples were curated, edited or added; `ids` empty means many changed."""

    ids: list[str] = field(default_factory=list)


@dataclass
class ToolsSaved(Message):
    """tools.json was written; examples may need revalidating."""


@dataclass
class DirtyChanged(Message):
    """Unsaved edits appeared or went away (shown in the header)."""

    dirty: bool


@dataclass
class RunsListed(Message):
    """The runs of the project: (run id, status dict), oldest first."""

    runs: list[tuple[str, dict]]


@dataclass
class RunProgress(Message):
    """New metric lines, the status and new log text of one watched run."""

    run_id: str
    entries: list[dict]
    status: dict
    log: str
    reset: bool = False  # the entries are the run's whole history (a newly watched run)

    def can_replace(self, message: Message) -> bool:
        """The next progress of the same run supersedes this one once it carries this one's increments too:
        entries and log text are increments, so a dropped one would lose a point of the curve."""
        if not isinstance(message, RunProgress) or message.run_id != self.run_id:
            return False
        message.entries = self.entries + message.entries
        message.log = self.log + message.log
        message.reset = self.reset or message.reset
        return True


@dataclass
class GenerateProgress(Message):
    """A generation worker's progress: phase is "generate" or "verify"."""

    phase: str
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, GenerateProgress)


@dataclass
class GenerateDone(Message):
    """A generation finished; `result` is a workbench.generate.GenerationResult, or `error` says why not."""

    result: object = None
    error: str = ""


@dataclass
class ChatToken(Message):
    """A streamed answer so far for one chat pane (`asking` numbers the answer; `status` is a line to show).

    `text` is the whole answer so far, not a piece: a newer one supersedes a queued older one."""

    pane: str
    asking: int
    text: str
    status: str = ""

    def can_replace(self, message: Message) -> bool:
        return (isinstance(message, ChatToken) and (message.pane, message.asking) == (self.pane, self.asking)
                and not self.status)


@dataclass
class ChatAnswer(Message):
    """A chat pane's answer is complete (`raw` is the whole text), or failed with `error`."""

    pane: str
    asking: int
    raw: str = ""
    error: str = ""
    seconds: float = 0.0
    tokens: int = 0
    finish_reason: str = "stop"  # "length": cut at the token limit; "cancelled": stopped by the user


@dataclass
class EvalProgress(Message):
    """An evaluation's progress; only the newest matters, so a queued one is replaced."""

    model: str
    done: int
    total: int
    eta_s: float

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EvalProgress)


@dataclass
class EvalDone(Message):
    """An evaluation finished (`eval_id`), failed or was cancelled (`error`)."""

    eval_id: str = ""
    error: str = ""


@dataclass
class ModelExportProgress(Message):
    """How far an export of a run has come (0..1) and what it is doing."""

    fraction: float
    what: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ModelExportProgress)  # the converter reports each of hundreds of tensors


@dataclass
class ModelExported(Message):
    """An export of a run ended: what it wrote and how to serve it, or why it failed."""

    run_id: str
    written: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    error: str = ""
