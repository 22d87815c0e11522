"""Validation of whole files and projects, and its report (rich table or JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.examples import ExampleFile
from workbench.problems import Problem
from workbench.tools import load_tools, validate_tools
from workbench.validation import ToolIndexCache, validate_example


@dataclass
class Finding:
    """A problem located in a file: `file:line` plus the example id where there is one."""

    file: str
    line: int
    example_id: str
    problem: Problem

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "example_id": self.example_id, **self.problem.to_dict()}

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    @property
    def style(self) -> str:
        return "red" if self.problem.is_error else "yellow"


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)
    examples: int = 0
    tools: int = 0

    @property
    def error_count(self) -> int:
        return sum(f.problem.is_error for f in self.findings)

    @property
    def warning_count(self) -> int:
        return len(self.findings) - self.error_count

    def to_dict(self) -> dict:
        return {"ok": self.error_count == 0, "examples": self.examples, "tools": self.tools,
                "errors": self.error_count, "warnings": self.warning_count,
                "problems": [f.to_dict() for f in self.findings]}

    def print(self, console=None) -> None:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        console = console or Console()
        if self.findings:
            shown = self.findings[:500]
            # A table only where every column but the message fits whole and the message keeps 40 columns.
            widest = [max(len(get(f)) for f in shown) for get in (lambda f: f.where, lambda f: f.example_id,
                                                                    lambda f: f.problem.code, lambda f: f.problem.path)]
            if console.width >= sum(widest) + 40 + 16:
                table = Table(show_lines=False, header_style="bold")
                for col in ("where", "example", "code", "path", "message"):
                    table.add_column(col, overflow="fold", no_wrap=col != "message")
                for f in shown:
                    # Text, not markup: messages quote patterns such as ^[a-z]{1,64}$ whose brackets rich would eat.
                    table.add_row(f.where, f.example_id, Text(f.problem.code, style=f.style), Text(f.problem.path),
                                  Text(f.problem.message))
                console.print(table)
            else:
                # A narrow terminal (80 columns over SSH): one finding per block, nothing squeezed into a column.
                for f in shown:
                    head = Text.assemble((f.where, "bold"), "  ", (f.problem.code, f.style),
                                         f"  {f.example_id}" if f.example_id else "")
                    console.print(head)
                    console.print(Text(f"  {f.problem.path}: " if f.problem.path else "  ") + Text(f.problem.message))
            if len(self.findings) > 500:
                console.print(f"... and {len(self.findings) - 500} more (use --json for all)")
        colour = "red" if self.error_count else "green"
        console.print(f"[{colour}]{self.error_count} errors[/], {self.warning_count} warnings in "
                      f"{self.tools} tools and {self.examples} examples")


def validate_tools_file(path: Path, report: ValidationReport) -> list[dict]:
    tools = load_tools(path)
    report.tools = len(tools)
    report.findings.extend(Finding(str(path), 0, "", p) for p in validate_tools(tools))
    return tools


def validate_examples_file(path: Path, default_tools: list[dict] | None, report: ValidationReport) -> None:
    ef = ExampleFile.load(path)
    cache = ToolIndexCache()
    for raw in ef.raw_lines():
        report.findings.append(Finding(str(path), raw.line, "", Problem("unparseable_line", raw.reason)))
    for ex in ef.examples:
        report.examples += 1
        for p in validate_example(ex, default_tools, cache):
            report.findings.append(Finding(str(path), ex.line, ex.id, p))


def validate_path(path: Path | None, tools_path: Path | None = None) -> ValidationReport:
    """Validate a project directory, an examples `.jsonl`, or a tools `.json`."""
    from workbench.project import Project, ensure_demo_project

    report = ValidationReport()
    if path is None or path.is_dir():
        project = Project.open(path) if path is not None else ensure_demo_project()
        tools = validate_tools_file(project.tools_path, report)
        validate_examples_file(project.examples_path, tools, report)
    elif path.suffix == ".json":
        validate_tools_file(path, report)
    else:
        if not path.exists():
            raise FileNotFoundError(f"{path}: file not found")
        tools = validate_tools_file(tools_path, report) if tools_path else None
        validate_examples_file(path, tools, report)
    report.findings.sort(key=lambda f: (f.file, f.line))  # stable: a line's problems keep their order
    return report
