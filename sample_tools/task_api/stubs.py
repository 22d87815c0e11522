"""Task API stubs over an in-memory SQLite database.

Signatures double as the tools' documentation: `workbench.tools.tools_from_module`
can rebuild tools.json's shape from them.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Literal, Optional

from workbench.toolset import ToolError

__all__ = ["create_task", "list_tasks", "update_task", "complete_task", "delete_task"]
DESTRUCTIVE = ("delete_task",)
Priority = Literal["low", "medium", "high"]

# A small, fixed starting world so multi-step examples can refer to real tasks.
_SEED = [
    ("task_3", "Renew passport", "", "2026-03-20", "high", ["personal"], "open"),
    ("task_7", "Book dentist appointment", "", "2026-03-06", "medium", ["health"], "open"),
    ("task_12", "Send invoice to Acme", "March consulting hours", "2026-03-03", "high", ["work", "billing"], "open"),
    ("task_15", "Water the plants", "", None, "low", ["home"], "open"),
    ("task_21", "Prepare quarterly report", "Q1 numbers for the board", "2026-03-31", "high", ["work"], "open"),
    ("task_28", "Buy birthday present for Sam", "", "2026-03-09", "medium", ["personal"], "open"),
    ("task_34", "Clean the garage", "", None, "low", ["home"], "done"),
    ("task_42", "Review pull request #311", "", "2026-03-04", "medium", ["work"], "open"),
]


class State:
    def __init__(self):
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE TABLE tasks (id TEXT PRIMARY KEY, n INTEGER, title TEXT, description TEXT,"
                        " due_date TEXT, priority TEXT, tags TEXT, status TEXT)")
        for tid, title, desc, due, prio, tags, status in _SEED:
            self.db.execute("INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?)",
                            (tid, int(tid.split("_")[1]), title, desc, due, prio, json.dumps(tags), status))
        self.next_id = 43


def make_state() -> State:
    return State()


def _row(r) -> dict:
    tid, _, title, desc, due, prio, tags, status = r
    task = {"task_id": tid, "title": title, "status": status, "priority": prio}
    if desc:
        task["description"] = desc
    if due:
        task["due_date"] = due
    if json.loads(tags):
        task["tags"] = json.loads(tags)
    return task


def _get(state: State, task_id: str):
    r = state.db.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
    if r is None:
        raise ToolError(f"task {task_id} not found")
    return r


def _check_date(value: Optional[str], field: str) -> None:
    if value is None:
        return
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ToolError(f"{field} must be a date as YYYY-MM-DD, got {value!r}") from None


def create_task(state: State, title: str, description: Optional[str] = None, due_date: Optional[dt.date] = None,
                priority: Optional[Priority] = None, tags: Optional[list[str]] = None) -> dict:
    """Create a new task in the user's task list.

    Args:
        title: Short title of the task.
        description: Longer notes about the task.
        due_date: Due date as YYYY-MM-DD.
        priority: How urgent the task is.
        tags: Labels for grouping tasks.
    """
    if not title.strip():
        raise ToolError("title must not be empty")
    _check_date(due_date, "due_date")
    tid = f"task_{state.next_id}"
    state.next_id += 1
    state.db.execute("INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?)",
                     (tid, int(tid[5:]), title, description or "", due_date, priority or "medium",
                      json.dumps(tags or []), "open"))
    return _row(_get(state, tid))


def list_tasks(state: State, status: Optional[Literal["open", "done", "all"]] = None,
               priority: Optional[Priority] = None, due_before: Optional[dt.date] = None,
               tag: Optional[str] = None) -> dict:
    """List the user's tasks, optionally filtered.

    Args:
        status: Which tasks to list; open by default.
        priority: Only tasks with this priority.
        due_before: Only tasks due before this date (YYYY-MM-DD).
        tag: Only tasks with this tag.
    """
    _check_date(due_before, "due_before")
    rows = [_row(r) for r in state.db.execute("SELECT * FROM tasks ORDER BY n")]
    status = status or "open"
    if status != "all":
        rows = [t for t in rows if t["status"] == status]
    if priority:
        rows = [t for t in rows if t["priority"] == priority]
    if due_before:
        rows = [t for t in rows if t.get("due_date") and t["due_date"] < due_before]
    if tag:
        rows = [t for t in rows if tag in t.get("tags", [])]
    return {"tasks": rows, "count": len(rows)}


def update_task(state: State, task_id: str, title: Optional[str] = None, description: Optional[str] = None,
                due_date: Optional[dt.date] = None, priority: Optional[Priority] = None) -> dict:
    """Change the title, description, due date or priority of an existing task.

    Args:
        task_id: Id of the task, like task_42.
        title: New title.
        description: New description.
        due_date: New due date as YYYY-MM-DD.
        priority: New priority.
    """
    _get(state, task_id)
    _check_date(due_date, "due_date")
    changes = {"title": title, "description": description, "due_date": due_date, "priority": priority}
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise ToolError("nothing to update: give a title, description, due_date or priority")
    for col, value in changes.items():
        state.db.execute(f"UPDATE tasks SET {col} = ? WHERE id = ?", (value, task_id))  # col is from the fixed dict
    return _row(_get(state, task_id))


def complete_task(state: State, task_id: str) -> dict:
    """Mark a task as done.

    Args:
        task_id: Id of the task, like task_42.
    """
    r = _row(_get(state, task_id))
    if r["status"] == "done":
        raise ToolError(f"task {task_id} is already done")
    state.db.execute("UPDATE tasks SET status = 'done' WHERE id = ?", (task_id,))
    return _row(_get(state, task_id))


def delete_task(state: State, task_id: str) -> dict:
    """Permanently delete a task. This cannot be undone.

    Args:
        task_id: Id of the task, like task_42.
    """
    _get(state, task_id)
    state.db.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
    return {"deleted": task_id}
