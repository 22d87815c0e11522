"""Mailbox stubs: a small in-memory mailbox to search and an outbox that records sent mail."""

from __future__ import annotations

import re
from typing import Optional

from workbench.toolset import ToolError

__all__ = ["search_db", "send_email"]
DESTRUCTIVE = ("send_email",)  # cannot be unsent

_MAILBOX = [
    {"id": "msg_1", "from": "alice@example.com", "subject": "Q1 budget review", "snippet": "Numbers attached for Friday."},
    {"id": "msg_2", "from": "bob@example.org", "subject": "Lunch on Thursday?", "snippet": "The new ramen place?"},
    {"id": "msg_3", "from": "billing@acme.test", "subject": "Invoice 2291 overdue", "snippet": "Please pay by March 10."},
    {"id": "msg_4", "from": "carol@example.com", "subject": "Offsite agenda", "snippet": "Draft agenda for the offsite."},
    {"id": "msg_5", "from": "alice@example.com", "subject": "Re: budget", "snippet": "Updated travel budget."},
]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def make_state() -> dict:
    return {"mailbox": list(_MAILBOX), "outbox": []}


def search_db(state: dict, query: str, max_results: Optional[int] = None) -> dict:
    """Search the user's mailbox and documents for matching items.

    Args:
        query: Words to search for.
        max_results: Maximum number of results.
    """
    words = [w for w in query.lower().split() if w]
    if not words:
        raise ToolError("query must not be empty")
    hits = [m for m in state["mailbox"]
            if any(w in (m["subject"] + " " + m["snippet"] + " " + m["from"]).lower() for w in words)]
    return {"results": hits[: max_results or 10], "total": len(hits)}


def send_email(state: dict, to: str, body: str, subject: Optional[str] = None) -> dict:
    """Send an email on the user's behalf.

    Args:
        to: Recipient's email address.
        body: Plain-text body of the email.
        subject: Subject line.
    """
    if not _EMAIL.match(to):
        raise ToolError(f"{to!r} is not a valid email address")
    msg_id = f"sent_{len(state['outbox']) + 1}"
    state["outbox"].append({"id": msg_id, "to": to, "subject": subject or "", "body": body})
    return {"sent": True, "message_id": msg_id}
