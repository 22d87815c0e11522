"""`workbench` commands. With no command it opens the app on a project.

    workbench [DIR]                      open the app (the demo project when DIR is omitted)
    workbench init DIR [--tools SRC]     create a project; SRC is a JSON file, a .py module or sample_tools/NAME
    workbench validate PATH [--json]     check a project, an examples .jsonl or a tools .json
    workbench prepare-model [SPEC]       convert and cache a bundled model ahead of time
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

COMMANDS = ("init", "validate", "prepare-model")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")) or argv[0] in ("--read-only",):
        return _open_app(argv)
    parser = _parser()
    args = parser.parse_args(argv)
    return args.func(args)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="workbench", description="Fine-tune language models to call tools.")
    sub = p.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="create a project directory")
    init.add_argument("dir", type=Path)
    init.add_argument("--tools", help="tools JSON file, Python module, or sample_tools/NAME")
    init.add_argument("--name", help="project name (default: the directory name)")
    init.set_defaults(func=cmd_init)

    val = sub.add_parser("validate", help="validate a project, an examples file or a tools file")
    val.add_argument("path", type=Path, nargs="?", default=None, help="default: the demo project")
    val.add_argument("--tools", type=Path, help="tools for an examples file that has none of its own")
    val.add_argument("--json", action="store_true", help="machine-readable output")
    val.set_defaults(func=cmd_validate)

    prep = sub.add_parser("prepare-model", help="convert and cache a bundled model")
    prep.add_argument("spec", nargs="?", default="bundled:smollm2-135m")
    prep.set_defaults(func=cmd_prepare_model)
    return p


def _fail(message: str) -> int:
    print(f"workbench: {message}", file=sys.stderr)
    return 2


def _open_app(argv: list[str]) -> int:
    from workbench.project import Project, ProjectError, ensure_demo_project

    read_only = "--read-only" in argv
    rest = [a for a in argv if a != "--read-only"]
    try:
        project = Project.open(rest[0]) if rest else ensure_demo_project()
    except ProjectError as exc:
        return _fail(str(exc))
    from screens.app import run_app  # Textual is only imported when the app opens

    return run_app(project, read_only=read_only)


def cmd_init(args) -> int:
    from workbench.project import ProjectError, Settings, init_project
    from workbench.tools import ToolsFileError, import_tools

    tools: list[dict] = []
    toolset = ""
    if args.tools:
        src = args.tools.rstrip("/")
        try:
            if src.startswith(("sample_tools/", "sample_tools.")) and not Path(src).is_file():
                import sample_tools

                toolset = src.replace("sample_tools.", "sample_tools/").split("/", 1)[1]
                tools = sample_tools.get_toolset(toolset).tools
            else:
                tools = import_tools(src)
        except (ToolsFileError, KeyError) as exc:
            return _fail(str(exc).strip("'\""))
    try:
        project = init_project(args.dir, tools, settings=Settings(name=args.name or args.dir.resolve().name,
                                                                  toolset=toolset))
    except ProjectError as exc:
        return _fail(str(exc))
    print(f"created {project.root} with {len(tools)} tools")
    return 0


def cmd_validate(args) -> int:
    from workbench.report import ValidationReport, validate_path

    try:
        report: ValidationReport = validate_path(args.path, tools_path=args.tools)
    except Exception as exc:  # noqa: BLE001 - any unreadable input becomes one clear line, not a traceback
        from workbench.project import ProjectError
        from workbench.tools import ToolsFileError

        if isinstance(exc, (ProjectError, ToolsFileError, FileNotFoundError)):
            return _fail(str(exc))
        raise
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        report.print()
    return 1 if report.error_count else 0


def cmd_prepare_model(args) -> int:
    from workbench.models import ModelError, resolve

    try:
        path = resolve(args.spec)
    except ModelError as exc:
        return _fail(str(exc))
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
