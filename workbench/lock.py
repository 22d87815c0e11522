"""One writer per project: a lock file holding the owner's pid and host.

A second `workbench` on the same project opens it read-only. A lock whose process is
gone (crash, SIGKILL, reboot) is stale and is taken over.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

LOCK_FILE = ".workbench.lock"


@dataclass(frozen=True)
class LockOwner:
    pid: int
    host: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own child that exited but was not reaped) counts as dead.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def read_owner(root: Path) -> LockOwner | None:
    try:
        data = json.loads((root / LOCK_FILE).read_text())
        return LockOwner(int(data["pid"]), str(data["host"]))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def is_stale(owner: LockOwner) -> bool:
    # On another host we cannot check the pid; trust the lock.
    return owner.host == socket.gethostname() and not pid_alive(owner.pid)


class ProjectLock:
    """Acquire with `acquire()`; `owner` says who holds it when that fails."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.path = self.root / LOCK_FILE
        self.held = False
        self.owner: LockOwner | None = None

    def acquire(self) -> bool:
        me = {"pid": os.getpid(), "host": socket.gethostname()}
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = read_owner(self.root)
                if owner is not None and owner.pid == os.getpid() and owner.host == me["host"]:
                    self.held = True
                    return True
                if owner is None or is_stale(owner):
                    self.path.unlink(missing_ok=True)  # stale or unreadable: take it over
                    continue
                self.owner = owner
                return False
            with os.fdopen(fd, "w") as f:
                json.dump(me, f)
            self.held = True
            return True
        return False

    def release(self) -> None:
        if self.held:
            owner = read_owner(self.root)
            if owner is not None and owner.pid == os.getpid():
                self.path.unlink(missing_ok=True)
            self.held = False
