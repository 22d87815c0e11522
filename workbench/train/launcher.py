"""Start, stop, resume: the trainer runs in its own process and session.

`start_new_session=True` puts the trainer in a new session, so neither closing the app
nor a dropped SSH connection (SIGHUP to the terminal's process group) stops it. Its
output goes to the run's log.txt, never to the terminal.

With more than one CUDA device visible, the same worker is started through
`accelerate launch --multi_gpu`; the run layout is the same.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from workbench.dataset import split_examples, split_fingerprint
from workbench.examples import serialize_entries
from workbench.fileio import atomic_write_bytes, atomic_write_text
from workbench.project import Project
from workbench.train.config import ConfigError, TrainConfig
from workbench.train.runs import ACTIVE, Run, new_run_id, now


class LaunchError(Exception):
    """The run was not started; the message (also in the run's status.json) says why."""


def prepare_run(project: Project, config: TrainConfig) -> Run:
    """Create runs/<id>/ with the config and the dataset snapshot. Fails early on what can be checked here."""
    run = Run(project.runs_dir / new_run_id())
    run.dir.mkdir(parents=True)
    atomic_write_text(run.path("config.json"), config.model_dump_json(indent=2))
    run.write_status("queued", created=now())
    try:
        _check_model(config.base_model)
        examples = project.load_examples().examples
        frac = config.val_fraction if config.val_fraction is not None else project.settings.val_fraction
        split = split_examples(examples, project.settings.split_seed, frac)
        if not split.train:
            accepted = sum(e.status == "accepted" for e in examples)
            raise ConfigError(f"the train split is empty: {accepted} accepted examples of {len(examples)} "
                              "(accept some in the Examples screen first)")
        from workbench.validation import validate_all

        invalid = validate_all(split.train + split.val, project.load_tools())
        if invalid:
            first = next(iter(invalid.items()))
            raise ConfigError(f"{len(invalid)} accepted examples are invalid, e.g. {first[0]}: {first[1][0]}")
    except Exception as exc:  # noqa: BLE001 - every reason is recorded in the run dir
        run.write_status("failed", error=str(exc))
        raise LaunchError(str(exc)) from None
    atomic_write_bytes(run.path("train.jsonl"), serialize_entries(split.train))
    atomic_write_bytes(run.path("val.jsonl"), serialize_entries(split.val))
    atomic_write_text(run.path("dataset.json"), json.dumps({
        "train": len(split.train), "val": len(split.val), "fingerprint": split_fingerprint(split),
        "split_seed": project.settings.split_seed, "val_fraction": frac,
        "system_prompt": project.system_prompt(), "system_prompt_template": project.settings.system_prompt,
        "today": project.settings.today, "project": str(project.root),
        "tools": project.load_tools()}, indent=2))
    return run


def _check_model(spec: str) -> None:
    from workbench.models import ModelError, resolve

    try:
        if spec.startswith("bundled:"):
            from workbench.models import bundled_gguf

            bundled_gguf(spec.split(":", 1)[1])  # cheap: conversion happens in the trainer process
        else:
            resolve(spec)
    except ModelError as exc:
        raise ConfigError(str(exc)) from None


def _command(run: Run, resume: bool) -> list[str]:
    args = ["-m", "workbench.train.worker", str(run.dir)] + (["--resume"] if resume else [])
    gpus = _cuda_devices()
    if gpus > 1:
        return [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(gpus),
                *args]
    return [sys.executable, *args]


def _cuda_devices() -> int:
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return len([d for d in visible.split(",") if d.strip()])
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    return sum(1 for line in out.stdout.splitlines() if line.startswith("GPU "))


def launch(run: Run, resume: bool = False, detach: bool = True) -> subprocess.Popen:
    """Start the trainer for `run` in its own session; returns the process (already detached)."""
    log = open(run.path("log.txt"), "ab")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.Popen(_command(run, resume), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=detach, env=env, cwd=Path(__file__).resolve().parents[2])
    log.close()
    run.write_status("queued", pid=proc.pid, host=os.uname().nodename)
    return proc


def stop(run: Run, timeout: float = 0.0) -> None:
    """Ask the trainer to stop: it saves a checkpoint and ends with status `stopped`."""
    st = run.status()
    if st.get("state") not in ACTIVE:
        return
    run.path("STOP").touch()  # read by the trainer between steps
    run.write_status("stopping")
    pid = st.get("pid")
    if pid:
        try:
            os.kill(int(pid), signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while timeout and time.monotonic() < deadline and run.status().get("state") in ACTIVE:
        time.sleep(0.2)


def resume(run: Run) -> subprocess.Popen:
    st = run.status()
    if st.get("state") in ("running", "queued", "stopping"):
        raise LaunchError(f"run {run.id} is still {st['state']}")
    if st.get("state") == "finished":
        raise LaunchError(f"run {run.id} already finished")
    if run.last_checkpoint() is None:
        raise LaunchError(f"run {run.id} has no checkpoint to resume from")
    run.path("STOP").unlink(missing_ok=True)
    return launch(run, resume=True)
