"""Run directories: `runs/<run-id>/` with everything a run needs to be understood later.

    config.json        the resolved TrainConfig, whole
    dataset.json       counts, the split fingerprint, the base model and the system prompt
    train.jsonl val.jsonl   the exact examples trained and held out
    status.json        queued|running|stopping|stopped|finished|failed (+ error, pid, host, times)
    log.txt            the trainer process's output
    metrics.jsonl      one JSON object per log or eval event
    checkpoint-N/      Trainer checkpoints (resume from the last)
    adapter/           the final LoRA adapter, tokenizer, chat template and workbench.json (finetune: lora)
    model/             or the whole fine-tuned model, the same way (finetune: full)
"""

from __future__ import annotations

import datetime as _dt
import json
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from workbench.fileio import atomic_write_text
from workbench.lock import pid_alive

STATES = ("queued", "running", "stopping", "stopped", "finished", "failed")
ACTIVE = ("queued", "running", "stopping")


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_run_id() -> str:
    return _dt.datetime.now().strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


@dataclass
class Run:
    dir: Path

    @property
    def id(self) -> str:
        return self.dir.name

    def path(self, name: str) -> Path:
        return self.dir / name

    # ---- status

    def read_status(self) -> dict:
        try:
            return json.loads(self.path("status.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {"state": "failed", "error": "status.json is missing or unreadable"}

    def write_status(self, state: str, **fields) -> dict:
        assert state in STATES, state
        previous = self.read_status() if self.path("status.json").exists() else {}
        status = {**previous, **fields, "state": state, "updated": now()}
        if state != "failed" and "error" not in fields:
            status.pop("error", None)  # a resumed run is no longer failed
        atomic_write_text(self.path("status.json"), json.dumps(status, indent=2))
        return status

    def status(self) -> dict:
        """The status, with a dead process detected: a run whose pid is gone is `died`."""
        st = self.read_status()
        if st.get("state") in ("running", "stopping") and st.get("pid"):
            same_host = st.get("host") == socket.gethostname()
            if same_host and not pid_alive(int(st["pid"])):
                st = {**st, "state": "died", "error": f"the training process (pid {st['pid']}) is gone "
                      "without finishing; resume continues from the last checkpoint"}
        return st

    @property
    def state(self) -> str:
        return self.status().get("state", "failed")

    # ---- contents

    def config(self) -> dict:
        return json.loads(self.path("config.json").read_text())

    def checkpoints(self) -> list[Path]:
        cps = [p for p in self.dir.glob("checkpoint-*") if p.is_dir() and p.name.split("-")[-1].isdigit()]
        return sorted(cps, key=lambda p: int(p.name.split("-")[-1]))

    def last_checkpoint(self) -> Path | None:
        cps = [p for p in self.checkpoints() if (p / "trainer_state.json").exists()]
        return cps[-1] if cps else None

    @property
    def adapter_dir(self) -> Path:
        return self.path("adapter")

    @property
    def model_dir(self) -> Path:
        return self.path("model")

    @property
    def output_dir(self) -> Path | None:
        """What the run trained, once it has finished: its LoRA adapter or its whole model."""
        if (self.adapter_dir / "adapter_config.json").exists():
            return self.adapter_dir
        if (self.model_dir / "config.json").exists():
            return self.model_dir
        return None

    def metrics(self) -> list[dict]:
        return read_metrics(self.path("metrics.jsonl"))[0]


def read_metrics(path: Path, offset: int = 0) -> tuple[list[dict], int]:
    """Complete metric lines from `offset` on, and the offset after the last complete line.

    A line still being written (no newline yet) is left for the next read.
    """
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return [], offset
    end = data.rfind(b"\n") + 1
    out = []
    for line in data[:end].splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a torn line from a killed writer; the next complete one follows
    return out, offset + end


def list_runs(runs_dir: Path) -> list[Run]:
    if not runs_dir.exists():
        return []
    return sorted((Run(p) for p in runs_dir.iterdir() if (p / "status.json").exists()), key=lambda r: r.id)


class RunNotFound(LookupError):
    """No run, or more than one, answers to what the user typed; the message lists what exists."""

    def __str__(self) -> str:
        return str(self.args[0])


def find_run(runs_dir: Path, ref: str) -> Run:
    """A run by its id, a unique prefix of its id, or the path of its directory."""
    path = Path(ref).expanduser()
    if (path / "status.json").exists():
        return Run(path.resolve())
    run = Run(runs_dir / ref)
    if "/" not in ref and run.path("status.json").exists():
        return run
    runs = list_runs(runs_dir)
    matches = [r for r in runs if r.id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise RunNotFound(f"{ref!r} matches {len(matches)} runs ({', '.join(r.id for r in matches[:5])}): "
                          "type more of the id")
    known = f"; its runs: {', '.join(r.id for r in runs[-5:])}" if runs else " (it has no runs)"
    raise RunNotFound(f"no run {ref!r} in {runs_dir}{known}. Give a run id, a unique prefix of one, "
                      "or a run directory")


def pick_run(runs_dir: Path, states: tuple[str, ...], what: str) -> Run:
    """The newest run in one of `states`, for commands given a project instead of a run."""
    runs = [r for r in list_runs(runs_dir) if r.state in states]
    if not runs:
        raise RunNotFound(f"{runs_dir.parent}: no run to {what} (none is {' or '.join(states)})")
    return runs[-1]
