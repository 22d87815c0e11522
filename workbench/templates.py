"""Project templates: a folder with `tools.json` and, optionally, the project's own `stubs.py`,
`values.json`, `phrases.py` and `examples.jsonl` (examples as a user writes them, accepted),
copied into a new project (which then owns them and may change them).

A template is named by its folder (`workbench init DIR --tools path/to/template`) or, when a
package registers it under the entry-point group `workbench.templates`, by its name
(`--tools task_api`); the bundled samples are registered so by this project's pyproject.toml.
"""

from __future__ import annotations

import re
import shutil
from importlib.metadata import entry_points
from pathlib import Path

from workbench.toolset import PHRASES_FILE, STUBS_FILE, VALUES_FILE

GROUP = "workbench.templates"
TOOLS_JSON = "tools.json"
EXAMPLES_JSONL = "examples.jsonl"


class TemplateError(Exception):
    pass


def installed() -> dict[str, str]:
    """Registered templates: name -> the package that holds the folder (not imported here)."""
    return {ep.name: ep.value for ep in entry_points(group=GROUP)}


def template_dir(ref: str | Path) -> Path:
    """The folder of a template given as a path to its folder, or as the name of an installed one."""
    path = Path(ref)
    if (path / TOOLS_JSON).is_file():
        return path
    package = installed().get(re.split(r"[/.]", str(ref).rstrip("/"))[-1])   # "task_api", "pkg/task_api", "pkg.task_api"
    if package is not None:
        import importlib.util

        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            return Path(next(iter(spec.submodule_search_locations)))
    names = ", ".join(sorted(installed())) or "none installed"
    raise TemplateError(f"{ref}: not a template (a folder with {TOOLS_JSON}) or an installed template's name "
                        f"({names})")


def is_template(ref: str | Path) -> bool:
    try:
        template_dir(ref)
    except TemplateError:
        return False
    return True


def copy_code(template: Path, root: Path) -> list[str]:
    """Copy the template's stubs, phrasebook and value pools into a project; the names copied."""
    copied = []
    for name in (STUBS_FILE, PHRASES_FILE, VALUES_FILE):
        if (template / name).is_file():
            shutil.copyfile(template / name, root / name)
            copied.append(name)
    return copied
