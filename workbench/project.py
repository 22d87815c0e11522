"""The workspace on disk: a project directory, its settings, and the demo project.

    project/
      workbench.toml     settings (Settings below)
      tools.json         OpenAI tool definitions
      examples.jsonl     one example per line (workbench.examples)
      runs/  evals/      training runs and evaluations
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

import tomli_w
import tomllib
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbench.dates import fill_prompt, parse_day
from workbench.examples import ExampleFile
from workbench.fileio import atomic_write_bytes, atomic_write_text
from workbench.tools import dump_tools, load_tools

SETTINGS_FILE, TOOLS_FILE, EXAMPLES_FILE = "workbench.toml", "tools.json", "examples.jsonl"
DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant that can call tools. "
    "Call a tool only when the request needs one and you have every required value; "
    "if a required value is missing, ask for it. Otherwise answer directly.\n{calendar}"
)


class ProjectError(Exception):
    """A project cannot be opened or created; the message names the file and field."""


class TeacherSettings(BaseModel):
    """An OpenAI-compatible endpoint used to generate examples. The key is never stored here."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = ""
    """Endpoint URL, e.g. http://127.0.0.1:8000/v1; empty means the OPENAI_BASE_URL environment variable."""
    model: str = ""
    """Model name at that endpoint."""
    api_key_env: str = "OPENAI_API_KEY"
    """Name of the environment variable that holds the API key."""


class Settings(BaseModel):
    """Everything in `workbench.toml`."""

    model_config = ConfigDict(extra="forbid")

    name: str = "project"
    """Shown in the app's header."""
    base_model: str = "bundled:smollm2-135m"
    """Model spec: `bundled:smollm2-135m`, a local Hugging Face model directory, or a hub id when online."""
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    """System prompt for examples without their own. `{today}` is replaced by `today` (YYYY-MM-DD);
    `{calendar}` by the coming two weeks by name, so the model copies dates instead of counting."""
    today: str = Field(default_factory=lambda: _dt.date.today().isoformat())
    """The date `{today}` stands for (YYYY-MM-DD), fixed so that relative dates in examples stay right."""
    stubs: str = ""
    """The project's stubs module, relative to the project (default: stubs.py where it exists):
    functions named like the tools that run their calls (see workbench.toolset)."""
    toolset: str = ""
    """Unused: projects made before they held their own stubs named a bundled sample here. Copy
    that sample's stubs.py into the project (`workbench init` does it for new ones)."""
    split_seed: int = 13
    """Seed of the deterministic train/val split."""
    val_fraction: float = Field(0.15, ge=0.0, lt=1.0)
    """Share of accepted examples held out for validation."""
    max_string_length: int = Field(200, ge=8)
    """Constrained decoding: the longest string argument the grammar lets a model write where the schema sets
    no `maxLength` (so a call always closes instead of running on inside a string)."""
    teacher: TeacherSettings = Field(default_factory=TeacherSettings)

    @field_validator("today")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        return parse_day(value)

    def render_system_prompt(self, today: str | None = None) -> str:
        """The system prompt for `today` (default: the project's)."""
        return fill_prompt(self.system_prompt, today or self.today)


def load_settings(path: Path) -> Settings:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise ProjectError(f"{path}: not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: {exc}") from None
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        # pydantic prefixes a validator's own message with "Value error, ": the message says enough.
        raise ProjectError(f"{path}: field '{field}': {err['msg'].removeprefix('Value error, ')}") from None


