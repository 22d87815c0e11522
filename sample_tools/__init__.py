"""The bundled sample toolsets, each a project template: `tools.json`, the stubs that run its calls
(`stubs.py`), the phrasebook the offline generator talks about it with (`phrases.py`), and for the
Task API a hand-written test set (`seed.jsonl`).

A project made from a template holds its own copies (`workbench init DIR --tools task_api`), and
the workbench finds them through the project (workbench.toolset), never through this package.
Tests and benchmarks use `get_toolset` to reach a template's files directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.tools import load_tools
from workbench.toolset import ProjectToolset

HERE = Path(__file__).parent
NAMES = ("task_api", "weather", "search_email")


@dataclass
class Sample(ProjectToolset):
    name: str = ""
    folder: Path = HERE

    @property
    def seed_path(self) -> Path:
        return self.folder / "seed.jsonl"


def get_toolset(name: str) -> Sample:
    folder = HERE / name
    if name not in NAMES or not (folder / "tools.json").exists():
        raise KeyError(f"no sample toolset named {name!r}; available: {', '.join(NAMES)}")
    return Sample(load_tools(folder / "tools.json"), folder / "stubs.py",
                  folder / "phrases.py" if (folder / "phrases.py").exists() else None, name=name, folder=folder)
