"""A validation problem: one stable code, where it is, and what is wrong.

Tool schemas, examples and files all report through this one type so the CLI,
the app and the JSON output never disagree about what a problem looks like.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    path: str = ""  # JSON path inside the object, e.g. "messages[2].tool_calls[0].arguments.due_date"
    severity: Severity = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        return f"{self.severity} {self.code}{where}: {self.message}"