class Project:
    """A project directory. Files are read on demand; every write is atomic."""

    def __init__(self, root: str | Path, settings: Settings):
        self.root = Path(root).resolve()
        self.settings = settings

    @classmethod
    def open(cls, root: str | Path) -> "Project":
        root = Path(root)
        if not (root / SETTINGS_FILE).exists():
            raise ProjectError(f"{root}: not a workbench project (no {SETTINGS_FILE}); create one with "
                               f"`workbench init {root}`")
        return cls(root, load_settings(root / SETTINGS_FILE))

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def tools_path(self) -> Path:
        return self.root / TOOLS_FILE

    @property
    def examples_path(self) -> Path:
        return self.root / EXAMPLES_FILE

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def evals_dir(self) -> Path:
        return self.root / "evals"

    def load_tools(self) -> list[dict]:
        if not self.tools_path.exists():
            return []
        return load_tools(self.tools_path)

    def save_tools(self, tools: list[dict]) -> None:
        atomic_write_text(self.tools_path, dump_tools(tools))

    def load_examples(self) -> ExampleFile:
        """The examples with any journalled curation (see workbench.store) applied."""
        from workbench.store import load_with_journal

        return load_with_journal(self.examples_path)

    def save_examples(self, ef: ExampleFile) -> None:
        """Write the whole file; the journal is folded in, so it is cleared."""
        from workbench.store import clear_journals

        ef.save()
        clear_journals(self.examples_path)

    def save_settings(self) -> None:
        data = self.settings.model_dump()
        if not data.get("toolset"):   # a field older projects have; new ones leave it out
            data.pop("toolset", None)
        atomic_write_bytes(self.settings_path, tomli_w.dumps(data).encode())

    def system_prompt(self, today: str | None = None) -> str:
        return self.settings.render_system_prompt(today)


def init_project(root: str | Path, tools: list[dict] | None = None, *, settings: Settings | None = None,
                 examples: bytes | None = None, template: Path | None = None) -> Project:
    """Create a project directory. Refuses to overwrite an existing project.

    `template`: a template folder (workbench.templates) whose tools, stubs, value pools and
    phrasebook the project starts from, with its examples (examples.jsonl) unless `examples` is
    given; `tools`, when given too, replace the template's."""
    root = Path(root)
    if (root / SETTINGS_FILE).exists():
        raise ProjectError(f"{root}: already a workbench project")
    root.mkdir(parents=True, exist_ok=True)
    project = Project(root, settings or Settings(name=root.resolve().name))
    project.save_settings()
    if template is not None:
        from workbench.templates import EXAMPLES_JSONL, TOOLS_JSON, copy_code

        tools = tools if tools is not None else load_tools(template / TOOLS_JSON)
        copy_code(template, project.root)
        if examples is None and (template / EXAMPLES_JSONL).is_file():
            examples = (template / EXAMPLES_JSONL).read_bytes()
    project.save_tools(tools or [])
    atomic_write_bytes(project.examples_path, examples or b"")
    project.runs_dir.mkdir(exist_ok=True)
    project.evals_dir.mkdir(exist_ok=True)
    return project


def workbench_home() -> Path:
    """Where the workbench keeps its own data (the demo project). WORKBENCH_HOME overrides it."""
    env = os.environ.get("WORKBENCH_HOME")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("workbench", appauthor=False))


DEMO_TODAY = "2026-03-02"  # the seed examples' relative dates ("tomorrow", "Friday") are written for this day


DEMO_PENDING_GENERATED = 60  # offline-generated examples waiting in the demo, so there is something to curate


DEMO_TEMPLATE = "task_api"


def ensure_demo_project() -> Project:
    """The demo project, created on first use from the Task API template: its tools and stubs, the
    hand-written seed examples (accepted), and offline-generated examples pending review."""
    root = workbench_home() / "demo"
    if (root / SETTINGS_FILE).exists():
        return Project.open(root)
    from workbench.generate import GenerateSpec, generate
    from workbench.templates import template_dir

    template = template_dir(DEMO_TEMPLATE)
    settings = Settings(name="demo", today=DEMO_TODAY)
    project = init_project(root, settings=settings, template=template,
                           examples=(template / "seed.jsonl").read_bytes())
    result = generate(project, GenerateSpec(n=DEMO_PENDING_GENERATED, seed=2026))
    ef = project.load_examples()
    for ex in result.examples:
        ef.append(ex)
    ef.save()
    return project
